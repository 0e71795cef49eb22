// Azure tenant -> every subscription with its state and management-group path, and the
// third-party SaaS apps the tenant consented to in Entra ID, for Shadow IT discovery
// (issue 15). Read-only; it never decides what is undeclared (controls/undeclared-services.ts does).
//
// Four paged lists and one get, all at once; calls grow with pages, never per item:
// - ARM `GET /subscriptions?api-version=2022-12-01` (nextLink): the subscriptions the
//   identity can see, with their state;
// - ARM `GET /providers/Microsoft.Management/managementGroups/{root}/descendants?api-version=2023-04-01`
//   (nextLink): every management group and subscription below the root with its parent,
//   whether or not the identity has a role on the subscription (the authority for which
//   subscriptions exist), and `GET .../managementGroups/{root}` for the root's display name;
// - Graph `GET /servicePrincipals?$select=...&$expand=appRoleAssignments&$top=100`: every
//   service principal with the application permissions granted to it (Graph expands at
//   most 20 per object: an app showing 20 is a lower bound, `appRoleAssignmentsAtLeast`);
// - Graph `GET /oauth2PermissionGrants` (one list of every delegated grant, joined by
//   clientId here, instead of one filtered read per app).
// Cost per pass: ceil(visible subscriptions / page) + ceil((groups + subscriptions) / page)
// + 1 + ceil(service principals / 100) + ceil(grants / page). Every attempt is counted by
// the readers' `record` (the collector's ApiCallRecorder).
//
// First party: a service principal whose appOwnerOrganizationId is one of Microsoft's own
// tenants is Microsoft's, not shadow IT. f8cdef31-a31e-4b4a-93e4-5f571e91255a ("Microsoft
// Services", most Microsoft 365 service principals) and 72f988bf-86f1-41af-91ab-2d7cd011db47
// (Microsoft's corporate tenant): as listed, citing Microsoft Learn's "apps to allow" page,
// by the M365-Assess allowlist (PowerShell Gallery, controls/microsoft-first-party-appids.json)
// and used the same way in Sentinel hunting queries (AppOwnerTenantId in these two). Apps
// Microsoft publishes from other tenants are listed as third-party: a false "undeclared" is
// declared once; a real third-party app hidden as Microsoft's would never be seen.
//
// A refused or failed read is a gap with a reason (and the permission it needs), never an
// empty list.

import {
  MAX_CONSENT_SCOPES,
  type DiscoveredItem,
  type DiscoveredStatus,
  type DiscoveryGap,
  type OrganizationListing,
} from '../../inventory/organization.js';
import { azureGapReason, type ClassifiedAzureError } from './errors.js';
import type { GraphReader } from './graph.js';

export const MICROSOFT_TENANT_IDS: readonly string[] = ['f8cdef31-a31e-4b4a-93e4-5f571e91255a', '72f988bf-86f1-41af-91ab-2d7cd011db47'];

export const SUBSCRIPTIONS_API_VERSION = '2022-12-01';
export const MANAGEMENT_GROUPS_API_VERSION = '2023-04-01';
/** Subscriptions kept per pass; more is a `list` gap (ListingBounded). */
export const DEFAULT_MAX_SUBSCRIPTIONS = 10_000;
/** Management groups read per pass: Azure supports 10,000 per directory. */
export const DEFAULT_MAX_MANAGEMENT_GROUPS = 10_000;
/** Service principals read per pass (Microsoft's own are usually several hundred of them). */
export const DEFAULT_MAX_SERVICE_PRINCIPALS = 50_000;
/** Delegated grants read per pass. */
export const DEFAULT_MAX_PERMISSION_GRANTS = 200_000;
/** Graph's cap on an expanded collection per object. */
export const EXPANDED_ASSIGNMENTS_CAP = 20;
/** Six levels below the root are allowed; a parent chain longer than this is broken. */
const MAX_GROUP_DEPTH = 8;
const SERVICE_PRINCIPAL_PAGE = 100;

export interface AzureOrganizationLimits {
  /** The root management group (default: the tenant root group, whose id is the tenant id). */
  rootManagementGroupId?: string;
  maxSubscriptions?: number;
  maxManagementGroups?: number;
  maxServicePrincipals?: number;
  maxPermissionGrants?: number;
}

export interface AzureOrganizationReaders extends AzureOrganizationLimits {
  /** Resource Manager lists (a GraphReader with apiPath ''). */
  arm: GraphReader;
  graph: GraphReader;
  tenantId: string;
  signal: AbortSignal;
  classify: (err: unknown) => ClassifiedAzureError;
  /** API attempts so far (the pass reports the difference). */
  calls: () => number;
  now: () => Date;
}

