// Microsoft Entra ID -> identities, through Microsoft Graph: users and their MFA from
// the registration details report (one paced report query), privilege from the
// directory role definitions and active assignments (with their principals) and from
// the subscription's Azure RBAC role assignments (rbac.ts), groups resolved to their
// members. The read is `readIdentities`; the mapping (`identitiesFromGraph`, pure) is
// unit-tested.

import type { AccessKey, Identity } from '../../inventory/types.js';
import type { AuthorizationManagementClient } from '@azure/arm-authorization';

import type { AzureCollection } from './context.js';
import type { GraphReader } from './graph.js';
import { lower } from './ids.js';
import { addSignInActivity } from './sign-in-activity.js';
import { RbacStepError, describeGrants, rbacGrants, readRbac, type RbacGrant, type RbacReadOptions } from './rbac.js';

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
  principal?: {
    '@odata.type'?: string;
    id?: string;
    displayName?: string;
    userPrincipalName?: string;
    appId?: string;
    accountEnabled?: boolean;
    passwordCredentials?: Array<{ keyId?: string; startDateTime?: string; endDateTime?: string }>;
  };
}

/** Built-in Global Administrator role template id: the tenant's "root". */
export const GLOBAL_ADMINISTRATOR_TEMPLATE_ID = '62e90394-69f5-4237-9190-012177145e10';

/** A role is read-only when every allowed action is a read (`.../read`). */
export function isReadOnlyRole(def: DirectoryRoleDefinition): boolean {
  const actions = (def.rolePermissions ?? []).flatMap((p) => p.allowedResourceActions ?? []);
  return actions.every((a) => /\/read$/i.test(a.trim()));
}

/** First 4 + last 4 characters, as for AWS access key ids. */
export function maskKeyId(id: string): string {
  return id.length <= 8 ? `${id.slice(0, 2)}…` : `${id.slice(0, 4)}…${id.slice(-4)}`;
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

function isServicePrincipal(a: DirectoryRoleAssignment): boolean {
  return lower(a.principal?.['@odata.type']) === '#microsoft.graph.serviceprincipal';
}

/**
 * Users from the registration details report (enabled users only: the report skips
 * disabled accounts), privilege from active directory-role assignments (a role with
 * any non-read action), falling back to the report's isAdmin for users whose role
 * comes through a group or an activated eligibility. Service principals holding a
 * role are listed too: they cannot present MFA, but their client secrets are keys.
 * `roles` undefined: assignments unreadable, privilege from isAdmin only and the
 * Global Administrator MFA fact left unread.
 */
export function identitiesFromGraph(
  details: readonly UserRegistrationDetails[],
  roles: DirectoryRoles | undefined,
  now: Date,
  /** Azure RBAC grants per principal object id (lower case), from `rbacGrants`. */
  rbac?: ReadonlyMap<string, readonly RbacGrant[]>,
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

  const seenPrincipals = new Set<string>();
  for (const a of roles?.assignments ?? []) {
    if (!isServicePrincipal(a) || seenPrincipals.has(lower(a.principalId))) continue;
    seenPrincipals.add(lower(a.principalId));
    const p = a.principal ?? {};
    const { privileged, source } = decide(a.principalId, undefined);
    const accessKeys: AccessKey[] = (p.passwordCredentials ?? []).flatMap((c) => {
      if (!c.keyId || !c.startDateTime) return [];
      const end = c.endDateTime ? Date.parse(c.endDateTime) : Number.POSITIVE_INFINITY;
      return [{ id: maskKeyId(c.keyId), active: p.accountEnabled !== false && end > now.getTime(), createdAt: c.startDateTime }];
    });
    identities.push({
      id: a.principalId,
      name: p.displayName || p.appId || a.principalId,
      kind: 'service-principal',
      mfaEnabled: false,
      privileged,
      interactive: false,
      accessKeys,
      privilegeSource: source,
    });
  }

  let rootMfaEnabled: boolean | undefined;
  if (roles) {
    const globalAdmins = (roles.assignments ?? []).filter((a) => {
      const def = defs.get(lower(a.roleDefinitionId));
      const template = lower(def?.templateId ?? a.roleDefinitionId);
      return template === GLOBAL_ADMINISTRATOR_TEMPLATE_ID && userIds.has(lower(a.principalId));
    });
    if (globalAdmins.length > 0) {
      const mfa = new Map(details.map((u) => [lower(u.id), u.isMfaRegistered === true]));
      rootMfaEnabled = globalAdmins.every((a) => mfa.get(lower(a.principalId)) === true);
    }
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
}

/**
 * Azure RBAC grants, or undefined after recording why they could not be read as an
 * identities gap: without them an Owner would read as unprivileged, so privilege is
 * Unknown rather than understated. Credentials failures still end the collection.
 */
async function readRbacGrants(graph: Pick<GraphReader, 'list'>, c: AzureCollection, source: RbacSource): Promise<Map<string, RbacGrant[]> | undefined> {
  try {
    return rbacGrants(await readRbac(c, source.authorization, graph, source.subscriptionId, source));
  } catch (err) {
    const cause = err instanceof RbacStepError ? err.cause : err;
    if (c.mustStop(cause)) throw cause;
    const context = err instanceof RbacStepError ? err.context : 'ARM:roleAssignments.list';
    c.gap(['identities'], { error: c.classify(cause), context: `${context} (Azure RBAC privilege)` });
    return undefined;
  }
}

/** Identities and MFA (report), privilege (directory roles + assignments with principals, Azure RBAC). */
export async function readIdentities(graph: Pick<GraphReader, 'list'>, c: AzureCollection, now: Date, rbac?: RbacSource): Promise<IdentityFacts> {
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
  const [roles, grants] = await Promise.all([rolesRead, rbacRead]);
  return addSignInActivity(graph, c, identitiesFromGraph(details, roles, now, grants));
}
