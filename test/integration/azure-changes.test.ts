// ChangesTracked for Azure: network and firewall changes and break-glass calls from the
// subscription's Activity Log, read through the real @azure/arm-monitor client from the
// local Resource Manager server (EventData shapes, newest first, nextLink paging), first
// by the collector alone, then end to end through the operator on the real control
// plane: status.changes, ChangesTracked, the BreakGlassUsed Event and acknowledgement.

import { CoreV1Api } from '@kubernetes/client-node';
import type { ChangeReadResult } from '../../operator/src/providers/types.js';
import { activityEvents, signIn, uuidFor } from '../harness/azure-mock/fixture.js';
import { CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_ID, TENANT_ID, compliantFixture } from '../harness/azure-mock/scenarios.js';
import { azureTarget, useAzureMock } from '../harness/azure-mock/suite.js';
import { createTestNamespace, deleteTestNamespace, kubectlOk, loadTestKubeConfig, waitFor } from '../harness/kube.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { condition, serviceClient } from '../harness/services.js';
import { onAccount } from '../harness/test-specs.js';
import { aSpec } from '../unit/builders.js';

const DEPLOYER = 'a1b2c3d4-0000-4000-8000-00000000d3p1';
const BREAK_GLASS = 'breakglass@contoso.example';
const NSG = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-app/providers/Microsoft.Network/networkSecurityGroups/nsg-app`;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

/** The subscription's recent history: two network changes, one old one, noise, and a break-glass call. */
function fixtureWithHistory() {
  const f = compliantFixture();
  const sub = SUBSCRIPTION_ID;
  f.activityLog = [
    ...activityEvents(sub, { operation: 'Microsoft.Network/networkSecurityGroups/securityRules/write', resourceId: `${NSG}/securityRules/allow-https`, caller: DEPLOYER, at: minutesAgo(300) }),
    ...activityEvents(sub, { operation: 'Microsoft.Network/networkSecurityGroups/securityRules/write', resourceId: `${NSG}/securityRules/allow-rdp-any`, caller: 'helpdesk@contoso.example', at: minutesAgo(90) }),
    ...activityEvents(sub, { operation: 'Microsoft.Network/routeTables/routes/delete', resourceId: `${NSG}-rt/routes/old`, caller: 'helpdesk@contoso.example', at: minutesAgo(60 * 30) }),
    ...activityEvents(sub, { operation: 'Microsoft.Compute/virtualMachines/write', resourceId: `/subscriptions/${sub}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-app`, caller: 'admin@contoso.example', at: minutesAgo(45) }),
    ...activityEvents(sub, { operation: 'Microsoft.Authorization/roleAssignments/write', resourceId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleAssignments/7`, caller: BREAK_GLASS, at: minutesAgo(30) }),
  ];
  f.signIns = [
    signIn(BREAK_GLASS, minutesAgo(33)),
    signIn(BREAK_GLASS, minutesAgo(60 * 40), { errorCode: 50126 }), // before the window
    signIn('admin@contoso.example', minutesAgo(20)),
  ];
  return f;
}

const azure = useAzureMock('changes');

