// Azure tenant discovery (providers/azure/organization.ts): subscription states, the
// management-group path from the descendants list, Microsoft first-party vs third-party
// service principals, admin vs user consent, and the gaps of refused reads, with answers
// in the documented shapes (ARM subscriptions 2022-12-01, descendants 2023-04-01, Graph v1.0).

import type { GraphReader } from '../../operator/src/providers/azure/graph.js';
import { GraphError, classifyAzureError } from '../../operator/src/providers/azure/errors.js';
import {
  isMicrosoftFirstParty,
  isThirdPartyApp,
  placesOf,
  readAzureOrganization,
  saasAppItem,
  subscriptionStatusOf,
  type Descendant,
  type PermissionGrant,
  type ServicePrincipal,
} from '../../operator/src/providers/azure/organization.js';

const TENANT = '11111111-1111-4111-a111-111111111111';
const OTHER_ORG = '22222222-2222-4222-a222-222222222222';
const MG = '/providers/Microsoft.Management/managementGroups';

const group = (name: string, parent: string, displayName = name.toUpperCase()): Descendant => ({
  id: `${MG}/${name}`,
  type: 'Microsoft.Management/managementGroups',
  name,
  properties: { displayName, parent: { id: `${MG}/${parent}` } },
});
const subIn = (id: string, parent: string): Descendant => ({
  id: `/subscriptions/${id}`,
  type: 'Microsoft.Management/managementGroups/subscriptions',
  name: id,
  properties: { displayName: `sub ${id}`, parent: { id: `${MG}/${parent}` } },
});
const sp = (appId: string, owner: string | null, o: Partial<ServicePrincipal> = {}): ServicePrincipal => ({
  id: `sp-${appId}`,
  appId,
  displayName: `App ${appId}`,
  appOwnerOrganizationId: owner,
  servicePrincipalType: 'Application',
  accountEnabled: true,
  appRoleAssignments: [],
  ...o,
});

describe('Azure organisation: mapping', () => {
  it('maps every documented subscription state; Disabled is suspended, Deleted closed', () => {
    expect(['Enabled', 'Warned', 'PastDue', 'Disabled', 'Deleted', 'Expired', undefined].map(subscriptionStatusOf)).toEqual([
      'active',
      'active',
      'active',
      'suspended',
      'closed',
      'unknown',
      'unknown',
    ]);
  });

  it('builds the management-group path from the root, whatever order the descendants come in', () => {
    const places = placesOf([subIn('s-deep', 'mg-prod'), group('mg-prod', 'mg-workloads', 'Prod'), group('mg-workloads', TENANT, 'Workloads'), subIn('s-root', TENANT), subIn('s-orphan', 'mg-gone')], TENANT, 'Tenant Root Group');
    expect(places.get('s-deep')).toEqual({ path: `${TENANT}/mg-workloads/mg-prod`, pathNames: 'Tenant Root Group/Workloads/Prod' });
    expect(places.get('s-root')).toEqual({ path: TENANT, pathNames: 'Tenant Root Group' });
    expect(places.has('s-orphan')).toBe(false);
  });

  it("tells Microsoft's first-party apps, the tenant's own apps and managed identities from third-party apps", () => {
    expect(isMicrosoftFirstParty('F8CDEF31-A31E-4B4A-93E4-5F571E91255A')).toBe(true);
    expect(isMicrosoftFirstParty('72f988bf-86f1-41af-91ab-2d7cd011db47')).toBe(true);
    expect(isThirdPartyApp(sp('a', 'f8cdef31-a31e-4b4a-93e4-5f571e91255a'), TENANT)).toBe(false);
    expect(isThirdPartyApp(sp('b', TENANT.toUpperCase()), TENANT)).toBe(false);
    expect(isThirdPartyApp(sp('c', OTHER_ORG, { servicePrincipalType: 'ManagedIdentity' }), TENANT)).toBe(false);
    expect(isThirdPartyApp(sp('d', null), TENANT)).toBe(false);
    expect(isThirdPartyApp(sp('e', OTHER_ORG), TENANT)).toBe(true);
  });

  it('user consent: distinct users and their scopes; admin consent: AllPrincipals', () => {
    const grants: PermissionGrant[] = [
      { clientId: 'sp-x', consentType: 'Principal', principalId: 'u1', scope: 'User.Read Mail.Read' },
      { clientId: 'sp-x', consentType: 'Principal', principalId: 'U1', scope: ' User.Read ' },
      { clientId: 'sp-x', consentType: 'Principal', principalId: 'u2', scope: 'User.Read' },
    ];
    const users = saasAppItem(sp('x', OTHER_ORG), grants);
    expect(users).toMatchObject({ kind: 'saas-app', id: 'x', name: 'App x', status: 'active' });
    expect(users.consent).toEqual({ publisherTenantId: OTHER_ORG, scopes: ['Mail.Read', 'User.Read'], adminConsent: false, consentingUsers: 2, appRoleAssignments: 0 });

    const admin = saasAppItem(sp('y', OTHER_ORG), [{ clientId: 'sp-y', consentType: 'AllPrincipals', principalId: null, scope: 'Directory.Read.All' }]);
    expect(admin.consent).toMatchObject({ adminConsent: true, consentingUsers: 0, scopes: ['Directory.Read.All'] });
  });

  it('application permissions: counted, first consent time from the earliest assignment, a lower bound at the expand cap; scopes bounded', () => {
    const assignments = Array.from({ length: 20 }, (_, i) => ({ createdDateTime: `2026-0${(i % 9) + 1}-01T00:00:00Z`, resourceId: 'graph', appRoleId: `r${i}` }));
    const app = saasAppItem(sp('z', OTHER_ORG, { appRoleAssignments: assignments, accountEnabled: false }), []);
    expect(app).toMatchObject({ status: 'suspended', joinedAt: '2026-01-01T00:00:00.000Z' });
    expect(app.consent).toMatchObject({ appRoleAssignments: 20, appRoleAssignmentsAtLeast: true, firstConsentAt: '2026-01-01T00:00:00.000Z', adminConsent: false });
    const many = saasAppItem(sp('w', OTHER_ORG), [{ consentType: 'AllPrincipals', scope: Array.from({ length: 60 }, (_, i) => `S${String(i).padStart(2, '0')}`).join(' ') }]);
    expect(many.consent?.scopes).toHaveLength(50);
    expect(many.consent?.scopesOmitted).toBe(10);
    // grants not read: no consent facts rather than zeros
    expect(saasAppItem(sp('v', OTHER_ORG), undefined).consent).toBeUndefined();
  });
});

