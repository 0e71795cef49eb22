// A523-02-CONTRACT-TERMS (ContractReviewed, checklist step 2): the agreement was read,
// not just uploaded (the "checks a PDF is uploaded" trap): it was reviewed recently,
// grants an audit right when the policy requires one, commits to a breach-notification
// window within the policy's, and names where data may be held. All contract rules form
// one control so a missing or weak contract reads as one condition whose message lists
// every failing rule, each rule being its own finding.

import type { Control, ControlFinding } from '../types.js';
import { fail, pass } from '../outcome.js';
import { listSome } from '../text.js';
import { ageInDays, datedEvidence, formatDay } from '../time.js';

interface RuleFailure {
  reason: string;
  text: string;
}

function normalizeJurisdiction(value: string): string {
  return value.trim().toUpperCase();
}

export const contractTerms: Control = {
  id: 'A523-02-CONTRACT-TERMS',
  family: 'ContractReviewed',
  checklistStep: 2,
  severity: 'high',
  title: 'The cloud service agreement is reviewed and carries the required security terms',
  remediation:
    'Review the cloud service agreement (or negotiate an addendum) covering data jurisdiction, breach-notification window, audit right and key management, then record the result in spec.contract (reviewedAt, auditRight, breachNotificationHours, dataJurisdictions).',
  needs: 'spec',
  evaluate(input) {
    const contract = input.spec.contract;
    const policy = input.policy;
    if (contract === undefined) {
      return fail('ContractMissing', 'No cloud service agreement is recorded');
    }
    const failures: RuleFailure[] = [];

    const review = datedEvidence(contract.reviewedAt, policy.maxContractReviewAgeDays, input.now);
    switch (review.state) {
      case 'missing':
        failures.push({ reason: 'ContractNotReviewed', text: 'no review date recorded' });
        break;
      case 'invalid':
        failures.push({
          reason: 'ContractReviewDateInvalid',
          text: `review date "${review.raw}" is not an ISO 8601 date`,
        });
        break;
      case 'future':
        failures.push({
          reason: 'ContractReviewDateInvalid',
          text: `review date ${formatDay(review.at)} is in the future`,
        });
        break;
      case 'stale':
        failures.push({
          reason: 'ContractReviewOverdue',
          text: `last reviewed ${formatDay(review.at)} (${ageInDays(review.at, input.now)} days ago; policy allows ${policy.maxContractReviewAgeDays})`,
        });
        break;
      case 'current':
        break;
    }

    if (policy.auditRightRequired && contract.auditRight !== true) {
      failures.push({ reason: 'AuditRightMissing', text: 'no right to audit the provider' });
    }

    const hours = contract.breachNotificationHours;
    if (hours === undefined) {
      failures.push({ reason: 'BreachNotificationUnspecified', text: 'no breach-notification window' });
    } else if (hours > policy.maxBreachNotificationHours) {
      failures.push({
        reason: 'BreachNotificationTooSlow',
        text: `breach notification within ${hours} h exceeds the policy's ${policy.maxBreachNotificationHours} h`,
      });
    }

    const jurisdictions = (contract.dataJurisdictions ?? []).map(normalizeJurisdiction);
    const permitted = new Set(policy.permittedJurisdictions.map(normalizeJurisdiction));
    if (jurisdictions.length === 0) {
      failures.push({ reason: 'DataJurisdictionUnspecified', text: 'no data jurisdiction' });
    } else if (permitted.size > 0) {
      const outside = jurisdictions.filter((j) => !permitted.has(j));
      if (outside.length > 0) {
        failures.push({
          reason: 'DataJurisdictionNotPermitted',
          text: `data may be held in ${listSome(outside)}, outside the permitted ${listSome([...permitted])}`,
        });
      }
    }

    const expiry = review.state === 'current' ? review.expiresAt : undefined;
    const evidenceAt = review.state === 'current' || review.state === 'stale' ? review.at : undefined;
    const first = failures[0];
    if (first !== undefined || review.state !== 'current') {
      const findings: ControlFinding[] = failures.map((f) => ({ resource: contract.reference, message: f.text }));
      return fail(
        first?.reason ?? 'ContractNotReviewed',
        `Contract ${contract.reference}: ${failures.map((f) => f.text).join('; ')}`,
        findings,
        { changesAt: expiry, evidenceAt },
      );
    }
    return pass(
      'ContractReviewed',
      `Contract ${contract.reference} reviewed ${formatDay(review.at)} with the required terms`,
      { changesAt: review.expiresAt, evidenceAt: review.at },
    );
  },
};
