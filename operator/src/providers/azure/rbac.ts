// Azure RBAC -> privilege. Reads, with @azure/arm-authorization, every role assignment
// that applies to the subscription (at it, inherited from its management groups and
// the tenant root, and below it on resource groups and resources) and the role
// definitions they name; assignments to groups are resolved to their members with
// Graph `groups/{id}/transitiveMembers` (nested groups included), paced by the
// collector's per-tenant report gate. Only groups holding a role that writes are
// resolved. `rbacGrants` (pure) maps it all to grants per principal; whether a role
// writes is role-actions.ts. Eligible (PIM) assignments are not active and not read;
// deny assignments and ABAC conditions, which can only narrow a grant, are not applied.

import type { AuthorizationManagementClient } from '@azure/arm-authorization';

import { collectAll, type AzureCollection } from './context.js';
import type { GraphReader } from './graph.js';
import { lower } from './ids.js';
import { writeGrantOf, type RolePermission, type WriteGrant } from './role-actions.js';

/** RoleAssignment as the SDK returns it (2022-04-01, `properties` flattened). */
export interface ArmRoleAssignment {
  id?: string;
  scope?: string;
  roleDefinitionId?: string;
  principalId?: string;
  principalType?: string;
}

/** RoleDefinition as the SDK returns it (`properties.type` is `roleType`). */
export interface ArmRoleDefinition {
  id?: string;
  name?: string;
  roleName?: string;
  roleType?: string;
  permissions?: RolePermission[];
}

/** What was read: assignments, definitions, and the members of each writing group. */
export interface RbacRead {
  assignments: readonly ArmRoleAssignment[];
  definitions: readonly ArmRoleDefinition[];
  /** Group object id (lower case) -> transitive member object ids. */
  groupMembers: ReadonlyMap<string, readonly string[]>;
}

/** One role a principal holds, directly or through a group. */
export interface RbacGrant {
  role: string;
  scope: string;
  /** The pattern that allows a non-read operation; undefined for a read-only role. */
  writes?: WriteGrant;
  /** Object id of the group the grant comes through. */
  viaGroup?: string;
}

export interface RbacReadOptions {
  /** Groups holding a writing role whose members are resolved (default 50); more leave privilege unknown. */
  maxPrivilegedGroups?: number;
  /** Role definitions fetched one by one when the scope list lacks them (default 20). */
  maxDefinitionLookups?: number;
}

export const DEFAULT_MAX_PRIVILEGED_GROUPS = 50;
export const DEFAULT_MAX_DEFINITION_LOOKUPS = 20;