describe('Azure organisation: a pass over fake readers', () => {
  const denied = (code: string) => new GraphError(403, code, 'denied');
  /** A reader answering by operation name (list and object take (path, operation)). */
  const wrap = (answers: Record<string, unknown>): GraphReader => {
    const answer = async (_path: string, operation: string): Promise<unknown> => {
      const a = answers[operation];
      if (a instanceof Error) throw a;
      return a ?? (operation.endsWith('.get') ? {} : []);
    };
    return { list: answer, object: answer } as unknown as GraphReader;
  };
  const run = (arm: Record<string, unknown>, graph: Record<string, unknown>) =>
    readAzureOrganization({
      arm: wrap(arm),
      graph: wrap(graph),
      tenantId: TENANT,
      signal: new AbortController().signal,
      classify: (e) => classifyAzureError(e),
      calls: () => 0,
      now: () => new Date('2026-11-20T00:00:00Z'),
    });

  const hierarchy = [group('mg-a', TENANT), subIn('s1', 'mg-a'), subIn('s2', TENANT)];

  it('a subscription in the hierarchy the identity cannot see is listed with an unknown state and a details gap', async () => {
    const l = await run(
      { 'ARM:subscriptions.list': [{ subscriptionId: 's1', displayName: 'one', state: 'Disabled', tenantId: TENANT }, { subscriptionId: 'x9', tenantId: OTHER_ORG }], 'ARM:managementGroups.descendants': hierarchy, 'ARM:managementGroups.get': { properties: { displayName: 'Root' } } },
      {},
    );
    expect(l.items.map((i) => [i.id, i.status, i.pathNames])).toEqual([
      ['s1', 'suspended', 'Root/MG-A'],
      ['s2', 'unknown', 'Root'],
    ]);
    expect(l.gaps).toEqual([expect.objectContaining({ kind: 'subscription', area: 'details', reason: 'NotVisible' })]);
  });

  it('the hierarchy refused: a list gap naming Management Group Reader; Graph refused: a list gap naming Application.Read.All', async () => {
    const l = await run(
      { 'ARM:subscriptions.list': [{ subscriptionId: 's1', state: 'Enabled' }], 'ARM:managementGroups.descendants': denied('AuthorizationFailed'), 'ARM:managementGroups.get': denied('AuthorizationFailed') },
      { 'Graph:servicePrincipals': denied('Authorization_RequestDenied') },
    );
    expect(l.items.map((i) => i.id)).toEqual(['s1']);
    expect(l.gaps).toEqual([
      expect.objectContaining({ kind: 'saas-app', area: 'list', reason: 'AccessDenied', message: expect.stringContaining('Application.Read.All') }),
      expect.objectContaining({ kind: 'subscription', area: 'list', reason: 'AccessDenied', message: expect.stringContaining(`Management Group Reader at the root management group ${TENANT}`) }),
    ]);
  });

  it('grants refused: the apps are still listed, without consent facts, and a details gap names DelegatedPermissionGrant.Read.All', async () => {
    const l = await run({ 'ARM:managementGroups.descendants': hierarchy }, { 'Graph:servicePrincipals': [sp('e', OTHER_ORG), sp('m', 'f8cdef31-a31e-4b4a-93e4-5f571e91255a')], 'Graph:oauth2PermissionGrants': denied('Authorization_RequestDenied') });
    expect(l.items.filter((i) => i.kind === 'saas-app').map((i) => [i.id, i.consent])).toEqual([['e', undefined]]);
    expect(l.gaps).toContainEqual(expect.objectContaining({ kind: 'saas-app', area: 'details', reason: 'AccessDenied', message: expect.stringContaining('DelegatedPermissionGrant.Read.All') }));
  });
});
