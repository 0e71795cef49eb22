// Customer Lockbox (the providerAccess area) through a whole Azure collection against the
// local Resource Manager: the opt-in flag, the requests of the last 90 days followed
// through their nextLink pages (two a page), who answered them from the Activity Log,
// every answer kept as evidence and counted, and refusals as gaps.

import type { Inventory } from '../../operator/src/inventory/types.js';
import { user } from '../harness/azure-mock/fixture.js';
import { withLockbox, type StandardLockbox } from '../harness/azure-mock/lockbox-fixture.js';
import { compliantFixture } from '../harness/azure-mock/scenarios.js';
import { inventoryOf, useAzureMock } from '../harness/azure-mock/suite.js';

const azure = useAzureMock('lockbox');
const APPROVER = user('security.officer@contoso.example', { admin: true });

function fixture(optedIn: boolean): StandardLockbox {
  const f = compliantFixture();
  f.users.push(APPROVER);
  const { fixture: withRequests, ids } = withLockbox(f, { optedIn, approver: APPROVER });
  azure.mock.setFixture(withRequests);
  return ids;
}

describe('an opted-in tenant with requests', () => {
  let inv: Inventory;
  let ids: StandardLockbox;
  const calls: string[] = [];
  beforeAll(async () => {
    azure.mock.reset();
    ids = fixture(true);
    inv = await inventoryOf(azure.collector({ onApiCall: (_p, op, code) => calls.push(`${op} ${code}`) }));
  });

  it('reads the opt-in flag and the window’s requests newest first, each with who answered it', () => {
    expect(inv.gaps).toEqual([]);
    expect(inv.providerAccess?.lockboxOptedIn).toBe(true);
    expect(inv.providerAccess?.lockboxRequestsOmitted).toBe(0);
    const requests = inv.providerAccess?.lockboxRequests ?? [];
    expect(requests.map((r) => [r.id, r.status])).toEqual([
      [ids.pendingId, 'Pending'],
      [ids.expiredId, 'Expired'],
      [ids.approvedId, 'Approved'],
    ]);
    expect(requests[2]).toMatchObject({ answeredBy: 'security.officer@contoso.example', answeredByObjectId: APPROVER.id, resource: expect.stringContaining('/virtualMachines/vm-app') });
    expect(Date.parse(requests[2]?.answeredAt ?? '')).toBeGreaterThan(Date.parse(requests[2]?.createdAt ?? ''));
    expect(requests[0]?.answeredBy).toBeUndefined();
    expect(requests[1]).toMatchObject({ resource: expect.stringContaining('/storageAccounts/appdata'), supportCase: expect.stringContaining('supporttickets') });
    expect(requests[1]?.answeredBy).toBeUndefined();
    expect(inv.evidenceTimes.providerAccess).toBe(inv.evidenceTimes.resources);
  });

  it('follows the requests’ nextLink with the time filter, and reads the Lockbox events of the same window', () => {
    const listed = azure.mock.requests.filter((r) => r.route === 'arm.lockboxRequests');
    // three requests in the window, two a page
    expect(listed.map((r) => new URLSearchParams(r.query).get('$skiptoken'))).toEqual([null, '2']);
    const filter = new URLSearchParams(listed[0]?.query).get('$filter') ?? '';
    expect(filter).toMatch(/^properties\/createdDateTime gt \d{4}-\d\d-\d\dT/);
    const since = filter.replace('properties/createdDateTime gt ', '');
    expect(Date.now() - Date.parse(since)).toBeGreaterThanOrEqual(90 * 86_400_000);
    const events = azure.mock.requests.filter((r) => r.route === 'arm.activityLogs');
    expect(events).toHaveLength(1);
    const eventFilter = new URLSearchParams(events[0]?.query).get('$filter') ?? '';
    expect(eventFilter).toContain(`eventTimestamp ge '${since}'`);
    expect(eventFilter).toContain("resourceProvider eq 'Microsoft.CustomerLockbox'");
  });

  it('keeps every answer as providerAccess evidence and counts every call', () => {
    const answers = (inv.answers ?? []).filter((a) => a.area === 'providerAccess');
    expect(answers.map((a) => a.operation).sort()).toEqual(['ARM:activityLogs.list', 'ARM:lockbox.requests', 'ARM:lockbox.requests', 'ARM:lockbox.tenantOptedIn']);
    expect(calls.filter((c) => c.startsWith('ARM:lockbox') || c.startsWith('ARM:activityLogs')).sort()).toEqual([
      'ARM:activityLogs.list OK',
      'ARM:lockbox.requests OK',
      'ARM:lockbox.requests OK',
      'ARM:lockbox.tenantOptedIn OK',
    ]);
  });
});

