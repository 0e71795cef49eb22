// Microsoft Entra ID -> identities, through Microsoft Graph: users and their MFA from
// the registration details report (one paced report query), privilege from the
// directory role definitions and active assignments (with their principals) and from
// the subscription's Azure RBAC role assignments (rbac.ts), groups resolved to their
// members. Principals with privilege the report does not list (service principals and
// managed identities with an Azure role, disabled or new users) are listed too
// (principals.ts). The read is `readIdentities`; the mapping (`identitiesFromGraph`,
// pure) is unit-tested.

import type { Identity } from '../../inventory/types.js';
import type { AuthorizationManagementClient } from '@azure/arm-authorization';

import type { AzureCollection } from './context.js';
import type { GraphReader } from './graph.js';
import { lower } from './ids.js';
import {
  DEFAULT_MAX_PRINCIPAL_LOOKUPS,
  identityOfPrincipal,
  principalKind,
  readDirectoryObjects,
  unresolvedPrincipals,
  type DirectoryObject,
} from './principals.js';
import { addSignInActivity } from './sign-in-activity.js';
import { RbacStepError, describeGrants, groupPrincipals, rbacGrants, readRbac, type RbacGrant, type RbacReadOptions } from './rbac.js';

export { maskKeyId } from './principals.js';

/** GET /reports/authenticationMethods/userRegistrationDetails item. */
export interface UserRegistrationDetails {
  id: string;
  userPrincipalName?: string;
  userDisplayName?: string;
  userType?: string;
  isAdmin?: boolean;
  isMfaRegistered?: boolean;
  isMfaCapable?: boolean;
  methodsRegistered?: string[];
  lastUpdatedDateTime?: string;
}

/** GET /roleManagement/directory/roleDefinitions item. */
export interface DirectoryRoleDefinition {
  id: string;
  displayName?: string;
  templateId?: string;
  isBuiltIn?: boolean;
  rolePermissions?: Array<{ allowedResourceActions?: string[] }>;
}

/** GET /roleManagement/directory/roleAssignments?$expand=principal item. */
export interface DirectoryRoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId?: string;
  principal?: DirectoryObject;
}

/** Built-in Global Administrator role template id: the tenant's "root". */
export const GLOBAL_ADMINISTRATOR_TEMPLATE_ID = '62e90394-69f5-4237-9190-012177145e10';

/** A role is read-only when every allowed action is a read (`.../read`). */
export function isReadOnlyRole(def: DirectoryRoleDefinition): boolean {
  const actions = (def.rolePermissions ?? []).flatMap((p) => p.allowedResourceActions ?? []);
  return actions.every((a) => /\/read$/i.test(a.trim()));
}

export interface DirectoryRoles {
  definitions: readonly DirectoryRoleDefinition[];
  assignments: readonly DirectoryRoleAssignment[];
}

export interface IdentityFacts {
  identities: Identity[];
  rootMfaEnabled?: boolean;
  /** When the registration report was last refreshed (newest row). */
  reportTime?: string;
}

/**
 * Users from the registration details report (enabled users only: the report skips
 * disabled accounts), privilege from active directory-role assignments (a role with
 * any non-read action), falling back to the report's isAdmin for users whose role
 * comes through a group or an activated eligibility. Principals the report does not
 * list are added from the expanded principal of their directory-role assignment or
 * from `resolved` (getByIds, for Azure RBAC): service principals (not interactive:
 * they cannot present MFA, but their client secrets are keys) and users (disabled, or
 * newer than the report). `roles` undefined: assignments unreadable, privilege from
 * isAdmin only and the Global Administrator MFA fact left unread.
 */