describe('Azure Activity Log reader (collector)', () => {
  beforeEach(() => {
    azure.mock.reset();
    azure.mock.setFixture(fixtureWithHistory());
    azure.mock.setPageSize(100);
  });

  const read = (watched: string[] = [], since = minutesAgo(24 * 60)): Promise<ChangeReadResult> =>
    azure.collector().readChanges(azureTarget(), { since, now: new Date(), watchedIdentities: watched });

  it('returns the network changes in the window, oldest first, one record per operation', async () => {
    const result = await read();
    if (!result.ok) throw new Error(result.failure.message);
    expect(result.records.map((r) => [r.actor, r.resource.split('/').pop(), r.kind])).toEqual([
      [DEPLOYER, 'allow-https', 'network-change'],
      ['helpdesk@contoso.example', 'allow-rdp-any', 'network-change'],
    ]);
    expect(result).toMatchObject({ complete: true, filesRead: 1, source: `azure-activity-log:/subscriptions/${SUBSCRIPTION_ID}` });
    // One query, narrowed to Microsoft.Network, when no break-glass identity is declared.
    expect(azure.mock.count('arm.activityLogs')).toBe(1);
    expect(Date.parse(result.readUntil)).toBeLessThanOrEqual(Date.now() - 14 * 60_000);
  });

  it('adds every call by a declared break-glass identity (a second, subscription-wide query)', async () => {
    const result = await read([BREAK_GLASS]);
    if (!result.ok) throw new Error(result.failure.message);
    expect(result.records.map((r) => r.action)).toContain('Microsoft.Authorization/roleAssignments/write');
    expect(result.records.find((r) => r.actor === BREAK_GLASS && r.kind === 'activity')).toMatchObject({ action: 'Microsoft.Authorization/roleAssignments/write' });
    expect(result.records.some((r) => r.action === 'Microsoft.Compute/virtualMachines/write')).toBe(false);
    expect(azure.mock.count('arm.activityLogs')).toBe(2);
    // ... and its sign-ins in the window, from Entra ID's sign-in log (one query per identity).
    expect(result.records.filter((r) => r.kind === 'sign-in').map((r) => [r.actor, r.resource, r.errorCode])).toEqual([[BREAK_GLASS, 'Azure Portal', undefined]]);
    expect(azure.mock.count('graph.signIns')).toBe(1);
  });

  it('finds the calls and sign-ins of a break-glass identity declared by its object id', async () => {
    const objectId = uuidFor(`user|${BREAK_GLASS}`);
    const result = await read([objectId]);
    if (!result.ok) throw new Error(result.failure.message);
    expect(result.records.filter((r) => r.actor === BREAK_GLASS).map((r) => [r.kind, r.principal])).toEqual([
      ['sign-in', objectId],
      ['activity', objectId],
    ]);
  });

  it('reads no sign-ins when no break-glass identity is declared', async () => {
    await read();
    expect(azure.mock.count('graph.signIns')).toBe(0);
  });

  it('leaves the change log undecided when the tenant has no sign-in logs (no Entra ID P1/P2)', async () => {
    const f = fixtureWithHistory();
    f.premium = false;
    azure.mock.setFixture(f);
    const result = await read([BREAK_GLASS]);
    expect(result).toMatchObject({ ok: false, failure: { reason: 'LicenseRequired', message: expect.stringContaining('P1 or P2') } });
  });

  it('follows nextLink across pages and reads from the watermark on', async () => {
    azure.mock.setPageSize(1);
    const result = await read([], minutesAgo(120));
    if (!result.ok) throw new Error(result.failure.message);
    expect(result.records.map((r) => r.resource.split('/').pop())).toEqual(['allow-rdp-any']);
    // Started + final event of the one operation in the window: two pages of one event.
    expect(result.filesRead).toBe(2);
  });

  it('gives a reason, not records, when the log cannot be read', async () => {
    azure.mock.fault('arm.activityLogs', { status: 403, code: 'AuthorizationFailed', message: 'does not have authorization to perform action Microsoft.Insights/eventtypes/values/read' });
    expect(await read()).toMatchObject({ ok: false, failure: { reason: 'AccessDenied' } });
    const wrongSecret = await azure.collector().readChanges(azureTarget('not-the-secret'), { since: minutesAgo(60), now: new Date() });
    expect(wrongSecret).toMatchObject({ ok: false, failure: { reason: 'CredentialsInvalid' } });
    expect(JSON.stringify(wrongSecret)).not.toContain('not-the-secret');
  });
});

