// The Azure collector when Azure is less than cooperative: paging across several
// pages, 429 with Retry-After then success, throttling that outlasts the retries, a
// tenant without Entra ID P1/P2, bad or missing credentials, denied reads, an unknown
// subscription, an unreachable authority, workload identity, and the API-call budget
// (constant in the number of users and resources).

import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { AzureCollectorOptions } from '../../operator/src/providers/azure/collector.js';
import { disk, storageAccount, user, userRoleAssignment, ROLE } from '../harness/azure-mock/fixture.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  FEDERATED_CLIENT_ID,
  SUBSCRIPTION_ID,
  TENANT_ID,
  compliantFixture,
} from '../harness/azure-mock/scenarios.js';
import { azureTarget, inventoryOf, useAzureMock } from '../harness/azure-mock/suite.js';
import { freeLoopbackPort } from '../harness/moto.js';

const azure = useAzureMock('resilience', { maxRetryDelayMs: 5_000 });
const collector = azure.collector;
const target = azureTarget;

beforeEach(() => {
  azure.mock.reset();
  azure.mock.setFixture(compliantFixture());
  azure.mock.setPageSize(100);
});

interface Calls {
  hook: AzureCollectorOptions['onApiCall'];
  seen: string[];
}

function calls(): Calls {
  const seen: string[] = [];
  return { seen, hook: (provider, operation, code) => seen.push(`${provider} ${operation} ${code}`) };
}

describe('paging', () => {
  it('follows nextLink and @odata.nextLink across pages', async () => {
    const f = compliantFixture();
    for (let i = 0; i < 5; i++) {
      f.users.push(user(`paged${i}@contoso.example`, { mfa: i % 2 === 0 }));
      f.storageAccounts.push(storageAccount(SUBSCRIPTION_ID, 'rg-paged', `paged${i}`, { location: 'westeurope', customerManagedKey: true }));
      f.disks.push(disk(SUBSCRIPTION_ID, 'rg-paged', `paged${i}`, { location: 'westeurope' }));
    }
    azure.mock.setFixture(f);
    azure.mock.setPageSize(2);
    // six report pages: a generous pace keeps the test fast (the pacing has its own test)
    const inv = await inventoryOf(collector({ reportRate: { max: 100, windowMs: 1_000 } }));
    expect(inv.identities.filter((i) => i.kind === 'user')).toHaveLength(11);
    expect(inv.identities.filter((i) => i.name.startsWith('paged') && !i.mfaEnabled)).toHaveLength(2);
    expect(inv.resources.filter((r) => r.kind === 'storage-account' && r.id.includes('/paged'))).toHaveLength(5);
    expect(inv.resources.filter((r) => r.kind === 'volume')).toHaveLength(6);
    // 11 users in pages of 2; 7 storage accounts; 6 disks; 18 resources in resources.list
    expect(azure.mock.count('graph.userRegistrationDetails')).toBe(6);
    expect(azure.mock.count('arm.storageAccounts')).toBe(4);
    expect(azure.mock.count('arm.disks')).toBe(3);
    expect(azure.mock.count('arm.resources')).toBe(9);
    expect(azure.mock.count('graph.roleAssignments')).toBe(2);
  });
});

