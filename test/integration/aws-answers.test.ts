// The answers behind an AWS collection (Inventory.answers) on moto, through the real SDK v3
// clients: an answer for each operation the collection called, with status 200, the
// account and the client's region, and digests that anyone can reproduce by making the
// same call; then an evidence record built from that inventory lists them under the
// MFAEnforced controls.
import { GetAccountSummaryCommand } from '@aws-sdk/client-iam';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { seedCompliantAccount, seedDemoAccount, type SeededAccount } from '../harness/aws-seed.js';
import { ctEvent, iamUser, seedCloudTrailLogs } from '../harness/cloudtrail-logs.js';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_ACCOUNT_ID, startMoto, type MotoServer } from '../harness/moto.js';
import { aPolicy, aSpec } from '../unit/builders.js';
import { controlsByFamily } from '../../operator/src/controls/catalog.js';
import { evaluateService } from '../../operator/src/controls/evaluate.js';
import { controlAnswerDigests, evidenceApiCalls } from '../../operator/src/evidence/api-calls.js';
import { buildEvidenceRecord } from '../../operator/src/evidence/record.js';
import { canonicalJson, sha256Hex } from '../../operator/src/inventory/canonical-json.js';
import type { Inventory } from '../../operator/src/inventory/types.js';
import { ApiCallRecorder } from '../../operator/src/providers/collection-log.js';
import { AwsClients, buildCredentials } from '../../operator/src/providers/aws/clients.js';
import { AwsInventoryCollector } from '../../operator/src/providers/aws/collector.js';
import type { CollectTarget } from '../../operator/src/providers/types.js';

let moto: MotoServer;
let account: SeededAccount;
let inv: Inventory;
const calls: string[] = [];

function targetOf(s: SeededAccount): CollectTarget {
  return { provider: 'aws', account: s.account, allowedRegions: s.allowedRegions, credentials: s.credentials, ...(s.logVault ? { logVault: s.logVault } : {}) };
}

