// Shadow IT discovery through the operator (issue 15), on moto's Organizations and the
// real control plane: a CloudOrganization on the management account's CloudAccount
// (credentials from its Secret) lists the organisation every interval. Of three active
// members, CloudAccounts declare two, and one more is closed: status lists the one
// active undeclared account, AllServicesDeclared is False, one Event, the metric 1. An
// account created in moto appears within one interval, with its own Event; declaring
// both with CloudAccounts clears them (True, metric 0) with no further Event.

import { CloseAccountCommand, CreateAccountCommand, CreateOrganizationCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { CloudOrganization, CloudOrganizationStatus } from '../../operator/src/api/types.js';
import { SeedClients } from '../harness/aws-seed.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_ACCOUNT_ID, startMoto, type MotoServer } from '../harness/moto.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { grantAccount } from '../harness/services.js';

const GROUP = { group: 'cloudposture.io', version: 'v1alpha1' };
const MANAGEMENT = MOTO_DEFAULT_ACCOUNT_ID;
/** The shortest interval the CRD admits (as CloudService.spec.interval). */
const INTERVAL_MS = 30_000;

describe('CloudOrganization on moto: undeclared accounts through the operator', () => {
  const kc = loadTestKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const saved = { ...process.env };
  let moto: MotoServer;
  let o: OrganizationsClient;
  let ns = '';
  let operator: TestOperator;
  const organization = uniqueName('org');
  const accountNames: string[] = [];
  const ids: Record<string, string> = {};

  const create = async (name: string): Promise<string> =>
    (await o.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }))).CreateAccountStatus?.AccountId as string;

  /** A CloudAccount declaring `accountId` (labelled with the test namespace, so its teardown removes it). */
  async function declare(key: string, accountId: string, extra: { credentialsSecretRef?: { name: string } } = {}): Promise<void> {
    const name = `${ns}.${key}`;
    accountNames.push(name);
    await grantAccount(kc, name, 'aws', { aws: { accountId }, ...extra }, [ns]);
  }

  const read = async (): Promise<CloudOrganizationStatus | undefined> =>
    ((await custom.getClusterCustomObject({ ...GROUP, plural: 'cloudorganizations', name: organization })) as CloudOrganization).status;
  const condition = (s: CloudOrganizationStatus | undefined, type: string) => s?.conditions?.find((c) => c.type === type);
  const undeclaredIds = (s: CloudOrganizationStatus | undefined) => (s?.undeclared ?? []).map((u) => u.id).sort();

  async function events(): Promise<string[]> {
    const list = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${organization},reason=UndeclaredServiceFound` });
    return list.items.map((e) => e.message ?? '');
  }

  async function gauge(): Promise<number | undefined> {
    const values = (await operator.metrics.undeclaredServices.get()).values;
    return values.find((v) => v.labels.organization === organization && v.labels.kind === 'account')?.value;
  }

  beforeAll(async () => {
    // Without AWS managed policies: moto builds an IAM backend for every account CreateAccount makes.
    moto = await startMoto({ env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' } });
    o = new SeedClients(moto.endpoint, MANAGEMENT).organizations();
    await o.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    for (const k of ['declared1', 'declared2', 'shadow', 'closed']) ids[k] = await create(`member-${k}`);
    await o.send(new CloseAccountCommand({ AccountId: ids.closed as string }));
    // The CloudAccount probes use the default chain; the organisation reads with the management account's Secret.
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = 'us-east-1';
    await installCrds();
    ns = await createTestNamespace('org');
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'management-keys' }, stringData: { AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey } },
    });
    await declare('management', MANAGEMENT, { credentialsSecretRef: { name: 'management-keys' } });
    await declare('declared1', ids.declared1 as string);
    await declare('declared2', ids.declared2 as string);
    operator = await startTestOperator({
      namespace: ns,
      env: {
        // Organisations are cluster-scoped: only an operator for every namespace reconciles them.
        CLOUDPOSTURE_WATCH_NAMESPACE: '',
        CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint,
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
        spec: { accountRef: { name: `${ns}.management` }, interval: '30s' },
      },
    });
  }, 180_000);

  afterAll(async () => {
    await operator?.stop();
    await custom.deleteClusterCustomObject({ ...GROUP, plural: 'cloudorganizations', name: organization }).catch(() => undefined);
    for (const name of accountNames) await custom.deleteClusterCustomObject({ ...GROUP, plural: 'cloudaccounts', name }).catch(() => undefined);
    if (ns) await deleteTestNamespace(ns);
    await moto?.stop();
    process.env = saved;
  });

  it('lists the one active undeclared account (not the closed one): AllServicesDeclared False, one Event, metric 1', async () => {
    const status = await waitFor(async () => {
      const s = await read();
      return condition(s, 'AllServicesDeclared')?.status === 'False' && s;
    }, { timeoutMs: 60_000, description: 'AllServicesDeclared False' });
    expect(undeclaredIds(status)).toEqual([ids.shadow]);
    expect(status.undeclared?.[0]).toMatchObject({ kind: 'account', name: 'member-shadow', status: 'active', providerStatus: 'ACTIVE' });
    expect(status.undeclared?.[0]?.pathNames).toBe('Root');
    expect(status).toMatchObject({ provider: 'aws', accounts: 5, undeclaredCount: 1, undeclaredOmitted: 0 });
    expect(status.organizationId).toMatch(/^o-[a-z0-9]+$/);
    expect(condition(status, 'Ready')).toMatchObject({ status: 'True', reason: 'Listed' });
    expect(condition(status, 'AllServicesDeclared')?.message).toContain(ids.shadow);
    const found = await waitFor(async () => {
      const e = await events();
      return e.length > 0 && e;
    }, { description: 'an UndeclaredServiceFound Event' });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(ids.shadow);
    expect(await gauge()).toBe(1);
  });

  it('a new account appears within one interval with its own Event, and the first is not announced again', async () => {
    const before = (await read())?.lastCheckedAt;
    ids.late = await create('member-late');
    const status = await waitFor(async () => {
      const s = await read();
      return undeclaredIds(s).includes(ids.late as string) && s;
    }, { timeoutMs: INTERVAL_MS * 1.1 + 10_000, intervalMs: 500, description: 'the new account in status.undeclared' });
    expect(undeclaredIds(status)).toEqual([ids.late, ids.shadow].sort());
    expect(status.lastCheckedAt).not.toBe(before);
    const found = await waitFor(async () => {
      const e = await events();
      return e.length >= 2 && e;
    }, { description: 'the second Event' });
    expect(found.filter((m) => m.includes(ids.shadow as string))).toHaveLength(1);
    expect(found.filter((m) => m.includes(ids.late as string))).toHaveLength(1);
    expect(await gauge()).toBe(2);
  }, 120_000);

  it('declaring them with CloudAccounts clears AllServicesDeclared and the metric, without another Event', async () => {
    await declare('shadow', ids.shadow as string);
    await declare('late', ids.late as string);
    const status = await waitFor(async () => {
      const s = await read();
      return condition(s, 'AllServicesDeclared')?.status === 'True' && s;
    }, { timeoutMs: 30_000, description: 'AllServicesDeclared True' });
    expect(status).toMatchObject({ undeclaredCount: 0, undeclared: [] });
    // The status is written before the metric is published: the GET can see it a moment earlier.
    await waitFor(async () => (await gauge()) === 0, { description: 'cloudposture_undeclared_services at 0' });
    expect(await events()).toHaveLength(2);
  });
});
