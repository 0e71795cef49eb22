// Pure mapping from Resource Manager and Microsoft Graph response shapes to the
// provider-neutral Inventory. No I/O here: the collector reads, these functions
// translate, the controls decide. Input types are the documented REST shapes (the
// SDKs' deserialised models, which flatten ARM `properties` onto the object).

import type { AccessKey, AuditTrail, Identity, RegionRestriction, Resource, ResourceKind } from '../../inventory/types.js';

// ------------------------------------------------------------------ inputs

export interface ArmResource {
  id?: string;
  name?: string;
  type?: string;
  location?: string;
  tags?: Record<string, string>;
}

export interface ArmStorageAccount extends ArmResource {
  sku?: { name?: string };
  encryption?: {
    services?: { blob?: { enabled?: boolean }; file?: { enabled?: boolean } };
    keySource?: string;
  };
  allowBlobPublicAccess?: boolean;
  publicNetworkAccess?: string;
  secondaryLocation?: string;
}

export interface ArmDiskLike extends ArmResource {
  encryption?: { type?: string; diskEncryptionSetId?: string };
  securityProfile?: { securityType?: string };
  networkAccessPolicy?: string;
  publicNetworkAccess?: string;
  diskState?: string;
  creationData?: { sourceResourceId?: string };
}

export interface ArmPolicyAssignment {
  id?: string;
  name?: string;
  displayName?: string;
  policyDefinitionId?: string;
  scope?: string;
  notScopes?: string[];
  parameters?: Record<string, { value?: unknown } | undefined>;
  enforcementMode?: string;
}

export interface ArmPolicySetDefinition {
  id?: string;
  parameters?: Record<string, { defaultValue?: unknown } | undefined>;
  policyDefinitions?: Array<{ policyDefinitionId: string; parameters?: Record<string, { value?: unknown } | undefined> }>;
}

export interface ArmDiagnosticSetting {
  id?: string;
  name?: string;
  storageAccountId?: string;
  workspaceId?: string;
  eventHubAuthorizationRuleId?: string;
  serviceBusRuleId?: string;
  logs?: Array<{ category?: string; categoryGroup?: string; enabled: boolean }>;
}

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

// ------------------------------------------------------------------ helpers

/** Lower-cased id: ARM ids are case-insensitive and casing differs between APIs. */
export function idKey(id: string): string {
  return id.toLowerCase();
}

/** The subscription id inside an ARM resource id, lower-cased; undefined when none. */
export function subscriptionOf(resourceId: string | undefined): string | undefined {
  const m = resourceId ? /\/subscriptions\/([^/]+)/i.exec(resourceId) : null;
  return m?.[1]?.toLowerCase();
}

function lower(value: string | undefined): string {
  return (value ?? '').toLowerCase();
}

/** Resource types whose instances hold or process data, by inventory kind. Others are not data stores. */
const KIND_BY_TYPE: Readonly<Record<string, ResourceKind>> = {
  'microsoft.compute/virtualmachines': 'compute-instance',
  'microsoft.compute/virtualmachinescalesets': 'compute-instance',
  'microsoft.compute/disks': 'volume',
  'microsoft.compute/snapshots': 'snapshot',
  'microsoft.storage/storageaccounts': 'storage-account',
  'microsoft.sql/servers/databases': 'database',
  'microsoft.sql/managedinstances': 'database',
  'microsoft.documentdb/databaseaccounts': 'database',
  'microsoft.dbforpostgresql/flexibleservers': 'database',
  'microsoft.dbformysql/flexibleservers': 'database',
};

/**
 * Database services that encrypt every byte at rest with no way to turn it off
 * (Cosmos DB; Azure Database for PostgreSQL / MySQL flexible server). Azure SQL's
 * transparent data encryption can be switched off per database and is not read here,
 * so SQL databases stay `encrypted: undefined`.
 */
const ALWAYS_ENCRYPTED_TYPES = new Set([
  'microsoft.documentdb/databaseaccounts',
  'microsoft.dbforpostgresql/flexibleservers',
  'microsoft.dbformysql/flexibleservers',
]);

