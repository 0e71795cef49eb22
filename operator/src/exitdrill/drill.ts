// The automated exit drill (checklist step 7: "export a backup and verify its integrity
// on a local, non-cloud server"), run by the operator against spec.exitPlan.drill:
//
//   1. list the prefix (paginated, bounded) for the total object count and size;
//   2. pick a deterministic sample: the `sampleObjects` keys with the smallest
//      SHA-256(<UTC day> + key), so an auditor can reproduce the pick for a given day and
//      the sample rotates from day to day; objects that would exceed the local byte
//      budget are skipped (counted);
//   3. download the sample to local storage (an emptyDir in the pod) and measure the
//      wall time of that phase alone;
//   4. read every local copy back and verify it against what the store recorded:
//      the ETag (MD5 of a single-part upload, or MD5 of the part MD5s for a multipart
//      upload; not for SSE-KMS / SSE-C objects, whose ETag is not an MD5 of the data)
//      and, requested with ChecksumMode ENABLED, the SHA-256 and CRC32 checksums when
//      the object has them (full-object values; composite "-N" values are skipped);
//   5. extrapolate the full export time from the sample and delete the local copies.
//
// The runner only reads and measures; `exitDrillOutcome` (controls/exitdrill-live.ts)
// decides. It never throws for S3 errors: a run that cannot happen returns `error`.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';

import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

import type { ExitDrill } from '../api/types.js';
import { parseDuration } from '../duration.js';
import { mapLimit } from '../providers/aws/concurrency.js';
import { classifyAwsError, errorCode } from '../providers/aws/errors.js';
import {
  DEFAULT_SAMPLE_OBJECTS,
  EXIT_DRILL_FAILURES_MAX,
  type ExitDrillChecksumCounts,
  type ExitDrillFailureReason,
  type ExitDrillObjectFailure,
  type ExitDrillResult,
} from './types.js';

export * from './types.js';

/** An S3 client for a region (undefined: the operator's home region), e.g. `AwsClients.s3`. */
export type S3ClientFactory = (region?: string) => S3Client;


export interface ExitDrillOptions {
  signal?: AbortSignal;
  /** Parallel downloads (default 4); the estimate assumes the full export runs at the same parallelism. */
  concurrency?: number;
  /** Listing bound: pages of 1,000 keys (default 10,000 pages, 10 million objects). */
  maxListPages?: number;
  /** Local byte budget for the sample (default 1 GiB). */
  maxSampleBytes?: number;
  /** Most multipart parts whose sizes are read one by one when they are not uniform (default 100). */
  maxPartLookups?: number;
  /** Monotonic clock in ms (default performance.now), injectable for tests. */
  monotonicMs?: () => number;
}

interface Listed {
  key: string;
  size: number;
  hash: string;
}

interface Downloaded {
  key: string;
  path: string;
  bytes: number;
  contentLength?: number;
  etag?: string;
  sse?: string;
  sseCustomer?: string;
  sha256?: string;
  crc32?: string;
}

type DownloadOutcome = { ok: true; file: Downloaded } | { ok: false; failure: ExitDrillObjectFailure };

const FAILURE_ORDER: Record<ExitDrillFailureReason, number> = {
  ChecksumMismatch: 0,
  SizeMismatch: 1,
  AccessDenied: 2,
  ReadError: 3,
  NoChecksum: 4,
  ObjectMissing: 5,
};

const MESSAGE_MAX = 500;

/** `s3://bucket/prefix` of a drill. */
export function drillSource(drill: ExitDrill): string {
  return `s3://${drill.s3.bucket}/${drill.s3.prefix ?? ''}`;
}

