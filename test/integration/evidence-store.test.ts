// Evidence records in an Object Lock bucket on moto: a day of evaluations in fast-forward,
// `cloudposture evidence verify` on the locked bucket and on tampered copies, and the
// lock refusing overwrite and delete.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

import type { ControlResult } from '../../operator/src/controls/evaluate.js';
import { evaluateService } from '../../operator/src/controls/evaluate.js';
import { canonicalJson } from '../../operator/src/evidence/canonical-json.js';
import { ObjectLockEvidenceStore, RecordExistsError } from '../../operator/src/evidence/object-lock-store.js';
import { buildEvidenceRecord, shouldRecord, type EvidenceRecord } from '../../operator/src/evidence/record.js';
import { runEvidenceCommand } from '../../operator/src/evidence/verify-command.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../harness/moto.js';
import { aPolicy, anInput } from '../unit/builders.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'operator/src/cli.ts');
const LOCKED = 'evidence-locked';
const SERVICE = { namespace: 'payments', name: 'payments-aws', uid: '0b7e3c1a-5d2f-4e8b-9c61-2a4f8d0e7b35' };
const START = new Date('2026-12-01T00:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY_MS = 24 * HOUR;

let moto: MotoServer;
let s3: S3Client;
let store: ObjectLockEvidenceStore;
let keys: string[] = [];
let records: EvidenceRecord[] = [];

async function verify(bucket: string): Promise<{ code: number; out: string }> {
  let out = '';
  const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (out += t) };
  const code = await runEvidenceCommand(['verify', '--bucket', bucket, '--endpoint', moto.endpoint], io, { client: s3 });
  return { code, out };
}

async function body(bucket: string, key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await got.Body?.transformToString('utf8')) ?? '';
}

/** Every record copied into a new bucket without Object Lock: what someone could alter. */
async function unlockedCopy(bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const key of keys) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await body(LOCKED, key), ContentType: 'application/json' }));
  }
}

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { ...MOTO_CREDENTIALS }, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: LOCKED, ObjectLockEnabledForBucket: true }));
  store = new ObjectLockEvidenceStore({ client: s3, bucket: LOCKED });
});

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

it('a day of evaluations every 10 minutes keeps one record per change, and one a day at least', async () => {
  const steady: ControlResult[] = evaluateService(anInput()).controls;
  const flipped = steady.map((c, i) => (i === 0 ? { ...c, status: 'False' as const, reason: 'ContractOverdue', message: 'Contract review overdue', findings: 1 } : c));
  let last: EvidenceRecord | null = null;
  let evaluations = 0;
  // 0h .. 24h every 10 minutes (145 evaluations), the outcome False from 6h to 12h,
  // then one more evaluation 24h after the last record: due by age alone.
  const times = [...Array.from({ length: 145 }, (_, i) => i * 10 * MINUTE), 36 * HOUR];
  for (const offset of times) {
    evaluations++;
    const now = new Date(START.getTime() + offset);
    const controls = offset >= 6 * HOUR && offset < 12 * HOUR ? flipped : steady;
    const next = buildEvidenceRecord({ service: SERVICE, generation: 2, policy: aPolicy(), controls, previous: last, clock: () => now });
    if (!shouldRecord(last, next, now)) continue;
    keys.push(await store.append(next));
    records.push(next);
    last = next;
  }
  expect(evaluations).toBe(146);
  expect(records.map((r) => (Date.parse(r.at) - START.getTime()) / HOUR)).toEqual([0, 6, 12, 36]);
  expect(keys).toEqual(records.map((_, i) => `evidence/payments/payments-aws/${SERVICE.uid}/${String(i).padStart(12, '0')}.json`));
  expect(await store.list()).toEqual(keys);

  // Stored as written: the canonical bytes, locked in COMPLIANCE mode for 400 days.
  const first = await store.read(keys[0] as string);
  expect(first.bytes.toString('utf8')).toBe(canonicalJson(records[0]));
  expect(first.retention).toEqual({ mode: 'COMPLIANCE', retainUntil: new Date(START.getTime() + 400 * DAY_MS) });
  const head = await s3.send(new HeadObjectCommand({ Bucket: LOCKED, Key: keys[0] as string }));
  expect(head.ContentType).toBe('application/json');
});

