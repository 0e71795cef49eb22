// Principals that hold privilege but are not in the registration report: service
// principals and managed identities with a writing Azure role (Owner / Contributor at
// the subscription, often with no Entra directory role at all), and users the report
// does not list (disabled, or created since the report was refreshed). Those behind a
// directory role come expanded with their assignment; the others are resolved with
// Graph `POST /directoryObjects/getByIds` (at most 1000 ids a request, paced with the
// reports). `identityOfPrincipal` (pure) makes each an Identity: a service principal is
// not interactive (it cannot present MFA, so MFA coverage leaves it out, as it leaves
// out AWS roles); its client secrets are keys.

import type { AccessKey, Identity } from '../../inventory/types.js';
import type { GraphReader } from './graph.js';
import { lower } from './ids.js';
import { RbacIncomplete, type RbacGrant } from './rbac.js';

/** A user or service principal as Graph returns it (expanded principal, getByIds); only the fields read here. */
export interface DirectoryObject {
  '@odata.type'?: string;
  id?: string;
  displayName?: string;
  userPrincipalName?: string;
  appId?: string;
  accountEnabled?: boolean;
  /** Application, ManagedIdentity, Legacy, SocialIdp. */
  servicePrincipalType?: string;
  passwordCredentials?: Array<{ keyId?: string; startDateTime?: string; endDateTime?: string }>;
}

/** Ids per getByIds request: the documented maximum. */
export const GET_BY_IDS_BATCH = 1000;
/** Ids resolved per collection (default): 5 requests. More leave privilege Unknown (an identities gap). */
export const DEFAULT_MAX_PRINCIPAL_LOOKUPS = 5_000;

export type PrincipalKind = 'user' | 'servicePrincipal' | 'other';

export function principalKind(o: Pick<DirectoryObject, '@odata.type'> | undefined): PrincipalKind {
  const type = lower(o?.['@odata.type']);
  if (type === '#microsoft.graph.user') return 'user';
  if (type === '#microsoft.graph.serviceprincipal') return 'servicePrincipal';
  return 'other';
}

/** First 4 + last 4 characters, as for AWS access key ids. */
export function maskKeyId(id: string): string {
  return id.length <= 8 ? `${id.slice(0, 2)}…` : `${id.slice(0, 4)}…${id.slice(-4)}`;
}

/** A service principal's client secrets as keys (active while enabled and unexpired). */
function secretsOf(o: DirectoryObject, now: Date): AccessKey[] {
  return (o.passwordCredentials ?? []).flatMap((c) => {
    if (!c.keyId || !c.startDateTime) return [];
    const end = c.endDateTime ? Date.parse(c.endDateTime) : Number.POSITIVE_INFINITY;
    return [{ id: maskKeyId(c.keyId), active: o.accountEnabled !== false && end > now.getTime(), createdAt: c.startDateTime }];
  });
}

/**
 * The Identity of a principal not in the registration report; undefined for other
 * object types (groups are resolved to their members). A user the report does not list
 * is disabled (cannot sign in: not interactive) or newer than the report: then its MFA
 * is unread and counted as absent, as the AWS side does for a user not yet in the
 * credential report.
 */
export function identityOfPrincipal(o: DirectoryObject, decision: { privileged: boolean; source: string }, now: Date): Identity | undefined {
  if (!o.id) return undefined;
  const kind = principalKind(o);
  if (kind === 'servicePrincipal') {
    const managed = lower(o.servicePrincipalType) === 'managedidentity';
    return {
      id: o.id,
      name: o.displayName || o.appId || o.id,
      kind: 'service-principal',
      mfaEnabled: false,
      privileged: decision.privileged,
      interactive: false,
      accessKeys: secretsOf(o, now),
      privilegeSource: managed ? `${decision.source}; managed identity` : decision.source,
    };
  }
  if (kind !== 'user') return undefined;
  const enabled = o.accountEnabled !== false;
  return {
    id: o.id,
    name: o.userPrincipalName || o.displayName || o.id,
    kind: 'user',
    mfaEnabled: false,
    privileged: decision.privileged,
    interactive: enabled,
    accessKeys: [],
    privilegeSource: `${decision.source}; ${
      enabled
        ? 'not yet in the registration report: MFA unread, counted as absent'
        : 'account disabled (not in the registration report): cannot sign in'
    }`,
  };
}

/** Object ids (lower case) holding a writing Azure role that no other read names, sorted. */
export function unresolvedPrincipals(grants: ReadonlyMap<string, readonly RbacGrant[]>, known: ReadonlySet<string>): string[] {
  return [...grants.entries()]
    .filter(([id, list]) => !known.has(id) && list.some((g) => g.writes !== undefined))
    .map(([id]) => id)
    .sort();
}

/**
 * The users and service principals among `ids` (getByIds, batches of 1000, paced with
 * the reports); an id no object answers for (deleted: the assignment outlived it)
 * grants nobody. More than `max` ids: RbacIncomplete, privilege left Unknown.
 */
export async function readDirectoryObjects(
  graph: Pick<GraphReader, 'post'>,
  ids: readonly string[],
  max = DEFAULT_MAX_PRINCIPAL_LOOKUPS,
): Promise<DirectoryObject[]> {
  if (ids.length > max) {
    throw new RbacIncomplete('TooManyUnresolvedPrincipals', `${ids.length} principals hold a writing Azure role outside the registration report (at most ${max} are resolved)`);
  }
  const out: DirectoryObject[] = [];
  for (let i = 0; i < ids.length; i += GET_BY_IDS_BATCH) {
    const batch = ids.slice(i, i + GET_BY_IDS_BATCH);
    const body = await graph.post<{ value?: DirectoryObject[] }>(
      '/directoryObjects/getByIds',
      { ids: batch, types: ['user', 'servicePrincipal'] },
      'Graph:directoryObjects.getByIds',
      { report: true },
    );
    if (Array.isArray(body.value)) out.push(...body.value);
  }
  return out;
}
