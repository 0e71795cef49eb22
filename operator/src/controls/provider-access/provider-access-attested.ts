// A523-09-PROVIDER-ACCESS-ATTESTED (ProviderAccessControlled, checklist step 9): where the
// provider's own access cannot be observed, a reviewed attestation covers it.
//
// AWS has no customer lockbox. What can be observed is shown: the AWS Support role's last
// use (iam:GetRole RoleLastUsed) and calls by AWS Support and AWS-internal principals
// (invokedBy "AWS Internal") in the delivered trail logs
// (change records of kind provider-access). It does not show an AWS operator reaching
// data on AWS's side, so the rest needs spec.providerAccess.attestation, current within
// the policy's maxEvidenceAgeDays: without one the control is Unknown, never True by
// default and never False (nothing was seen to be wrong). Azure: Customer Lockbox covers
// it (A523-09-LOCKBOX-*); an attestation, when declared, must still be current.

import type { ChangeRecord } from '../../inventory/changes.js';
import type { ControlInput, ControlOutcome } from '../types.js';
import type { Control } from '../types.js';
import { fail, pass, unknown } from '../outcome.js';
import { plural } from '../text.js';
import { datedEvidence, formatDay } from '../time.js';

/** What was seen of AWS's own access, in words; empty when nothing was read. */
export function observedAwsAccess(input: ControlInput): string[] {
  const seen: string[] = [];
  const inventory = input.inventory.ok ? input.inventory.inventory : undefined;
  const role = inventory?.providerAccess?.supportRole;
  if (role === null) seen.push('the account has no AWS Support role (AWSServiceRoleForSupport)');
  else if (role !== undefined) {
    seen.push(role.lastUse.at ? `the AWS Support role was last used ${role.lastUse.at}` : 'the AWS Support role has no recorded use');
  }
  if (Array.isArray(input.changes)) {
    const calls = input.changes.filter((r: ChangeRecord) => r.kind === 'provider-access');
    seen.push(`${plural(calls.length, 'call')} by AWS Support or AWS-internal principals in the audit trail read so far`);
  }
  return seen;
}

function withObserved(message: string, observed: readonly string[]): string {
  return observed.length > 0 ? `${message}. Observed: ${observed.join('; ')}` : message;
}

export const providerAccessAttested: Control = {
  id: 'A523-09-PROVIDER-ACCESS-ATTESTED',
  family: 'ProviderAccessControlled',
  checklistStep: 9,
  severity: 'medium',
  title: "The provider's own access to customer data is covered by a reviewed attestation where it cannot be observed",
  remediation:
    "Obtain the provider's account of its staff's access to customer data (AWS: the SOC 2 Type II report's logical access section on AWS personnel, from AWS Artifact), review it, and record it in spec.providerAccess.attestation (reference, reviewedAt, reviewedBy); review it again within the policy's maxEvidenceAgeDays.",
  needs: 'spec',
  evaluate(input): ControlOutcome {
    const attestation = input.spec.providerAccess?.attestation;
    const observed = input.spec.provider === 'aws' ? observedAwsAccess(input) : [];
    if (attestation === undefined) {
      if (input.spec.provider === 'azure') return pass('LockboxCovers', 'Customer Lockbox controls the provider\'s access (A523-09-LOCKBOX-*); no attestation declared');
      return unknown(
        'ProviderAttestationMissing',
        withObserved(
          "AWS has no customer lockbox: AWS's own access to customer data cannot be observed in full, and no provider attestation is declared (spec.providerAccess.attestation)",
          observed,
        ),
      );
    }
    const maxDays = input.policy.maxEvidenceAgeDays;
    const dated = datedEvidence(attestation.reviewedAt, maxDays, input.now);
    const label = `Provider access attestation ${attestation.reference}`;
    switch (dated.state) {
      case 'missing':
      case 'invalid':
        return fail('ProviderAttestationInvalid', `${label}: reviewedAt is not an RFC 3339 time`);
      case 'future':
        return fail('ProviderAttestationInvalid', `${label}: reviewedAt ${formatDay(dated.at)} is in the future`);
      case 'stale':
        return fail('ProviderAttestationStale', withObserved(`${label} was last reviewed ${formatDay(dated.at)}, more than ${maxDays} days ago`, observed), [], {
          evidenceAt: dated.at,
        });
      case 'current':
        return pass('ProviderAccessAttested', withObserved(`${label} reviewed ${formatDay(dated.at)}, current until ${formatDay(dated.expiresAt)}`, observed), {
          evidenceAt: dated.at,
          changesAt: dated.expiresAt,
        });
    }
  },
};
