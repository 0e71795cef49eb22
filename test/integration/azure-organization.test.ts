// Azure tenant discovery (Shadow IT, issue 15) through the collector's real fetch readers
// and token credential against the local Resource Manager / Graph server: every
// subscription with its management-group path and state, the third-party SaaS apps with
// their consents and not Microsoft's, paging followed, refusals as gaps naming the
// permission, and the calls per pass (a tenant of 200 subscriptions and 200 apps costs
// paged lists, not a call per item).

import type { DiscoveredItem, OrganizationListing } from '../../operator/src/inventory/organization.js';
import { compliantFixture, SUBSCRIPTION_ID, TENANT_ID } from '../harness/azure-mock/scenarios.js';
import { generatedOrganization, ORG, withOrganization } from '../harness/azure-mock/organization-fixture.js';
import { uuidFor } from '../harness/azure-mock/fixture.js';
import type { MockRoute } from '../harness/azure-mock/server.js';
import { azureTarget, useAzureMock } from '../harness/azure-mock/suite.js';

const azure = useAzureMock('organization');

const ROUTES: MockRoute[] = ['arm.subscriptions', 'arm.managementGroupDescendants', 'arm.managementGroup', 'graph.servicePrincipals', 'graph.oauth2PermissionGrants'];

/** Requests per discovery route of the last pass (token requests aside). */
function callsPerRoute(): Record<string, number> {
  return Object.fromEntries(ROUTES.map((r) => [r, azure.mock.count(r)]));
}

describe('Azure organisation listing', () => {
  let listing: OrganizationListing;
  const item = (kind: DiscoveredItem['kind'], id: string) => listing.items.find((i) => i.kind === kind && i.id === id);

  beforeAll(async () => {
    azure.mock.reset();
    azure.mock.setFixture(withOrganization(compliantFixture()));
    azure.mock.setPageSize(2); // every list takes several pages
    listing = await azure.collector().listOrganization(azureTarget());
    azure.mock.setPageSize(100);
  });

  it('lists every subscription with its management-group path and status, the Disabled one suspended', () => {
    const subs = listing.items.filter((i) => i.kind === 'subscription');
    expect(subs).toHaveLength(4);
    expect(item('subscription', SUBSCRIPTION_ID)).toMatchObject({ name: 'app-prod', path: `${TENANT_ID}/${ORG.workloads}`, pathNames: 'Tenant Root Group/Workloads', status: 'active', providerStatus: 'Enabled' });
    expect(item('subscription', ORG.sandbox)).toMatchObject({ pathNames: 'Tenant Root Group/Workloads', status: 'active' });
    expect(item('subscription', ORG.connectivity)).toMatchObject({ path: `${TENANT_ID}/${ORG.platform}`, pathNames: 'Tenant Root Group/Platform', status: 'active', providerStatus: 'PastDue' });
    expect(item('subscription', ORG.legacy)).toMatchObject({ path: TENANT_ID, pathNames: 'Tenant Root Group', status: 'suspended', providerStatus: 'Disabled' });
    expect(listing).toMatchObject({ provider: 'azure', organizationId: TENANT_ID, gaps: [] });
  });

  it('lists the three third-party apps with their consents, and not the Microsoft, own-tenant or managed-identity ones', () => {
    const apps = listing.items.filter((i) => i.kind === 'saas-app');
    expect(apps.map((a) => a.name).sort()).toEqual([ORG.syncApp, ORG.mailApp, ORG.backupApp].sort());
    const byName = (name: string) => apps.find((a) => a.name === name);
    expect(byName(ORG.mailApp)).toMatchObject({
      id: uuidFor(`saas-app:${ORG.mailApp}`),
      status: 'active',
      consent: { publisherTenantId: uuidFor('tenant:acme'), scopes: ['Mail.Read', 'User.Read'], adminConsent: false, consentingUsers: 3, appRoleAssignments: 0 },
    });
    expect(byName(ORG.syncApp)?.consent).toMatchObject({ scopes: ['Directory.Read.All'], adminConsent: true, consentingUsers: 0 });
    expect(byName(ORG.backupApp)).toMatchObject({
      joinedAt: '2026-09-14T10:00:00.000Z',
      consent: { scopes: [], adminConsent: false, consentingUsers: 0, appRoleAssignments: 1, firstConsentAt: '2026-09-14T10:00:00.000Z' },
    });
  });

  it('followed every page: several requests per list, counted in the pass', () => {
    const calls = callsPerRoute();
    console.info(`Azure organisation pass (fixture, 2 items a page): ${listing.apiCalls} calls`, calls);
    expect(calls['arm.subscriptions']).toBe(2);
    expect(calls['arm.managementGroupDescendants']).toBe(3); // 4 subscriptions + 2 groups
    expect(calls['graph.servicePrincipals']).toBe(4); // 7 service principals
    expect(calls['graph.oauth2PermissionGrants']).toBe(3); // 5 grants
    expect(listing.apiCalls).toBe(Object.values(calls).reduce((a, b) => a + b, 0));
  });
});