export function kindOfType(type: string | undefined): ResourceKind | undefined {
  return KIND_BY_TYPE[lower(type)];
}

function withTags(resource: Resource, tags: Record<string, string> | undefined): Resource {
  return tags && Object.keys(tags).length > 0 ? { ...resource, tags: { ...tags } } : resource;
}

// ------------------------------------------------------------------ resources

/** A resources.list entry, for kinds that have no dedicated list (VMs, databases). */
export function resourceFromGeneric(r: ArmResource): Resource | undefined {
  const kind = kindOfType(r.type);
  if (!kind || !r.id) return undefined;
  const base: Resource = { id: r.id, kind, region: r.location ?? '' };
  if (kind === 'database') {
    // No database service here allows anonymous reads: reachability is a network
    // question, not "readable by anyone".
    base.public = false;
    if (ALWAYS_ENCRYPTED_TYPES.has(lower(r.type))) base.encrypted = true;
  }
  return withTags(base, r.tags);
}

/** Storage account (storageAccounts.list), plus its geo-replicated copy when GRS/GZRS. */
export function resourcesFromStorageAccount(a: ArmStorageAccount): Resource[] {
  if (!a.id) return [];
  const enc = a.encryption;
  const encrypted =
    enc === undefined ? undefined : enc.services?.blob?.enabled === false || enc.services?.file?.enabled === false ? false : true;
  const customerManagedKey = enc === undefined ? undefined : lower(enc.keySource ?? 'Microsoft.Storage') === 'microsoft.keyvault';
  const networkOpen = lower(a.publicNetworkAccess) !== 'disabled';
  const anonymous = a.allowBlobPublicAccess === true && networkOpen;
  const primary: Resource = {
    id: a.id,
    kind: 'storage-account',
    region: a.location ?? '',
    public: anonymous,
    ...(anonymous ? { publicReason: 'anonymous blob access allowed (allowBlobPublicAccess) on the public endpoint' } : {}),
    ...(encrypted !== undefined ? { encrypted } : {}),
    ...(customerManagedKey !== undefined ? { customerManagedKey } : {}),
  };
  const out = [withTags(primary, a.tags)];
  const secondary = a.secondaryLocation;
  if (secondary && lower(secondary) !== lower(a.location)) {
    // The geo-replica is readable only through the read-access secondary endpoint (RA-GRS / RA-GZRS).
    const readAccess = /_RAG(Z)?RS$/i.test(a.sku?.name ?? '');
    out.push({
      id: `${a.id}#geo-secondary`,
      kind: 'storage-account',
      region: secondary,
      sourceId: a.id,
      public: anonymous && readAccess,
      ...(anonymous && readAccess ? { publicReason: 'anonymous blob access on the read-access secondary endpoint' } : {}),
      ...(encrypted !== undefined ? { encrypted } : {}),
      ...(customerManagedKey !== undefined ? { customerManagedKey } : {}),
    });
  }
  return out;
}

/**
 * Managed disk or snapshot. Azure encrypts managed disks at rest (server-side
 * encryption) with no opt-out: `encryption.type` names the key (platform,
 * customer, or both). Network exposure: with networkAccessPolicy AllowAll and public
 * network access not Disabled, anyone holding a SAS export URL can download the data
 * from anywhere (diskState ActiveSAS: such a URL is live now).
 */
export function resourceFromDisk(d: ArmDiskLike, kind: 'volume' | 'snapshot'): Resource | undefined {
  if (!d.id) return undefined;
  const type = d.encryption?.type;
  const encrypted = type === undefined ? undefined : /^EncryptionAtRest/i.test(type) ? true : undefined;
  const cvmCustomerKey = /CustomerKey/i.test(d.securityProfile?.securityType ?? '');
  const customerManagedKey = type === undefined ? undefined : /CustomerKey/i.test(type) || cvmCustomerKey;
  const policy = lower(d.networkAccessPolicy ?? 'AllowAll');
  const networkOpen = lower(d.publicNetworkAccess ?? 'Enabled') !== 'disabled';
  const exportable = policy === 'allowall' && networkOpen;
  const activeSas = /^ActiveSAS/i.test(d.diskState ?? '');
  const r: Resource = {
    id: d.id,
    kind,
    region: d.location ?? '',
    public: exportable,
    ...(exportable
      ? {
          publicReason: activeSas
            ? 'active SAS export URL, usable from any network (networkAccessPolicy AllowAll)'
            : 'exportable by SAS URL from any network (networkAccessPolicy AllowAll, publicNetworkAccess Enabled)',
        }
      : {}),
    ...(encrypted !== undefined ? { encrypted } : {}),
    ...(customerManagedKey !== undefined ? { customerManagedKey } : {}),
    ...(kind === 'snapshot' && d.creationData?.sourceResourceId ? { sourceId: d.creationData.sourceResourceId } : {}),
  };
  return withTags(r, d.tags);
}

