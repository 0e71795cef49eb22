// A523-08-ROOT-MFA (MFAEnforced, checklist step 8): the root / tenant administrator
// account has a second factor, first of all administrative access.

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { readLive, unreadFact } from '../live.js';

export const rootMfa: Control = {
  id: 'A523-08-ROOT-MFA',
  family: 'MFAEnforced',
  checklistStep: 8,
  severity: 'critical',
  title: 'The root / tenant administrator account has MFA',
  remediation:
    'Sign in as the root user (AWS) or global administrator (Azure), register a hardware or authenticator MFA device, store its recovery material in the safe, and stop using the account for daily work.',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, []);
    if (!live.ok) return live.outcome;
    const enabled = live.inventory.rootMfaEnabled;
    if (enabled === undefined) return unreadFact(live.inventory, ['identities'], 'Root account MFA');
    const timing = { evidenceAt: live.evidenceAt };
    if (!enabled) {
      return fail(
        'RootWithoutMFA',
        'The root account has no MFA',
        [{ resource: 'root', message: 'Root account has no MFA device' }],
        timing,
      );
    }
    return pass('RootMFAEnabled', 'The root account has MFA', timing);
  },
};
