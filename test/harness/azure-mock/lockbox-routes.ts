// The local server's Customer Lockbox routes (Customer Lockbox Resource Manager API
// 2018-02-28-preview), from the fixture's `lockbox` (lockbox-fixture.ts):
// - `GET /providers/Microsoft.CustomerLockbox/tenantOptedIn/{tenantId}` -> `{ isOptedIn }`
//   (the token's tenant only; another tenant is refused);
// - `GET /subscriptions/{id}/providers/Microsoft.CustomerLockbox/requests` -> `{ value, nextLink }`,
//   newest first, `fixture.lockbox.pageSize` a page (default 2), with the $filter forms
//   `properties/createdDateTime gt <time>` and `properties/status eq '<status>'`.
// A fixture without `lockbox` is a tenant that is not opted in and has no requests; one
// with `registered: false` answers 404 as for a resource provider that is not registered.

import type { AzureFixture, Json } from './fixture.js';

export type LockboxRoute = 'arm.lockboxTenantOptedIn' | 'arm.lockboxRequests';

export const LOCKBOX_API_VERSION = '2018-02-28-preview';
const DEFAULT_PAGE_SIZE = 2;

/** The route of a lower-cased ARM path, if it is a Lockbox one. */
export function lockboxArmRoute(path: string): LockboxRoute | undefined {
  if (/^\/providers\/microsoft\.customerlockbox\/tenantoptedin\/[^/]+$/.test(path)) return 'arm.lockboxTenantOptedIn';
  if (/^\/subscriptions\/[^/]+\/providers\/microsoft\.customerlockbox\/requests$/.test(path)) return 'arm.lockboxRequests';
  return undefined;
}

export interface LockboxAnswer {
  status: number;
  body: Json;
}

const armError = (status: number, code: string, message: string): LockboxAnswer => ({ status, body: { error: { code, message } } });

/** `properties/createdDateTime gt <time>` and / or `properties/status eq '<status>'`, joined by `and`; undefined when not understood. */
function requestFilter(filter: string): { after?: number; status?: string } | undefined {
  const out: { after?: number; status?: string } = {};
  for (const clause of filter.split(/\s+and\s+/i)) {
    const created = /^properties\/createdDateTime gt '?([^']+?)'?$/i.exec(clause.trim());
    const status = /^properties\/status eq '([^']+)'$/i.exec(clause.trim());
    if (created && !Number.isNaN(Date.parse(created[1]!))) out.after = Date.parse(created[1]!);
    else if (status) out.status = status[1]!;
    else return undefined;
  }
  return out;
}

/** Answers a Lockbox route for the request's tenant (opt-in) or subscription (requests). */
export function answerLockbox(route: LockboxRoute, fixture: AzureFixture, url: URL, tenantOfToken: string): LockboxAnswer {
  const lockbox = fixture.lockbox ?? { optedIn: false, requests: [] };
  const apiVersion = url.searchParams.get('api-version');
  if (apiVersion !== LOCKBOX_API_VERSION) {
    return armError(400, 'NoRegisteredProviderFound', `No registered resource provider found for location 'global' and API version '${apiVersion}' for type '${route === 'arm.lockboxRequests' ? 'requests' : 'tenantOptedIn'}'. The supported api-versions are '${LOCKBOX_API_VERSION}'.`);
  }
  if (lockbox.registered === false) {
    return armError(404, 'InvalidResourceType', `The resource type could not be found in the namespace 'Microsoft.CustomerLockbox' for api version '${apiVersion}'.`);
  }
  if (route === 'arm.lockboxTenantOptedIn') {
    const tenant = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    if (tenant.toLowerCase() !== tenantOfToken.toLowerCase()) {
      return armError(403, 'AuthorizationFailed', `The client does not have authorization to perform action 'Microsoft.CustomerLockbox/tenantOptedIn/read' over scope '/providers/Microsoft.CustomerLockbox/tenantOptedIn/${tenant}'.`);
    }
    return { status: 200, body: { isOptedIn: lockbox.optedIn } };
  }
  const filterText = url.searchParams.get('$filter');
  const filter = filterText === null ? {} : requestFilter(filterText);
  if (filter === undefined || (filter.after !== undefined && lockbox.timeFilter === false)) {
    return armError(400, 'InvalidFilter', `The $filter '${filterText}' is not supported. Only filter by request status is supported, e.g $filter=properties/status eq 'Pending'.`);
  }
  const created = (r: Json): number => Date.parse(String((r.properties as Json | undefined)?.createdDateTime));
  const items = lockbox.requests
    .filter((r) => (filter.after === undefined || created(r) > filter.after) && (filter.status === undefined || String((r.properties as Json | undefined)?.status).toLowerCase() === filter.status.toLowerCase()))
    .sort((a, b) => created(b) - created(a));
  const size = Math.max(1, lockbox.pageSize ?? DEFAULT_PAGE_SIZE);
  const skip = Math.max(0, Number(url.searchParams.get('$skiptoken') ?? '0') || 0);
  const next = new URL(url.toString());
  next.searchParams.set('$skiptoken', String(skip + size));
  return { status: 200, body: { value: items.slice(skip, skip + size), ...(skip + size < items.length ? { nextLink: next.toString() } : {}) } };
}