describe('refused reads', () => {
  beforeEach(() => {
    azure.mock.reset();
    azure.mock.setFixture(withOrganization(compliantFixture()));
  });

  it('a 403 on the management-group hierarchy is a list gap naming Management Group Reader; the visible subscriptions are still listed', async () => {
    azure.mock.fault('arm.managementGroupDescendants', { status: 403, code: 'AuthorizationFailed', message: "The client does not have authorization to perform action 'Microsoft.Management/managementGroups/descendants/read'." });
    const l = await azure.collector().listOrganization(azureTarget());
    expect(l.items.filter((i) => i.kind === 'subscription')).toHaveLength(4);
    expect(l.items.every((i) => i.kind !== 'subscription' || i.path === undefined)).toBe(true);
    expect(l.gaps).toEqual([
      expect.objectContaining({ kind: 'subscription', area: 'list', reason: 'AccessDenied', message: expect.stringContaining(`needs Management Group Reader at the root management group ${TENANT_ID}`) }),
    ]);
  });

  it('a 403 on service principals is a list gap naming Application.Read.All; on the grants, a details gap naming DelegatedPermissionGrant.Read.All', async () => {
    azure.mock.fault('graph.servicePrincipals', { status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    const refused = await azure.collector().listOrganization(azureTarget());
    expect(refused.items.filter((i) => i.kind === 'saas-app')).toEqual([]);
    expect(refused.gaps).toEqual([expect.objectContaining({ kind: 'saas-app', area: 'list', reason: 'AccessDenied', message: expect.stringContaining('Application.Read.All') })]);

    azure.mock.fault('graph.oauth2PermissionGrants', { status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    const partial = await azure.collector().listOrganization(azureTarget());
    expect(partial.items.filter((i) => i.kind === 'saas-app')).toHaveLength(3);
    expect(partial.gaps).toEqual([expect.objectContaining({ kind: 'saas-app', area: 'details', reason: 'AccessDenied', message: expect.stringContaining('DelegatedPermissionGrant.Read.All') })]);
  });
});

describe('calls per pass', () => {
  it('a tenant of 200 subscriptions and 200 apps is read with paged lists, far fewer calls than items', async () => {
    azure.mock.reset();
    azure.mock.setFixture(generatedOrganization(compliantFixture(), 200, 200));
    const l = await azure.collector().listOrganization(azureTarget());
    const calls = callsPerRoute();
    console.info(`Azure organisation pass (200 subscriptions, 200 apps, 100 items a page): ${l.apiCalls} calls`, calls);
    expect(l.items.filter((i) => i.kind === 'subscription')).toHaveLength(200);
    expect(l.items.filter((i) => i.kind === 'subscription' && i.status === 'suspended')).toHaveLength(20);
    expect(l.items.filter((i) => i.kind === 'saas-app')).toHaveLength(200);
    expect(l.items.every((i) => i.kind !== 'saas-app' || i.consent?.consentingUsers === 1)).toBe(true);
    expect(l.gaps).toEqual([]);
    expect(l.apiCalls).toBeLessThan(20);
  });
});
