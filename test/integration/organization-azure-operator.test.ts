// Shadow IT discovery of an Azure tenant through the operator (issue 15), on the local
// Resource Manager / Graph server and the real control plane: a CloudOrganization on the
// CloudAccount of the tenant's subscription (client secret from its Secret) lists the
// tenant's subscriptions and the third-party SaaS apps consented to in Entra ID. The
// undeclared Enabled / PastDue subscriptions are listed (not the Disabled one), and the
// three third-party apps with their scopes and user counts (not Microsoft's); one Event
// per item, the gauge per kind. A SaaS CloudService naming an app's Entra application id
// declares it: the app leaves status and the gauge, with no new Event.

import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { CloudOrganization, CloudOrganizationStatus } from '../../operator/src/api/types.js';
import { uuidFor } from '../harness/azure-mock/fixture.js';
import { MICROSOFT_SERVICES_TENANT, ORG, withOrganization } from '../harness/azure-mock/organization-fixture.js';
import { CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_ID, TENANT_ID, compliantFixture } from '../harness/azure-mock/scenarios.js';
import { useAzureMock } from '../harness/azure-mock/suite.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { grantAccount } from '../harness/services.js';

const GROUP = { group: 'cloudposture.io', version: 'v1alpha1' };
const MAIL_APP_ID = uuidFor(`saas-app:${ORG.mailApp}`);

const azure = useAzureMock('organization-operator');

