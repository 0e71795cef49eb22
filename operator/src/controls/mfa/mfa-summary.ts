// MFAEnforced (checklist step 8): who an MFA requirement applies to, and the coverage
// status.summary reports. MFA is a factor of interactive sign-in, so the subjects are
// users who can sign in interactively (`kind: 'user'`, `interactive: true`): the
// privileged ones (can write or delete) under mfaScope `privileged`, all of them under
// `all`. Roles and service principals cannot present MFA; their risk is long-lived keys,
// which A523-08-ACCESS-KEY-AGE checks for every identity. The root account has its own
// control (critical) and is left out of the coverage ratio, which tracks the identities
// the organisation manages day to day.

import type { MfaScope } from '../../api/types.js';
import type { Identity, Inventory } from '../../inventory/types.js';

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
