// A523-08-ACCESS-KEY-AGE (MFAEnforced, checklist step 8): no long-lived API keys. Active
// keys of any identity are younger than the policy maximum and root holds none; keys
// bypass MFA, so they are checked for roles and service principals too.

import type { Control, ControlFinding } from '../types.js';
import { judgeItems } from '../outcome.js';
import { readLive } from '../live.js';
import { compareText, plural } from '../text.js';
import { addDays, ageInDays, earliest, isCurrent, parseTime } from '../time.js';

export const accessKeyAge: Control = {
  id: 'A523-08-ACCESS-KEY-AGE',
  family: 'MFAEnforced',
  checklistStep: 8,
  severity: 'high',
  title: 'No long-lived access keys: active keys are younger than the policy maximum and root has none',
  remediation:
    'Rotate or delete the listed access keys (prefer roles / workload identity federation over static keys), delete any root access key, and make sure no key is stored in plain text in config files or scripts.',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, ['identities']);
    if (!live.ok) return live.outcome;
    const maxDays = input.policy.maxAccessKeyAgeDays;
    const failures: ControlFinding[] = [];
    const unreadable: string[] = [];
    const expiries: Date[] = [];
    let rootKey = false;
    const identities = [...live.inventory.identities].sort((a, b) => compareText(a.id, b.id));
    for (const identity of identities) {
      for (const key of identity.accessKeys.filter((k) => k.active)) {
        if (identity.kind === 'root') {
          rootKey = true;
          failures.push({ resource: identity.id, message: `Root account has active access key ${key.id}` });
          continue;
        }
        const created = parseTime(key.createdAt);
        if (created === undefined) {
          unreadable.push(key.id);
          continue;
        }
        const expiresAt = addDays(created, maxDays);
        if (isCurrent(input.now, expiresAt)) {
          expiries.push(expiresAt);
        } else {
          failures.push({
            resource: identity.id,
            message: `Access key ${key.id} of ${identity.name} is ${ageInDays(created, input.now)} days old (max ${maxDays})`,
          });
        }
      }
    }
    const active = identities.flatMap((i) => i.accessKeys.filter((k) => k.active)).length;
    return judgeItems(
      { failures, unreadable },
      {
        failReason: rootKey ? 'RootAccessKeyActive' : 'AccessKeysTooOld',
        failMessage: `${plural(failures.length, 'access key')} too old or held by root (max ${maxDays} days)`,
        unknownReason: 'AccessKeyAgeUnreadable',
        unknownMessage: `Creation date unreadable for ${plural(unreadable.length, 'access key')}`,
        passReason: 'AccessKeysFresh',
        passMessage:
          active === 0
            ? 'No active access keys'
            : `${plural(active, 'active access key')}, none older than ${maxDays} days`,
        timing: { changesAt: earliest(expiries), evidenceAt: live.evidenceAt },
      },
    );
  },
};
