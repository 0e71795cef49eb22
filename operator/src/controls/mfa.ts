// MFAEnforced (checklist step 8): administrative access needs a second factor, the root
// / tenant account first of all; emergency ("break-glass") accounts and long-lived API
// keys are checked too, because they are what bypasses SSO and MFA (the "only checks
// if SSO is connected" trap).
//
// Who MFA applies to: MFA is a factor of interactive sign-in, so the subjects are users
// who can sign in interactively (`kind: 'user'`, `interactive: true`): the privileged
// ones (can write or delete) under mfaScope `privileged`, all of them under `all`.
// Roles and service principals cannot present MFA; their risk is long-lived keys,
// which A523-08-ACCESS-KEY-AGE checks for every identity. The root account has its own
// control (critical) and is left out of the coverage ratio, which tracks the identities
// the organisation manages day to day.

import type { MfaScope } from '../api/types.js';
import type { Identity, Inventory } from '../inventory/types.js';
import type { Control, ControlFinding } from './types.js';
import { fail, judgeItems, pass } from './outcome.js';
import { readLive, unreadFact } from './live.js';
import { compareText, listSome, plural } from './text.js';
import { addDays, ageInDays, earliest, isCurrent, parseTime } from './time.js';

/** Users who sign in interactively: the identities an MFA requirement applies to. */
export function interactiveUsers(identities: readonly Identity[]): Identity[] {
  return identities.filter((i) => i.kind === 'user' && i.interactive);
}

/** The identities that must have MFA under `scope`. */
export function mfaSubjects(identities: readonly Identity[], scope: MfaScope): Identity[] {
  const users = interactiveUsers(identities);
  return scope === 'all' ? users : users.filter((i) => i.privileged);
}

export interface MfaSummary {
  /** Every identity in the inventory (users, roles, service principals, root). */
  identities: number;
  /** Privileged interactive users (root excluded). */
  privileged: number;
  privilegedWithoutMFA: number;
  /** Share of the identities in `scope` with MFA, 0..1 (1 when none are in scope). */
  coverage: number;
}

export function mfaSummary(inventory: Inventory, scope: MfaScope): MfaSummary {
  const privileged = mfaSubjects(inventory.identities, 'privileged');
  const subjects = mfaSubjects(inventory.identities, scope);
  const withMfa = subjects.filter((i) => i.mfaEnabled).length;
  return {
    identities: inventory.identities.length,
    privileged: privileged.length,
    privilegedWithoutMFA: privileged.filter((i) => !i.mfaEnabled).length,
    coverage: subjects.length === 0 ? 1 : withMfa / subjects.length,
  };
}

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
          message: `${i.name} ${i.privileged ? 'can write or delete' : 'can sign in'} without MFA`,
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