export interface ArmSubscription { subscriptionId?: string; displayName?: string; state?: string; tenantId?: string }
export interface Descendant { id?: string; type?: string; name?: string; properties?: { displayName?: string; parent?: { id?: string } | null } }
export interface AppRoleAssignment { createdDateTime?: string; resourceId?: string; appRoleId?: string }
export interface ServicePrincipal {
  id?: string;
  appId?: string;
  displayName?: string;
  appOwnerOrganizationId?: string | null;
  servicePrincipalType?: string;
  accountEnabled?: boolean;
  appRoleAssignments?: AppRoleAssignment[];
}
export interface PermissionGrant { clientId?: string; consentType?: string; principalId?: string | null; scope?: string }

type Outcome<T> = { ok: true; value: T } | { ok: false; error: ClassifiedAzureError };

const lower = (s: string | null | undefined): string => (s ?? '').trim().toLowerCase();

/** Subscription state (2022-12-01: Enabled, Warned, PastDue, Disabled, Deleted), provider-neutral. */
export function subscriptionStatusOf(state: string | undefined): DiscoveredStatus {
  switch (lower(state)) {
    case 'enabled':
    case 'warned':
    case 'pastdue':
      return 'active';
    case 'disabled':
      return 'suspended';
    case 'deleted':
      return 'closed';
    default:
      return 'unknown';
  }
}

export function isMicrosoftFirstParty(appOwnerOrganizationId: string | null | undefined): boolean {
  return MICROSOFT_TENANT_IDS.includes(lower(appOwnerOrganizationId));
}

/** A service principal of an app another organisation registered (not Microsoft, not this tenant's own, not a managed identity). */
export function isThirdPartyApp(sp: ServicePrincipal, tenantId: string): boolean {
  const owner = lower(sp.appOwnerOrganizationId);
  return (sp.servicePrincipalType ?? 'Application') === 'Application' && owner !== '' && owner !== lower(tenantId) && !isMicrosoftFirstParty(owner) && Boolean(sp.appId);
}

/** A third-party app as a `saas-app` item; `grants` are the delegated grants whose clientId is this service principal (undefined: not read). */
export function saasAppItem(sp: ServicePrincipal, grants: readonly PermissionGrant[] | undefined): DiscoveredItem {
  const assignments = sp.appRoleAssignments ?? [];
  const times = assignments.map((a) => Date.parse(a.createdDateTime ?? '')).filter((t) => !Number.isNaN(t));
  const first = times.length > 0 ? new Date(Math.min(...times)).toISOString() : undefined;
  const item: DiscoveredItem = {
    kind: 'saas-app',
    id: lower(sp.appId),
    name: sp.displayName ?? (sp.appId as string),
    status: sp.accountEnabled === false ? 'suspended' : 'active',
    providerStatus: sp.accountEnabled === false ? 'accountEnabled false' : 'accountEnabled true',
    ...(first ? { joinedAt: first } : {}),
  };
  if (grants === undefined) return item;
  const scopes = [...new Set(grants.flatMap((g) => (g.scope ?? '').split(/\s+/).filter(Boolean)))].sort();
  const users = new Set(grants.filter((g) => g.consentType === 'Principal' && g.principalId).map((g) => lower(g.principalId)));
  item.consent = {
    publisherTenantId: lower(sp.appOwnerOrganizationId),
    scopes: scopes.slice(0, MAX_CONSENT_SCOPES),
    ...(scopes.length > MAX_CONSENT_SCOPES ? { scopesOmitted: scopes.length - MAX_CONSENT_SCOPES } : {}),
    adminConsent: grants.some((g) => g.consentType === 'AllPrincipals'),
    consentingUsers: users.size,
    appRoleAssignments: assignments.length,
    ...(assignments.length >= EXPANDED_ASSIGNMENTS_CAP ? { appRoleAssignmentsAtLeast: true } : {}),
    ...(first ? { firstConsentAt: first } : {}),
  };
  return item;
}

/** The last segment of an ARM id (`/providers/Microsoft.Management/managementGroups/mg-a` -> `mg-a`). */
const lastSegment = (id: string | undefined): string => (id ?? '').replace(/\/+$/, '').split('/').pop() ?? '';

export interface Place { path: string; pathNames: string }

