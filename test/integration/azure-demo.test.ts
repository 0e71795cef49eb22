// The demo's local Azure, used the way the demo uses it: a fresh Node process whose
// only Azure configuration is the environment startAzureDemo() returns (endpoints,
// authority, dummy client credentials, NODE_EXTRA_CA_CERTS for the test CA).

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import type { InventoryResult } from '../../operator/src/inventory/types.js';
import { AzureCollector } from '../../operator/src/providers/azure/collector.js';
import { repoRoot } from '../harness/binaries.js';
import { trustCaInProcess } from '../harness/azure-mock/trust.js';
import {
  DEMO_LOCKBOX_APPROVER,
  DEMO_LOCKBOX_REQUEST_ID,
  DEMO_LOG_VAULT_SUBSCRIPTION_ID,
  DEMO_SUBSCRIPTION_ID,
  DEMO_TENANT_ID,
  DEMO_TENANT_ORGANIZATION,
  PAYROLL_CLIENT_ID,
  PAYROLL_SUBSCRIPTION_ID,
  PAYROLL_TENANT_ID,
  startAzureDemo,
} from '../harness/azure-mock/demo.js';

const run = promisify(execFile);

let dir: string;
let demo: Awaited<ReturnType<typeof startAzureDemo>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cloudposture-azure-demo-'));
  demo = await startAzureDemo(dir);
});

afterAll(async () => {
  await demo?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('gives a fresh process everything it needs to read the sample subscription, with real findings', async () => {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...demo.env };
  expect(Object.keys(demo.env).sort()).toEqual([
    'AZURE_AUTHORITY_HOST',
    'AZURE_CLIENT_ID',
    'AZURE_CLIENT_SECRET',
    'AZURE_TENANT_ID',
    'CLOUDPOSTURE_AZURE_GRAPH_ENDPOINT',
    'CLOUDPOSTURE_AZURE_RESOURCE_MANAGER_ENDPOINT',
    'CLOUDPOSTURE_AZURE_STORAGE_BLOB_ENDPOINT',
    'NODE_EXTRA_CA_CERTS',
  ]);
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'test', 'harness', 'azure-mock', 'collect-once.ts'), DEMO_SUBSCRIPTION_ID],
    { cwd: repoRoot, env, timeout: 60_000 },
  );
  const { result, calls } = JSON.parse(stdout) as { result: InventoryResult; calls: Record<string, number> };
  if (!result.ok) throw new Error(`${result.failure.reason}: ${result.failure.message}`);
  const inv = result.inventory;
  expect(inv.gaps).toEqual([]);
  const user = (name: string) => inv.identities.find((i) => i.name === name);
  expect(user('it-ops@example.com')).toMatchObject({ privileged: true, mfaEnabled: false });
  expect(user('breakglass1@example.onmicrosoft.com')).toMatchObject({ privileged: true, mfaEnabled: true });
  expect(inv.identities.filter((i) => i.kind === 'user' && !i.mfaEnabled)).toHaveLength(3);
  expect(inv.identities.find((i) => i.kind === 'service-principal')).toMatchObject({ name: 'ci-directory-sync', privileged: true });
  expect(inv.rootMfaEnabled).toBe(true);
  const allowed = new Set(['westeurope', 'northeurope', 'uksouth']);
  expect(inv.resources.filter((r) => !allowed.has(r.region)).map((r) => `${r.kind} ${r.region}`).sort()).toEqual([
    'compute-instance eastus',
    'snapshot eastus',
    'storage-account ukwest',
    'volume eastus',
  ]);
  expect(inv.resources.filter((r) => r.public).map((r) => r.id.split('/').pop()).sort()).toEqual(['intranetassets', 'vm-migration-eus-before-cutover']);
  expect(inv.guardrails.regionRestriction?.allowedRegions).toContain('eastus');
  expect(inv.guardrails.accountPublicAccessBlock).toBe(false);
  expect(inv.auditTrails).toEqual([expect.objectContaining({ destinationAccountId: DEMO_LOG_VAULT_SUBSCRIPTION_ID, logging: true })]);
  // The vault's activity log in Azurite was delivered this hour.
  expect(Date.now() - Date.parse(inv.auditTrails[0]?.lastDeliveryAt ?? '')).toBeLessThan(3_600_000);
  // Customer Lockbox opted in; the one request was approved by the declared approver
  expect(inv.providerAccess).toMatchObject({
    lockboxOptedIn: true,
    lockboxRequests: [{ id: DEMO_LOCKBOX_REQUEST_ID, status: 'Approved', answeredBy: DEMO_LOCKBOX_APPROVER }],
    lockboxRequestsOmitted: 0,
  });
  // one token per audience: Resource Manager, Graph and Azure Storage
  expect(calls['EntraID:token OK']).toBe(3);
});