describe('other tenants and refusals', () => {
  beforeEach(() => azure.mock.reset());

  it('a tenant that is not opted in, without requests, reads as such (no Activity Log read)', async () => {
    azure.mock.setFixture(compliantFixture());
    const inv = await inventoryOf(azure.collector());
    expect(inv.providerAccess).toEqual({ lockboxOptedIn: false, lockboxRequests: [], lockboxRequestsOmitted: 0 });
    expect(inv.gaps).toEqual([]);
    expect(azure.mock.count('arm.activityLogs')).toBe(0);
  });

  it('a refused opt-in read (403) is an AccessDenied gap; the rest of the collection and the requests stand', async () => {
    fixture(false);
    azure.mock.fault('arm.lockboxTenantOptedIn', { status: 403, code: 'AuthorizationFailed', message: "The client does not have authorization to perform action 'Microsoft.CustomerLockbox/tenantOptedIn/read'." });
    const inv = await inventoryOf(azure.collector());
    expect(inv.gaps).toEqual([
      {
        area: 'providerAccess',
        reason: 'AccessDenied',
        message: 'ARM:lockbox.tenantOptedIn: AuthorizationFailed (needs a tenant-level read of Microsoft.CustomerLockbox/tenantOptedIn); whether Lockbox is on is unknown',
      },
    ]);
    expect(inv.providerAccess?.lockboxOptedIn).toBeUndefined();
    expect(inv.providerAccess?.lockboxRequests).toHaveLength(3);
    expect(inv.identities.length).toBeGreaterThan(0);
    expect((inv.answers ?? []).find((a) => a.operation === 'ARM:lockbox.tenantOptedIn')).toMatchObject({ status: 403, area: 'providerAccess' });
  });

  it('a refused requests list (403) leaves the requests out with a gap, never an empty list', async () => {
    fixture(true);
    azure.mock.fault('arm.lockboxRequests', { status: 403, code: 'AuthorizationFailed' });
    const inv = await inventoryOf(azure.collector());
    expect(inv.providerAccess).toEqual({ lockboxOptedIn: true });
    expect(inv.gaps.map((g) => [g.area, g.reason])).toEqual([['providerAccess', 'AccessDenied']]);
    expect(inv.gaps[0]?.message).toContain('Microsoft.CustomerLockbox/requests/read on the subscription');
  });

  it('a resource provider that is not registered (404) is NotSupported, not "opted out"', async () => {
    const f = compliantFixture();
    f.lockbox = { optedIn: false, registered: false, requests: [] };
    azure.mock.setFixture(f);
    const inv = await inventoryOf(azure.collector());
    expect(inv.providerAccess).toBeUndefined();
    expect(inv.gaps.map((g) => [g.area, g.reason])).toEqual([['providerAccess', 'NotSupported']]);
    expect(inv.gaps[0]?.message).toContain('Microsoft.CustomerLockbox is not registered');
  });

  it('a service that refuses the time filter (400) is read without it; the old request still stays out', async () => {
    const ids = fixture(true);
    azure.mock.setFixture({ ...azure.mock.fixture, lockbox: { ...azure.mock.fixture.lockbox!, timeFilter: false } });
    const inv = await inventoryOf(azure.collector());
    expect(inv.gaps).toEqual([]);
    expect(inv.providerAccess?.lockboxRequests?.map((r) => r.id)).toEqual([ids.pendingId, ids.expiredId, ids.approvedId]);
    expect(azure.mock.requests.filter((r) => r.route === 'arm.lockboxRequests').map((r) => r.status)).toEqual([400, 200, 200]);
  });

  it('throttling beyond the retries is a Throttled gap', async () => {
    fixture(true);
    azure.mock.fault('arm.lockboxTenantOptedIn', { status: 429, headers: { 'retry-after': '0' }, times: 10 });
    const inv = await inventoryOf(azure.collector({ maxRetries: 1 }));
    expect(inv.gaps.map((g) => [g.area, g.reason])).toEqual([['providerAccess', 'Throttled']]);
    expect(azure.mock.count('arm.lockboxTenantOptedIn')).toBe(2);
  });
});
