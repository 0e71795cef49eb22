// Gather once, evaluate once: one reconcile of a service that uses everything (a
// credentials Secret, declared Pulumi state, a change log with a break-glass identity,
// residency) reads its Secret once and computes the judged changes, the drift report and
// the region placement once, though several controls, the summary, the change ledger and
// the metrics all use them. Counted on the real control plane against moto.

import { readFileSync } from 'node:fs';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CoreV1Api } from '@kubernetes/client-node';
import { onFactComputed } from '../../operator/src/controls/memo.js';
import { KubeApi } from '../../operator/src/kube/api.js';
import { SeedClients, createBucket, createVolume } from '../harness/aws-seed.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_ACCOUNT_ID, startMoto, type MotoServer } from '../harness/moto.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { condition, grantAccount, serviceClient } from '../harness/services.js';
import { aSpec } from '../unit/builders.js';

const STATE_BUCKET = 'once-pulumi-state';
const STATE_KEY = '.pulumi/stacks/payments/prod.json';

describe('one reconcile gathers once and evaluates once', () => {
  const kc = loadTestKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  let moto: MotoServer;
  let ns: string;
  let operator: TestOperator;
  const secretReads: string[] = [];
  const facts: string[] = [];
  const saved = { ...process.env };
  const { create, reconciled } = serviceClient(kc, () => ns, 120_000);

  beforeAll(async () => {
    moto = await startMoto();
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = 'us-east-1';
    await installCrds();
    ns = await createTestNamespace('once');
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'aws-creds' }, stringData: { AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey } },
    });
    const seed = new SeedClients(moto.endpoint, MOTO_DEFAULT_ACCOUNT_ID);
    await createBucket(seed, 'once-data', 'eu-west-1', { encryption: 'AES256', blockPublicAccess: true });
    await createBucket(seed, 'once-copy', 'us-east-1', { encryption: 'AES256', blockPublicAccess: true });
    const s3 = seed.s3('us-east-1');
    await s3.send(new CreateBucketCommand({ Bucket: STATE_BUCKET })).catch(() => undefined);
    const state = readFileSync(new URL('../fixtures/pulumi/state/unmanaged.checkpoint.json', import.meta.url), 'utf8');
    await s3.send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY, Body: state }));
    await createVolume(seed, 'eu-west-1', { encrypted: true, name: 'hand-made' });
    operator = await startTestOperator({
      namespace: ns,
      env: { CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint, CLOUDPOSTURE_POLICY_NAME: uniqueName('policy') },
      api: (config, cfg) =>
        new (class extends KubeApi {
          override async readSecret(...args: Parameters<KubeApi['readSecret']>) {
            secretReads.push(`${args[0]}/${args[1]}`);
            return super.readSecret(...args);
          }
        })(config, cfg.instanceName, cfg.kubeRequestTimeoutMs, cfg.operatorNamespace),
    });
  }, 300_000);

  afterAll(async () => {
    onFactComputed(undefined);
    await operator?.stop();
    await moto?.stop();
    await deleteTestNamespace(ns);
    process.env = saved;
  });

  it('reads the credentials Secret once and computes each shared fact once per reconcile', async () => {
    onFactComputed((fact) => facts.push(fact));
    // The CloudAccount's own check (its Ready condition) reads the Secret too: let it
    // finish before the service exists, and count its reads apart.
    const accountName = `${ns}.once`;
    const accountRef = await grantAccount(
      kc,
      accountName,
      'aws',
      { aws: { accountId: MOTO_DEFAULT_ACCOUNT_ID, regions: ['eu-west-1', 'us-east-1'] }, credentialsSecretRef: { name: 'aws-creds' } },
      [ns],
    );
    const accountChecks = () => operator.logs.filter((l) => l.message === 'cloudaccount checked' && l.account === accountName);
    await waitFor(async () => (accountChecks().some((l) => l.ready === 'True') ? true : undefined), { description: `${accountName} Ready` });
    await create(
      'once',
      aSpec({
        accountRef,
        allowedRegions: ['eu-west-1'],
        breakGlassIdentities: ['breakglass-admin'],
        changeManagement: { lookback: '24h', logSource: { bucket: 'once-data', region: 'eu-west-1' } },
        iac: { pulumi: { stack: 'acme/payments/prod', s3: { bucket: STATE_BUCKET, key: STATE_KEY, region: 'us-east-1' } } },
      }),
    );
    const svc = await reconciled('once');
    // Every shared fact had something to work on: drift, a copy outside the allowed regions, the change log.
    expect(condition(svc, 'InSync')?.status).toBe('False');
    expect(condition(svc, 'DataResidency')?.status).toBe('False');
    expect(condition(svc, 'ChangesTracked')?.status).toBe('True');
    const reconciles = await waitFor(async () => {
      const lines = operator.logs.filter((l) => l.message === 'reconciled' && l.namespace === ns && l.name === 'once' && l.statusWritten !== undefined);
      return lines.length > 0 ? lines.length : undefined;
    });
    const count = (fact: string) => facts.filter((f) => f === fact).length;
    expect({
      secretReads: secretReads.filter((s) => s === `${ns}/aws-creds`).length - accountChecks().length,
      judgedChanges: count('judgedChanges'),
      drift: count('drift'),
      regionPlacement: count('regionPlacement'),
    }).toEqual({ secretReads: reconciles, judgedChanges: reconciles, drift: reconciles, regionPlacement: reconciles });
  });
});
