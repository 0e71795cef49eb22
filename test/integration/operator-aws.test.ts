// The operator end to end against moto: real AWS SDK v3 collection, controls,
// status, Events and metrics for a compliant account, a non-compliant one, an account
// the operator may not enter, and drift against a Pulumi state in moto's S3.

import { readFileSync } from 'node:fs';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CoreV1Api } from '@kubernetes/client-node';
import { KubeApi } from '../../operator/src/kube/api.js';
import type { CloudServiceSpec } from '../../operator/src/api/types.js';
import {
  SeedClients,
  createBucket,
  createVolume,
  seedCompliantAccount,
  seedNonCompliantAccount,
  type SeededAccount,
} from '../harness/aws-seed.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_ACCOUNT_ID, startMoto, type MotoServer } from '../harness/moto.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { condition, serviceClient, type TestAccount } from '../harness/services.js';
import { onAccount } from '../harness/test-specs.js';
import { aSpec } from '../unit/builders.js';

const STATE_BUCKET = 'acme-pulumi-state';
const STATE_KEY = '.pulumi/stacks/payments/prod.json';

describe('operator against moto (AWS)', () => {
  const kc = loadTestKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  let moto: MotoServer;
  let ns: string;
  let operator: TestOperator;
  let compliant: SeededAccount;
  let noncompliant: SeededAccount;
  const saved = { ...process.env };

  const { create, get, reconciled } = serviceClient(kc, () => ns, 120_000);
  const cond = condition;
  /** A service on the seeded account (granted as a CloudAccount), or on `account` in its place. */
  const specFor = (seeded: SeededAccount, overrides: Partial<CloudServiceSpec> = {}, account: TestAccount = seeded.account) =>
    onAccount(
      aSpec({
        allowedRegions: seeded.allowedRegions,
        logVault: seeded.logVault,
        breakGlassIdentities: [],
        assurance: {
          reports: [{ type: 'SOC2-TypeII', periodEnd: new Date(Date.now() - 60 * 86_400_000).toISOString(), scope: { regions: seeded.allowedRegions } }],
          cuecs: [{ id: 'CUEC-01', description: 'Customer manages IAM users and MFA', implemented: true }],
        },
        ...overrides,
      }),
      account,
    );

  beforeAll(async () => {
    moto = await startMoto();
    compliant = await seedCompliantAccount(moto.endpoint);
    noncompliant = await seedNonCompliantAccount(moto.endpoint);
    // The operator's own identity (what IRSA would give it in a cluster).
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = 'us-east-1';
    await installCrds();
    ns = await createTestNamespace('aws');
    operator = await startTestOperator({
      namespace: ns,
      env: { CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint, CLOUDPOSTURE_POLICY_NAME: uniqueName('policy') },
    });
  }, 300_000);

  afterAll(async () => {
    await operator?.stop();
    await moto?.stop();
    await deleteTestNamespace(ns);
    process.env = saved;
  });

  it('a compliant account passes every live control but the two moto cannot show (root MFA, SCP)', async () => {
    await create('compliant', specFor(compliant));
    const svc = await reconciled('compliant');
    for (const type of ['EncryptionAtRest', 'NoPublicExposure', 'AuditLogging', 'AssuranceCurrent', 'ContractReviewed', 'ExitPlanReady']) {
      expect({ type, status: cond(svc, type)?.status, message: cond(svc, type)?.message }).toMatchObject({ type, status: 'True' });
    }
    expect(cond(svc, 'Ready')?.status).toBe('True');
    // moto's account summary always reports root without MFA, and SCPs never apply to
    // an organization's management account: those are the only live findings.
    const live = (svc.status?.findings ?? []).filter((f) => ['MFAEnforced', 'DataResidency'].includes(f.condition));
    expect(live.map((f) => f.control).sort()).toEqual(['A523-05-REGION-GUARDRAIL', 'A523-08-ROOT-MFA']);
    expect(svc.status?.summary).toMatchObject({ mfaCoverage: 1, regionViolations: 0, privilegedWithoutMFA: 0 });
  });

  it('a non-compliant account fails the live controls with findings naming resources', async () => {
    await create('noncompliant', specFor(noncompliant));
    const svc = await reconciled('noncompliant');
    for (const type of ['MFAEnforced', 'DataResidency', 'EncryptionAtRest', 'NoPublicExposure', 'AuditLogging', 'Compliant']) {
      expect({ type, status: cond(svc, type)?.status }).toEqual({ type, status: 'False' });
    }
    expect(cond(svc, 'Ready')?.status).toBe('True');
    const resources = (svc.status?.findings ?? []).map((f) => f.resource ?? '');
    expect(resources.some((r) => r.startsWith('arn:aws:s3:::'))).toBe(true);
    expect(resources.some((r) => r.includes(':user/dave'))).toBe(true);
    expect(svc.status?.summary?.privilegedWithoutMFA).toBeGreaterThanOrEqual(2);

    // The status GET can see the write a moment before the operator publishes its metrics.
    const { body } = await waitFor(async () => {
      const rendered = await operator.metrics.render();
      return rendered.body.includes('cloudposture_mfa_coverage_ratio{namespace') && rendered.body.includes('service="noncompliant"') ? rendered : undefined;
    });
    const series = (name: string) => body.split('\n').filter((l) => l.startsWith(`${name}{`) && l.includes('service="noncompliant"'));
    expect(series('cloudposture_region_violations').some((l) => l.includes('region="us-east-1"'))).toBe(true);
    expect(series('cloudposture_mfa_coverage_ratio').length).toBe(1);
    expect(series('cloudposture_identities').map((l) => l.match(/mfa="(\w+)"/)?.[1]).sort()).toEqual(['false', 'true']);
    // No ARN or identity name in any label.
    expect(body).not.toMatch(/\{[^}]*arn:aws/);
    expect(body).not.toMatch(/\{[^}]*dave/);
    expect(body).toMatch(/cloudposture_cloud_api_calls_total\{provider="aws",operation="IAM:GetCredentialReport",code="OK"\} \d+/);
  });

  it('50 services on one account cost one collection and one change-log read: cloud calls do not grow with services', async () => {
    const callsOf = async (operation: string): Promise<number> => {
      const { body } = await operator.metrics.render();
      return body
        .split('\n')
        .filter((l) => l.startsWith(`cloudposture_cloud_api_calls_total{provider="aws",operation="${operation}",`))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    };
    const operations = ['STS:AssumeRole', 'IAM:GetAccountAuthorizationDetails', 'S3:ListObjectsV2', 'S3:GetObject'];
    const before = await Promise.all(operations.map(callsOf));
    const names = Array.from({ length: 50 }, (_, i) => `fifty-${i}`);
    // Every service points at the first test's CloudAccount.
    const { accountRef } = (await get('compliant')).spec;
    const { account: _account, ...spec } = specFor(compliant);
    for (const name of names) await create(name, { ...spec, accountRef } as CloudServiceSpec);
    for (const name of names) expect(cond(await reconciled(name), 'ChangesTracked')?.status).toBeDefined();
    const after = await Promise.all(operations.map(callsOf));
    const delta = Object.fromEntries(operations.map((op, i) => [op, (after[i] ?? 0) - (before[i] ?? 0)]));
    // The role session is kept from the first test's collection and the inventory is
    // fresh: no new AssumeRole, no new collection. The 50 change-log reads are one read
    // of the vault (a region listing and a day per region), not 50.
    expect(delta['STS:AssumeRole']).toBeLessThanOrEqual(1);
    expect(delta['IAM:GetAccountAuthorizationDetails']).toBeLessThanOrEqual(1);
    expect(delta['S3:ListObjectsV2']).toBeLessThan(10);
    expect(delta['S3:GetObject']).toBeLessThan(10);
  }, 240_000);

  it('lists services in pages from one snapshot, each kept as its page arrives (what a relist holds at once)', async () => {
    const api = new KubeApi(kc, 'operator-aws-test');
    const whole = await api.listServices(ns);
    expect(whole.items.length).toBeGreaterThanOrEqual(51);
    const kept: string[] = [];
    const paged = await api.listServices(ns, {
      pageSize: 7,
      keep: (s) => {
        kept.push(s.metadata.name ?? '');
        return { ...s, status: {} };
      },
    });
    const names = (l: { items: { metadata: { name?: string } }[] }) => l.items.map((s) => s.metadata.name).sort();
    expect(names(paged)).toEqual(names(whole));
    expect(kept.sort()).toEqual(names(whole));
    expect(paged.items.every((s) => JSON.stringify(s.status) === '{}')).toBe(true);
    expect(paged.resourceVersion).not.toBe('');
  });

  it('an account the operator may not enter is Unknown with a reason and an Event, never False', async () => {
    // The operator's identity lands in another account than the one declared (a wrong
    // role or account id): nothing may be concluded about the declared account.
    const denied = specFor(compliant, {}, { aws: { accountId: '444455556666' } });
    await create('denied', denied);
    const svc = await reconciled('denied');
    expect(cond(svc, 'Ready')).toMatchObject({ status: 'False', reason: 'AccountMismatch' });
    for (const type of ['MFAEnforced', 'DataResidency', 'EncryptionAtRest', 'NoPublicExposure', 'AuditLogging']) {
      expect({ type, status: cond(svc, type)?.status }).toEqual({ type, status: 'Unknown' });
    }
    expect((svc.status?.findings ?? []).filter((f) => ['MFAEnforced', 'DataResidency'].includes(f.condition))).toEqual([]);
    const events = await waitFor(async () => {
      const list = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=denied' });
      return list.items.length > 0 ? list.items : undefined;
    });
    expect(events.some((e) => e.type === 'Warning' && /unknown: .*MFAEnforced/.test(e.message ?? ''))).toBe(true);
  });

  it('InSync reports shadow resources against the Pulumi state in S3, with drift metrics', async () => {
    const seed = new SeedClients(moto.endpoint, MOTO_DEFAULT_ACCOUNT_ID);
    await createBucket(seed, 'payments-data', 'eu-west-1', { encryption: 'AES256', blockPublicAccess: true });
    const s3 = seed.s3('us-east-1');
    await s3.send(new CreateBucketCommand({ Bucket: STATE_BUCKET })).catch(() => undefined);
    const state = readFileSync(new URL('../fixtures/pulumi/state/unmanaged.checkpoint.json', import.meta.url), 'utf8');
    await s3.send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY, Body: state }));
    const volumeId = await createVolume(seed, 'eu-west-1', { encrypted: true, name: 'hand-made' });

    await create(
      'iac',
      onAccount(
        aSpec({
          allowedRegions: ['eu-west-1'],
          iac: { pulumi: { stack: 'acme/payments/prod', s3: { bucket: STATE_BUCKET, key: STATE_KEY, region: 'us-east-1' } } },
        }),
        { aws: { accountId: MOTO_DEFAULT_ACCOUNT_ID, regions: ['eu-west-1'] } },
      ),
    );
    const svc = await reconciled('iac');
    expect(cond(svc, 'InSync')).toMatchObject({ status: 'False', reason: 'DriftDetected' });
    expect(svc.status?.summary?.driftedResources).toBeGreaterThanOrEqual(1);
    const drift = (svc.status?.findings ?? []).filter((f) => f.condition === 'InSync');
    expect(drift.some((f) => f.resource?.endsWith(`volume/${volumeId}`))).toBe(true);
    const unmanaged = new RegExp(`cloudposture_drift_resources\\{namespace="${ns}",service="iac",provider="aws",kind="unmanaged"\\} [1-9]`);
    await waitFor(async () => unmanaged.test((await operator.metrics.render()).body), { description: 'iac: unmanaged drift in the metrics' });
  });
});