/** The seed of the deterministic sample: the UTC calendar day of the run. */
export function sampleSeed(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** Sort key of an object in the sample: SHA-256 of seed and key. */
export function sampleHash(seed: string, key: string): string {
  return createHash('sha256').update(seed).update('\0').update(key).digest('hex');
}

/**
 * Picks the sample from candidates sorted by hash: the first `count` that fit the byte
 * budget. Returns the picks (sorted by key) and how many were skipped for size.
 */
export function pickSample(
  candidates: readonly Listed[],
  count: number,
  maxBytes: number,
): { picked: Listed[]; oversizedSkipped: number } {
  const sorted = [...candidates].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const picked: Listed[] = [];
  let budget = maxBytes;
  let oversizedSkipped = 0;
  for (const c of sorted) {
    if (picked.length >= count) break;
    if (c.size > budget) {
      oversizedSkipped++;
      continue;
    }
    picked.push(c);
    budget -= c.size;
  }
  picked.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { picked, oversizedSkipped };
}

/** Keeps the `limit` entries with the smallest hash (an ordered insert; limit is small). */
function keepSmallest(pool: Listed[], entry: Listed, limit: number): void {
  if (pool.length >= limit && entry.hash >= (pool[pool.length - 1] as Listed).hash) return;
  let i = pool.length;
  while (i > 0 && (pool[i - 1] as Listed).hash > entry.hash) i--;
  pool.splice(i, 0, entry);
  if (pool.length > limit) pool.pop();
}

function emptyChecksums(): ExitDrillChecksumCounts {
  return { md5: 0, sha256: 0, crc32: 0 };
}

function clip(text: string): string {
  return text.length > MESSAGE_MAX ? `${text.slice(0, MESSAGE_MAX - 1)}…` : text;
}

/** A CRC32 as S3 reports it: base64 of the 4 big-endian bytes. */
export function crc32Base64(value: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b.toString('base64');
}

/** Expected multipart ETag: MD5 of the concatenated binary MD5s of the parts, then "-<parts>". */
export function multipartEtag(partMd5s: readonly Buffer[]): string {
  const h = createHash('md5');
  for (const p of partMd5s) h.update(p);
  return `${h.digest('hex')}-${partMd5s.length}`;
}

function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
}

/** Maps a download error to a failure reason. */
export function downloadFailure(key: string, err: unknown): ExitDrillObjectFailure {
  const code = errorCode(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const message = clip(classifyAwsError(err).message);
  if (code === 'NoSuchKey' || code === 'NotFound' || status === 404) {
    return { key, reason: 'ObjectMissing', message: 'deleted after it was listed' };
  }
  // The SDK's own validation of a recorded checksum (ChecksumMode ENABLED): checksums are not secrets.
  const raw = err instanceof Error ? err.message : String(err);
  if (/checksum mismatch/i.test(raw)) return { key, reason: 'ChecksumMismatch', message: clip(raw) };
  const classified = classifyAwsError(err);
  if (classified.reason === 'AccessDenied' || code === 'KMS.AccessDeniedException' || status === 403) {
    return { key, reason: 'AccessDenied', message: `${code}: ${message}` };
  }
  return { key, reason: 'ReadError', message: `${code}: ${message}` };
}

interface Hashes {
  bytes: number;
  md5: string;
  sha256: string;
  crc32: number;
  partMd5s?: Buffer[];
}

/** Reads a local copy back: MD5, SHA-256, CRC32 and, given a part size, the MD5 of each part. */
export async function hashFile(path: string, partSize?: number): Promise<Hashes> {
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  let crc = 0;
  let bytes = 0;
  const parts: Buffer[] = [];
  let part = partSize ? createHash('md5') : undefined;
  let inPart = 0;
  for await (const raw of createReadStream(path)) {
    const chunk = raw as Buffer;
    md5.update(chunk);
    sha.update(chunk);
    crc = crc32(chunk, crc);
    bytes += chunk.length;
    if (part && partSize) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(partSize - inPart, chunk.length - offset);
        part.update(chunk.subarray(offset, offset + take));
        inPart += take;
        offset += take;
        if (inPart === partSize) {
          parts.push(part.digest());
          part = createHash('md5');
          inPart = 0;
        }
      }
    }
  }
  if (part && inPart > 0) parts.push(part.digest());
  const out: Hashes = { bytes, md5: md5.digest('hex'), sha256: sha.digest('base64'), crc32: crc };
  if (partSize) out.partMd5s = parts;
  return out;
}