export function identitiesFromGraph(
  details: readonly UserRegistrationDetails[],
  roles: DirectoryRoles | undefined,
  now: Date,
  /** Azure RBAC grants per principal object id (lower case), from `rbacGrants`. */
  rbac?: ReadonlyMap<string, readonly RbacGrant[]>,
  /** Principals with an Azure role the report does not list (getByIds). */
  resolved: readonly DirectoryObject[] = [],
): IdentityFacts {
  const defs = new Map<string, DirectoryRoleDefinition>();
  for (const d of roles?.definitions ?? []) {
    defs.set(lower(d.id), d);
    if (d.templateId) defs.set(lower(d.templateId), d);
  }
  const rolesOf = new Map<string, DirectoryRoleDefinition[]>();
  const unknownRoleIds = new Map<string, string[]>();
  for (const a of roles?.assignments ?? []) {
    const def = defs.get(lower(a.roleDefinitionId));
    const key = lower(a.principalId);
    if (def) rolesOf.set(key, [...(rolesOf.get(key) ?? []), def]);
    else unknownRoleIds.set(key, [...(unknownRoleIds.get(key) ?? []), a.roleDefinitionId]);
  }
  const roleName = (d: DirectoryRoleDefinition): string => d.displayName ?? d.templateId ?? d.id;
  const decide = (principalId: string, isAdmin: boolean | undefined): { privileged: boolean; source: string } => {
    const entra = decideEntra(principalId, isAdmin);
    const grants = rbac?.get(lower(principalId)) ?? [];
    const writing = grants.filter((g) => g.writes !== undefined);
    if (writing.length > 0) {
      const azure = `Azure RBAC: ${describeGrants(writing)}`;
      return { privileged: true, source: entra.privileged ? `${entra.source}; ${azure}` : azure };
    }
    if (grants.length > 0) return { ...entra, source: `${entra.source}; read-only Azure roles: ${describeGrants(grants)}` };
    return entra;
  };
  const decideEntra = (principalId: string, isAdmin: boolean | undefined): { privileged: boolean; source: string } => {
    const assigned = rolesOf.get(lower(principalId)) ?? [];
    const unknown = unknownRoleIds.get(lower(principalId)) ?? [];
    const writing = assigned.filter((d) => !isReadOnlyRole(d));
    if (writing.length > 0) return { privileged: true, source: `Entra roles: ${[...new Set(writing.map(roleName))].sort().join(', ')}` };
    if (unknown.length > 0) return { privileged: true, source: 'Entra role with an unreadable definition' };
    if (assigned.length > 0) {
      return { privileged: false, source: `read-only Entra roles: ${[...new Set(assigned.map(roleName))].sort().join(', ')}` };
    }
    if (isAdmin === true) {
      return {
        privileged: true,
        source: roles ? 'isAdmin in the registration report (role via group or eligibility)' : 'isAdmin in the registration report',
      };
    }
    return { privileged: false, source: roles ? 'no directory role' : 'not an admin in the registration report' };
  };

  const identities: Identity[] = [];
  const userIds = new Set<string>();
  let reportTime: number | undefined;
  for (const u of details) {
    if (!u.id) continue;
    userIds.add(lower(u.id));
    const { privileged, source } = decide(u.id, u.isAdmin);
    identities.push({
      id: u.id,
      name: u.userPrincipalName || u.id,
      kind: 'user',
      mfaEnabled: u.isMfaRegistered === true,
      privileged,
      interactive: true,
      accessKeys: [],
      privilegeSource: source,
    });
    const t = u.lastUpdatedDateTime ? Date.parse(u.lastUpdatedDateTime) : Number.NaN;
    if (!Number.isNaN(t)) reportTime = reportTime === undefined ? t : Math.max(reportTime, t);
  }

  const listed = new Set(userIds);
  const addPrincipal = (o: DirectoryObject): void => {
    const key = lower(o.id);
    if (!key || listed.has(key)) return;
    const identity = identityOfPrincipal(o, decide(o.id!, undefined), now);
    if (!identity) return;
    listed.add(key);
    identities.push(identity);
  };
  for (const a of roles?.assignments ?? []) if (a.principal) addPrincipal({ ...a.principal, id: a.principal.id ?? a.principalId });
  for (const o of resolved) addPrincipal(o);

  // Root: every Global Administrator who can sign in has MFA (one the report does not list counts as without).
  let rootMfaEnabled: boolean | undefined;
  if (roles) {
    const globalAdmins = new Set(
      roles.assignments
        .filter((a) => lower(defs.get(lower(a.roleDefinitionId))?.templateId ?? a.roleDefinitionId) === GLOBAL_ADMINISTRATOR_TEMPLATE_ID)
        .map((a) => lower(a.principalId)),
    );
    const subjects = identities.filter((i) => i.kind === 'user' && i.interactive && globalAdmins.has(lower(i.id)));
    if (subjects.length > 0) rootMfaEnabled = subjects.every((i) => i.mfaEnabled);
  }
  identities.sort((a, b) => (a.kind + a.id).localeCompare(b.kind + b.id));
  return {
    identities,
    ...(rootMfaEnabled !== undefined ? { rootMfaEnabled } : {}),
    ...(reportTime !== undefined ? { reportTime: new Date(reportTime).toISOString() } : {}),
  };
}