/** Overlay the detailed resources on the generic list (by case-insensitive id). */
export function mergeResources(generic: readonly Resource[], detailed: readonly Resource[]): Resource[] {
  const byId = new Map<string, Resource>();
  for (const r of generic) byId.set(idKey(r.id), r);
  for (const r of detailed) {
    const previous = byId.get(idKey(r.id));
    byId.set(idKey(r.id), previous?.tags && !r.tags ? { ...r, tags: previous.tags } : r);
  }
  return [...byId.values()].sort((a, b) => (a.kind + a.id).localeCompare(b.kind + b.id));
}

// ------------------------------------------------------------------ guardrails

/** Built-in "Allowed locations" (deny), parameter listOfAllowedLocations. */
export const ALLOWED_LOCATIONS_DEFINITION_ID = '/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c';
/** Built-in "Storage account public access should be disallowed", parameter effect (Audit by default). */
export const STORAGE_PUBLIC_ACCESS_DEFINITION_ID = '/providers/Microsoft.Authorization/policyDefinitions/4fa4b6c0-31ca-4c0d-b10d-24b96f62a751';

export function isPolicySetId(id: string | undefined): boolean {
  return /\/providers\/microsoft\.authorization\/policysetdefinitions\//i.test(id ?? '');
}

function sameDefinition(a: string | undefined, b: string): boolean {
  return lower(a) === lower(b);
}

/** `[parameters('name')]` -> name. */
function parameterReference(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$/i.exec(value.trim());
  return m?.[1];
}

interface Member {
  definitionId: string;
  /** Resolves a member parameter to its effective value (undefined: not set). */
  param(name: string): unknown;
}

/** The policy definitions an assignment applies, with their effective parameter values. */
function membersOf(assignment: ArmPolicyAssignment, set: ArmPolicySetDefinition | undefined): Member[] {
  const assigned = (name: string): unknown => assignment.parameters?.[name]?.value;
  if (!isPolicySetId(assignment.policyDefinitionId)) {
    return assignment.policyDefinitionId ? [{ definitionId: assignment.policyDefinitionId, param: assigned }] : [];
  }
  if (!set) return [];
  return (set.policyDefinitions ?? []).map((ref) => ({
    definitionId: ref.policyDefinitionId,
    param: (name: string): unknown => {
      const raw = ref.parameters?.[name]?.value;
      const setParam = parameterReference(raw);
      if (setParam === undefined) return raw;
      return assigned(setParam) ?? set.parameters?.[setParam]?.defaultValue;
    },
  }));
}

export interface PolicyGuardrails {
  /** undefined: could not be decided (an initiative could not be read); null: none. */
  regionRestriction: RegionRestriction | null | undefined;
  /** Storage public blob access denied by policy; undefined when undecidable. */
  publicAccessBlocked: boolean | undefined;
}

/**
 * Region guardrail and public-access block from the assignments that apply at the
 * subscription (list with `$filter=atScope()`): enforced assignments of the built-in
 * definitions, directly or inside an initiative. Several allowed-locations
 * assignments all apply, so the permitted regions are their intersection.
 * `sets` maps a lower-cased set definition id to its definition (undefined: unreadable).
 */
