// A523-08-PRIVILEGED-MFA (MFAEnforced, checklist step 8): every identity in the policy's
// MFA scope (mfa-summary.ts) signs in with MFA.

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { readLive } from '../live.js';
import { compareText, listSome, plural } from '../text.js';
import { mfaSubjects } from './mfa-summary.js';

export const privilegedMfa: Control = {
  id: 'A523-08-PRIVILEGED-MFA',
  family: 'MFAEnforced',
  checklistStep: 8,
  severity: 'high',
  title: 'Every identity in the MFA scope signs in with MFA',
  remediation:
    'Enforce MFA for the listed users (IAM policy denying actions without aws:MultiFactorAuthPresent, or an Entra Conditional Access policy requiring MFA), have each register a device, and remove console access from accounts that do not need it.',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, ['identities']);
    if (!live.ok) return live.outcome;
    const scope = input.policy.mfaScope;
    const subjects = mfaSubjects(live.inventory.identities, scope);
    const missing = subjects.filter((i) => !i.mfaEnabled).sort((a, b) => compareText(a.id, b.id));
    const who = scope === 'all' ? 'interactive user' : 'privileged interactive user';
    const timing = { evidenceAt: live.evidenceAt };
    if (missing.length > 0) {
      return fail(
        scope === 'all' ? 'UsersWithoutMFA' : 'PrivilegedWithoutMFA',
        `Without MFA: ${missing.length} of ${plural(subjects.length, who)} (${listSome(missing.map((i) => i.name))})`,
        missing.map((i) => ({
          resource: i.id,
          message: i.privileged
            ? `${i.name} can write or delete without MFA${i.privilegeGrant ? ` (${i.privilegeGrant})` : ''}`
            : `${i.name} can sign in without MFA`,
        })),
        timing,
      );
    }
    return pass(
      'MFAEnforced',
      subjects.length === 0 ? `No ${who}s to check` : `MFA on every ${who} (${subjects.length})`,
      timing,
    );
  },
};
