// Controls decide; they never read. Each is a pure function of its input.

import { CONTROL_CONDITION_TYPE_VALUES, type ControlConditionType } from '../api/types.js';
import type {
  Classification,
  CloudServiceSpec,
  ConditionStatus,
  MfaScope,
  ServiceModel,
  Provider,
  Severity,
} from '../api/types.js';
import type { InventoryResult } from '../inventory/types.js';
import type { DeclaredStateResult } from '../inventory/declared-state.js';
import type { ExitDrillResult } from '../inventory/exit-drill.js';
import type { ChangeFeed } from '../inventory/changes.js';

/** One condition type per control family (True is good): the CRD's enum is the source. */
export type ConditionType = ControlConditionType;

export const CONTROL_FAMILIES: readonly ConditionType[] = CONTROL_CONDITION_TYPE_VALUES;

/** The policy with every default filled in, for the service's classification. */
export interface EffectivePolicy {
  classification: Classification;
  permittedModels: ServiceModel[];
  approvedProviders: Provider[];
  permittedJurisdictions: string[];
  certifiedProviderRequired: boolean;
  customerSideEncryptionRequired: boolean;
  mfaScope: MfaScope;
  maxAccessKeyAgeDays: number;
  /** Days an enabled identity or active key may go unused (A523-08-UNUSED-ACCESS). */
  maxUnusedDays: number;
  maxBreachNotificationHours: number;
  maxEvidenceAgeDays: number;
  maxContractReviewAgeDays: number;
  exitDrillMaxAgeDays: number;
  auditRightRequired: boolean;
  exitPlanRequired: boolean;
  exemptConditions: ConditionType[];
}

export interface ControlInput {
  spec: CloudServiceSpec;
  policy: EffectivePolicy;
  /** Live read of the account; controls with `needs: 'spec'` ignore it. */
  inventory: InventoryResult;
  /** Declared IaC state (spec.iac), when the service names one. */
  declared?: DeclaredStateResult;
  /** Last automated exit drill (spec.exitPlan.drill), fresh or from status.exitDrill. */
  exitDrill?: ExitDrillResult;
  /** Network / firewall changes and break-glass calls read from the audit trail, or why they could not be. */
  changes?: ChangeFeed;
  now: Date;
}

export interface ControlFinding {
  resource?: string;
  message: string;
}

export interface ControlOutcome {
  status: ConditionStatus;
  /** CamelCase reason, e.g. ContractReviewOverdue. */
  reason: string;
  message: string;
  findings: ControlFinding[];
  /** When this outcome would change by time alone (evidence expiry): the reconciler requeues then. */
  changesAt?: Date;
  /** When the evidence behind the outcome was produced. */
  evidenceAt?: Date;
}

export interface Control {
  /** Stable id, e.g. "A523-08-PRIVILEGED-MFA". */
  id: string;
  family: ConditionType;
  /** Step of the A.5.23 implementation checklist (seeds) this control implements. */
  checklistStep: number;
  severity: Severity;
  title: string;
  remediation: string;
  /** 'spec': decided from the declared spec alone; 'live': needs the account inventory. */
  needs: 'spec' | 'live';
  evaluate(input: ControlInput): ControlOutcome;
}