/** Each subscription's management-group path, from the descendants list (parents may come in any order). */
export function placesOf(descendants: readonly Descendant[], rootId: string, rootName: string): Map<string, Place> {
  const groups = new Map<string, { name: string; displayName: string; parent: string }>();
  for (const d of descendants) {
    if (!/managementgroups$/i.test(d.type ?? '') || !d.name) continue;
    groups.set(lower(d.name), { name: d.name, displayName: d.properties?.displayName ?? d.name, parent: lastSegment(d.properties?.parent?.id ?? undefined) });
  }
  const placeOf = (groupId: string): Place | undefined => {
    const ids: string[] = [];
    const names: string[] = [];
    let current = groupId;
    for (let depth = 0; depth <= MAX_GROUP_DEPTH; depth++) {
      if (lower(current) === lower(rootId)) return { path: [rootId, ...ids].join('/'), pathNames: [rootName, ...names].join('/') };
      const g = groups.get(lower(current));
      if (!g) return undefined;
      ids.unshift(g.name);
      names.unshift(g.displayName);
      current = g.parent;
    }
    return undefined;
  };
  const places = new Map<string, Place>();
  for (const d of descendants) {
    if (!/subscriptions$/i.test(d.type ?? '') || !d.name) continue;
    const place = placeOf(lastSegment(d.properties?.parent?.id ?? undefined));
    if (place) places.set(lower(d.name), place);
  }
  return places;
}

/** What a failed read says, with the role or permission it needs when it was refused. */
function gapOf(kind: DiscoveryGap['kind'], area: DiscoveryGap['area'], context: string, error: ClassifiedAzureError, needs: string, consequence: string): DiscoveryGap {
  const hint = error.reason === 'AccessDenied' ? ` (needs ${needs})` : '';
  return { kind, area, reason: azureGapReason(error.reason), message: `${context}: ${error.code}${hint}; ${consequence}` };
}