/** collect-once.ts in a fresh process with the demo's environment (client id overridable). */
async function collectOnce(subscriptionId: string, tenantId: string, clientId?: string): Promise<{ result: InventoryResult; code: number }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...demo.env, ...(clientId ? { AZURE_CLIENT_ID: clientId } : {}) };
  const script = path.join(repoRoot, 'test', 'harness', 'azure-mock', 'collect-once.ts');
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script, subscriptionId, tenantId], { cwd: repoRoot, env, timeout: 60_000 });
    return { result: (JSON.parse(stdout) as { result: InventoryResult }).result, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; code?: number };
    return { result: (JSON.parse(e.stdout ?? '{}') as { result: InventoryResult }).result, code: e.code ?? 1 };
  }
}

it('serves the payroll sample from its own tenant, where every identity has MFA and nothing is exposed', async () => {
  const { result } = await collectOnce(PAYROLL_SUBSCRIPTION_ID, PAYROLL_TENANT_ID, PAYROLL_CLIENT_ID);
  if (!result.ok) throw new Error(`${result.failure.reason}: ${result.failure.message}`);
  const inv = result.inventory;
  expect(inv.gaps).toEqual([]);
  // Identities are the payroll tenant's only: none of the other tenant's users without MFA.
  expect(inv.identities.map((i) => i.name).sort()).toEqual([
    'breakglass1@payroll.onmicrosoft.com',
    'breakglass2@payroll.onmicrosoft.com',
    'emma.dubois@payroll.example.com',
    'lucas.bernard@payroll.example.com',
    'olivia.martin@payroll.example.com',
  ]);
  expect(inv.identities.filter((i) => !i.mfaEnabled)).toEqual([]);
  expect(inv.rootMfaEnabled).toBe(true);
  expect(new Set(inv.resources.map((r) => r.region))).toEqual(new Set(['westeurope', 'northeurope']));
  expect(inv.resources.filter((r) => r.public)).toEqual([]);
  expect(inv.guardrails.regionRestriction?.allowedRegions.slice().sort()).toEqual(['northeurope', 'westeurope']);
  expect(inv.guardrails.accountPublicAccessBlock).toBe(true);
  expect(inv.auditTrails).toEqual([expect.objectContaining({ destinationAccountId: DEMO_LOG_VAULT_SUBSCRIPTION_ID, logging: true })]);
  expect(Date.now() - Date.parse(inv.auditTrails[0]?.lastDeliveryAt ?? '')).toBeLessThan(3_600_000);
  expect(inv.providerAccess).toEqual({ lockboxOptedIn: true, lockboxRequests: [], lockboxRequestsOmitted: 0 });
});

it("does not serve one tenant's subscription to a token of the other tenant", async () => {
  const { result, code } = await collectOnce(PAYROLL_SUBSCRIPTION_ID, DEMO_TENANT_ID);
  expect(code).not.toBe(0);
  expect(result.ok).toBe(false);
});

it("lists the sample tenant as an organisation: its three subscriptions by management group, and only the third-party app users consented to", async () => {
  // In this process, as the operator's organisation reconciler reads it (the CA trusted here, not through NODE_EXTRA_CA_CERTS).
  const bundle = await readFile(demo.env.NODE_EXTRA_CA_CERTS as string, 'utf8');
  for (const pem of bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) trustCaInProcess(pem);
  const collector = new AzureCollector({
    resourceManagerEndpoint: demo.env.CLOUDPOSTURE_AZURE_RESOURCE_MANAGER_ENDPOINT,
    graphEndpoint: demo.env.CLOUDPOSTURE_AZURE_GRAPH_ENDPOINT,
    authorityHost: demo.env.AZURE_AUTHORITY_HOST,
    env: {},
  });
  const listing = await collector.listOrganization({
    provider: 'azure',
    account: { azure: { tenantId: DEMO_TENANT_ID, subscriptionId: DEMO_SUBSCRIPTION_ID } },
    allowedRegions: [],
    azureCredentials: { tenantId: DEMO_TENANT_ID, clientId: demo.env.AZURE_CLIENT_ID as string, clientSecret: demo.env.AZURE_CLIENT_SECRET as string },
  });
  expect(listing.gaps).toEqual([]);
  expect(listing.organizationId).toBe(DEMO_TENANT_ID);
  const { undeclaredSubscription: sandbox, vaultSubscription: vault, saasApp: app } = DEMO_TENANT_ORGANIZATION;
  expect(listing.items.filter((i) => i.kind === 'subscription').map((i) => [i.id, i.name, i.pathNames, i.status]).sort()).toEqual(
    [
      [DEMO_SUBSCRIPTION_ID, 'workplace-prod', 'Tenant Root Group/Workplace', 'active'],
      [vault.id, vault.name, 'Tenant Root Group/Platform', 'active'],
      [sandbox.id, sandbox.name, sandbox.pathNames, 'active'],
    ].sort(),
  );
  // Not Microsoft Graph or Teams (first party, Teams with a user's consent), not the tenant's own pipeline app.
  const apps = listing.items.filter((i) => i.kind === 'saas-app');
  expect(apps.map((a) => [a.id, a.name])).toEqual([[app.appId, app.name]]);
  expect(apps[0]?.consent).toEqual({
    publisherTenantId: app.publisherTenantId,
    scopes: [...app.scopes],
    adminConsent: false,
    consentingUsers: app.users.length,
    appRoleAssignments: 0,
  });
});