describe('CloudOrganization on the local Azure server: undeclared subscriptions and SaaS apps through the operator', () => {
  const kc = loadTestKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const saved = process.env.AZURE_AUTHORITY_HOST;
  let ns = '';
  let operator: TestOperator;
  const organization = uniqueName('tenant');
  let accountName = '';

  const read = async (): Promise<CloudOrganizationStatus | undefined> =>
    ((await custom.getClusterCustomObject({ ...GROUP, plural: 'cloudorganizations', name: organization })) as CloudOrganization).status;
  const condition = (s: CloudOrganizationStatus | undefined, type: string) => s?.conditions?.find((c) => c.type === type);
  const ofKind = (s: CloudOrganizationStatus | undefined, kind: string) => (s?.undeclared ?? []).filter((u) => u.kind === kind);

  async function events(): Promise<string[]> {
    const list = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${organization},reason=UndeclaredServiceFound` });
    return list.items.map((e) => e.message ?? '');
  }

  async function gauge(kind: string): Promise<number | undefined> {
    const values = (await operator.metrics.undeclaredServices.get()).values;
    return values.find((v) => v.labels.organization === organization && v.labels.kind === kind)?.value;
  }

  beforeAll(async () => {
    azure.mock.reset();
    azure.mock.setFixture(withOrganization(compliantFixture()));
    azure.mock.setPageSize(100);
    await installCrds();
    ns = await createTestNamespace('org-azure');
    process.env.AZURE_AUTHORITY_HOST = azure.mock.loginUrl;
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'azure-readonly' }, stringData: { AZURE_CLIENT_ID: CLIENT_ID, AZURE_CLIENT_SECRET: CLIENT_SECRET } },
    });
    // The tenant's one declared subscription, labelled with the test namespace (its teardown removes it).
    accountName = `${ns}.tenant`;
    await grantAccount(kc, accountName, 'azure', { azure: { tenantId: TENANT_ID, subscriptionId: SUBSCRIPTION_ID }, credentialsSecretRef: { name: 'azure-readonly' } }, [ns]);
    operator = await startTestOperator({
      namespace: ns,
      env: {
        // Organisations are cluster-scoped: only an operator for every namespace reconciles them.
        CLOUDPOSTURE_WATCH_NAMESPACE: '',
        CLOUDPOSTURE_AZURE_RESOURCE_MANAGER_ENDPOINT: azure.mock.armUrl,
        CLOUDPOSTURE_AZURE_GRAPH_ENDPOINT: azure.mock.graphUrl,
        CLOUDPOSTURE_POLICY_NAME: uniqueName('policy'),
      },
    });
    expect(operator.manager.organizations).toBeDefined();
    await custom.createClusterCustomObject({
      ...GROUP,
      plural: 'cloudorganizations',
      body: {
        apiVersion: 'cloudposture.io/v1alpha1',
        kind: 'CloudOrganization',
        metadata: { name: organization },
        spec: { accountRef: { name: accountName }, interval: '1h' },
      },
    });
  }, 180_000);

  afterAll(async () => {
    await operator?.stop();
    await custom.deleteClusterCustomObject({ ...GROUP, plural: 'cloudorganizations', name: organization }).catch(() => undefined);
    if (accountName) await custom.deleteClusterCustomObject({ ...GROUP, plural: 'cloudaccounts', name: accountName }).catch(() => undefined);
    if (ns) await deleteTestNamespace(ns);
    if (saved === undefined) delete process.env.AZURE_AUTHORITY_HOST;
    else process.env.AZURE_AUTHORITY_HOST = saved;
  });

  it('lists the undeclared active subscriptions (not the Disabled one) and the three third-party apps with their consents: False, one Event each, the gauge per kind', async () => {
    const status = await waitFor(async () => {
      const s = await read();
      return condition(s, 'AllServicesDeclared')?.status === 'False' && s;
    }, { timeoutMs: 60_000, description: 'AllServicesDeclared False' });
    expect(status).toMatchObject({ provider: 'azure', organizationId: TENANT_ID, accounts: 7, undeclaredCount: 5, undeclaredOmitted: 0 });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'True', reason: 'Listed' });

    const subscriptions = ofKind(status, 'subscription');
    expect(subscriptions.map((s) => s.id).sort()).toEqual([ORG.sandbox, ORG.connectivity].sort());
    expect(subscriptions.find((s) => s.id === ORG.connectivity)).toMatchObject({ pathNames: 'Tenant Root Group/Platform', status: 'active', providerStatus: 'PastDue' });
    expect(subscriptions.find((s) => s.id === ORG.sandbox)).toMatchObject({ pathNames: 'Tenant Root Group/Workloads', providerStatus: 'Enabled' });

    const apps = ofKind(status, 'saas-app');
    expect(apps.map((a) => a.name).sort()).toEqual([ORG.backupApp, ORG.mailApp, ORG.syncApp].sort());
    // The consents survive the API server (the status schema carries them).
    expect(apps.find((a) => a.name === ORG.mailApp)).toMatchObject({
      id: MAIL_APP_ID,
      consent: { publisherTenantId: uuidFor('tenant:acme'), scopes: ['Mail.Read', 'User.Read'], adminConsent: false, consentingUsers: 3, appRoleAssignments: 0 },
    });
    expect(apps.find((a) => a.name === ORG.syncApp)?.consent).toMatchObject({ scopes: ['Directory.Read.All'], adminConsent: true, consentingUsers: 0 });
    expect(apps.find((a) => a.name === ORG.backupApp)?.consent).toMatchObject({ scopes: [], appRoleAssignments: 1, firstConsentAt: '2026-09-14T10:00:00Z' });
    expect(apps.every((a) => a.consent?.publisherTenantId !== MICROSOFT_SERVICES_TENANT)).toBe(true);

    const found = await waitFor(async () => {
      const e = await events();
      return e.length >= 5 && e;
    }, { description: 'five UndeclaredServiceFound Events' });
    expect(found).toHaveLength(5);
    for (const id of [ORG.sandbox, ORG.connectivity, MAIL_APP_ID]) expect(found.filter((m) => m.includes(id))).toHaveLength(1);
    expect(found.some((m) => m.includes(ORG.legacy))).toBe(false);
    expect(await gauge('subscription')).toBe(2);
    expect(await gauge('saas-app')).toBe(3);
    expect(await gauge('account')).toBeUndefined(); // not a kind an Azure tenant lists
  });

  it('a SaaS CloudService naming the app by its Entra application id declares it: gone from status and the gauge, no new Event', async () => {
    await custom.createNamespacedCustomObject({
      ...GROUP,
      namespace: ns,
      plural: 'cloudservices',
      body: {
        apiVersion: 'cloudposture.io/v1alpha1',
        kind: 'CloudService',
        metadata: { name: 'acme-mail' },
        spec: {
          provider: 'azure',
          model: 'SaaS',
          owner: 'it-operations',
          criticality: 'medium',
          classification: 'internal',
          accountRef: { name: accountName },
          allowedRegions: ['westeurope'],
          saas: { entraApplicationId: MAIL_APP_ID.toUpperCase() },
        },
      },
    });
    const calls = azure.mock.count('arm.managementGroupDescendants');
    const status = await waitFor(async () => {
      const s = await read();
      return ofKind(s, 'saas-app').length === 2 && s;
    }, { timeoutMs: 30_000, description: 'the declared app gone from status.undeclared' });
    expect(ofKind(status, 'saas-app').map((a) => a.name).sort()).toEqual([ORG.backupApp, ORG.syncApp].sort());
    expect(status).toMatchObject({ undeclaredCount: 4 });
    expect(condition(status, 'AllServicesDeclared')).toMatchObject({ status: 'False' });
    expect(condition(status, 'AllServicesDeclared')?.message).not.toContain(MAIL_APP_ID);
    // Compared again from the last listing: the tenant was not listed again.
    expect(azure.mock.count('arm.managementGroupDescendants')).toBe(calls);
    expect(await gauge('saas-app')).toBe(2);
    expect(await gauge('subscription')).toBe(2);
    expect(await events()).toHaveLength(5);
  });
});