/** Every subscription of the tenant and every third-party SaaS app. Never rejects but for an abort. */
export async function readAzureOrganization(r: AzureOrganizationReaders): Promise<OrganizationListing> {
  const readAt = r.now().toISOString();
  const before = r.calls();
  const root = r.rootManagementGroupId ?? r.tenantId;
  const maxSubs = r.maxSubscriptions ?? DEFAULT_MAX_SUBSCRIPTIONS;
  const maxSps = r.maxServicePrincipals ?? DEFAULT_MAX_SERVICE_PRINCIPALS;
  const maxGrants = r.maxPermissionGrants ?? DEFAULT_MAX_PERMISSION_GRANTS;
  const attempt = async <T>(fn: () => Promise<T>): Promise<Outcome<T>> => {
    try {
      return { ok: true, value: await fn() };
    } catch (err) {
      if (r.signal.aborted) throw r.signal.reason ?? err;
      return { ok: false, error: r.classify(err) };
    }
  };
  const group = `/providers/Microsoft.Management/managementGroups/${encodeURIComponent(root)}`;
  const [subs, desc, rootGroup, sps, grants] = await Promise.all([
    attempt(() => r.arm.list<ArmSubscription>(`/subscriptions?api-version=${SUBSCRIPTIONS_API_VERSION}`, 'ARM:subscriptions.list', { limit: maxSubs })),
    attempt(() =>
      r.arm.list<Descendant>(`${group}/descendants?api-version=${MANAGEMENT_GROUPS_API_VERSION}`, 'ARM:managementGroups.descendants', {
        limit: maxSubs + (r.maxManagementGroups ?? DEFAULT_MAX_MANAGEMENT_GROUPS),
      }),
    ),
    attempt(() => r.arm.object<{ properties?: { displayName?: string } }>(`${group}?api-version=${MANAGEMENT_GROUPS_API_VERSION}`, 'ARM:managementGroups.get')),
    attempt(() =>
      r.graph.list<ServicePrincipal>(
        `/servicePrincipals?$select=id,appId,displayName,appOwnerOrganizationId,servicePrincipalType,accountEnabled&$expand=appRoleAssignments&$top=${SERVICE_PRINCIPAL_PAGE}`,
        'Graph:servicePrincipals',
        { limit: maxSps },
      ),
    ),
    attempt(() => r.graph.list<PermissionGrant>('/oauth2PermissionGrants', 'Graph:oauth2PermissionGrants', { limit: maxGrants })),
  ]);
  const gaps: DiscoveryGap[] = [];
  const items: DiscoveredItem[] = [];

  // Subscriptions: the descendants list says which exist and where; the subscriptions list their state.
  const rootName = rootGroup.ok ? (rootGroup.value.properties?.displayName ?? root) : root;
  const places = desc.ok ? placesOf(desc.value, root, rootName) : new Map<string, Place>();
  const inHierarchy = desc.ok ? desc.value.filter((d) => /subscriptions$/i.test(d.type ?? '') && d.name) : [];
  const visible = subs.ok ? subs.value.filter((s) => s.subscriptionId && (!s.tenantId || lower(s.tenantId) === lower(r.tenantId))) : [];
  const byId = new Map<string, DiscoveredItem>();
  for (const s of visible.slice(0, maxSubs)) {
    const id = lower(s.subscriptionId);
    const place = places.get(id);
    byId.set(id, { kind: 'subscription', id, name: s.displayName ?? id, ...(place ?? {}), status: subscriptionStatusOf(s.state), providerStatus: s.state ?? 'none' });
  }
  let unseen = 0;
  for (const d of inHierarchy) {
    const id = lower(d.name);
    if (byId.has(id) || byId.size >= maxSubs) continue;
    unseen += 1;
    const place = places.get(id);
    const providerStatus = subs.ok ? 'not visible to the operator (no role on the subscription)' : 'not read';
    byId.set(id, { kind: 'subscription', id, name: d.properties?.displayName ?? id, ...(place ?? {}), status: 'unknown', providerStatus });
  }
  items.push(...byId.values());
  if (visible.length > maxSubs || inHierarchy.length > maxSubs) {
    gaps.push({ kind: 'subscription', area: 'list', reason: 'ListingBounded', message: `more than ${maxSubs} subscriptions; only the first ${maxSubs} were kept` });
  }
  if (!desc.ok && !subs.ok) {
    gaps.push(gapOf('subscription', 'list', 'ARM subscriptions.list', subs.error, 'Reader at the root management group', 'no subscription was listed'));
  } else if (!desc.ok) {
    // Only the subscriptions the identity has a role on are visible without the hierarchy.
    gaps.push(gapOf('subscription', 'list', `ARM managementGroups/${root}/descendants`, desc.error, `Management Group Reader at the root management group ${root}`, 'subscriptions the identity has no role on are not seen, and no path is known'));
  } else {
    if (!subs.ok) gaps.push(gapOf('subscription', 'details', 'ARM subscriptions.list', subs.error, 'Reader at the root management group', 'every subscription state is unknown'));
    else if (unseen > 0) {
      gaps.push({ kind: 'subscription', area: 'details', reason: 'NotVisible', message: `${unseen} subscription(s) of the hierarchy are not visible to the identity (no role on them): their state is unknown (needs Reader at the root management group)` });
    }
    const unplaced = items.filter((i) => i.path === undefined).length;
    if (unplaced > 0) gaps.push({ kind: 'subscription', area: 'path', reason: 'NotInHierarchy', message: `${unplaced} subscription(s) are not below the management group ${root} (or were moved during the pass)` });
  }

  // SaaS apps: third-party service principals joined with the delegated grants naming them.
  if (!sps.ok) {
    gaps.push(gapOf('saas-app', 'list', 'Graph servicePrincipals', sps.error, 'Application.Read.All or Directory.Read.All', 'no app was listed'));
  } else {
    if (sps.value.length > maxSps) gaps.push({ kind: 'saas-app', area: 'list', reason: 'ListingBounded', message: `more than ${maxSps} service principals; only the first ${maxSps} were read` });
    const byClient = new Map<string, PermissionGrant[]>();
    if (grants.ok) for (const g of grants.value.slice(0, maxGrants)) byClient.set(lower(g.clientId), [...(byClient.get(lower(g.clientId)) ?? []), g]);
    if (!grants.ok) gaps.push(gapOf('saas-app', 'details', 'Graph oauth2PermissionGrants', grants.error, 'DelegatedPermissionGrant.Read.All or Directory.Read.All', 'the apps are listed without their consents'));
    else if (grants.value.length > maxGrants) gaps.push({ kind: 'saas-app', area: 'details', reason: 'ListingBounded', message: `more than ${maxGrants} delegated grants; consents past them are not counted` });
    for (const sp of sps.value.slice(0, maxSps)) {
      if (isThirdPartyApp(sp, r.tenantId)) items.push(saasAppItem(sp, grants.ok ? (byClient.get(lower(sp.id)) ?? []) : undefined));
    }
  }

  items.sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
  gaps.sort((a, b) => `${a.kind}/${a.area}/${a.reason}`.localeCompare(`${b.kind}/${b.area}/${b.reason}`));
  return { provider: 'azure', organizationId: lower(r.tenantId), readAt, items, gaps, apiCalls: r.calls() - before };
}
