// resolvePolicy (controls/policy.ts): the defaults per classification and how a
// CloudSecurityPolicy overrides them.

import type { Classification, CloudSecurityPolicySpec } from '../../../operator/src/api/types.js';
import { DEFAULT_POLICY_NAME, DEFAULT_RULES, resolvePolicy } from '../../../operator/src/controls/policy.js';

describe('resolvePolicy defaults (no policy)', () => {
  // classification, certified, customerSideEnc, mfaScope, keyDays, breachH, evidenceDays, contractDays, drillDays, auditRight, exitPlan
  const table: Array<
    [Classification, boolean, boolean, string, number, number, number, number, number, boolean, boolean]
  > = [
    ['public', false, false, 'privileged', 90, 72, 365, 365, 365, false, false],
    ['internal', false, false, 'privileged', 90, 72, 365, 365, 365, false, true],
    ['confidential', true, false, 'privileged', 90, 48, 365, 365, 365, true, true],
    ['strictly-confidential', true, true, 'all', 30, 24, 365, 365, 180, true, true],
  ];
  it.each(table)(
    '%s',
    (
      classification,
      certified,
      cse,
      scope,
      keyDays,
      breachHours,
      evidenceDays,
      contractDays,
      drillDays,
      auditRight,
      exitPlan,
    ) => {
      expect(resolvePolicy(undefined, classification)).toEqual({
        classification,
        permittedModels: ['IaaS', 'PaaS', 'SaaS'],
        approvedProviders: ['aws', 'azure'],
        permittedJurisdictions: [],
        certifiedProviderRequired: certified,
        customerSideEncryptionRequired: cse,
        mfaScope: scope,
        maxAccessKeyAgeDays: keyDays,
        maxUnusedDays: 90,
        maxBreachNotificationHours: breachHours,
        maxEvidenceAgeDays: evidenceDays,
        maxContractReviewAgeDays: contractDays,
        exitDrillMaxAgeDays: drillDays,
        auditRightRequired: auditRight,
        exitPlanRequired: exitPlan,
        exemptConditions: [],
      });
    },
  );

  it('names the policy that applies', () => {
    expect(DEFAULT_POLICY_NAME).toBe('default');
  });
});

describe('resolvePolicy with a policy', () => {
  it('overrides only the fields the rule for the classification sets', () => {
    const spec: CloudSecurityPolicySpec = {
      classifications: { internal: { maxAccessKeyAgeDays: 45, mfaScope: 'all' }, public: { exitPlanRequired: true } },
    };
    const policy = resolvePolicy(spec, 'internal');
    expect(policy.maxAccessKeyAgeDays).toBe(45);
    expect(policy.mfaScope).toBe('all');
    expect(policy.exitPlanRequired).toBe(true); // internal default, not public's override
    expect(policy.maxBreachNotificationHours).toBe(72);
  });

  it('takes maxUnusedDays from the rule for the classification, default 90', () => {
    const spec: CloudSecurityPolicySpec = { classifications: { confidential: { maxUnusedDays: 30 } } };
    expect(resolvePolicy(spec, 'confidential').maxUnusedDays).toBe(30);
    expect(resolvePolicy(spec, 'internal').maxUnusedDays).toBe(90);
    expect(resolvePolicy({ classifications: { confidential: { maxUnusedDays: Number.NaN } } }, 'confidential').maxUnusedDays).toBe(90);
  });

  it('takes false overrides (not only truthy ones)', () => {
    const policy = resolvePolicy(
      { classifications: { confidential: { certifiedProviderRequired: false } } },
      'confidential',
    );
    expect(policy.certifiedProviderRequired).toBe(false);
  });

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY]])('ignores the invalid number %p', (value) => {
    const policy = resolvePolicy({ classifications: { public: { maxEvidenceAgeDays: value } } }, 'public');
    expect(policy.maxEvidenceAgeDays).toBe(365);
  });

  it('accepts 0 days (evidence must be renewed continuously)', () => {
    expect(resolvePolicy({ classifications: { public: { maxEvidenceAgeDays: 0 } } }, 'public').maxEvidenceAgeDays).toBe(
      0,
    );
  });

  it('takes list fields literally: an empty allow-list permits nothing', () => {
    const policy = resolvePolicy(
      { permittedModels: [], approvedProviders: ['azure'], permittedJurisdictions: ['EU'] },
      'public',
    );
    expect(policy.permittedModels).toEqual([]);
    expect(policy.approvedProviders).toEqual(['azure']);
    expect(policy.permittedJurisdictions).toEqual(['EU']);
  });

  it('keeps known exempt conditions once and drops unknown ones', () => {
    const spec = {
      exemptConditions: ['ExitPlanReady', 'Bogus', 'ExitPlanReady', 'InSync'],
    } as unknown as CloudSecurityPolicySpec;
    expect(resolvePolicy(spec, 'public').exemptConditions).toEqual(['ExitPlanReady', 'InSync']);
  });

  it('falls back to the strictest rules for a classification outside the enum', () => {
    const policy = resolvePolicy(undefined, 'top-secret' as Classification);
    expect(policy.classification).toBe('strictly-confidential');
    expect(policy.mfaScope).toBe('all');
  });

  it('returns fresh lists: mutating the result does not leak into the defaults', () => {
    resolvePolicy(undefined, 'public').permittedModels.push('IaaS');
    expect(resolvePolicy(undefined, 'public').permittedModels).toEqual(['IaaS', 'PaaS', 'SaaS']);
    expect(DEFAULT_RULES.public.maxAccessKeyAgeDays).toBe(90);
  });
});
