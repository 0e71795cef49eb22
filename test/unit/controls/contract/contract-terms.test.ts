// Table tests of A523-02-CONTRACT-TERMS (controls/contract/contract-terms.ts).

import type { Contract } from '../../../../operator/src/api/types.js';
import { contractTerms } from '../../../../operator/src/controls/contract/contract-terms.js';
import { DAY_MS } from '../../../../operator/src/controls/time.js';
import { NOW, aPolicy, aSpec, anInput, daysAgo, daysAhead } from '../../builders.js';

function withContract(overrides: Partial<Contract>) {
  const base = aSpec().contract as Contract;
  return aSpec({ contract: { ...base, ...overrides } });
}

describe('A523-02-CONTRACT-TERMS', () => {
  it('passes a reviewed contract with the required terms and requeues when the review expires', () => {
    const outcome = contractTerms.evaluate(anInput());
    expect(outcome).toMatchObject({ status: 'True', reason: 'ContractReviewed' });
    expect(outcome.changesAt).toEqual(new Date(NOW.getTime() + (365 - 100) * DAY_MS));
    expect(outcome.evidenceAt?.toISOString()).toBe(daysAgo(100));
  });

  it('fails with ContractMissing when there is no contract', () => {
    expect(contractTerms.evaluate(anInput({ spec: aSpec({ contract: undefined }) }))).toMatchObject({
      status: 'False',
      reason: 'ContractMissing',
    });
  });

  it.each([
    ['never reviewed', { reviewedAt: undefined }, 'ContractNotReviewed'],
    ['reviewed 400 days ago', { reviewedAt: daysAgo(400) }, 'ContractReviewOverdue'],
    ['review date unreadable', { reviewedAt: 'last spring' }, 'ContractReviewDateInvalid'],
    ['review date in the future', { reviewedAt: daysAhead(10) }, 'ContractReviewDateInvalid'],
    ['no audit right', { auditRight: false }, 'AuditRightMissing'],
    ['audit right unspecified', { auditRight: undefined }, 'AuditRightMissing'],
    ['no breach window', { breachNotificationHours: undefined }, 'BreachNotificationUnspecified'],
    ['breach window 72 h > 48 h', { breachNotificationHours: 72 }, 'BreachNotificationTooSlow'],
    ['no jurisdiction', { dataJurisdictions: [] }, 'DataJurisdictionUnspecified'],
  ])('fails when %s', (_label, overrides, reason) => {
    const outcome = contractTerms.evaluate(anInput({ spec: withContract(overrides) }));
    expect(outcome).toMatchObject({ status: 'False', reason });
    expect(outcome.findings).toHaveLength(1);
    expect(outcome.findings[0]?.resource).toBe('https://contracts.example.com/aws/ea-2026');
  });

  it('accepts a breach window equal to the policy maximum', () => {
    expect(contractTerms.evaluate(anInput({ spec: withContract({ breachNotificationHours: 48 }) })).status).toBe(
      'True',
    );
  });

  it('does not ask for an audit right when the policy does not', () => {
    const input = anInput({ spec: withContract({ auditRight: false }), policy: aPolicy({}, 'internal') });
    expect(contractTerms.evaluate(input).status).toBe('True');
  });

  describe('review age boundary (maxContractReviewAgeDays 365)', () => {
    const reviewedAt = new Date(NOW.getTime() - 365 * DAY_MS).toISOString(); // expires exactly at NOW
    it.each([
      [-1, 'True'],
      [0, 'False'],
      [1, 'False'],
    ])('now = expiry %+d ms → %s', (offset, status) => {
      const input = anInput({ spec: withContract({ reviewedAt }), now: new Date(NOW.getTime() + offset) });
      expect(contractTerms.evaluate(input).status).toBe(status);
    });
  });

  describe('data jurisdictions', () => {
    it('allows any jurisdiction when the policy lists none', () => {
      expect(contractTerms.evaluate(anInput({ spec: withContract({ dataJurisdictions: ['US'] }) })).status).toBe(
        'True',
      );
    });

    it('requires every jurisdiction to be permitted, case-insensitively', () => {
      const policy = aPolicy({ permittedJurisdictions: ['eu', 'UK'] });
      expect(contractTerms.evaluate(anInput({ policy })).status).toBe('True');
      const outcome = contractTerms.evaluate(
        anInput({ policy, spec: withContract({ dataJurisdictions: ['EU', 'US'] }) }),
      );
      expect(outcome).toMatchObject({ status: 'False', reason: 'DataJurisdictionNotPermitted' });
      expect(outcome.message).toContain('US');
    });
  });

  it('reports every failing rule as a finding, summarised in one message with the first reason', () => {
    const spec = withContract({
      reviewedAt: daysAgo(500),
      auditRight: false,
      breachNotificationHours: 96,
      dataJurisdictions: ['US'],
    });
    const outcome = contractTerms.evaluate(anInput({ spec, policy: aPolicy({ permittedJurisdictions: ['EU'] }) }));
    expect(outcome.reason).toBe('ContractReviewOverdue');
    expect(outcome.findings).toHaveLength(4);
    expect(outcome.message).toMatch(
      /^Contract .*: last reviewed .*; no right to audit the provider; breach notification within 96 h exceeds the policy's 48 h; data may be held in US, outside the permitted EU\.$/,
    );
    expect(outcome.changesAt).toBeUndefined();
  });
});
