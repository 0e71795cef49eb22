// When each Entra user last signed in, for A523-08-UNUSED-ACCESS: one paged Graph list,
// GET /v1.0/users?$select=id,createdDateTime,signInActivity (needs AuditLog.Read.All and a
// Microsoft Entra ID P1 or P2 licence; without it Graph answers 403
// Authentication_RequestFromNonPremiumTenantOrB2CTenant, recorded as a signInActivity gap
// with reason LicenseRequired, so the control is Unknown, never False).
// Only lastSuccessfulSignInDateTime counts as use: lastSignInDateTime and
// lastNonInteractiveSignInDateTime also record failed attempts (an attacker guessing a
// password would make a leaver's account look used). That property is recorded since
// 2023-12-01 and not backfilled, so a user without it has "no use since" the later of
// their creation and that day. The read is `readSignInActivity`; the mapping
// (`withSignInActivity`, pure) is unit-tested.

import type { Identity, LastUse } from '../../inventory/types.js';
import type { AzureCollection } from './context.js';
import type { GraphReader } from './graph.js';
import { lower } from './ids.js';

/** Graph records lastSuccessfulSignInDateTime from this day on (not backfilled). */
export const SUCCESSFUL_SIGN_IN_RECORDED_SINCE = '2023-12-01T00:00:00.000Z';

/** Default page size (Graph allows at most 120 per page when signInActivity is selected). */
export const SIGN_IN_ACTIVITY_PATH = '/users?$select=id,createdDateTime,signInActivity';

/** GET /v1.0/users?$select=id,createdDateTime,signInActivity item. */
export interface GraphUserActivity {
  id: string;
  createdDateTime?: string | null;
  signInActivity?: {
    lastSignInDateTime?: string | null;
    lastNonInteractiveSignInDateTime?: string | null;
    lastSuccessfulSignInDateTime?: string | null;
  } | null;
}

/**
 * Graph writes 0001-01-01T00:00:00Z (the .NET minimum date) for a sign-in that never
 * happened (user-list reference, signInActivity): any time before 1970 is no time.
 */
function iso(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) || t < 0 ? undefined : new Date(t).toISOString();
}

/** One user's last successful sign-in, or since when none is recorded; undefined when neither can be said. */
export function lastUseOf(user: GraphUserActivity): LastUse | undefined {
  const at = iso(user.signInActivity?.lastSuccessfulSignInDateTime);
  if (at) return { at };
  const created = iso(user.createdDateTime);
  if (!created) return undefined;
  return { noUseSince: Date.parse(created) >= Date.parse(SUCCESSFUL_SIGN_IN_RECORDED_SINCE) ? created : SUCCESSFUL_SIGN_IN_RECORDED_SINCE };
}

/** Users get `lastSignIn` from the activity list (matched by object id); other identities are unchanged. */
export function withSignInActivity(identities: readonly Identity[], activity: readonly GraphUserActivity[]): Identity[] {
  const byId = new Map(activity.map((u) => [lower(u.id), u]));
  return identities.map((identity) => {
    if (identity.kind !== 'user') return identity;
    const user = byId.get(lower(identity.id));
    const lastSignIn = user ? lastUseOf(user) : undefined;
    return lastSignIn ? { ...identity, lastSignIn } : identity;
  });
}

/**
 * Reads sign-in activity and adds it to the identities; a failed read leaves them
 * without it and records a signInActivity gap (credentials failures still end the
 * collection).
 */
export async function addSignInActivity<T extends { identities: Identity[] }>(
  graph: Pick<GraphReader, 'list'>,
  c: AzureCollection,
  facts: T,
): Promise<T> {
  try {
    const activity = await graph.list<GraphUserActivity>(SIGN_IN_ACTIVITY_PATH, 'Graph:signInActivity', { report: true });
    return { ...facts, identities: withSignInActivity(facts.identities, activity) };
  } catch (err) {
    if (c.mustStop(err)) throw err;
    c.gap(['signInActivity'], { error: c.classify(err), context: 'Graph:signInActivity' });
    return facts;
  }
}
