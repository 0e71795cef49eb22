// The automated exit drill against moto's S3, through the real AWS SDK v3 client:
// listing, deterministic sample, download to local storage, integrity against the
// store's checksums (MD5 ETag single-part and multipart, SHA-256, CRC32), throughput
// and the RTO estimate, and local copies deleted afterwards.
//
// Corruption is simulated honestly: moto keeps the bytes and the checksums it computed
// at upload; a small HTTP proxy between the SDK and moto flips one byte of one object's
// body on the way out, exactly what a damaged disk or a faulty transfer would deliver.
// A missing object is deleted for real between the listing and the download; a grown
// one is overwritten for real, and a body longer than announced comes from the proxy
// (it drops Content-Length and keeps sending): either is a SizeMismatch, never more disk.

import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';

import type { ExitDrill } from '../../operator/src/api/types.js';
import { exitDrillOutcome } from '../../operator/src/controls/exit-plan/exit-drill-verified.js';
import { runExitDrill, type S3ClientFactory } from '../../operator/src/exitdrill/drill.js';
import { exitDrillStatus } from '../../operator/src/exitdrill/status.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../harness/moto.js';
import { admissionNamespace, awsServiceManifest } from '../harness/services.js';
import { aPolicy } from '../unit/builders.js';

let moto: MotoServer;
let admin: S3Client;
let workDir: string;
const REGION = 'eu-west-1';

function client(endpoint: string, extra: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({ endpoint, region: REGION, credentials: MOTO_CREDENTIALS, forcePathStyle: true, ...extra });
}

/** Uploads without any extra checksum: the object has only its MD5 ETag. */
function md5OnlyClient(endpoint: string): S3Client {
  return client(endpoint, { requestChecksumCalculation: 'WHEN_REQUIRED' });
}