describe('ChangesTracked for an Azure service (operator on the real control plane)', () => {
  const kc = loadTestKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  let ns = '';
  let operator: TestOperator;
  const { create, reconciled } = serviceClient(kc, () => ns, 60_000);
  const saved = process.env.AZURE_AUTHORITY_HOST;

  beforeAll(async () => {
    azure.mock.reset();
    azure.mock.setFixture(fixtureWithHistory());
    azure.mock.setPageSize(100);
    await installCrds();
    ns = await createTestNamespace('azure-changes');
    process.env.AZURE_AUTHORITY_HOST = azure.mock.loginUrl;
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'azure-readonly' }, stringData: { AZURE_CLIENT_ID: CLIENT_ID, AZURE_CLIENT_SECRET: CLIENT_SECRET } },
    });
    operator = await startTestOperator({
      namespace: ns,
      env: {
        CLOUDPOSTURE_AZURE_RESOURCE_MANAGER_ENDPOINT: azure.mock.armUrl,
        CLOUDPOSTURE_AZURE_GRAPH_ENDPOINT: azure.mock.graphUrl,
      },
    });
  }, 60_000);

  afterAll(async () => {
    await operator?.stop();
    if (saved === undefined) delete process.env.AZURE_AUTHORITY_HOST;
    else process.env.AZURE_AUTHORITY_HOST = saved;
    if (ns) await deleteTestNamespace(ns);
  });

  it('records the changes, turns ChangesTracked False for the out-of-band one, and True once it is acknowledged', async () => {
    await create(
      'm365',
      onAccount(
        aSpec({
          provider: 'azure',
          model: 'SaaS',
          allowedRegions: ['westeurope', 'northeurope'],
          logVault: undefined,
          breakGlassIdentities: [BREAK_GLASS],
          changeManagement: { deployerPrincipals: [DEPLOYER] },
        }),
        { azure: { tenantId: TENANT_ID, subscriptionId: SUBSCRIPTION_ID }, credentialsSecretRef: { name: 'azure-readonly' } },
      ),
    );
    const svc = await reconciled('m365', { ready: (s) => (s.status?.changes ?? []).length > 0, description: 'm365: status.changes from the Activity Log' });
    expect(condition(svc, 'ChangesTracked')).toMatchObject({ status: 'False' });
    expect(condition(svc, 'ChangesTracked')?.message).toContain('Microsoft.Network/networkSecurityGroups/securityRules/write');
    const entries = svc.status?.changes ?? [];
    const manual = entries.find((c) => c.actor === 'helpdesk@contoso.example');
    expect(manual).toMatchObject({ kind: 'network-change', tracked: false, acknowledged: false });
    expect(entries.find((c) => c.actor === DEPLOYER)).toMatchObject({ tracked: true });
    expect(entries.filter((c) => c.actor === BREAK_GLASS).map((c) => [c.kind, c.breakGlass])).toEqual(
      expect.arrayContaining([
        ['activity', true],
        ['sign-in', true],
      ]),
    );
    expect(svc.status?.changeLog).toMatchObject({ source: `azure-activity-log:/subscriptions/${SUBSCRIPTION_ID}`, complete: true });
    const events = await waitFor(
      async () => {
        const list = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=m365' });
        const found = list.items.filter((e) => e.reason === 'BreakGlassUsed');
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 20_000, description: 'BreakGlassUsed Event' },
    );
    expect(events[0]?.type).toBe('Warning');

    // The change review lands in the spec: both the manual change and the break-glass use.
    const acknowledgements = entries
      .filter((c) => !c.tracked)
      .map((c) => ({ changeId: c.id, reference: 'https://tickets.example.com/CHG-7', acknowledgedBy: 'jane.doe@example.com' }));
    await kubectlOk(['-n', ns, 'patch', 'cloudservice', 'm365', '--type=merge', '-p', JSON.stringify({ spec: { changeManagement: { deployerPrincipals: [DEPLOYER], acknowledgements } } })]);
    const acked = await reconciled('m365', {
      ready: (s) => condition(s, 'ChangesTracked')?.status === 'True',
      description: 'm365: ChangesTracked True after the acknowledgements',
    });
    expect(condition(acked, 'ChangesTracked')?.observedGeneration).toBe(acked.metadata.generation);
    // That reconcile read nothing new (the watermark is past the events): the ledger it
    // judged came from status alone, and still holds both break-glass uses, acknowledged.
    expect(
      (acked.status?.changes ?? []).filter((c) => c.actor === BREAK_GLASS).map((c) => [c.kind, c.breakGlass, c.acknowledged]),
    ).toEqual(
      expect.arrayContaining([
        ['activity', true, true],
        ['sign-in', true, true],
      ]),
    );
  });
});
