// The automated exit drill (checklist step 7: "export a backup and verify its integrity
// on a local, non-cloud server"), run by the operator against spec.exitPlan.drill:
//
//   1. list the prefix (paginated, bounded) for the total object count and size;
//   2. pick a deterministic sample (sample.ts);
//   3. hold the sample's bytes in the scratch budget shared by every running drill
//      (budget.ts; waiting while other drills hold too much), download the sample to
//      local storage (download.ts, into scratch.ts's directory, each copy cut at its
//      listed size) and measure the wall time of that phase alone;
//   4. read every local copy back and verify it against what the store recorded
//      (verify.ts), deleting each copy after its check;
//   5. extrapolate the full export time from the sample.
//
// The drill only reads and measures; `exitDrillOutcome`
// (controls/exit-plan/exit-drill-verified.ts) decides. It never throws for S3 errors: a
// run that cannot happen returns `error`.

import type { S3Client } from '@aws-sdk/client-s3';

import type { ExitDrill } from '../api/types.js';
import { parseDuration } from '../api/duration.js';
import { mapLimit } from '../providers/aws/concurrency.js';
import { classifyAwsError } from '../providers/aws/errors.js';
import { SCRATCH_BLOCK_BYTES, type ScratchBudget, type ScratchLease, scratchBytes } from './budget.js';
import { type DownloadOutcome, downloadObject } from './download.js';
import { clipMessage, orderFailures } from './failures.js';
import { type Listed, listSampleCandidates, pickSample, sampleSeed } from './sample.js';
import { createScratchDir, removeScratch, scratchFile } from './scratch.js';
import { DEFAULT_SAMPLE_OBJECTS, EXIT_DRILL_FAILURES_MAX, type ExitDrillObjectFailure, type ExitDrillResult } from '../inventory/exit-drill.js';
import { verifyCopy } from './verify.js';

/** An S3 client for a region (undefined: the operator's home region), e.g. `AwsClients.s3`. */
export type S3ClientFactory = (region?: string) => S3Client;

export interface ExitDrillOptions {
  signal?: AbortSignal;
  /** Parallel downloads (default 4); the estimate assumes the full export runs at the same parallelism. */
  concurrency?: number;
  /** Listing bound: pages of 1,000 keys (default 10,000 pages, 10 million objects). */
  maxListPages?: number;
  /** Local byte budget for this drill's sample (default DEFAULT_SAMPLE_BYTES; never more than `budget` holds). */
  maxSampleBytes?: number;
  /** The scratch budget shared by every running drill: the sample's bytes are held in it while the copies exist. */
  budget?: ScratchBudget;
  /** Most multipart parts whose sizes are read one by one when they are not uniform (default 100). */
  maxPartLookups?: number;
  /** Monotonic clock in ms (default performance.now), injectable for tests. */
  monotonicMs?: () => number;
}

/** A drill's local byte budget when no shared budget bounds it, in bytes. */
export const DEFAULT_SAMPLE_BYTES = 1024 ** 3;

/** `s3://bucket/prefix` of a drill. */
export function drillSource(drill: ExitDrill): string {
  return `s3://${drill.s3.bucket}/${drill.s3.prefix ?? ''}`;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
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
    checksums: { md5: 0, sha256: 0, crc32: 0 },
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

  // 1 + 2: list, keeping a pool of candidates with the smallest hash, then pick.
  let pool: Listed[];
  try {
    pool = await listSampleCandidates(s3, { bucket, prefix }, sampleSeed(now), sampleSize * 4, options.maxListPages ?? 10_000, result, send);
  } catch (err) {
    const c = classifyAwsError(err);
    result.error = { reason: c.reason === 'NotFound' ? 'BucketNotFound' : c.reason, message: clipMessage(`listing ${source}: ${c.code}: ${c.message}`) };
    return finish();
  }

  // On disk a copy takes whole blocks; the run's directory takes one more.
  const maxBytes = Math.min(options.maxSampleBytes ?? DEFAULT_SAMPLE_BYTES, options.budget?.totalBytes ?? Number.POSITIVE_INFINITY) - SCRATCH_BLOCK_BYTES;
  const { picked, oversizedSkipped } = pickSample(pool, sampleSize, maxBytes, scratchBytes);
  if (oversizedSkipped > 0) result.oversizedSkipped = oversizedSkipped;
  result.objectsSampled = picked.length;
  if (picked.length === 0) return finish();

  // Held until every copy is deleted; waits while other drills hold too much.
  let lease: ScratchLease | undefined;
  if (options.budget) {
    const bytes = picked.reduce((sum, p) => sum + scratchBytes(p.size), SCRATCH_BLOCK_BYTES);
    lease = await options.budget.acquire(bytes, signal);
  }
  try {
    return await downloadAndVerify(picked, { s3, bucket, workDir, signal, send, clock, options, result, finish });
  } finally {
    lease?.release();
  }
}

interface RunContext {
  s3: S3Client;
  bucket: string;
  workDir: string | undefined;
  signal: AbortSignal | undefined;
  send: { abortSignal?: AbortSignal };
  clock: () => number;
  options: ExitDrillOptions;
  result: ExitDrillResult;
  finish: () => ExitDrillResult;
}

/** Steps 3 to 5 for the picked sample, in a scratch directory removed afterwards. */
async function downloadAndVerify(picked: readonly Listed[], run: RunContext): Promise<ExitDrillResult> {
  const { s3, bucket, signal, send, clock, options, result, finish } = run;
  const scratch = await createScratchDir(run.workDir);
  if (!scratch.ok) {
    result.error = { reason: 'LocalStorageUnavailable', message: clipMessage(scratch.message) };
    return finish();
  }
  const dir = scratch.dir;

  const failures: ExitDrillObjectFailure[] = [];
  try {
    // 3: download, timed on its own.
    const downloadStarted = clock();
    const downloads = await mapLimit(picked, options.concurrency ?? 4, (item, index): Promise<DownloadOutcome> =>
      downloadObject(s3, bucket, item.key, scratchFile(dir, index), item.size, signal),
    );
    const downloadSeconds = Math.max((clock() - downloadStarted) / 1000, 1e-6);

    // 4: verify each local copy, then delete it.
    for (const d of downloads) {
      if (!d.ok) {
        failures.push(d.failure);
        continue;
      }
      result.bytes += d.file.bytes;
      try {
        const verdict = await verifyCopy(d.file, s3, bucket, options.maxPartLookups ?? 100, send);
        if (verdict.failure) failures.push(verdict.failure);
        else {
          result.objectsVerified++;
          for (const k of verdict.verifiedWith) result.checksums[k]++;
        }
      } finally {
        await removeScratch(d.file.path);
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
    await removeScratch(dir);
  }

  orderFailures(failures);
  result.failures = failures.slice(0, EXIT_DRILL_FAILURES_MAX);
  result.failuresOmitted = Math.max(0, failures.length - EXIT_DRILL_FAILURES_MAX);
  return finish();
}
