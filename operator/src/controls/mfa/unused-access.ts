// A523-08-UNUSED-ACCESS (MFAEnforced, checklist step 8, offboarding: "access must be
// demonstrably and immediately revoked"): no enabled identity that has stopped signing in
// and no active access key that has stopped being used for longer than the policy's
// maxUnusedDays. Unused access is what a leaver or a retired integration leaves behind.
// Judged from the last use the provider records (AWS credential report, Entra
// signInActivity); an identity or key without any recorded use counts from its creation
// (or from when the provider began recording), so a new one is not stale. Root and the
// declared break-glass identities are not judged: they are meant to stay unused.

import type { LastUse } from '../../inventory/types.js';
import type { Control, ControlFinding } from '../types.js';
import { judgeItems } from '../outcome.js';
import { readLive } from '../live.js';
import { compareText, listSome, plural, truncate } from '../text.js';
import { addDays, ageInDays, earliest, isCurrent, parseTime } from '../time.js';

/** Unreadable items named in the Unknown message. */
const UNREADABLE_NAMED = 3;

type Verdict = { kind: 'current'; expiresAt: Date } | { kind: 'stale'; detail: string } | { kind: 'unread' };

function judge(use: LastUse | undefined, maxDays: number, now: Date): Verdict {
  const at = parseTime(use?.at);
  const since = parseTime(use?.noUseSince);
  const reference = at ?? since;
  if (reference === undefined) return { kind: 'unread' };
  const expiresAt = addDays(reference, maxDays);
  if (isCurrent(now, expiresAt)) return { kind: 'current', expiresAt };
  const days = ageInDays(reference, now);
  return { kind: 'stale', detail: at ? `last used ${days} days ago` : `no recorded use in ${days} days` };
}

export const unusedAccess: Control = {
  id: 'A523-08-UNUSED-ACCESS',
  family: 'MFAEnforced',
  checklistStep: 8,
  severity: 'high',
  title: 'No enabled identity or active access key unused for longer than the policy allows',
  remediation:
    'Disable or delete the listed identities and deactivate the listed keys (confirm with the owner first: an unused account is usually a leaver or a retired integration), and make offboarding revoke cloud access on the day a person leaves.',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, ['identities']);
    if (!live.ok) return live.outcome;
    const maxDays = input.policy.maxUnusedDays;
    const exempt = new Set(input.spec.breakGlassIdentities ?? []);
    const failures: ControlFinding[] = [];
    const unreadable: string[] = [];
    const expiries: Date[] = [];
    let judged = 0;
    const record = (resource: string, what: string, verdict: Verdict): void => {
      judged++;
      if (verdict.kind === 'unread') unreadable.push(what);
      else if (verdict.kind === 'current') expiries.push(verdict.expiresAt);
      else failures.push({ resource, message: `${what}: ${verdict.detail} (max ${maxDays})` });
    };
    const identities = [...live.inventory.identities].sort((a, b) => compareText(a.id, b.id));
    for (const identity of identities) {
      if (identity.kind === 'root' || exempt.has(identity.name) || exempt.has(identity.id)) continue;
      if (identity.interactive && identity.kind === 'user') {
        record(identity.id, `${identity.name} (sign-in)`, judge(identity.lastSignIn, maxDays, input.now));
      }
      for (const key of identity.accessKeys.filter((k) => k.active)) {
        record(identity.id, `Access key ${key.id} of ${identity.name}`, judge(key.lastUse, maxDays, input.now));
      }
    }
    const gap = live.inventory.gaps.find((g) => g.area === 'signInActivity');
    return judgeItems(
      { failures, unreadable },
      {
        failReason: 'UnusedAccess',
        failMessage: `${plural(failures.length, 'identity or key', 'identities or keys')} unused for more than ${maxDays} days: ${listSome(
          failures.map((f) => f.message),
          2,
          '; ',
        )}`,
        unknownReason: gap?.reason ?? 'LastUseUnreadable',
        unknownMessage: `Last use not recorded for ${listSome(unreadable, UNREADABLE_NAMED)}${
          gap ? `: ${truncate(gap.message, 200)}` : ''
        }`,
        passReason: 'NoUnusedAccess',
        passMessage:
          judged === 0
            ? 'No enabled identity or active key to judge'
            : `${plural(judged, 'sign-in or key', 'sign-ins and keys')} used within ${maxDays} days`,
        timing: { changesAt: earliest(expiries), evidenceAt: live.evidenceAt },
      },
    );
  },
};
