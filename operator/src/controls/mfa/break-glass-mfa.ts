// A523-08-BREAK-GLASS-MFA (MFAEnforced, checklist step 8): the declared emergency
// ("break-glass") accounts exist and are protected by MFA, whatever their privileges:
// they are what bypasses SSO (the "only checks if SSO is connected" trap).

import type { Control, ControlFinding } from '../types.js';
import { fail, pass } from '../outcome.js';
import { readLive } from '../live.js';
import { listSome, plural } from '../text.js';

export const breakGlassMfa: Control = {
  id: 'A523-08-BREAK-GLASS-MFA',
  family: 'MFAEnforced',
  checklistStep: 8,
  severity: 'high',
  title: 'Declared break-glass accounts exist and are protected by MFA',
  remediation:
    'Give each emergency-access account a hardware MFA device kept in the safe, or correct spec.breakGlassIdentities if the account was renamed or retired; test the break-glass procedure after the change.',
  needs: 'live',
  evaluate(input) {
    const declared = [...new Set(input.spec.breakGlassIdentities ?? [])].sort();
    if (declared.length === 0) return pass('NoBreakGlassDeclared', 'No break-glass identities declared');
    const live = readLive(input, ['identities']);
    if (!live.ok) return live.outcome;
    const findings: ControlFinding[] = [];
    let reason = '';
    for (const name of declared) {
      const identity = live.inventory.identities.find((i) => i.name === name || i.id === name);
      if (identity === undefined) {
        reason ||= 'BreakGlassIdentityMissing';
        findings.push({ resource: name, message: `Break-glass identity ${name} does not exist in the account` });
      } else if (!identity.mfaEnabled) {
        reason ||= 'BreakGlassWithoutMFA';
        findings.push({ resource: identity.id, message: `Break-glass identity ${name} has no MFA` });
      }
    }
    const timing = { evidenceAt: live.evidenceAt };
    if (findings.length > 0) {
      return fail(
        reason,
        `Break-glass accounts at risk: ${listSome(
          findings.map((f) => f.message),
          3,
          '; ',
        )}`,
        findings,
        timing,
      );
    }
    return pass(
      'BreakGlassProtected',
      `${plural(declared.length, 'break-glass identity', 'break-glass identities')} protected by MFA`,
      timing,
    );
  },
};