async function bucketWith(bucket: string, objects: Record<string, Buffer | string>, uploader: S3Client = admin): Promise<void> {
  await admin.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  for (const [key, body] of Object.entries(objects)) await uploader.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

interface Proxy {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Forwards to moto; flips one byte in the body of GETs for `corrupt` keys; delays GETs by
 * `delayMs`; for `endless` keys sends the body without Content-Length, then more bytes
 * until the client goes away (counted in `tailSent`, at most 1 GiB).
 */
async function startProxy(target: string, opts: { corrupt?: string[]; delayMs?: number; endless?: string[]; tailSent?: { bytes: number } }): Promise<Proxy> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const corrupt = req.method === 'GET' && (opts.corrupt ?? []).some((k) => path.endsWith(`/${k}`));
    const endless = req.method === 'GET' && (opts.endless ?? []).some((k) => path.endsWith(`/${k}`));
    const forward = () => {
      const up = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (upRes) => {
          if (endless && (upRes.statusCode ?? 500) < 300) {
            const { 'content-length': _length, ...headers } = upRes.headers;
            res.writeHead(upRes.statusCode ?? 200, headers);
            const tail = Buffer.alloc(1024 * 1024, 0x7a);
            const more = (): void => {
              while (!res.destroyed && (opts.tailSent?.bytes ?? 0) < 1024 ** 3) {
                if (opts.tailSent) opts.tailSent.bytes += tail.length;
                if (!res.write(tail)) {
                  res.once('drain', more);
                  return;
                }
              }
              if (!res.destroyed) res.end();
            };
            upRes.on('data', (c: Buffer) => res.write(c));
            upRes.on('end', more);
            return;
          }
          if (!corrupt || (upRes.statusCode ?? 500) >= 300) {
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            upRes.pipe(res);
            return;
          }
          const chunks: Buffer[] = [];
          upRes.on('data', (c: Buffer) => chunks.push(c));
          upRes.on('end', () => {
            const body = Buffer.concat(chunks);
            if (body.length > 0) body[Math.floor(body.length / 2)] = (body[Math.floor(body.length / 2)] as number) ^ 0xff;
            res.writeHead(upRes.statusCode ?? 200, upRes.headers);
            res.end(body);
          });
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (req.method === 'GET' && opts.delayMs) setTimeout(forward, opts.delayMs);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const factoryFor = (c: S3Client): S3ClientFactory => () => c;
const drillOf = (bucket: string, extra: Partial<ExitDrill> = {}): ExitDrill => ({
  s3: { bucket, prefix: 'data/' },
  recoveryTimeObjective: '72h',
  sampleObjects: 20,
  ...extra,
});
const NOW = new Date('2026-11-15T12:00:00Z');

beforeAll(async () => {
  moto = await startMoto();
  admin = client(moto.endpoint);
}, 120_000);

afterAll(async () => {
  admin?.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'exitdrill-it-'));
});

afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('exit drill against moto S3', () => {
  it('lists, samples deterministically, verifies every copy (MD5, SHA-256, CRC32) and cleans up', async () => {
    const md5Only = md5OnlyClient(moto.endpoint);
    await bucketWith('drill-ok', {}, admin);
    for (let i = 0; i < 30; i++) {
      const body = Buffer.alloc(1000 + i, i);
      if (i % 3 === 0) await md5Only.send(new PutObjectCommand({ Bucket: 'drill-ok', Key: `data/obj-${i}`, Body: body }));
      else if (i % 3 === 1) await admin.send(new PutObjectCommand({ Bucket: 'drill-ok', Key: `data/obj-${i}`, Body: body, ChecksumAlgorithm: 'SHA256' }));
      else await admin.send(new PutObjectCommand({ Bucket: 'drill-ok', Key: `data/obj-${i}`, Body: body })); // SDK default: CRC32
    }
    await admin.send(new PutObjectCommand({ Bucket: 'drill-ok', Key: 'data/folder/', Body: Buffer.alloc(0) })); // a folder marker, not data
    await admin.send(new PutObjectCommand({ Bucket: 'drill-ok', Key: 'other/outside', Body: 'not in the prefix' }));
    md5Only.destroy();

    const first = await runExitDrill(drillOf('drill-ok', { sampleObjects: 10 }), factoryFor(admin), workDir, NOW);
    expect(first.error).toBeUndefined();
    expect(first).toMatchObject({
      source: 's3://drill-ok/data/',
      totalObjects: 30,
      totalBytes: Array.from({ length: 30 }, (_, i) => 1000 + i).reduce((a, b) => a + b, 0),
      listingComplete: true,
      objectsSampled: 10,
      objectsVerified: 10,
      failures: [],
      recoveryTimeObjectiveSeconds: 72 * 3600,
    });
    expect(first.checksums.md5).toBe(10); // every object here has an MD5 ETag
    expect(first.checksums.sha256 + first.checksums.crc32).toBeGreaterThan(0);
    expect(first.bytes).toBeGreaterThanOrEqual(10_000);
    expect(first.throughputBytesPerSecond).toBeGreaterThan(0);
    expect(first.estimatedFullExportSeconds).toBeGreaterThan(0);
    expect(await readdir(workDir)).toEqual([]); // local copies deleted

    // Deterministic: the same day samples the same objects (same bytes); the decision passes.
    const again = await runExitDrill(drillOf('drill-ok', { sampleObjects: 10 }), factoryFor(admin), workDir, NOW);
    expect(again.bytes).toBe(first.bytes);
    const outcome = exitDrillOutcome(first, aPolicy(), { drill: drillOf('drill-ok'), now: NOW });
    expect(outcome).toMatchObject({ status: 'True', reason: 'ExitDrillPassed' });
    console.info(`exit drill: ${outcome.message}`);
  });

  it('verifies multipart ETags, with uniform and with uneven part sizes', async () => {
    await bucketWith('drill-mpu', {});
    const MiB = 1024 * 1024;
    const upload = async (key: string, parts: Buffer[]) => {
      const mp = await admin.send(new CreateMultipartUploadCommand({ Bucket: 'drill-mpu', Key: key }));
      const done: Array<{ PartNumber: number; ETag: string }> = [];
      for (const [i, body] of parts.entries()) {
        const r = await admin.send(new UploadPartCommand({ Bucket: 'drill-mpu', Key: key, UploadId: mp.UploadId, PartNumber: i + 1, Body: body }));
        done.push({ PartNumber: i + 1, ETag: r.ETag ?? '' });
      }
      await admin.send(new CompleteMultipartUploadCommand({ Bucket: 'drill-mpu', Key: key, UploadId: mp.UploadId, MultipartUpload: { Parts: done } }));
    };
    await upload('data/uniform.bin', [Buffer.alloc(5 * MiB, 1), Buffer.alloc(5 * MiB, 2), Buffer.from('tail')]);
    await upload('data/uneven.bin', [Buffer.alloc(6 * MiB, 3), Buffer.alloc(5 * MiB, 4), Buffer.from('x')]);
    const result = await runExitDrill(drillOf('drill-mpu'), factoryFor(admin), workDir, NOW);
    expect(result).toMatchObject({ totalObjects: 2, objectsSampled: 2, objectsVerified: 2, failures: [] });
    expect(result.checksums.md5).toBe(2);
  });

  it('detects a corrupted copy by its MD5 ETag and by its SHA-256, whoever checks first', async () => {
    const md5Only = md5OnlyClient(moto.endpoint);
    await bucketWith('drill-corrupt', {});
    await md5Only.send(new PutObjectCommand({ Bucket: 'drill-corrupt', Key: 'data/md5-only.csv', Body: 'id,amount\n1,100\n2,250\n' }));
    await admin.send(new PutObjectCommand({ Bucket: 'drill-corrupt', Key: 'data/with-sha.csv', Body: 'id,amount\n3,999\n', ChecksumAlgorithm: 'SHA256' }));
    await admin.send(new PutObjectCommand({ Bucket: 'drill-corrupt', Key: 'data/intact.csv', Body: 'id,amount\n4,1\n' }));
    md5Only.destroy();
    const proxy = await startProxy(moto.endpoint, { corrupt: ['data/md5-only.csv', 'data/with-sha.csv'] });
    try {
      // With ChecksumMode ENABLED the SDK validates a recorded SHA-256 / CRC32 while
      // streaming, whatever responseChecksumValidation says; the MD5 ETag is checked only by
      // the drill, on the copy read back from local storage.
      for (const responseChecksumValidation of ['WHEN_REQUIRED', 'WHEN_SUPPORTED'] as const) {
        const through = client(proxy.endpoint, { responseChecksumValidation });
        const result = await runExitDrill(drillOf('drill-corrupt'), factoryFor(through), workDir, NOW);
        through.destroy();
        expect(result.objectsVerified).toBe(1);
        expect(result.failures.map((f) => [f.key, f.reason])).toEqual([
          ['data/md5-only.csv', 'ChecksumMismatch'],
          ['data/with-sha.csv', 'ChecksumMismatch'],
        ]);
        expect(result.failures[0]?.message).toMatch(/^MD5 [0-9a-f]{32} != ETag [0-9a-f]{32}$/);
        expect(result.failures[1]?.message).toMatch(/^Checksum mismatch: expected "[A-Za-z0-9+/=]{44}" but received "[A-Za-z0-9+/=]{44}" in response header "x-amz-checksum-sha256"/);
        expect(await readdir(workDir)).toEqual([]);
        const outcome = exitDrillOutcome(result, aPolicy(), { drill: drillOf('drill-corrupt'), now: NOW });
        expect(outcome).toMatchObject({ status: 'False', reason: 'ExitDrillIntegrityFailure' });
        expect(outcome.findings.map((f) => f.resource)).toEqual(['s3://drill-corrupt/data/md5-only.csv', 's3://drill-corrupt/data/with-sha.csv']);
      }
    } finally {
      await proxy.close();
    }
  });

  it('reports an object deleted between listing and download as missing, not as corruption', async () => {
    await bucketWith('drill-missing', { 'data/a': 'aaa', 'data/b': 'bbb', 'data/c': 'ccc' });
    const drillClient = client(moto.endpoint);
    // After the listing answers, someone deletes data/b (a real DeleteObject on moto).
    drillClient.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'ListObjectsV2Command') await admin.send(new DeleteObjectCommand({ Bucket: 'drill-missing', Key: 'data/b' }));
        return out;
      },
      { step: 'initialize', name: 'deleteAfterList' },
    );
    const result = await runExitDrill(drillOf('drill-missing'), factoryFor(drillClient), workDir, NOW);
    drillClient.destroy();
    expect(result).toMatchObject({ totalObjects: 3, objectsSampled: 3, objectsVerified: 2 });
    expect(result.failures).toEqual([{ key: 'data/b', reason: 'ObjectMissing', message: 'deleted after it was listed' }]);
    const outcome = exitDrillOutcome(result, aPolicy(), { drill: drillOf('drill-missing'), now: NOW });
    expect(outcome.status).toBe('True');
    expect(outcome.message).toContain('1 object deleted since listing');
  });

  it('an object that grew after the listing is a SizeMismatch, not downloaded past its listed size', async () => {
    await bucketWith('drill-grown', { 'data/a': 'aaa', 'data/b': 'bbb' });
    const drillClient = client(moto.endpoint);
    drillClient.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'ListObjectsV2Command') {
          await admin.send(new PutObjectCommand({ Bucket: 'drill-grown', Key: 'data/b', Body: Buffer.alloc(4 * 1024 * 1024, 0x62) }));
        }
        return out;
      },
      { step: 'initialize', name: 'growAfterList' },
    );
    const result = await runExitDrill(drillOf('drill-grown'), factoryFor(drillClient), workDir, NOW);
    drillClient.destroy();
    expect(result).toMatchObject({ objectsSampled: 2, objectsVerified: 1, bytes: 3 });
    expect(result.failures).toEqual([{ key: 'data/b', reason: 'SizeMismatch', message: 'the store announced 4194304 bytes, the listing 3: not downloaded' }]);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('a body longer than announced is cut at the listed size: SizeMismatch, the rest never fetched', async () => {
    await bucketWith('drill-endless', { 'data/a': 'aaa', 'data/b': 'bbbb' });
    const tailSent = { bytes: 0 };
    const proxy = await startProxy(moto.endpoint, { endless: ['data/b'], tailSent });
    const drillClient = client(proxy.endpoint);
    try {
      const result = await runExitDrill(drillOf('drill-endless'), factoryFor(drillClient), workDir, NOW);
      expect(result).toMatchObject({ objectsSampled: 2, objectsVerified: 1 });
      expect(result.failures).toEqual([
        { key: 'data/b', reason: 'SizeMismatch', message: 'the store sent more than the 4 bytes the listing announced: the download stopped there' },
      ]);
      expect(tailSent.bytes).toBeLessThan(64 * 1024 * 1024); // of 1 GiB offered
      expect(await readdir(workDir)).toEqual([]);
    } finally {
      drillClient.destroy();
      await proxy.close();
    }
  });

  it('extrapolates a request-bound export beyond the RTO', async () => {
    const objects: Record<string, string> = {};
    for (let i = 0; i < 300; i++) objects[`data/${String(i).padStart(4, '0')}`] = `row ${i}`;
    await bucketWith('drill-slow', objects);
    const proxy = await startProxy(moto.endpoint, { delayMs: 1000 });
    try {
      const slow = client(proxy.endpoint);
      const drill = drillOf('drill-slow', { sampleObjects: 4, recoveryTimeObjective: '1m' });
      const result = await runExitDrill(drill, factoryFor(slow), workDir, NOW, { concurrency: 4 });
      slow.destroy();
      expect(result).toMatchObject({ totalObjects: 300, objectsVerified: 4 });
      // 4 objects in ~1 s at parallelism 4: 300 objects need ~75 s, more than 60 s.
      expect(result.estimatedFullExportSeconds).toBeGreaterThan(60);
      const outcome = exitDrillOutcome(result, aPolicy(), { drill, now: NOW });
      expect(outcome).toMatchObject({ status: 'False', reason: 'ExitExceedsRecoveryObjective' });
      const status = exitDrillStatus(undefined, result, drill, aPolicy(), NOW);
      expect(status).toMatchObject({ result: 'Failed', withinRecoveryObjective: false });
      expect(status.lastSuccessAt).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });

  it('a bucket that does not exist is an error of the run (Unknown), not a finding', async () => {
    const result = await runExitDrill(drillOf('drill-no-such-bucket'), factoryFor(admin), workDir, NOW);
    expect(result.error?.reason).toBe('BucketNotFound');
    expect(exitDrillOutcome(result, aPolicy(), { drill: drillOf('drill-no-such-bucket'), now: NOW }).status).toBe('Unknown');
  });

  it('an empty prefix fails the drill: it proves nothing', async () => {
    await bucketWith('drill-empty', { 'elsewhere/x': 'x' });
    const result = await runExitDrill(drillOf('drill-empty'), factoryFor(admin), workDir, NOW);
    expect(result).toMatchObject({ totalObjects: 0, objectsSampled: 0 });
    expect(exitDrillOutcome(result, aPolicy(), { drill: drillOf('drill-empty'), now: NOW }).reason).toBe('ExitDrillNoData');
  });
});