/** A failed RBAC step: the call it came from, and the cause. */
export class RbacStepError extends Error {
  override readonly name = 'RbacStepError';
  constructor(
    readonly context: string,
    override readonly cause: unknown,
  ) {
    super(`${context}: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/** A read that would be incomplete past a bound: privilege stays unknown rather than understated. */
export class RbacIncomplete extends Error {
  override readonly name = 'RbacIncomplete';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Role definition ids are spelled with and without a subscription prefix: the GUID at the end is the key. */
export function definitionKey(id: string | undefined): string {
  const parts = (id ?? '').split('/').filter(Boolean);
  return lower(parts[parts.length - 1]);
}

function isGroup(a: ArmRoleAssignment): boolean {
  return lower(a.principalType) === 'group';
}

/** Object ids (lower case) of the groups that hold an assignment: their members carry the grants. */
export function groupPrincipals(read: Pick<RbacRead, 'assignments'>): Set<string> {
  return new Set(read.assignments.filter((a) => isGroup(a) && a.principalId).map((a) => lower(a.principalId)));
}

function definitionIndex(definitions: readonly ArmRoleDefinition[]): Map<string, ArmRoleDefinition> {
  const byKey = new Map<string, ArmRoleDefinition>();
  for (const d of definitions) {
    const key = definitionKey(d.name ?? d.id);
    if (key) byKey.set(key, d);
  }
  return byKey;
}

/** Grants per principal object id (lower case), group grants copied to every transitive member. */
export function rbacGrants(read: RbacRead): Map<string, RbacGrant[]> {
  const defs = definitionIndex(read.definitions);
  const out = new Map<string, RbacGrant[]>();
  const add = (principal: string, grant: RbacGrant): void => {
    const key = lower(principal);
    out.set(key, [...(out.get(key) ?? []), grant]);
  };
  for (const a of read.assignments) {
    if (!a.principalId) continue;
    const key = definitionKey(a.roleDefinitionId);
    const def = defs.get(key);
    const writes = def ? writeGrantOf(def.permissions ?? []) : undefined;
    const grant: RbacGrant = {
      role: def?.roleName ?? `role definition ${key}`,
      scope: a.scope ?? '',
      ...(writes || !def ? { writes: writes ?? { action: 'unreadable role definition', plane: 'control' } } : {}),
    };
    add(a.principalId, grant);
    if (isGroup(a)) {
      for (const member of read.groupMembers.get(lower(a.principalId)) ?? []) add(member, { ...grant, viaGroup: a.principalId });
    }
  }
  return out;
}

/** Bounded list of grants for the evidence: `Owner at /subscriptions/x (allows *) via group g`. */
export function describeGrants(grants: readonly RbacGrant[], max = 4): string {
  const text = [
    ...new Set(
      grants.map((g) => `${g.role} at ${g.scope || 'an unnamed scope'}${g.writes ? ` (allows ${g.writes.action})` : ''}${g.viaGroup ? ` via group ${g.viaGroup}` : ''}`),
    ),
  ].sort();
  return text.length <= max ? text.join('; ') : `${text.slice(0, max).join('; ')}; and ${text.length - max} more`;
}

async function step<T>(context: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new RbacStepError(context, err);
  }
}

/** Role assignments and definitions of the subscription, and the members of each writing group. */
export async function readRbac(
  c: AzureCollection,
  authorization: Pick<AuthorizationManagementClient, 'roleAssignments' | 'roleDefinitions'>,
  graph: Pick<GraphReader, 'list'>,
  subscriptionId: string,
  opts: RbacReadOptions = {},
): Promise<RbacRead> {
  const [assignments, listed] = await Promise.all([
    step('ARM:roleAssignments.list', () => collectAll<ArmRoleAssignment>(authorization.roleAssignments.listForSubscription(c.o))),
    step('ARM:roleDefinitions.list', () => collectAll<ArmRoleDefinition>(authorization.roleDefinitions.list(`subscriptions/${subscriptionId}`, c.o))),
  ]);
  const known = definitionIndex(listed);
  // Custom roles assignable only below the subscription are not in its list: fetch them by id.
  const missing = new Map<string, string>();
  for (const a of assignments) {
    const key = definitionKey(a.roleDefinitionId);
    if (key && !known.has(key) && a.roleDefinitionId) missing.set(key, a.roleDefinitionId);
  }
  const maxLookups = opts.maxDefinitionLookups ?? DEFAULT_MAX_DEFINITION_LOOKUPS;
  if (missing.size > maxLookups) {
    throw new RbacStepError('ARM:roleDefinitions.get', new RbacIncomplete('TooManyUnlistedRoleDefinitions', `${missing.size} role definitions are not in the subscription's list (at most ${maxLookups} are fetched)`));
  }
  const fetched = await Promise.all(
    [...missing.values()].map((id) =>
      step('ARM:roleDefinitions.get', async () => (await authorization.roleDefinitions.getById(id.replace(/^\/+/, ''), c.o)) as ArmRoleDefinition),
    ),
  );
  const definitions = [...listed, ...fetched];

  const defs = definitionIndex(definitions);
  const writingGroups = [
    ...new Set(
      assignments
        .filter((a) => isGroup(a) && a.principalId && writeGrantOf(defs.get(definitionKey(a.roleDefinitionId))?.permissions ?? []) !== undefined)
        .map((a) => lower(a.principalId)),
    ),
  ].sort();
  const maxGroups = opts.maxPrivilegedGroups ?? DEFAULT_MAX_PRIVILEGED_GROUPS;
  if (writingGroups.length > maxGroups) {
    throw new RbacStepError('Graph:groupTransitiveMembers', new RbacIncomplete('TooManyPrivilegedGroups', `${writingGroups.length} groups hold a writing Azure role (at most ${maxGroups} are resolved)`));
  }
  const members = await Promise.all(
    writingGroups.map((group) =>
      step('Graph:groupTransitiveMembers', () =>
        graph
          .list<{ id?: string; '@odata.type'?: string }>(`/groups/${encodeURIComponent(group)}/transitiveMembers?$select=id`, 'Graph:groupTransitiveMembers', {
            report: true,
          })
          .then(
            // Nested groups come with their members (transitive): the group objects themselves hold nothing.
            (items) => items.flatMap((m) => (m.id && lower(m['@odata.type']) !== '#microsoft.graph.group' ? [m.id] : [])),
            (err: unknown) => {
              // An assignment can outlive its group ("Identity not found"): it grants nobody.
              if (!c.mustStop(err) && c.classify(err).reason === 'NotFound') return [];
              throw err;
            },
          ),
      ),
    ),
  );
  return { assignments, definitions, groupMembers: new Map(writingGroups.map((g, i) => [g, members[i] ?? []])) };
}