/** Per-part MD5s of a local file for explicit part sizes. */
async function partMd5sBySizes(path: string, sizes: readonly number[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let index = 0;
  let remaining = sizes[0] ?? 0;
  let hash = createHash('md5');
  for await (const raw of createReadStream(path)) {
    let chunk = raw as Buffer;
    while (chunk.length > 0) {
      if (remaining === 0) {
        out.push(hash.digest());
        hash = createHash('md5');
        index++;
        remaining = sizes[index] ?? Number.POSITIVE_INFINITY;
      }
      const take = Math.min(remaining, chunk.length);
      hash.update(chunk.subarray(0, take));
      remaining -= take;
      chunk = chunk.subarray(take);
    }
  }
  out.push(hash.digest());
  return out;
}

/**
 * Runs one exit drill. `now` is the start time (ranAt, sample seed); `workDir` the local
 * storage (the pod's emptyDir; default the OS temp directory). Never rejects for S3 or
 * local-storage errors (only when `options.signal` aborts).
 */
export async function runExitDrill(
  drill: ExitDrill,
  s3Factory: S3ClientFactory,
  workDir: string | undefined,
  now: Date,
  options: ExitDrillOptions = {},
): Promise<ExitDrillResult> {
  const clock = options.monotonicMs ?? (() => performance.now());
  const started = clock();
  const source = drillSource(drill);
  let rtoSeconds = 0;
  try {
    rtoSeconds = parseDuration(drill.recoveryTimeObjective) / 1000;
  } catch {
    rtoSeconds = 0; // admission validates the pattern; a zero RTO then fails any estimate
  }
  const result: ExitDrillResult = {
    ranAt: now.toISOString(),
    durationSeconds: 0,
    source,
    totalObjects: 0,
    totalBytes: 0,
    listingComplete: false,
    objectsSampled: 0,
    objectsVerified: 0,
    bytes: 0,
    throughputBytesPerSecond: 0,
    estimatedFullExportSeconds: 0,
    recoveryTimeObjectiveSeconds: rtoSeconds,
    checksums: emptyChecksums(),
    failures: [],
    failuresOmitted: 0,
  };
  const finish = (): ExitDrillResult => {
    result.durationSeconds = round3((clock() - started) / 1000);
    return result;
  };

  const s3 = s3Factory(drill.s3.region);
  const bucket = drill.s3.bucket;
  const prefix = drill.s3.prefix ?? '';
  const sampleSize = Math.max(1, Math.min(1000, drill.sampleObjects ?? DEFAULT_SAMPLE_OBJECTS));
  const signal = options.signal;
  const send = { abortSignal: signal };

  // 1 + 2: list, keeping a pool of candidates with the smallest hash.
  const seed = sampleSeed(now);
  const poolSize = sampleSize * 4;
  const pool: Listed[] = [];
  const maxPages = options.maxListPages ?? 10_000;
  try {
    let token: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token, MaxKeys: 1000 }),
        send,
      );
      pages++;
      for (const o of page.Contents ?? []) {
        const key = o.Key;
        if (key === undefined) continue;
        const size = o.Size ?? 0;
        if (key.endsWith('/') && size === 0) continue; // "folder" marker, not data
        result.totalObjects++;
        result.totalBytes += size;
        keepSmallest(pool, { key, size, hash: sampleHash(seed, key) }, poolSize);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (!token) {
        result.listingComplete = true;
        break;
      }
      if (pages >= maxPages) break;
    }
  } catch (err) {
    const c = classifyAwsError(err);
    result.error = { reason: c.reason === 'NotFound' ? 'BucketNotFound' : c.reason, message: clip(`listing ${source}: ${c.code}: ${c.message}`) };
    return finish();
  }

  const { picked, oversizedSkipped } = pickSample(pool, sampleSize, options.maxSampleBytes ?? 1024 ** 3);
  if (oversizedSkipped > 0) result.oversizedSkipped = oversizedSkipped;
  result.objectsSampled = picked.length;
  if (picked.length === 0) return finish();

  let dir: string;
  try {
    dir = await mkdtemp(join(workDir ?? tmpdir(), 'cloudposture-exit-drill-'));
  } catch (err) {
    result.error = { reason: 'LocalStorageUnavailable', message: clip(`cannot write to ${workDir ?? tmpdir()}: ${(err as Error).message}`) };
    return finish();
  }

  const failures: ExitDrillObjectFailure[] = [];
  try {
    // 3: download, timed on its own.
    const downloadStarted = clock();
    const downloads = await mapLimit(picked, options.concurrency ?? 4, async (item, index): Promise<DownloadOutcome> => {
      const path = join(dir, `${index}.bin`);
      try {
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: item.key, ChecksumMode: 'ENABLED' }), send);
        let bytes = 0;
        const counter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            bytes += chunk.length;
            cb(null, chunk);
          },
        });
        await pipeline(got.Body as Readable, counter, createWriteStream(path), { signal });
        const file: Downloaded = { key: item.key, path, bytes };
        if (got.ContentLength !== undefined) file.contentLength = got.ContentLength;
        if (got.ETag !== undefined) file.etag = got.ETag;
        if (got.ServerSideEncryption !== undefined) file.sse = got.ServerSideEncryption;
        if (got.SSECustomerAlgorithm !== undefined) file.sseCustomer = got.SSECustomerAlgorithm;
        if (got.ChecksumSHA256) file.sha256 = got.ChecksumSHA256;
        if (got.ChecksumCRC32) file.crc32 = got.ChecksumCRC32;
        return { ok: true, file };
      } catch (err) {
        if (signal?.aborted) throw err;
        await rm(path, { force: true });
        return { ok: false, failure: downloadFailure(item.key, err) };
      }
    });
    const downloadSeconds = Math.max((clock() - downloadStarted) / 1000, 1e-6);

    // 4: verify each local copy, then delete it.
    for (const d of downloads) {
      if (!d.ok) {
        failures.push(d.failure);
        continue;
      }
      result.bytes += d.file.bytes;
      try {
        const verdict = await verify(d.file, s3, bucket, options, send);
        if (verdict.failure) failures.push(verdict.failure);
        else {
          result.objectsVerified++;
          for (const k of verdict.verifiedWith) result.checksums[k]++;
        }
      } finally {
        await rm(d.file.path, { force: true });
      }
    }

    // 5: extrapolate. Both rates come from the same phase at the same parallelism; the
    // slower of "bytes at the measured throughput" and "objects at the measured rate"
    // bounds a full export (many small objects are request-bound, few large ones byte-bound).
    const downloaded = downloads.filter((d) => d.ok).length;
    if (downloaded > 0) {
      result.throughputBytesPerSecond = round3(result.bytes / downloadSeconds);
      const byBytes = result.bytes > 0 ? result.totalBytes / (result.bytes / downloadSeconds) : 0;
      const byObjects = result.totalObjects * (downloadSeconds / downloaded);
      result.estimatedFullExportSeconds = round3(Math.max(byBytes, byObjects));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  failures.sort((a, b) => FAILURE_ORDER[a.reason] - FAILURE_ORDER[b.reason] || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  result.failures = failures.slice(0, EXIT_DRILL_FAILURES_MAX);
  result.failuresOmitted = Math.max(0, failures.length - EXIT_DRILL_FAILURES_MAX);
  return finish();
}

interface Verdict {
  failure?: ExitDrillObjectFailure;
  verifiedWith: Array<keyof ExitDrillChecksumCounts>;
}

async function verify(
  file: Downloaded,
  s3: S3Client,
  bucket: string,
  options: ExitDrillOptions,
  send: { abortSignal?: AbortSignal },
): Promise<Verdict> {
  const etag = unquote(file.etag);
  // The ETag is an MD5 of the data only without SSE-KMS / DSSE-KMS / SSE-C.
  const etagIsMd5 = !file.sseCustomer && !(file.sse ?? '').startsWith('aws:kms');
  const multipart = etag && etagIsMd5 ? /^([0-9a-f]{32})-(\d+)$/.exec(etag) : null;
  let partSize: number | undefined;
  const partCount = multipart ? Number(multipart[2]) : 0;
  if (multipart && partCount > 1) {
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: file.key, PartNumber: 1 }), send);
      partSize = head.ContentLength;
    } catch {
      partSize = undefined; // cannot learn the part size: the ETag stays unchecked
    }
  }
  const h = await hashFile(file.path, partSize);
  const fail = (reason: ExitDrillFailureReason, message: string): Verdict => ({
    failure: { key: file.key, reason, message: clip(message) },
    verifiedWith: [],
  });
  if (file.contentLength !== undefined && h.bytes !== file.contentLength) {
    return fail('SizeMismatch', `local copy has ${h.bytes} bytes, the store announced ${file.contentLength}`);
  }
  const verifiedWith: Verdict['verifiedWith'] = [];
  const mismatches: string[] = [];
  if (file.sha256 && !file.sha256.includes('-')) {
    if (file.sha256 === h.sha256) verifiedWith.push('sha256');
    else mismatches.push(`SHA-256 ${h.sha256} != stored ${file.sha256}`);
  }
  if (file.crc32 && !file.crc32.includes('-')) {
    const local = crc32Base64(h.crc32);
    if (file.crc32 === local) verifiedWith.push('crc32');
    else mismatches.push(`CRC32 ${local} != stored ${file.crc32}`);
  }
  if (etag && etagIsMd5 && /^[0-9a-f]{32}$/.test(etag)) {
    if (etag === h.md5) verifiedWith.push('md5');
    else mismatches.push(`MD5 ${h.md5} != ETag ${etag}`);
  } else if (multipart && partSize !== undefined) {
    let expected = multipartEtag(h.partMd5s ?? []);
    if (expected !== etag && partCount <= (options.maxPartLookups ?? 100)) {
      // Parts of different sizes: read each part's size, then recompute.
      const sizes: number[] = [];
      try {
        for (let n = 1; n <= partCount; n++) {
          const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: file.key, PartNumber: n }), send);
          sizes.push(head.ContentLength ?? 0);
        }
        expected = multipartEtag(await partMd5sBySizes(file.path, sizes));
      } catch {
        // keep the uniform-part expectation
      }
    }
    if (expected === etag) verifiedWith.push('md5');
    else mismatches.push(`multipart MD5 ${expected} != ETag ${etag}`);
  }
  if (mismatches.length > 0) return fail('ChecksumMismatch', mismatches.join('; '));
  if (verifiedWith.length === 0) {
    return fail('NoChecksum', 'the store recorded no checksum this copy can be checked against (e.g. SSE-KMS without SHA-256/CRC32)');
  }
  return { verifiedWith };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