beforeAll(async () => {
  moto = await startMoto();
  account = await seedCompliantAccount(moto.endpoint);
  const collector = new AwsInventoryCollector({ endpoint: moto.endpoint, reportPollIntervalMs: 50, onApiCall: (_p, op, code) => void calls.push(`${op} ${code}`) });
  const result = await collector.collect(targetOf(account));
  if (!result.ok) throw new Error(`collection failed: ${result.failure.reason}: ${result.failure.message}`);
  inv = result.inventory;
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

it('an answer for each operation the collection called, with status 200, the account and the region', () => {
  const answers = inv.answers ?? [];
  // STS:AssumeRole is the credential provider's, not the account's: not an answer of the collection
  const called = new Set(calls.filter((c) => !c.startsWith('STS:AssumeRole')).map((c) => c.split(' ')[0]));
  expect(new Set(answers.map((a) => a.operation))).toEqual(called);
  expect(answers).toHaveLength(calls.filter((c) => !c.startsWith('STS:AssumeRole')).length);
  expect(inv.answersOmitted).toBeUndefined();
  const ok = new Set(calls.filter((c) => c.endsWith(' OK')).map((c) => c.split(' ')[0]));
  for (const a of answers) {
    expect(a).toMatchObject({ provider: 'aws', account: account.accountId });
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    if (ok.has(a.operation) && !calls.some((c) => c.startsWith(`${a.operation} `) && !c.endsWith(' OK'))) expect(a.status).toBe(200);
  }
  expect(answers.find((a) => a.operation === 'IAM:GetAccountSummary')).toMatchObject({ status: 200, region: 'us-east-1', area: 'identities' });
  const volumes = answers.filter((a) => a.operation === 'EC2:DescribeVolumes');
  expect(volumes.length).toBeGreaterThan(0);
  expect(new Set(volumes.map((a) => a.region)).size).toBe(volumes.length);
  console.log(`answers on the compliant account: ${answers.length} (${new Set(answers.map((a) => a.operation)).size} operations, ${calls.length} API calls)`);
});

it('the digest of iam:GetAccountSummary is the SHA-256 of the canonical JSON of what the SDK returns for the same call', async () => {
  const recorder = new ApiCallRecorder('aws');
  const credentials = buildCredentials(
    { roleArn: account.account.aws!.roleArn!, ...(account.account.aws!.externalId ? { externalId: account.account.aws!.externalId } : {}), staticCredentials: account.credentials },
    { endpoint: moto.endpoint, homeRegion: 'us-east-1', maxAttempts: 3 },
  );
  const clients = new AwsClients(credentials, { endpoint: moto.endpoint }, recorder);
  try {
    const { $metadata: _m, ...body } = await clients.iam().send(new GetAccountSummaryCommand({}));
    const answer = (inv.answers ?? []).find((a) => a.operation === 'IAM:GetAccountSummary');
    expect(answer?.sha256).toBe(sha256Hex(canonicalJson(body)));
  } finally {
    clients.destroy();
  }
});

it('an evidence record built from the inventory lists the answers under the MFAEnforced controls', () => {
  const evaluation = evaluateService({ spec: aSpec({ allowedRegions: account.allowedRegions }), policy: aPolicy(), inventory: { ok: true, inventory: inv }, changes: [], now: new Date() });
  const controls = evaluation.controls.map((c) => {
    const answers = controlAnswerDigests(c.control, inv.answers);
    return answers.length > 0 ? { ...c, answers } : c;
  });
  const record = buildEvidenceRecord({ service: { namespace: 'payments', name: 'payments-aws', uid: 'u-1' }, generation: 1, policy: aPolicy(), controls, apiCalls: evidenceApiCalls(inv.answers), clock: () => new Date() });
  const summary = (inv.answers ?? []).find((a) => a.operation === 'IAM:GetAccountSummary')!;
  const report = (inv.answers ?? []).find((a) => a.operation === 'IAM:GetCredentialReport' && a.status === 200)!;
  for (const control of controlsByFamily('MFAEnforced')) {
    const outcome = record.controls.find((c) => c.control === control.id)!;
    expect(outcome.answers).toEqual(expect.arrayContaining([summary.sha256, report.sha256]));
    // every digest it rests on is an answer the record lists
    for (const d of outcome.answers ?? []) expect(record.apiCalls.some((c) => c.responseSha256 === d)).toBe(true);
  }
  expect(record.apiCalls.length).toBeGreaterThan(0);
  expect(record.apiCalls.length).toBeLessThanOrEqual((inv.answers ?? []).length);
  console.log(`record: ${record.apiCalls.length} api calls, ${Buffer.byteLength(JSON.stringify(record))} bytes`);
});

it('the sample account: answers per collection stay well under the bound, every region scanned included', async () => {
  const demo = await seedDemoAccount(moto.endpoint);
  const collector = new AwsInventoryCollector({ endpoint: moto.endpoint, reportPollIntervalMs: 50 });
  // the sample service aws-payments-prod: its role and three regions
  const sample = await collector.collect(targetOf(demo));
  // the default credential chain and every enabled region
  const everyRegion = await collector.collect({ ...targetOf(demo), account: { aws: { accountId: demo.accountId } } });
  if (!sample.ok || !everyRegion.ok) throw new Error('collection failed');
  for (const i of [sample.inventory, everyRegion.inventory]) {
    expect(i.answers?.length).toBeGreaterThan(0);
    expect(i.answers!.length).toBeLessThan(2_000);
    expect(i.answersOmitted).toBeUndefined();
  }
  console.log(`answers on the sample account: ${sample.inventory.answers!.length} (three regions), ${everyRegion.inventory.answers!.length} (every enabled region)`);
}, 120_000);

it('a change-log read yields the listing answers and, per log file, the SHA-256 of its bytes as stored', async () => {
  const s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { ...MOTO_CREDENTIALS }, forcePathStyle: true });
  try {
    const bucket = 'answers-trail';
    const at = new Date(Date.now() - 20 * 60_000);
    const change = ctEvent({ eventName: 'CreateRoute', identity: iamUser(MOTO_DEFAULT_ACCOUNT_ID, 'alice'), at, requestParameters: { routeTableId: 'rtb-1' }, eventID: 'e-1' });
    const [key] = await seedCloudTrailLogs(s3, { bucket, createBucket: true, accountId: MOTO_DEFAULT_ACCOUNT_ID, files: [{ region: 'eu-west-1', at, records: [change] }] });
    const stored = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key! }))).Body!.transformToByteArray();

    const collector = new AwsInventoryCollector({ endpoint: moto.endpoint });
    const read = await collector.readChanges(
      { provider: 'aws', account: { aws: { accountId: MOTO_DEFAULT_ACCOUNT_ID } }, allowedRegions: ['eu-west-1'], credentials: { ...MOTO_CREDENTIALS }, changeLogSource: { bucket } },
      { since: new Date(Date.now() - 60 * 60_000), now: new Date() },
    );
    if (!read.ok) throw new Error(read.failure.message);
    expect(read.records).toHaveLength(1);
    const answers = read.answers ?? [];
    expect(answers.filter((a) => a.operation === 'S3:GetObject')).toEqual([
      expect.objectContaining({ provider: 'aws', account: MOTO_DEFAULT_ACCOUNT_ID, status: 200, sha256: sha256Hex(stored) }),
    ]);
    expect(answers.filter((a) => a.operation === 'S3:ListObjectsV2').length).toBeGreaterThan(0);
    // the ChangesTracked controls rest on them
    const digests = controlAnswerDigests('A523-10-NETWORK-CHANGES-TRACKED', inv.answers, answers);
    expect(digests).toContain(sha256Hex(stored));
  } finally {
    s3.destroy();
  }
});
