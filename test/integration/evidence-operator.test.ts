// Evidence history end to end: the test operator with CLOUDPOSTURE_EVIDENCE_BUCKET set
// reconciles one service on moto and the real control plane; its first evaluation adds a
// record under the prefix, a spec change (spec.owner: a new generation) a second linked to
// the first, and `cloudposture evidence verify`'s function finds the bucket sound.

import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

import { ObjectLockEvidenceStore } from '../../operator/src/evidence/object-lock-store.js';
import { answersDigest } from '../../operator/src/evidence/api-calls.js';
import type { EvidenceRecord } from '../../operator/src/evidence/record.js';
import { runEvidenceCommand, verifyStore } from '../../operator/src/evidence/verify-command.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_ACCOUNT_ID, startMoto, type MotoServer } from '../harness/moto.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { grantAccount, serviceClient } from '../harness/services.js';
import { aSpec } from '../unit/builders.js';

const BUCKET = 'platform-evidence';
const PREFIX = 'iso27001/evidence';

describe('the operator writes evidence records when a bucket is configured', () => {
  const kc = loadTestKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  let moto: MotoServer;
  let s3: S3Client;
  let store: ObjectLockEvidenceStore;
  let ns: string;
  let operator: TestOperator;
  const saved = { ...process.env };
  const { create, reconciled } = serviceClient(kc, () => ns, 120_000);

  const records = async (): Promise<Array<{ key: string; record: EvidenceRecord }>> => {
    const out: Array<{ key: string; record: EvidenceRecord }> = [];
    for (const key of await store.list(PREFIX)) out.push({ key, record: JSON.parse((await store.read(key)).bytes.toString('utf8')) as EvidenceRecord });
    return out;
  };
  const recordsAtLeast = (n: number) =>
    waitFor(async () => {
      const found = await records();
      return found.length >= n ? found : undefined;
    }, { timeoutMs: 60_000, description: `${n} evidence record(s) under ${PREFIX}` });

  beforeAll(async () => {
    moto = await startMoto();
    // The operator's own identity writes the evidence (what IRSA would give it in a cluster).
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = 'us-east-1';
    s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { ...MOTO_CREDENTIALS }, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
    store = new ObjectLockEvidenceStore({ client: s3, bucket: BUCKET, prefix: PREFIX });
    await installCrds();
    ns = await createTestNamespace('evrec');
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'aws-creds' }, stringData: { AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey } },
    });
    operator = await startTestOperator({
      namespace: ns,
      env: {
        CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint,
        CLOUDPOSTURE_POLICY_NAME: uniqueName('policy'),
        CLOUDPOSTURE_EVIDENCE_BUCKET: BUCKET,
        CLOUDPOSTURE_EVIDENCE_PREFIX: PREFIX,
      },
    });
  }, 300_000);

  afterAll(async () => {
    await operator?.stop();
    s3?.destroy();
    await moto?.stop();
    await deleteTestNamespace(ns);
    process.env = saved;
  });

  it('records the first evaluation, then a spec change linked to it; evidence verify finds the chain sound', async () => {
    const accountRef = await grantAccount(
      kc,
      `${ns}.records`,
      'aws',
      { aws: { accountId: MOTO_DEFAULT_ACCOUNT_ID, regions: ['us-east-1'] }, credentialsSecretRef: { name: 'aws-creds' } },
      [ns],
    );
    // The account's own check first: its Ready flipping would re-evaluate the service (a record of its own).
    await waitFor(async () => (operator.logs.some((l) => l.message === 'cloudaccount checked' && l.account === `${ns}.records` && l.ready === 'True') ? true : undefined), {
      description: 'the CloudAccount Ready',
    });
    const created = await create('records', aSpec({ accountRef, allowedRegions: ['us-east-1'] }));
    const first = await reconciled('records');
    const uid = created.metadata.uid as string;

    const [one] = await recordsAtLeast(1);
    expect(one?.key).toBe(`${PREFIX}/${ns}/records/${uid}/000000000000.json`);
    expect(one?.record).toMatchObject({ sequence: 0, previous: null, generation: first.metadata.generation, service: { namespace: ns, name: 'records', uid } });
    expect(one?.record.controls.length).toBeGreaterThan(0);
    // The answers behind the live controls: every call of the collection, once, with the
    // digest each live control rests on among them (never a body).
    const apiCalls = one?.record.apiCalls ?? [];
    expect(apiCalls.length).toBeGreaterThan(0);
    for (const c of apiCalls) {
      expect(c).toMatchObject({ provider: 'aws', account: MOTO_DEFAULT_ACCOUNT_ID });
      expect(c.responseSha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(apiCalls.find((c) => c.operation === 'IAM:GetAccountSummary')).toMatchObject({ status: 200, region: 'us-east-1' });
    const rootMfa = one?.record.controls.find((c) => c.control === 'A523-08-ROOT-MFA');
    expect(rootMfa?.answers?.length).toBeGreaterThan(0);
    for (const d of rootMfa?.answers ?? []) expect(apiCalls.some((c) => c.responseSha256 === d)).toBe(true);
    expect(one?.record.controls.find((c) => c.control === 'A523-01-MODEL-PERMITTED')).not.toHaveProperty('answers');

    await custom.patchNamespacedCustomObject(
      { group: 'cloudposture.io', version: 'v1alpha1', namespace: ns, plural: 'cloudservices', name: 'records', body: { spec: { owner: 'security-team' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const second = await reconciled('records', { ready: (svc) => (svc.metadata.generation ?? 0) > (first.metadata.generation ?? 0) });
    const chain = await recordsAtLeast(2);
    expect(chain.map((c) => c.key)).toEqual([0, 1].map((i) => `${PREFIX}/${ns}/records/${uid}/${String(i).padStart(12, '0')}.json`));
    expect(chain[1]?.record).toMatchObject({ sequence: 1, previous: one?.record.hash, generation: second.metadata.generation });

    // The status names the last record written before this evaluation, and each finding
    // the answers it rests on: one digest over those its control lists in the record.
    // (record 0, or record 1 when a later reconcile already wrote status again)
    expect(chain.map((c) => ({ key: c.key, sequence: c.record.sequence, hash: c.record.hash, at: c.record.at }))).toContainEqual(second.status?.evidenceHistory?.lastRecord);
    expect(second.status?.conditions?.find((c) => c.type === 'EvidenceRecorded')).toMatchObject({ status: 'True', reason: 'Recorded' });
    const findings = chain[1]?.record.status?.findings ?? [];
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      const control = chain[1]?.record.controls.find((c) => c.control === f.control);
      expect(f.answersDigest).toBe(answersDigest(control?.answers ?? []));
    }
    expect(second.status?.findings?.map((f) => f.answersDigest)).toEqual(findings.map((f) => f.answersDigest));

    // Nothing else was due: no third record on the reconciles that followed.
    const body = (await operator.metrics.render()).body;
    expect(body).toMatch(/^cloudposture_evidence_records_written_total 2$/m);
    expect(body).toMatch(/^cloudposture_evidence_queue_depth 0$/m);

    const reports = await verifyStore(store, PREFIX, 400);
    expect(reports.map((r) => ({ chain: r.chain, records: r.records, problems: r.problems }))).toEqual([{ chain: `${PREFIX}/${ns}/records/${uid}`, records: 2, problems: [] }]);
    let out = '';
    const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (out += t) };
    expect(await runEvidenceCommand(['verify', '--bucket', BUCKET, '--prefix', PREFIX], io, { client: s3 })).toBe(0);
    expect(out).toMatch(new RegExp(`^${ns}/records \\(uid ${uid}\\): 2 records, .*: sound\\n$`));
  });
});