describe('throttling', () => {
  it('waits for Retry-After on 429 and then succeeds (Resource Manager and Graph)', async () => {
    azure.mock.fault('arm.storageAccounts', { status: 429, code: 'SubscriptionRequestsThrottled', headers: { 'Retry-After': '1' } });
    azure.mock.fault('graph.userRegistrationDetails', { status: 429, code: 'TooManyRequests', headers: { 'Retry-After': '1' } });
    const c = calls();
    const started = Date.now();
    const inv = await inventoryOf(collector({ onApiCall: c.hook }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(inv.gaps).toEqual([]);
    expect(inv.resources.filter((r) => r.kind === 'storage-account').length).toBeGreaterThan(0);
    expect(inv.identities.length).toBeGreaterThan(0);
    expect(azure.mock.count('arm.storageAccounts')).toBe(2);
    expect(azure.mock.count('graph.userRegistrationDetails')).toBe(2);
    expect(c.seen).toEqual(
      expect.arrayContaining([
        'azure ARM:storageAccounts.list SubscriptionRequestsThrottled',
        'azure ARM:storageAccounts.list OK',
        'azure Graph:userRegistrationDetails TooManyRequests',
        'azure Graph:userRegistrationDetails OK',
      ]),
    );
  });

  it('turns throttling that outlasts the retries into a Throttled gap for that area only', async () => {
    azure.mock.fault('arm.disks', { status: 429, headers: { 'Retry-After': '0' }, times: 10 });
    const inv = await inventoryOf(collector({ maxRetries: 1 }));
    expect(inv.gaps).toEqual([
      { area: 'encryption', reason: 'Throttled', message: 'ARM:disks.list: TooManyRequests' },
      { area: 'exposure', reason: 'Throttled', message: 'ARM:disks.list: TooManyRequests' },
    ]);
    expect(azure.mock.count('arm.disks')).toBe(2);
    // the rest was read
    expect(inv.identities.length).toBeGreaterThan(0);
    expect(inv.guardrails.regionRestriction).not.toBeUndefined();
  });

  it('paces the registration report to the documented 5 requests per 10 s per tenant', async () => {
    const f = compliantFixture();
    for (let i = 0; i < 6; i++) f.users.push(user(`pace${i}@contoso.example`));
    azure.mock.setFixture(f);
    azure.mock.setPageSize(2); // 12 users: 6 report pages
    const started = Date.now();
    const inv = await inventoryOf(collector({ reportRate: { max: 5, windowMs: 1_500 } }));
    expect(inv.identities.filter((i) => i.kind === 'user')).toHaveLength(12);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
  });
});

describe('licensing and access', () => {
  it('makes identities a LicenseRequired gap when the tenant has no Entra ID P1/P2 (403 non-premium)', async () => {
    const f = compliantFixture();
    f.premium = false;
    azure.mock.setFixture(f);
    const inv = await inventoryOf(collector());
    expect(inv.gaps).toEqual([
      {
        area: 'identities',
        reason: 'LicenseRequired',
        message: 'Graph:userRegistrationDetails: Authentication_RequestFromNonPremiumTenantOrB2CTenant (Microsoft Entra ID P1 or P2 required)',
      },
    ]);
    expect(inv.identities).toEqual([]);
    expect(inv.rootMfaEnabled).toBeUndefined();
    expect(inv.resources.length).toBeGreaterThan(0);
  });

  it('turns a denied Resource Manager read into an AccessDenied gap', async () => {
    azure.mock.fault('arm.resources', {
      status: 403,
      code: 'AuthorizationFailed',
      message: `The client '${CLIENT_ID}' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resources/read' over scope '/subscriptions/${SUBSCRIPTION_ID}'.`,
    });
    azure.mock.fault('arm.diagnosticSettings', { status: 403, code: 'AuthorizationFailed' });
    const inv = await inventoryOf(collector());
    expect(inv.gaps).toEqual([
      { area: 'auditTrails', reason: 'AccessDenied', message: 'ARM:subscriptionDiagnosticSettings.list: AuthorizationFailed' },
      { area: 'resources', reason: 'AccessDenied', message: 'ARM:resources.list: AuthorizationFailed' },
    ]);
    expect(inv.guardrails.defaultVolumeEncryption).toBeUndefined();
  });

  it('falls back to isAdmin when role assignments cannot be read', async () => {
    azure.mock.fault('graph.roleAssignments', { status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    const inv = await inventoryOf(collector());
    expect(inv.gaps).toEqual([]);
    expect(inv.identities.find((i) => i.name === 'reader@contoso.example')).toMatchObject({ privileged: true, privilegeSource: 'isAdmin in the registration report' });
    expect(inv.rootMfaEnabled).toBeUndefined();
  });

  it('fails as a whole when every read is denied', async () => {
    for (const route of ['arm.resources', 'arm.storageAccounts', 'arm.disks', 'arm.snapshots', 'arm.policyAssignments', 'arm.diagnosticSettings'] as const) {
      azure.mock.fault(route, { status: 403, code: 'AuthorizationFailed' });
    }
    azure.mock.fault('graph.userRegistrationDetails', { status: 403, code: 'Authorization_RequestDenied' });
    const result = await collector().collect(target());
    expect(result).toMatchObject({ ok: false, failure: { reason: 'AccessDenied' } });
  });
});

describe('credentials and reachability', () => {
  it('reports CredentialsInvalid for a wrong client secret, without the secret in the message', async () => {
    const wrong = 'not-the-right-secret-0123456789abcdef';
    const result = await collector().collect(target(wrong));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure.reason).toBe('CredentialsInvalid');
    expect(result.failure.message).toMatch(/invalid_client/);
    expect(result.failure.message).toMatch(/AADSTS7000215/);
    expect(result.failure.message).not.toContain(wrong);
    expect(azure.mock.count('arm.resources')).toBe(0);
  });

  it('reports CredentialsInvalid for an unknown application', async () => {
    const result = await collector().collect(target(CLIENT_SECRET, '11111111-2222-4333-8444-555555555555'));
    expect(result).toMatchObject({ ok: false, failure: { reason: 'CredentialsInvalid', message: expect.stringMatching(/unauthorized_client/) } });
  });

  it('reports CredentialsMissing when no credential is configured', async () => {
    const c = collector({ env: {} });
    const t = target();
    delete t.azureCredentials;
    // DefaultAzureCredential: nothing in this test environment can sign in
    const result = await c.collect(t);
    expect(result).toMatchObject({ ok: false, failure: { reason: 'CredentialsMissing' } });
  });

  it('reports AccountNotFound for a subscription that does not exist', async () => {
    const t = target();
    t.account = { azure: { tenantId: TENANT_ID, subscriptionId: '99999999-8888-4777-8666-555555555555' } };
    const result = await collector().collect(t);
    expect(result).toMatchObject({ ok: false, failure: { reason: 'AccountNotFound', message: expect.stringMatching(/SubscriptionNotFound/) } });
  });

  it('reports AccountUnreachable when the authority cannot be reached', async () => {
    const result = await collector({ authorityHost: 'https://127.0.0.1:1' }).collect(target());
    expect(result).toMatchObject({ ok: false, failure: { reason: 'AccountUnreachable' } });
  });

  it('records Unreachable gaps when Resource Manager does not answer but Graph does', async () => {
    // A closed port that fetch may dial (it refuses port 1 outright as a "bad port", not a network failure)
    const closed = await freeLoopbackPort();
    const inv = await inventoryOf(collector({ resourceManagerEndpoint: `https://127.0.0.1:${closed}`, maxRetries: 1 }));
    expect(inv.gaps.map((g) => `${g.area} ${g.reason}`)).toEqual([
      'auditTrails Unreachable',
      'encryption Unreachable',
      'exposure Unreachable',
      'guardrails Unreachable',
      // Azure RBAC (a Resource Manager read) decides privilege: without it privilege is unknown
      'identities Unreachable',
      // Customer Lockbox (Resource Manager): opt-in and requests unknown
      'providerAccess Unreachable',
      'resources Unreachable',
    ]);
    expect(inv.identities.length).toBeGreaterThan(0);
  });

  it('refuses a Secret for another tenant than the spec names', async () => {
    const t = target();
    t.azureCredentials = { tenantId: '99999999-8888-4777-8666-555555555555', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
    const result = await collector().collect(t);
    expect(result).toMatchObject({ ok: false, failure: { reason: 'CredentialsInvalid', message: expect.stringMatching(/Secret is for tenant/) } });
    expect(azure.mock.count('login.token')).toBe(0);
  });

  it('signs in with workload identity (federated token file) when no Secret is given', async () => {
    const tokenFile = path.join(azure.dir, 'azure-identity-token');
    await writeFile(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2xvdWRwb3N0dXJlIn0.c2lnbmF0dXJl');
    const t = target();
    delete t.azureCredentials;
    t.account = { azure: { tenantId: TENANT_ID, subscriptionId: SUBSCRIPTION_ID, clientId: FEDERATED_CLIENT_ID } };
    const inv = await inventoryOf(collector({ env: { AZURE_FEDERATED_TOKEN_FILE: tokenFile } }), t);
    expect(inv.gaps).toEqual([]);
    expect(inv.identities.length).toBeGreaterThan(0);
  });

  it('uses an injected credential', async () => {
    const c = collector({
      credential: {
        getToken: async (scopes) => {
          // borrow a token from the mock's own token endpoint
          const scope = [scopes].flat()[0] ?? '';
          const res = await fetch(`${azure.mock.loginUrl}/${TENANT_ID}/oauth2/v2.0/token`, {
            method: 'POST',
            body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope }),
          });
          const body = (await res.json()) as { access_token: string; expires_in: number };
          return { token: body.access_token, expiresOnTimestamp: Date.now() + body.expires_in * 1000 };
        },
      },
    });
    const t = target();
    delete t.azureCredentials;
    const inv = await inventoryOf(c, t);
    expect(inv.resources.length).toBeGreaterThan(0);
  });

  it('returns Aborted when the caller cancels', async () => {
    const ctl = new AbortController();
    ctl.abort(new Error('shutdown'));
    const result = await collector().collect(target(), ctl.signal);
    expect(result).toMatchObject({ ok: false, failure: { reason: 'Aborted' } });
  });
});

describe('API call budget', () => {
  it('does not grow with the number of users or resources, and counts every call', async () => {
    azure.mock.setPageSize(1_000); // Resource Manager's page size for resources.list
    const small = calls();
    const c1 = collector({ onApiCall: small.hook });
    const inv1 = await inventoryOf(c1);

    const f = compliantFixture();
    for (let i = 0; i < 60; i++) {
      const u = user(`bulk${i}@contoso.example`, { admin: i % 10 === 0, mfa: i % 3 !== 0 });
      f.users.push(u);
      if (i % 10 === 0) f.roleAssignments.push(userRoleAssignment(u, ROLE.userAdministrator));
      f.storageAccounts.push(storageAccount(SUBSCRIPTION_ID, 'rg-bulk', `bulk${i}`, { location: 'westeurope', customerManagedKey: true }));
      f.disks.push(disk(SUBSCRIPTION_ID, 'rg-bulk', `bulk${i}`, { location: 'westeurope' }));
    }
    azure.mock.setFixture(f);
    const large = calls();
    const inv2 = await inventoryOf(collector({ onApiCall: large.hook }));
    expect(inv2.identities.length).toBe(inv1.identities.length + 60);
    expect(inv2.resources.length).toBe(inv1.resources.length + 120);

    const reads = (seen: string[]) => seen.filter((s) => !s.includes('EntraID:')).sort();
    expect(reads(large.seen)).toEqual(reads(small.seen));
    expect(reads(small.seen)).toEqual([
      'azure ARM:disks.list OK',
      // Customer Lockbox: no request, so no Activity Log read
      'azure ARM:lockbox.requests OK',
      'azure ARM:lockbox.tenantOptedIn OK',
      'azure ARM:policyAssignments.list OK',
      'azure ARM:resources.list OK',
      'azure ARM:roleAssignments.list OK',
      'azure ARM:roleDefinitions.list OK',
      'azure ARM:snapshots.list OK',
      'azure ARM:storageAccounts.list OK',
      'azure ARM:subscriptionDiagnosticSettings.list OK',
      'azure Graph:roleAssignments OK',
      'azure Graph:roleDefinitions OK',
      'azure Graph:signInActivity OK',
      'azure Graph:userRegistrationDetails OK',
      // the log vault's newest blob (delivery freshness): no storage behind this suite's vault
      'azure Storage:listBlobs ECONNREFUSED',
    ]);
    expect(inv1.apiCalls).toBe(15);
    // a token per audience (Resource Manager, Graph, Storage) for a new credential, plus OpenID discovery
    expect(small.seen.filter((s) => s.includes('EntraID:token'))).toHaveLength(3);

    // a second collection by the same collector reuses the tokens
    const again = calls();
    const c3 = collector({ onApiCall: again.hook });
    await inventoryOf(c3);
    const before = azure.mock.count('login.token');
    await inventoryOf(c3);
    expect(azure.mock.count('login.token')).toBe(before);
  });
});