describe('spec.exitPlan.drill at admission (real kube-apiserver)', () => {
  const { apply } = admissionNamespace('exitdrill-admission');
  const service = (name: string, drill: Record<string, unknown>) =>
    awsServiceManifest(name, { exitPlan: { document: 'https://wiki.example.com/exit', drill } });

  it('applies the defaults (20 objects, weekly)', async () => {
    const r = await apply(service('drill-ok', { s3: { bucket: 'payments-data', prefix: 'ledger/' }, recoveryTimeObjective: '72h' }));
    expect(r.stderr).toBe('');
    const created = JSON.parse(r.stdout) as { spec: { exitPlan: { drill: ExitDrill } } };
    expect(created.spec.exitPlan.drill).toEqual({ s3: { bucket: 'payments-data', prefix: 'ledger/' }, recoveryTimeObjective: '72h', sampleObjects: 20, interval: '168h' });
  });

  it.each([
    [{ s3: { bucket: 'payments-data' }, recoveryTimeObjective: '30s' }, 'spec.exitPlan.drill.recoveryTimeObjective must be at least 1m'],
    [{ s3: { bucket: 'payments-data' }, recoveryTimeObjective: '72h', interval: '10m' }, 'spec.exitPlan.drill.interval must be at least 1h'],
    [{ s3: { bucket: 'payments-data' }, recoveryTimeObjective: '72h', sampleObjects: 0 }, 'should be greater than or equal to 1'],
    [{ s3: { bucket: 'payments-data' }, recoveryTimeObjective: '72h', sampleObjects: 1001 }, 'should be less than or equal to 1000'],
    [{ s3: { bucket: 'Not_A_Bucket' }, recoveryTimeObjective: '72h' }, 'spec.exitPlan.drill.s3.bucket'],
    [{ s3: { bucket: 'payments-data' } }, 'spec.exitPlan.drill.recoveryTimeObjective: Required value'],
    [{ s3: { bucket: 'payments-data' }, recoveryTimeObjective: '3 days' }, 'spec.exitPlan.drill.recoveryTimeObjective'],
  ])('refuses %j', async (drill, message) => {
    const r = await apply(service(`drill-bad-${Math.random().toString(36).slice(2, 8)}`, drill));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
  });
});