/** Where Azure RBAC is read (omitted: directory roles only). */
export interface RbacSource extends RbacReadOptions {
  authorization: Pick<AuthorizationManagementClient, 'roleAssignments' | 'roleDefinitions'>;
  subscriptionId: string;
  /** Principals resolved with getByIds per collection (default 5000); more leave privilege Unknown. */
  maxPrincipalLookups?: number;
}

interface RbacFacts {
  grants: Map<string, RbacGrant[]>;
  /** Groups holding an assignment (lower case): resolved to their members, never listed. */
  groups: Set<string>;
}

/** An RBAC step failed: an identities gap, unless it must end the collection. */
function rbacGap(c: AzureCollection, err: unknown, fallbackContext: string): void {
  const cause = err instanceof RbacStepError ? err.cause : err;
  if (c.mustStop(cause)) throw cause;
  const context = err instanceof RbacStepError ? err.context : fallbackContext;
  c.gap(['identities'], { error: c.classify(cause), context: `${context} (Azure RBAC privilege)` });
}

/**
 * Azure RBAC grants, or undefined after recording why they could not be read as an
 * identities gap: without them an Owner would read as unprivileged, so privilege is
 * Unknown rather than understated. Credentials failures still end the collection.
 */
async function readRbacGrants(graph: Pick<GraphReader, 'list'>, c: AzureCollection, source: RbacSource): Promise<RbacFacts | undefined> {
  try {
    const read = await readRbac(c, source.authorization, graph, source.subscriptionId, source);
    return { grants: rbacGrants(read), groups: groupPrincipals(read) };
  } catch (err) {
    rbacGap(c, err, 'ARM:roleAssignments.list');
    return undefined;
  }
}

/**
 * The principals with a writing Azure role that neither the report nor a directory-role
 * assignment names (getByIds); a failed or over-bound read is an identities gap: those
 * principals would be missing, not unprivileged.
 */
async function resolvePrincipals(
  graph: Pick<GraphReader, 'post'>,
  c: AzureCollection,
  rbac: RbacFacts,
  known: ReadonlySet<string>,
  max: number,
): Promise<DirectoryObject[]> {
  const ids = unresolvedPrincipals(rbac.grants, new Set([...known, ...rbac.groups]));
  if (ids.length === 0) return [];
  try {
    return await readDirectoryObjects(graph, ids, max);
  } catch (err) {
    rbacGap(c, err, 'Graph:directoryObjects.getByIds');
    return [];
  }
}

/** Identities and MFA (report), privilege (directory roles + assignments with principals, Azure RBAC). */
export async function readIdentities(graph: Pick<GraphReader, 'list' | 'post'>, c: AzureCollection, now: Date, rbac?: RbacSource): Promise<IdentityFacts> {
  const rbacRead = rbac ? readRbacGrants(graph, c, rbac) : Promise.resolve(undefined);
  rbacRead.catch(() => undefined); // observed at once: it may end the collection before the report answers
  const rolesRead = Promise.all([
    graph.list<DirectoryRoleDefinition>('/roleManagement/directory/roleDefinitions', 'Graph:roleDefinitions'),
    graph.list<DirectoryRoleAssignment>('/roleManagement/directory/roleAssignments?$expand=principal', 'Graph:roleAssignments'),
  ]).then(
    ([definitions, assignments]): DirectoryRoles => ({ definitions, assignments }),
    (err: unknown) => {
      // Privilege is a refinement: when it cannot be read, isAdmin from the report
      // stands in (the failed calls are in the API-call metrics); credentials
      // problems still end the collection.
      if (c.mustStop(err)) throw err;
      return undefined;
    },
  );
  const details = await graph
    .list<UserRegistrationDetails>('/reports/authenticationMethods/userRegistrationDetails', 'Graph:userRegistrationDetails', { report: true })
    .catch(async (err: unknown) => {
      await Promise.allSettled([rolesRead, rbacRead]); // never leave a rejection unobserved
      throw err;
    });
  const [roles, rbacFacts] = await Promise.all([rolesRead, rbacRead]);
  const known = new Set([
    ...details.map((u) => lower(u.id)),
    ...(roles?.assignments ?? []).filter((a) => principalKind(a.principal) !== 'other').map((a) => lower(a.principalId)),
  ]);
  const resolved = rbacFacts ? await resolvePrincipals(graph, c, rbacFacts, known, rbac?.maxPrincipalLookups ?? DEFAULT_MAX_PRINCIPAL_LOOKUPS) : [];
  return addSignInActivity(graph, c, identitiesFromGraph(details, roles, now, rbacFacts?.grants, resolved));
}