it('evidence verify passes the locked bucket (function and CLI)', async () => {
  const { code, out } = await verify(LOCKED);
  expect(out).toBe(`payments/payments-aws (uid ${SERVICE.uid}): 4 records, ${records[0]?.at} .. ${records[3]?.at}: sound\n`);
  expect(code).toBe(0);

  const cli = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'evidence', 'verify', '--bucket', LOCKED, '--endpoint', moto.endpoint], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (c) => resolve({ code: c, stdout, stderr }));
  });
  expect(cli.stderr).toBe('');
  expect(cli.stdout).toBe(out);
  expect(cli.code).toBe(0);
});

describe('evidence verify names the record key in a tampered copy', () => {
  it.each<[string, string, (bucket: string) => Promise<void>, number, RegExp]>([
    ['a deleted record', 'tampered-deleted', async (b) => void (await s3.send(new DeleteObjectCommand({ Bucket: b, Key: keys[1] as string }))), 2, /missing: \S+000000000002\.json: record 1 missing/],
    [
      'an altered message',
      'tampered-altered',
      async (b) => {
        const r = JSON.parse(await body(b, keys[1] as string)) as EvidenceRecord;
        (r.controls[0] as EvidenceRecord['controls'][number]).message = 'Contract reviewed';
        await s3.send(new PutObjectCommand({ Bucket: b, Key: keys[1] as string, Body: canonicalJson(r) }));
      },
      1,
      /hash: \S+000000000001\.json: content does not match its hash/,
    ],
    [
      'two swapped records',
      'tampered-swapped',
      async (b) => {
        const [one, two] = [await body(b, keys[1] as string), await body(b, keys[2] as string)];
        await s3.send(new PutObjectCommand({ Bucket: b, Key: keys[1] as string, Body: two }));
        await s3.send(new PutObjectCommand({ Bucket: b, Key: keys[2] as string, Body: one }));
      },
      1,
      /sequence: \S+000000000001\.json: record says sequence 2, its key 1[\s\S]*sequence: \S+000000000002\.json: record says sequence 1, its key 2/,
    ],
  ])('%s', async (_name, bucket, tamper, keyIndex, problem) => {
    await unlockedCopy(bucket);
    // The untouched copy already fails: no Object Lock on it.
    const before = await verify(bucket);
    expect(before.code).toBe(1);
    expect(before.out).toMatch(/retention: \S+000000000000\.json: Object Lock mode is none, not COMPLIANCE/);

    await tamper(bucket);
    const { code, out } = await verify(bucket);
    expect(code).toBe(1);
    expect(out).toMatch(problem);
    expect(out).toContain(keys[keyIndex] as string);
  });
});

describe('the locked bucket refuses', () => {
  it('overwriting a record: append refuses an existing key (412 from IfNoneMatch)', async () => {
    const again = records[1] as EvidenceRecord;
    await expect(store.append(again)).rejects.toBeInstanceOf(RecordExistsError);
    await expect(store.append(again)).rejects.toThrow(`evidence record ${keys[1]} exists already`);
    expect(await body(LOCKED, keys[1] as string)).toBe(canonicalJson(again));
  });

  it('deleting a locked version (AccessDenied)', async () => {
    const key = keys[2] as string;
    const head = await s3.send(new HeadObjectCommand({ Bucket: LOCKED, Key: key }));
    await expect(s3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: key, VersionId: head.VersionId }))).rejects.toMatchObject({ name: 'AccessDenied' });
    expect((await verify(LOCKED)).code).toBe(0);
  });

  it('a record whose hash does not match its content, before writing', async () => {
    const forged = { ...(records[3] as EvidenceRecord), sequence: 4 };
    await expect(store.append(forged)).rejects.toThrow(/hash does not match/);
    expect(await store.list()).toEqual(keys);
  });
});