export function guardrailsFromPolicy(
  assignments: readonly ArmPolicyAssignment[],
  sets: ReadonlyMap<string, ArmPolicySetDefinition | undefined>,
): PolicyGuardrails {
  let allowed: Set<string> | undefined;
  const sources: string[] = [];
  let blocked = false;
  let undecided = false;
  for (const a of assignments) {
    if (lower(a.enforcementMode) === 'donotenforce') continue;
    if (/\/resourcegroups\//i.test(a.scope ?? '')) continue; // only part of the subscription
    const isSet = isPolicySetId(a.policyDefinitionId);
    const set = isSet ? sets.get(lower(a.policyDefinitionId)) : undefined;
    if (isSet && set === undefined) {
      undecided = true;
      continue;
    }
    for (const m of membersOf(a, set)) {
      if (sameDefinition(m.definitionId, ALLOWED_LOCATIONS_DEFINITION_ID)) {
        const list = m.param('listOfAllowedLocations');
        if (!Array.isArray(list)) {
          undecided = true;
          continue;
        }
        const regions = new Set(list.filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase().replace(/\s+/g, '')));
        allowed = allowed === undefined ? regions : new Set([...allowed].filter((x) => regions.has(x)));
        const name = a.displayName || a.name || a.id || 'policy assignment';
        sources.push(a.notScopes && a.notScopes.length > 0 ? `${name} (with ${a.notScopes.length} excluded scope(s))` : name);
      } else if (sameDefinition(m.definitionId, STORAGE_PUBLIC_ACCESS_DEFINITION_ID)) {
        const effect = m.param('effect') ?? 'Audit';
        if (typeof effect === 'string' && effect.toLowerCase() === 'deny') blocked = true;
      }
    }
  }
  const regionRestriction: RegionRestriction | null | undefined =
    allowed !== undefined
      ? { allowedRegions: [...allowed].sort(), source: `Azure Policy: ${sources.join(', ')}` }
      : undecided
        ? undefined
        : null;
  return { regionRestriction, publicAccessBlocked: blocked ? true : undecided ? undefined : false };
}

// ------------------------------------------------------------------ audit trails

/** Activity-log categories that record control-plane writes. */
function recordsAdministrative(s: ArmDiagnosticSetting): boolean {
  return (s.logs ?? []).some(
    (l) => l.enabled && (lower(l.category) === 'administrative' || ['alllogs', 'audit'].includes(lower(l.categoryGroup))),
  );
}

/**
 * Subscription activity-log diagnostic settings -> audit trails, one per destination
 * (storage account, Log Analytics workspace, event hub). The activity log covers
 * every region of the subscription. `locate` gives the region of a destination this
 * subscription holds (undefined for destinations elsewhere).
 */
export function trailsFromDiagnosticSettings(
  settings: readonly ArmDiagnosticSetting[],
  subscriptionId: string,
  locate: (resourceId: string) => string | undefined,
): AuditTrail[] {
  const trails: AuditTrail[] = [];
  for (const s of settings) {
    const id = s.id ?? `/subscriptions/${subscriptionId}/providers/microsoft.insights/diagnosticSettings/${s.name ?? 'unnamed'}`;
    const destinations = (
      [
        ['storage', s.storageAccountId],
        ['workspace', s.workspaceId],
        ['eventhub', s.eventHubAuthorizationRuleId ?? s.serviceBusRuleId],
      ] as const
    ).filter((d): d is readonly ['storage' | 'workspace' | 'eventhub', string] => typeof d[1] === 'string' && d[1] !== '');
    const logging = recordsAdministrative(s);
    if (destinations.length === 0) {
      trails.push({ id, region: 'global', multiRegion: true, logging });
      continue;
    }
    for (const [kind, destination] of destinations) {
      const owner = subscriptionOf(destination);
      const region = locate(destination);
      trails.push({
        id: destinations.length === 1 ? id : `${id}#${kind}`,
        region: 'global',
        multiRegion: true,
        logging,
        destination,
        ...(owner ? { destinationAccountId: owner } : {}),
        ...(region ? { destinationRegion: region } : {}),
      });
    }
  }
  return trails.sort((a, b) => a.id.localeCompare(b.id));
}

// ------------------------------------------------------------------ identities

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
