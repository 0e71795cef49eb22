// Tenancy on the real control plane with two namespaces and two moto accounts: a
// namespace reads only the accounts the platform team granted it. Team B naming team
// A's account is refused at admission; when the grant is missing at reconcile time (the
// account created after the service, or a grant withdrawn) the service is
// AccountNotPermitted, no cloud read is made for it, and nothing of team A's account
// shows in team B's status, Events or metric series. The account's role sessions name
// the namespace that read.

import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { CloudAccount, CloudServiceSpec } from '../../operator/src/api/types.js';
import type { InventorySource } from '../../operator/src/controller/gather.js';
import { seedCompliantAccount, seedNonCompliantAccount, type SeededAccount } from '../harness/aws-seed.js';
import { createTestNamespace, deleteTestNamespace, kubectl, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../harness/moto.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { accountSpec, condition, grantAccount, serviceClient } from '../harness/services.js';
import { aSpec } from '../unit/builders.js';

const GROUP = { group: 'cloudposture.io', version: 'v1alpha1' };
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('tenancy: a namespace reads only the accounts granted to it', () => {
  const kc = loadTestKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  let moto: MotoServer;
  let teamA: string;
  let teamB: string;
  let accountA: SeededAccount;
  let accountB: SeededAccount;
  let operator: TestOperator;
  /** Every account read the operator made: which namespace, which CloudAccount, which session. */
  const reads: Array<{ namespace: string; account: string; session: string | undefined }> = [];
  /** Who each namespace's collections read as, as the account answered sts:GetCallerIdentity. */
  const readAs: Array<{ namespace: string; arn: string }> = [];
  const saved = { ...process.env };
  const inA = serviceClient(kc, () => teamA, 120_000);
  const inB = serviceClient(kc, () => teamB, 120_000);
  const names = { a: '', b: '', late: '', shared: '', keyed: '' };

  const specOn = (accountName: string, seeded: SeededAccount): CloudServiceSpec =>
    aSpec({ accountRef: { name: accountName }, allowedRegions: seeded.allowedRegions, logVault: seeded.logVault, breakGlassIdentities: [] });

  beforeAll(async () => {
    moto = await startMoto();
    accountA = await seedCompliantAccount(moto.endpoint);
    accountB = await seedNonCompliantAccount(moto.endpoint);
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = 'us-east-1';
    await installCrds();
    teamA = await createTestNamespace('team-a');
    teamB = await createTestNamespace('team-b');
    names.a = `${teamA}.payments`;
    names.b = `${teamB}.sandbox`;
    names.late = `${teamA}.late`;
    names.shared = `${teamA}.shared`;
    names.keyed = `${teamA}.keyed`;
    await grantAccount(kc, names.a, 'aws', accountA.account, [teamA]);
    await grantAccount(kc, names.b, 'aws', accountB.account, [teamB]);
    const recording = (real: InventorySource): InventorySource => (read, signal) => {
      reads.push({ namespace: read.service.metadata.namespace ?? '', account: read.target.accountName ?? '', session: read.target.account.aws?.sessionName });
      return real(read, signal).then((result) => {
        if (result.ok && result.inventory.readAs) readAs.push({ namespace: read.service.metadata.namespace ?? '', arn: result.inventory.readAs });
        return result;
      });
    };
    operator = await startTestOperator({
      namespace: teamA,
      wrapInventory: recording,
      env: {
        // One operator for every namespace, as installed by the chart.
        CLOUDPOSTURE_WATCH_NAMESPACE: '',
        CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint,
        CLOUDPOSTURE_POLICY_NAME: uniqueName('policy'),
        // CloudAccounts are checked often here, so a fixed Secret shows within seconds.
        CLOUDPOSTURE_ACCOUNT_CHECK_INTERVAL: '2s',
      },
    });
  }, 300_000);

  afterAll(async () => {
    await operator?.stop();
    await moto?.stop();
    for (const name of Object.values(names)) {
      await custom.deleteClusterCustomObject({ ...GROUP, plural: 'cloudaccounts', name }).catch(() => undefined);
    }
    for (const ns of [teamA, teamB]) if (ns) await deleteTestNamespace(ns);
    process.env = saved;
  });

  it('each team reads its own account, under a role session named after its namespace', async () => {
    await inA.create('payments', specOn(names.a, accountA));
    await inB.create('sandbox', specOn(names.b, accountB));
    const a = await inA.reconciled('payments', { ready: (s) => condition(s, 'Ready')?.status === 'True' });
    const b = await inB.reconciled('sandbox', { ready: (s) => condition(s, 'Ready')?.status === 'True' });
    expect(a.status?.accountId).toBe(accountA.accountId);
    expect(b.status?.accountId).toBe(accountB.accountId);
    expect(reads).toEqual(
      expect.arrayContaining([
        { namespace: teamA, account: names.a, session: `cloudposture.${teamA}` },
        { namespace: teamB, account: names.b, session: `cloudposture.${teamB}` },
      ]),
    );
    // What the account itself saw: the caller of the collection is the role session
    // named after the namespace (the userIdentity.arn its CloudTrail records).
    const role = (seeded: SeededAccount) => (seeded.account.aws?.roleArn ?? '').split(':role/')[1];
    expect(readAs).toEqual(
      expect.arrayContaining([
        { namespace: teamA, arn: `arn:aws:sts::${accountA.accountId}:assumed-role/${role(accountA)}/cloudposture.${teamA}` },
        { namespace: teamB, arn: `arn:aws:sts::${accountB.accountId}:assumed-role/${role(accountB)}/cloudposture.${teamB}` },
      ]),
    );
  });

  it('services of two namespaces on one account cost one collection, made under the session of the namespace that read', async () => {
    await grantAccount(kc, names.shared, 'aws', accountA.account, [teamA, teamB]);
    const collections = async () => {
      const { body } = await operator.metrics.render();
      const line = body.split('\n').find((l) => l.startsWith('cloudposture_cloud_api_calls_total{provider="aws",operation="IAM:GetAccountAuthorizationDetails",code="OK"}'));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    const before = await collections();
    const readsBefore = readAs.length;
    await inA.create('shared-a', specOn(names.shared, accountA));
    await inB.create('shared-b', specOn(names.shared, accountA));
    const a = await inA.reconciled('shared-a', { ready: (s) => condition(s, 'Ready')?.status === 'True' });
    const b = await inB.reconciled('shared-b', { ready: (s) => condition(s, 'Ready')?.status === 'True' });
    expect([a.status?.accountId, b.status?.accountId]).toEqual([accountA.accountId, accountA.accountId]);
    // One collection (one authorization-details read) for both services, within the interval.
    expect((await collections()) - before).toBe(1);
    // Both got the one read, made under the session of whichever namespace triggered it.
    const shared = readAs.slice(readsBefore);
    expect(new Set(shared.map((r) => r.namespace))).toEqual(new Set([teamA, teamB]));
    expect(new Set(shared.map((r) => r.arn)).size).toBe(1);
    expect([`cloudposture.${teamA}`, `cloudposture.${teamB}`]).toContain(shared[0]?.arn.split('/').at(-1));
  });

  it("a stalled service recovers as soon as its account's check finds the fixed Secret", async () => {
    await grantAccount(kc, names.keyed, 'aws', { ...accountA.account, credentialsSecretRef: { name: 'keys-later' } }, [teamA]);
    await inA.create('keyed', specOn(names.keyed, accountA));
    const stalled = await inA.reconciled('keyed', { ready: (s) => condition(s, 'Stalled')?.status === 'True' });
    expect(condition(stalled, 'Ready')).toMatchObject({ status: 'False', reason: 'CredentialsMissing' });
    // The tenant learns that the account's credentials are unavailable, not which Secret or key.
    expect(condition(stalled, 'Ready')?.message).not.toMatch(/keys-later|AWS_ACCESS_KEY_ID/);
    await core.createNamespacedSecret({
      namespace: teamA,
      body: { metadata: { name: 'keys-later' }, stringData: { AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey } },
    });
    // No spec change: the account's Ready turning True re-queues the services naming it.
    const recovered = await inA.reconciled('keyed', { ready: (s) => condition(s, 'Ready')?.status === 'True', timeoutMs: 30_000 });
    expect(condition(recovered, 'Stalled')).toBeUndefined();
  });

  it("the CloudAccount is Ready from one identity call, with the operator's external id and the admitted namespaces", async () => {
    const account = await waitFor(async () => {
      const got = (await custom.getClusterCustomObject({ ...GROUP, plural: 'cloudaccounts', name: names.a })) as CloudAccount;
      return got.status?.conditions?.find((c) => c.type === 'Ready') ? got : undefined;
    });
    expect(account.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'Reachable' });
    expect(account.status?.conditions?.find((c) => c.type === 'Ready')?.message).toContain(`:assumed-role/`);
    expect(account.status).toMatchObject({ accountId: accountA.accountId, admits: teamA, externalId: `cloudposture-${account.metadata.uid}` });
  });

  it("admission refuses team B naming team A's account, with a message naming the field", async () => {
    const manifest = {
      apiVersion: 'cloudposture.io/v1alpha1',
      kind: 'CloudService',
      metadata: { name: 'steal', namespace: teamB },
      spec: specOn(names.a, accountA),
    };
    const result = await kubectl(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`spec.accountRef.name: CloudAccount ${names.a} does not admit namespace ${teamB}`);
  });

  it('a service whose account does not admit its namespace is AccountNotPermitted, reads nothing and shows nothing of the account', async () => {
    // Admission lets a service name an account that does not exist yet (GitOps order);
    // the account then appears granted to team A only.
    await inB.create('late', specOn(names.late, accountA));
    const missing = await inB.reconciled('late', { ready: (s) => condition(s, 'Ready')?.reason === 'CloudAccountNotFound' });
    expect(condition(missing, 'Ready')?.status).toBe('False');
    await grantAccount(kc, names.late, 'aws', accountA.account, [teamA]);
    const svc = await inB.reconciled('late', { ready: (s) => condition(s, 'Ready')?.reason === 'AccountNotPermitted' });
    expect(condition(svc, 'Ready')).toMatchObject({ status: 'False', reason: 'AccountNotPermitted', message: expect.stringContaining(`does not admit namespace ${teamB}`) });
    expect(condition(svc, 'Stalled')?.status).toBe('True');
    expect(reads.filter((r) => r.account === names.late)).toEqual([]);

    // Nothing of team A's account in team B: not in status, Events or metric series.
    const secretsOfA = [accountA.accountId, accountA.account.aws?.roleArn ?? '', ...Object.values(accountA.names).filter((v) => v.length > 3)];
    const statusText = JSON.stringify(svc.status);
    for (const s of secretsOfA) expect(statusText).not.toContain(s);
    expect(svc.status?.accountId).toBeUndefined();
    expect(svc.status?.summary?.identities).toBeUndefined();
    const events = await core.listNamespacedEvent({ namespace: teamB });
    const eventText = JSON.stringify(events.items.filter((e) => e.involvedObject.name === 'late').map((e) => e.message));
    for (const s of secretsOfA) expect(eventText).not.toContain(s);
    const { body } = await operator.metrics.render();
    const late = body.split('\n').filter((l) => l.includes(`namespace="${teamB}"`) && l.includes('service="late"'));
    expect(late.filter((l) => /^cloudposture_(identities|mfa_coverage_ratio|region_violations|drift_resources)\{/.test(l))).toEqual([]);
    for (const s of secretsOfA) expect(late.join('\n')).not.toContain(s);
  });

  it('withdrawing a grant drops what the namespace had read; granting it by label admits it again', async () => {
    await custom.patchClusterCustomObject(
      { ...GROUP, plural: 'cloudaccounts', name: names.b, body: { spec: accountSpec('aws', accountB.account, [teamA]) } },
      MERGE,
    );
    const withdrawn = await inB.reconciled('sandbox', { ready: (s) => condition(s, 'Ready')?.reason === 'AccountNotPermitted' });
    expect(withdrawn.status?.accountId).toBeUndefined();
    expect(withdrawn.status?.findings?.some((f) => (f.resource ?? '').includes(accountB.accountId))).toBe(false);
    expect(JSON.stringify(withdrawn.status)).not.toContain(accountB.accountId);

    // Admitted by a namespace label instead of by name.
    await core.patchNamespace(
      { name: teamB, body: { metadata: { labels: { 'cloudposture.io/team': 'sandbox' } } } },
      MERGE,
    );
    await custom.patchClusterCustomObject(
      { ...GROUP, plural: 'cloudaccounts', name: names.b, body: { spec: { namespaces: null, namespaceSelector: { matchLabels: { 'cloudposture.io/team': 'sandbox' } } } } },
      MERGE,
    );
    const back = await inB.reconciled('sandbox', { ready: (s) => condition(s, 'Ready')?.status === 'True' });
    expect(back.status?.accountId).toBe(accountB.accountId);
  });
});
