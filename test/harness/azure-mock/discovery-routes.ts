// The local server's Shadow IT discovery routes, in the documented REST shapes, from the
// fixture's `organization` (organization-fixture.ts):
// - ARM `GET /subscriptions` (2022-12-01: subscriptionId, tenantId, displayName, state,
//   subscriptionPolicies), only the subscriptions the operator can see;
// - ARM `GET /providers/Microsoft.Management/managementGroups/{id}/descendants` (every
//   group and subscription below {id} with `properties.parent.id`, in no particular
//   order) and `GET .../managementGroups/{id}` (the group itself);
// - Graph `GET /v1.0/servicePrincipals` ($select projects, $expand=appRoleAssignments adds
//   at most 20 per object, as Graph caps expanded collections) and
//   `GET /v1.0/oauth2PermissionGrants` (optionally `$filter=clientId eq '...'`).
// Lists are paged by server.ts (`nextLink` / `@odata.nextLink` with `$skiptoken`).

import type { AzureFixture, Json } from './fixture.js';

export type DiscoveryRoute = 'arm.subscriptions' | 'arm.managementGroupDescendants' | 'arm.managementGroup' | 'graph.servicePrincipals' | 'graph.oauth2PermissionGrants';

const MG = '/providers/Microsoft.Management/managementGroups';
/** Graph's cap on an expanded collection per object. */
const EXPAND_CAP = 20;

/** The route of a lower-cased ARM path, if it is a discovery one. */
export function discoveryArmRoute(path: string): DiscoveryRoute | undefined {
  if (path === '/subscriptions') return 'arm.subscriptions';
  if (/^\/providers\/microsoft\.management\/managementgroups\/[^/]+\/descendants$/.test(path)) return 'arm.managementGroupDescendants';
  if (/^\/providers\/microsoft\.management\/managementgroups\/[^/]+$/.test(path)) return 'arm.managementGroup';
  return undefined;
}

/** The route of a Graph GET path, if it is a discovery one. */
export function discoveryGraphRoute(path: string): DiscoveryRoute | undefined {
  if (/^\/v1\.0\/serviceprincipals$/i.test(path)) return 'graph.servicePrincipals';
  if (/^\/v1\.0\/oauth2permissiongrants$/i.test(path)) return 'graph.oauth2PermissionGrants';
  return undefined;
}

export type Pager = (items: unknown[], context?: string) => Json;
export interface DiscoveryAnswer {
  status: number;
  body: Json;
}

const notFound = (service: 'arm' | 'graph', code: string, message: string): DiscoveryAnswer => ({
  status: 404,
  body: service === 'arm' ? { error: { code, message } } : { error: { code, message, innerError: { date: new Date().toISOString() } } },
});

/** Answers a discovery route for the request's tenant. */
export function answerDiscovery(route: DiscoveryRoute, fixture: AzureFixture, url: URL, page: Pager): DiscoveryAnswer {
  const org = fixture.organization;
  switch (route) {
    case 'arm.subscriptions': {
      const visible = (org?.subscriptions ?? []).filter((s) => s.visible !== false);
      return {
        status: 200,
        body: page(
          visible.map((s) => ({
            id: `/subscriptions/${s.subscriptionId}`,
            authorizationSource: 'RoleBased',
            managedByTenants: [],
            subscriptionId: s.subscriptionId,
            tenantId: fixture.tenantId,
            displayName: s.displayName,
            state: s.state,
            subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'EnterpriseAgreement_2014-09-01', spendingLimit: 'Off' },
            tags: {},
          })),
        ),
      };
    }
    case 'arm.managementGroupDescendants':
    case 'arm.managementGroup': {
      const segments = url.pathname.split('/');
      const id = decodeURIComponent(segments[route === 'arm.managementGroup' ? segments.length - 1 : segments.length - 2] ?? '').toLowerCase();
      const groups = org?.managementGroups ?? [];
      const isRoot = org !== undefined && org.rootGroupId.toLowerCase() === id;
      const group = groups.find((g) => g.name.toLowerCase() === id);
      if (!org || (!isRoot && !group)) return notFound('arm', 'NotFound', `Management group '${id}' was not found.`);
      if (route === 'arm.managementGroup') {
        return {
          status: 200,
          body: {
            id: `${MG}/${isRoot ? org.rootGroupId : group!.name}`,
            type: 'Microsoft.Management/managementGroups',
            name: isRoot ? org.rootGroupId : group!.name,
            properties: { tenantId: fixture.tenantId, displayName: isRoot ? org.rootDisplayName : group!.displayName, details: { version: 1, updatedTime: '2026-01-05T09:00:00Z' } },
          },
        };
      }
      // Below `id`: a group's ancestors up to the root, checked with a depth bound.
      const parentOf = new Map(groups.map((g) => [g.name.toLowerCase(), g.parent.toLowerCase()]));
      const below = (parent: string): boolean => {
        let current = parent.toLowerCase();
        for (let depth = 0; depth < 10; depth++) {
          if (current === id) return true;
          const next = parentOf.get(current);
          if (next === undefined) return false;
          current = next;
        }
        return false;
      };
      // Children before parents on purpose: the answer promises no order.
      const entries = [
        ...org.subscriptions.filter((s) => below(s.parent)).map((s) => ({
          id: `/subscriptions/${s.subscriptionId}`,
          type: 'Microsoft.Management/managementGroups/subscriptions',
          name: s.subscriptionId,
          properties: { displayName: s.displayName, parent: { id: `${MG}/${s.parent}` } },
        })),
        ...groups.filter((g) => below(g.parent)).map((g) => ({
          id: `${MG}/${g.name}`,
          type: 'Microsoft.Management/managementGroups',
          name: g.name,
          properties: { displayName: g.displayName, parent: { id: `${MG}/${g.parent}` } },
        })),
      ];
      return { status: 200, body: page(entries) };
    }
    case 'graph.servicePrincipals': {
      const select = (url.searchParams.get('$select') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const expand = /(^|,)\s*appRoleAssignments\s*(,|$)/i.test(url.searchParams.get('$expand') ?? '');
      const items = (org?.servicePrincipals ?? []).map((sp) => {
        const { appRoleAssignments, ...rest } = sp;
        const shown: Json = select.length > 0 ? Object.fromEntries(Object.entries(rest).filter(([k]) => k === 'id' || select.includes(k))) : rest;
        if (expand) shown.appRoleAssignments = ((appRoleAssignments as Json[] | undefined) ?? []).slice(0, EXPAND_CAP);
        return shown;
      });
      return { status: 200, body: page(items, select.length > 0 ? `servicePrincipals(${select.join(',')})` : 'servicePrincipals') };
    }
    case 'graph.oauth2PermissionGrants': {
      const client = /clientId eq '([^']+)'/i.exec(url.searchParams.get('$filter') ?? '')?.[1]?.toLowerCase();
      const items = (org?.oauth2PermissionGrants ?? []).filter((g) => client === undefined || String(g.clientId).toLowerCase() === client);
      return { status: 200, body: page(items, 'oauth2PermissionGrants') };
    }
  }
}
