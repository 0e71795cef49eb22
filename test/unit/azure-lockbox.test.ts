// Customer Lockbox (providers/azure/lockbox.ts): the documented shapes read into facts,
// who answered from the Activity Log, the bounds, and every failure as a gap.
import type { MonitorClient } from '@azure/arm-monitor';

import { LOCKBOX_REQUESTS_MAX } from '../../operator/src/inventory/provider-access.js';
import type { ActivityLogEvent } from '../../operator/src/providers/azure/activity-log.js';
import { GraphError, classifyAzureError } from '../../operator/src/providers/azure/errors.js';
import {
  LOCKBOX_EVENT_PAGES_MAX,
  LOCKBOX_REQUEST_PAGES_MAX,
  lockboxAnswerOf,
  lockboxRequestOf,
  newestRequests,
  readLockbox,
  type LockboxReaders,
  type LockboxRequestResponse,
} from '../../operator/src/providers/azure/lockbox.js';
import { activityEvents, uuidFor } from '../harness/azure-mock/fixture.js';
import { lockboxAnswerEvents, lockboxRequest } from '../harness/azure-mock/lockbox-fixture.js';

const SUB = uuidFor('lockbox-sub');
const TENANT = uuidFor('lockbox-tenant');
const NOW = new Date('2026-11-20T10:00:00.000Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const APPROVER = { userPrincipalName: 'security.officer@example.com', id: uuidFor('user:security.officer@example.com') };

/** Resource Manager answers: the opt-in object and the request pages (or errors). */
interface Arm {
  optedIn?: unknown;
  optedInError?: unknown;
  pages?: LockboxRequestResponse[][];
  requestsError?: unknown;
  /** Errors for the filtered request list only (then the list without filter answers `pages`). */
  filteredError?: unknown;
}

function readers(arm: Arm, events: ActivityLogEvent[][] | Error = [], extra: Partial<LockboxReaders> = {}) {
  const asked: string[] = [];
  const filters: string[] = [];
  const monitor = {
    activityLogs: {
      list: (filter: string) => {
        filters.push(filter);
        return {
          byPage: async function* () {
            if (events instanceof Error) throw events;
            for (const page of events) yield page;
          },
        };
      },
    },
  } as unknown as Pick<MonitorClient, 'activityLogs'>;
  const r: LockboxReaders = {
    arm: {
      object: async <T>(path: string): Promise<T> => {
        asked.push(path);
        if (arm.optedInError) throw arm.optedInError;
        return (arm.optedIn ?? { isOptedIn: true }) as T;
      },
      pages: async <T>(path: string, _op: string, o: { maxPages: number }): Promise<{ items: T[]; complete: boolean }> => {
        asked.push(path);
        if (arm.requestsError) throw arm.requestsError;
        if (arm.filteredError && path.includes('$filter')) throw arm.filteredError;
        const pages = arm.pages ?? [];
        return { items: pages.slice(0, o.maxPages).flat() as T[], complete: pages.length <= o.maxPages };
      },
    },
    monitor,
    tenantId: TENANT,
    subscriptionId: SUB,
    now: NOW,
    signal: new AbortController().signal,
    classify: (err) => classifyAzureError(err),
    ...extra,
  };
  return { r, asked, filters };
}

/** The standard set: Pending (1 day), Expired (10 days, no answer), Approved (20 days, answered), Approved 120 days ago. */
function standard() {
  const pending = lockboxRequest(SUB, { requestId: uuidFor('pending'), status: 'Pending', createdAt: ago(1) }) as LockboxRequestResponse;
  const expired = lockboxRequest(SUB, { requestId: uuidFor('expired'), status: 'Expired', createdAt: ago(10) }) as LockboxRequestResponse;
  const approved = lockboxRequest(SUB, { requestId: uuidFor('approved'), status: 'Approved', createdAt: ago(20) }) as LockboxRequestResponse;
  const old = lockboxRequest(SUB, { requestId: uuidFor('old'), status: 'Approved', createdAt: ago(120) }) as LockboxRequestResponse;
  const answered = new Date(ago(20).getTime() + 30 * 60_000);
  const events = lockboxAnswerEvents(SUB, uuidFor('approved'), APPROVER, answered) as ActivityLogEvent[];
  return { pages: [[pending, expired], [approved, old]], events, answered };
}

describe('Lockbox request shapes', () => {
  it('reads the documented LockboxRequestResponse (resourceIds as an array)', () => {
    const item = lockboxRequest(SUB, { requestId: 'r-1', status: 'Approved', createdAt: new Date('2026-11-01T08:00:00.470Z'), supportRequest: '42' }) as LockboxRequestResponse;
    expect(lockboxRequestOf(item)).toEqual({
      id: 'r-1',
      status: 'Approved',
      createdAt: '2026-11-01T08:00:00Z',
      expiresAt: '2026-11-05T08:00:00Z',
      resource: `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-app`,
      supportCase: `https://portal.azure.com/#resource/subscriptions/${SUB}/providers/microsoft.support/supporttickets/42`,
    });
  });

  it('also reads the reference schema (comma-separated resourceIds) and its list example (requestedResourceIds)', () => {
    const base = { requestId: 'r-2', status: 'Pending', createdDateTime: '2019-10-07T16:52:33.47Z' };
    expect(lockboxRequestOf({ properties: { ...base, resourceIds: ' /a/vm1 , /a/vm2' } })?.resource).toBe('/a/vm1');
    expect(lockboxRequestOf({ properties: { ...base, requestedResourceIds: ['SUBSCRIPTIONS/X/VM'], supportRequest: '123' } })).toMatchObject({ resource: 'SUBSCRIPTIONS/X/VM', supportCase: '123' });
    expect(lockboxRequestOf({ properties: { ...base, resourceType: 'Virtual Machine' } })?.resource).toBe('Virtual Machine');
    // the request id from the ARM id when properties.requestId is missing
    expect(lockboxRequestOf({ id: `/subscriptions/${SUB}/providers/Microsoft.CustomerLockbox/requests/r-3`, properties: { status: 'Denied', createdDateTime: '2026-11-01T08:00:00Z' } })?.id).toBe('r-3');
  });

  it('an item without status or a readable creation time is not a request', () => {
    expect(lockboxRequestOf({ properties: { requestId: 'x', createdDateTime: '2026-11-01T08:00:00Z' } })).toBeUndefined();
    expect(lockboxRequestOf({ properties: { requestId: 'x', status: 'Pending', createdDateTime: 'soon' } })).toBeUndefined();
    expect(lockboxRequestOf({})).toBeUndefined();
    expect(lockboxRequestOf(null)).toBeUndefined();
  });
});

describe('who answered, from the Activity Log', () => {
  it('the Succeeded UpdateApproval event names the caller, its object id and the time', () => {
    const [started, succeeded] = lockboxAnswerEvents(SUB, 'r-1', APPROVER, new Date('2026-11-01T08:30:00Z')) as ActivityLogEvent[];
    expect(lockboxAnswerOf(started!)).toBeUndefined();
    expect(lockboxAnswerOf(succeeded!)).toEqual({ requestId: 'r-1', by: APPROVER.userPrincipalName, objectId: APPROVER.id, at: '2026-11-01T08:30:03Z' });
  });

  it('other operations, failed answers and events of other resources are no answer', () => {
    const [, network] = activityEvents(SUB, { operation: 'Microsoft.Network/networkSecurityGroups/write', resourceId: `/subscriptions/${SUB}/x/requests/r-1`, caller: 'a@b.c', at: NOW }) as ActivityLogEvent[];
    expect(lockboxAnswerOf(network!)).toBeUndefined();
    const [, failed] = activityEvents(SUB, { operation: 'Microsoft.CustomerLockbox/requests/UpdateApproval/action', resourceId: `/subscriptions/${SUB}/providers/Microsoft.CustomerLockbox/requests/r-1`, caller: 'a@b.c', at: NOW, status: 'Failed' }) as ActivityLogEvent[];
    expect(lockboxAnswerOf(failed!)).toBeUndefined();
    const [, noCaller] = lockboxAnswerEvents(SUB, 'r-1', APPROVER, NOW) as ActivityLogEvent[];
    expect(lockboxAnswerOf({ ...noCaller!, caller: '' })).toMatchObject({ by: APPROVER.id, objectId: APPROVER.id });
  });
});

describe('readLockbox', () => {
  it('opted in; the window’s requests newest first, the approved one with who answered it', async () => {
    const s = standard();
    const { r, asked, filters } = readers({ optedIn: { isOptedIn: true }, pages: s.pages }, [s.events]);
    const read = await readLockbox(r);
    expect(read.gaps).toEqual([]);
    expect(read.facts.lockboxOptedIn).toBe(true);
    expect(read.facts.lockboxRequestsOmitted).toBe(0);
    expect(read.facts.lockboxRequests?.map((q) => [q.status, q.answeredBy, q.answeredByObjectId, q.answeredAt])).toEqual([
      ['Pending', undefined, undefined, undefined],
      ['Expired', undefined, undefined, undefined],
      ['Approved', APPROVER.userPrincipalName, APPROVER.id, new Date(s.answered.getTime() + 3_000).toISOString().replace('.000Z', 'Z')],
    ]);
    // the 120-day-old request is outside the window even if the service ignored the filter
    expect(read.facts.lockboxRequests?.map((q) => q.id)).not.toContain(uuidFor('old'));
    expect(asked[0]).toBe(`/providers/Microsoft.CustomerLockbox/tenantOptedIn/${TENANT}?api-version=2018-02-28-preview`);
    const since = ago(90).toISOString();
    expect(asked[1]).toBe(`/subscriptions/${SUB}/providers/Microsoft.CustomerLockbox/requests?api-version=2018-02-28-preview&$filter=${encodeURIComponent(`properties/createdDateTime gt ${since}`)}`);
    expect(filters).toEqual([`eventTimestamp ge '${since}' and eventTimestamp le '${NOW.toISOString()}' and resourceProvider eq 'Microsoft.CustomerLockbox'`]);
  });

  it('not opted in and no request: no Activity Log read', async () => {
    const { r, filters } = readers({ optedIn: { isOptedIn: false }, pages: [[]] });
    expect(await readLockbox(r)).toEqual({ facts: { lockboxOptedIn: false, lockboxRequests: [], lockboxRequestsOmitted: 0 }, gaps: [] });
    expect(filters).toEqual([]);
  });

  it('keeps the newest LOCKBOX_REQUESTS_MAX and counts the rest', async () => {
    const many = Array.from({ length: LOCKBOX_REQUESTS_MAX + 7 }, (_, i) => lockboxRequest(SUB, { requestId: `r-${i}`, status: 'Expired', createdAt: new Date(NOW.getTime() - (i + 1) * 3_600_000) }) as LockboxRequestResponse);
    const { r } = readers({ pages: [many.slice(100), many.slice(0, 100)] });
    const read = await readLockbox(r);
    expect(read.facts.lockboxRequests).toHaveLength(LOCKBOX_REQUESTS_MAX);
    expect(read.facts.lockboxRequestsOmitted).toBe(7);
    expect(read.facts.lockboxRequests?.[0]?.id).toBe('r-0');
    expect(newestRequests([{ id: 'b', status: 'Pending', createdAt: '2026-01-01T00:00:00Z' }, { id: 'a', status: 'Pending', createdAt: '2026-01-01T00:00:00Z' }], 1)).toEqual({
      kept: [{ id: 'a', status: 'Pending', createdAt: '2026-01-01T00:00:00Z' }],
      omitted: 1,
    });
  });

  it('stops after LOCKBOX_REQUEST_PAGES_MAX pages of requests and of events, with a ListingBounded gap each', async () => {
    const s = standard();
    const requestPages = Array.from({ length: LOCKBOX_REQUEST_PAGES_MAX + 1 }, () => s.pages[0]!);
    const eventPages = Array.from({ length: LOCKBOX_EVENT_PAGES_MAX + 1 }, () => [] as ActivityLogEvent[]);
    const { r } = readers({ pages: requestPages }, eventPages);
    const read = await readLockbox(r);
    expect(read.gaps).toEqual([
      {
        area: 'providerAccess',
        reason: 'ListingBounded',
        message: `ARM:lockbox.requests: more than ${LOCKBOX_REQUEST_PAGES_MAX} pages of Lockbox requests; only the first ${LOCKBOX_REQUEST_PAGES_MAX * 2} requests were read; ARM:activityLogs.list: more than ${LOCKBOX_EVENT_PAGES_MAX} pages of Microsoft.CustomerLockbox events; answers in older pages are missing`,
      },
    ]);
    expect(read.facts.lockboxRequests?.length).toBeGreaterThan(0);
  });

  it('a refused opt-in read is an AccessDenied gap; the requests are still read', async () => {
    const s = standard();
    const { r } = readers({ optedInError: new GraphError(403, 'AuthorizationFailed', 'no'), pages: s.pages }, [s.events]);
    const read = await readLockbox(r);
    expect(read.facts.lockboxOptedIn).toBeUndefined();
    expect(read.facts.lockboxRequests).toHaveLength(3);
    expect(read.gaps).toEqual([
      {
        area: 'providerAccess',
        reason: 'AccessDenied',
        message: 'ARM:lockbox.tenantOptedIn: AuthorizationFailed (needs a tenant-level read of Microsoft.CustomerLockbox/tenantOptedIn); whether Lockbox is on is unknown',
      },
    ]);
  });

  it('a provider that is not registered (404) is NotSupported naming it, not "opted out"', async () => {
    const notFound = new GraphError(404, 'InvalidResourceType', 'The resource type could not be found');
    const { r } = readers({ optedInError: notFound, requestsError: notFound });
    const read = await readLockbox(r);
    expect(read.facts).toEqual({});
    expect(read.gaps).toHaveLength(1);
    expect(read.gaps[0]).toMatchObject({ area: 'providerAccess', reason: 'NotSupported' });
    expect(read.gaps[0]?.message).toContain('the resource provider Microsoft.CustomerLockbox is not registered');
    const { r: r2 } = readers({ requestsError: new GraphError(409, 'MissingSubscriptionRegistration', 'The subscription is not registered to use namespace') });
    expect((await readLockbox(r2)).gaps.map((g) => g.reason)).toEqual(['NotSupported']);
  });

  it('throttling, an unreachable service and a malformed answer are gaps with their reasons', async () => {
    const throttled = readers({ optedInError: new GraphError(429, 'TooManyRequests', 'slow down'), requestsError: new GraphError(429, 'TooManyRequests', 'slow down') });
    expect((await readLockbox(throttled.r)).gaps.map((g) => [g.reason, g.message])).toEqual([
      ['Throttled', 'ARM:lockbox.tenantOptedIn: TooManyRequests; whether Lockbox is on is unknown; ARM:lockbox.requests: TooManyRequests; the Lockbox requests are unknown'],
    ]);
    const down = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    const unreachable = readers({ optedInError: down, requestsError: down });
    expect((await readLockbox(unreachable.r)).gaps.map((g) => g.reason)).toEqual(['Unreachable']);
    const malformed = readers({ optedIn: { isOptedIn: 'yes' }, pages: [[{ properties: { requestId: 'x' } }]] });
    const read = await readLockbox(malformed.r);
    expect(read.facts).toEqual({ lockboxRequests: [], lockboxRequestsOmitted: 0 });
    expect(read.gaps.map((g) => g.reason)).toEqual(['CollectionError']);
    expect(read.gaps[0]?.message).toContain('no boolean isOptedIn');
    expect(read.gaps[0]?.message).toContain('1 request(s) without requestId, status or createdDateTime were left out');
  });

  it('an unreadable Activity Log leaves the requests out (not "nobody answered")', async () => {
    const s = standard();
    const { r } = readers({ pages: s.pages }, new GraphError(403, 'AuthorizationFailed', 'no'));
    const read = await readLockbox(r);
    expect(read.facts).toEqual({ lockboxOptedIn: true });
    expect(read.gaps).toEqual([
      {
        area: 'providerAccess',
        reason: 'AccessDenied',
        message: 'ARM:activityLogs.list: AuthorizationFailed (needs Microsoft.Insights/eventtypes/values/read on the subscription); who answered the Lockbox requests is unknown, so they are not reported',
      },
    ]);
  });

  it('a service that refuses the time filter (400) is asked without it; the window still applies', async () => {
    const s = standard();
    const { r, asked } = readers({ pages: s.pages, filteredError: new GraphError(400, 'InvalidFilter', 'Only filter by request status is supported') }, [s.events]);
    const read = await readLockbox(r);
    expect(read.gaps).toEqual([]);
    expect(read.facts.lockboxRequests?.map((q) => q.status)).toEqual(['Pending', 'Expired', 'Approved']);
    expect(asked.slice(1)).toEqual([expect.stringContaining('$filter='), `/subscriptions/${SUB}/providers/Microsoft.CustomerLockbox/requests?api-version=2018-02-28-preview`]);
  });

  it('an abort rejects instead of leaving a gap', async () => {
    const ctl = new AbortController();
    ctl.abort(new Error('stopped'));
    const { r } = readers({ optedInError: new Error('aborted') }, [], { signal: ctl.signal });
    await expect(readLockbox(r)).rejects.toThrow('stopped');
  });
});
