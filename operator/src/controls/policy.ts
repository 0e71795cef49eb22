// The organisation's rulebook with every default filled in (checklist step 1).
//
// The cluster-scoped CloudSecurityPolicy named `default` applies. Any field it leaves
// out, or the whole policy when there is none, takes the defaults below, chosen so an
// organisation without a policy still gets a reasonable A.5.23 baseline:
//
// | rule                            | public     | internal   | confidential | strictly-confidential |
// |---------------------------------|------------|------------|--------------|-----------------------|
// | certifiedProviderRequired       | false      | false      | true         | true                  |
// | customerSideEncryptionRequired  | false      | false      | false        | true                  |
// | mfaScope                        | privileged | privileged | privileged   | all                   |
// | maxAccessKeyAgeDays             | 90         | 90         | 90           | 30                    |
// | maxUnusedDays                   | 90         | 90         | 90           | 90                    |
// | maxBreachNotificationHours      | 72         | 72         | 48           | 24                    |
// | maxEvidenceAgeDays              | 365        | 365        | 365          | 365                   |
// | maxContractReviewAgeDays        | 365        | 365        | 365          | 365                   |
// | exitDrillMaxAgeDays             | 365        | 365        | 365          | 180                   |
// | auditRightRequired              | false      | false      | true         | true                  |
// | exitPlanRequired                | false      | true       | true         | true                  |
//
// Across classifications: permittedModels IaaS, PaaS, SaaS; approvedProviders aws,
// azure; permittedJurisdictions [] (any); no exempt conditions.
// maxEvidenceAgeDays is 365 because step 6 keeps "the most recent 12 months" of
// provider audit reports; 72 h matches the GDPR breach-notification window.
//
// Lists are taken literally: an empty `permittedModels` or `approvedProviders`
// permits nothing (fail safe), while an empty `permittedJurisdictions` means any
// (as documented on the CRD field). Numbers that are not finite and non-negative fall
// back to the default, and unknown exempt condition types are ignored.

import {
  PROVIDER_VALUES,
  SERVICE_MODEL_VALUES,
  type Classification,
  type ClassificationRule,
  type CloudSecurityPolicySpec,
  type Provider,
  type ServiceModel,
} from '../api/types.js';
import { CONTROL_FAMILIES, type ConditionType, type EffectivePolicy } from './types.js';

export const DEFAULT_POLICY_NAME = 'default';

export const ALL_SERVICE_MODELS: readonly ServiceModel[] = SERVICE_MODEL_VALUES;
export const DEFAULT_APPROVED_PROVIDERS: readonly Provider[] = PROVIDER_VALUES;

export type ResolvedRule = Required<ClassificationRule>;

export const DEFAULT_RULES: Readonly<Record<Classification, Readonly<ResolvedRule>>> = {
  public: {
    certifiedProviderRequired: false,
    customerSideEncryptionRequired: false,
    mfaScope: 'privileged',
    maxAccessKeyAgeDays: 90,
    maxUnusedDays: 90,
    maxBreachNotificationHours: 72,
    maxEvidenceAgeDays: 365,
    maxContractReviewAgeDays: 365,
    exitDrillMaxAgeDays: 365,
    auditRightRequired: false,
    exitPlanRequired: false,
  },
  internal: {
    certifiedProviderRequired: false,
    customerSideEncryptionRequired: false,
    mfaScope: 'privileged',
    maxAccessKeyAgeDays: 90,
    maxUnusedDays: 90,
    maxBreachNotificationHours: 72,
    maxEvidenceAgeDays: 365,
    maxContractReviewAgeDays: 365,
    exitDrillMaxAgeDays: 365,
    auditRightRequired: false,
    exitPlanRequired: true,
  },
  confidential: {
    certifiedProviderRequired: true,
    customerSideEncryptionRequired: false,
    mfaScope: 'privileged',
    maxAccessKeyAgeDays: 90,
    maxUnusedDays: 90,
    maxBreachNotificationHours: 48,
    maxEvidenceAgeDays: 365,
    maxContractReviewAgeDays: 365,
    exitDrillMaxAgeDays: 365,
    auditRightRequired: true,
    exitPlanRequired: true,
  },
  'strictly-confidential': {
    certifiedProviderRequired: true,
    customerSideEncryptionRequired: true,
    mfaScope: 'all',
    maxAccessKeyAgeDays: 30,
    maxUnusedDays: 90,
    maxBreachNotificationHours: 24,
    maxEvidenceAgeDays: 365,
    maxContractReviewAgeDays: 365,
    exitDrillMaxAgeDays: 180,
    auditRightRequired: true,
    exitPlanRequired: true,
  },
};

/** A classification outside the enum (defensive) gets the strictest rules. */
const STRICTEST: Classification = 'strictly-confidential';

function isClassification(value: string): value is Classification {
  return Object.prototype.hasOwnProperty.call(DEFAULT_RULES, value);
}

function days(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}

function flag(value: boolean | undefined, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

function isConditionType(value: string): value is ConditionType {
  return (CONTROL_FAMILIES as readonly string[]).includes(value);
}

/** The policy that applies to a service of `classification`, defaults filled in. */
export function resolvePolicy(
  spec: CloudSecurityPolicySpec | undefined,
  classification: Classification,
): EffectivePolicy {
  const effectiveClass = isClassification(classification) ? classification : STRICTEST;
  const defaults = DEFAULT_RULES[effectiveClass];
  const rule: ClassificationRule = spec?.classifications?.[effectiveClass] ?? {};
  return {
    classification: effectiveClass,
    permittedModels: [...(spec?.permittedModels ?? ALL_SERVICE_MODELS)],
    approvedProviders: [...(spec?.approvedProviders ?? DEFAULT_APPROVED_PROVIDERS)],
    permittedJurisdictions: [...(spec?.permittedJurisdictions ?? [])],
    certifiedProviderRequired: flag(rule.certifiedProviderRequired, defaults.certifiedProviderRequired),
    customerSideEncryptionRequired: flag(rule.customerSideEncryptionRequired, defaults.customerSideEncryptionRequired),
    mfaScope: rule.mfaScope === 'all' || rule.mfaScope === 'privileged' ? rule.mfaScope : defaults.mfaScope,
    maxAccessKeyAgeDays: days(rule.maxAccessKeyAgeDays, defaults.maxAccessKeyAgeDays),
    maxUnusedDays: days(rule.maxUnusedDays, defaults.maxUnusedDays),
    maxBreachNotificationHours: days(rule.maxBreachNotificationHours, defaults.maxBreachNotificationHours),
    maxEvidenceAgeDays: days(rule.maxEvidenceAgeDays, defaults.maxEvidenceAgeDays),
    maxContractReviewAgeDays: days(rule.maxContractReviewAgeDays, defaults.maxContractReviewAgeDays),
    exitDrillMaxAgeDays: days(rule.exitDrillMaxAgeDays, defaults.exitDrillMaxAgeDays),
    auditRightRequired: flag(rule.auditRightRequired, defaults.auditRightRequired),
    exitPlanRequired: flag(rule.exitPlanRequired, defaults.exitPlanRequired),
    exemptConditions: [...new Set((spec?.exemptConditions ?? []).filter(isConditionType))],
  };
}
