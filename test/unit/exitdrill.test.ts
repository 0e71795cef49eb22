// The exit drill's pure parts: the decision (A523-07-EXIT-DRILL-VERIFIED), status
// round trip, schedule, deterministic sampling and the checksum helpers.

import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

import type { ExitDrill } from '../../operator/src/api/types.js';
import { CATALOG, controlsByFamily } from '../../operator/src/controls/catalog.js';
import { evaluateService } from '../../operator/src/controls/evaluate.js';
import { exitDrillOutcome, exitDrillVerified } from '../../operator/src/controls/exit-plan/exit-drill-verified.js';
import { formatBytes, formatSeconds } from '../../operator/src/controls/text.js';
import { crc32Base64, hashFile, multipartEtag } from '../../operator/src/exitdrill/checksums.js';
import { downloadFailure } from '../../operator/src/exitdrill/failures.js';
import { pickSample, sampleHash, sampleSeed } from '../../operator/src/exitdrill/sample.js';
import {
  exitDrillLastSuccessSeconds,
  exitDrillResultFromStatus,
  exitDrillSchedule,
  exitDrillStatus,
} from '../../operator/src/exitdrill/status.js';
import type { ExitDrillResult } from '../../operator/src/inventory/exit-drill.js';
import { NOW, aPolicy, aSpec, anExitDrillResult, anInput, daysAgo, hoursAgo } from './builders.js';

const DRILL: ExitDrill = { s3: { bucket: 'payments-data', prefix: 'ledger/' }, recoveryTimeObjective: '72h', sampleObjects: 20 };

const aRun = anExitDrillResult;

const decide = (run: ExitDrillResult | undefined, drill: ExitDrill | undefined = DRILL) =>
  exitDrillOutcome(run, aPolicy(), { drill, now: NOW });

describe('exitDrillOutcome', () => {
  it('passes without a configured drill (the recorded dry run has its own control)', () => {
    expect(exitDrillOutcome(undefined, aPolicy(), { drill: undefined, now: NOW })).toMatchObject({
      status: 'True',
      reason: 'ExitDrillNotConfigured',
    });
  });

  it('is Unknown before the first run and when a run could not happen', () => {
    expect(decide(undefined)).toMatchObject({ status: 'Unknown', reason: 'ExitDrillPending' });
    const error = decide(aRun({ error: { reason: 'AccessDenied', message: 'listing s3://payments-data/ledger/: AccessDenied' }, lastSuccessAt: daysAgo(8) }));
    expect(error).toMatchObject({ status: 'Unknown', reason: 'AccessDenied' });
    expect(error.message).toContain(`Last successful drill ${daysAgo(8).slice(0, 10)}`);
  });

  it('passes a verified sample within the RTO, with the evidence time and its expiry', () => {
    const outcome = decide(aRun());
    expect(outcome).toMatchObject({ status: 'True', reason: 'ExitDrillPassed' });
    expect(outcome.message).toBe(
      `Exit drill ${hoursAgo(2).slice(0, 10)}: 20 of 20 sampled objects verified (100 MiB at 50 MiB/s); full export of 50 GiB estimated at 17m, within the recovery time objective of 3d.`,
    );
    expect(outcome.evidenceAt).toEqual(new Date(hoursAgo(2)));
    expect(outcome.changesAt).toEqual(new Date(new Date(hoursAgo(2)).getTime() + 365 * 86_400_000));
  });

  it('fails on corruption, naming each object', () => {
    const outcome = decide(
      aRun({
        objectsVerified: 19,
        failures: [{ key: 'ledger/2026/11/01.parquet', reason: 'ChecksumMismatch', message: 'MD5 a != ETag b' }],
      }),
    );
    expect(outcome).toMatchObject({ status: 'False', reason: 'ExitDrillIntegrityFailure' });
    expect(outcome.findings).toEqual([{ resource: 's3://payments-data/ledger/2026/11/01.parquet', message: 'ChecksumMismatch: MD5 a != ETag b' }]);
  });

  it('fails when the store refuses the export (bucket / KMS key policy)', () => {
    const outcome = decide(aRun({ objectsVerified: 0, failures: [{ key: 'ledger/a', reason: 'AccessDenied', message: 'KMS' }] }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'ExitDrillAccessDenied' });
  });

  it('fails when the estimate exceeds the RTO, or the prefix is empty', () => {
    const slow = decide(aRun({ estimatedFullExportSeconds: 80 * 3600 }));
    expect(slow).toMatchObject({ status: 'False', reason: 'ExitExceedsRecoveryObjective' });
    expect(slow.message).toContain('about 3d 8h, more than the recovery time objective of 3d');
    // The RTO of the current spec counts, not the one recorded at run time.
    expect(exitDrillOutcome(aRun({ estimatedFullExportSeconds: 80 * 3600 }), aPolicy(), { drill: { ...DRILL, recoveryTimeObjective: '96h' }, now: NOW }).status).toBe('True');
    expect(decide(aRun({ totalObjects: 0, totalBytes: 0, objectsSampled: 0, objectsVerified: 0 }))).toMatchObject({ status: 'False', reason: 'ExitDrillNoData' });
  });

  it('is overdue (False) once the last run is older than the policy allows', () => {
    expect(decide(aRun({ ranAt: daysAgo(366) }))).toMatchObject({ status: 'False', reason: 'ExitDrillOverdue' });
    expect(exitDrillOutcome(aRun({ ranAt: daysAgo(200) }), aPolicy({ exitDrillMaxAgeDays: 180 }), { drill: DRILL, now: NOW }).status).toBe('False');
  });

  it('notes missing and unverifiable objects but passes when others verified; Unknown when none did', () => {
    const churn = decide(
      aRun({
        objectsVerified: 18,
        failures: [
          { key: 'ledger/x', reason: 'ObjectMissing', message: 'deleted after it was listed' },
          { key: 'ledger/y', reason: 'NoChecksum', message: 'SSE-KMS' },
        ],
      }),
    );
    expect(churn.status).toBe('True');
    expect(churn.message).toContain('1 object deleted since listing, 1 object without a checkable checksum');
    expect(decide(aRun({ objectsVerified: 0, failures: [{ key: 'ledger/x', reason: 'ObjectMissing', message: '' }] }))).toMatchObject({
      status: 'Unknown',
      reason: 'ExitDrillInconclusive',
    });
    expect(decide(aRun({ objectsVerified: 19, failures: [{ key: 'ledger/x', reason: 'ReadError', message: 'ECONNRESET' }] })).status).toBe('Unknown');
  });

  it('an incomplete listing makes the estimate a lower bound: Unknown unless it already exceeds the RTO', () => {
    expect(decide(aRun({ listingComplete: false }))).toMatchObject({ status: 'Unknown', reason: 'ExitDrillListingIncomplete' });
    expect(decide(aRun({ listingComplete: false, estimatedFullExportSeconds: 1e6 })).status).toBe('False');
  });
});

describe('A523-07-EXIT-DRILL-VERIFIED in the catalog', () => {
  it('belongs to ExitPlanReady, after the recorded dry run', () => {
    expect(controlsByFamily('ExitPlanReady').map((c) => c.id)).toEqual([
      'A523-07-EXIT-PLAN-DOCUMENTED',
      'A523-07-EXIT-DRILL-CURRENT',
      'A523-07-EXIT-DRILL-VERIFIED',
    ]);
    expect(CATALOG).toContain(exitDrillVerified);
  });

  it('a failing drill turns ExitPlanReady False with the drill finding', () => {
    const spec = aSpec({ exitPlan: { ...aSpec().exitPlan!, drill: DRILL } });
    const bad = aRun({ objectsVerified: 19, failures: [{ key: 'ledger/a', reason: 'SizeMismatch', message: 'truncated' }] });
    const evaluation = evaluateService({ ...anInput({ spec }), exitDrill: bad });
    expect(evaluation.families.find((f) => f.type === 'ExitPlanReady')).toMatchObject({ status: 'False', reason: 'ExitDrillIntegrityFailure' });
    expect(evaluation.findings.map((f) => f.control)).toEqual(['A523-07-EXIT-DRILL-VERIFIED']);
    expect(evaluateService({ ...anInput({ spec }), exitDrill: aRun() }).families.find((f) => f.type === 'ExitPlanReady')?.status).toBe('True');
  });
});

describe('status.exitDrill', () => {
  it('records the run, the decision and lastSuccessAt, and reads back into the same decision', () => {
    const ok = exitDrillStatus(undefined, aRun(), DRILL, aPolicy(), NOW);
    expect(ok).toMatchObject({ result: 'Succeeded', reason: 'ExitDrillPassed', lastRunAt: hoursAgo(2), lastSuccessAt: hoursAgo(2), withinRecoveryObjective: true });
    const failedRun = aRun({ ranAt: hoursAgo(1), objectsVerified: 19, failures: [{ key: 'ledger/a', reason: 'ChecksumMismatch', message: 'x' }] });
    const failed = exitDrillStatus(ok, failedRun, DRILL, aPolicy(), NOW);
    expect(failed).toMatchObject({ result: 'Failed', reason: 'ExitDrillIntegrityFailure', lastRunAt: hoursAgo(1), lastSuccessAt: hoursAgo(2) });
    const back = exitDrillResultFromStatus(failed);
    expect(back).toEqual({ ...failedRun, lastSuccessAt: hoursAgo(2) });
    expect(decide(back)).toMatchObject({ status: 'False', reason: 'ExitDrillIntegrityFailure' });
    const errored = exitDrillStatus(ok, aRun({ error: { reason: 'BucketNotFound', message: 'gone' } }), DRILL, aPolicy(), NOW);
    expect(errored).toMatchObject({ result: 'Error', reason: 'BucketNotFound', withinRecoveryObjective: false });
    expect(exitDrillResultFromStatus(errored)?.error).toEqual({ reason: 'BucketNotFound', message: errored.message });
    expect(exitDrillResultFromStatus(undefined)).toBeUndefined();
    expect(exitDrillLastSuccessSeconds(failed)).toBe(Math.floor(Date.parse(hoursAgo(2)) / 1000));
    expect(exitDrillLastSuccessSeconds({})).toBeUndefined();
  });

  it('is due when never run, when the source changed, or an interval after the last run', () => {
    const spec = aSpec({ exitPlan: { ...aSpec().exitPlan!, drill: { ...DRILL, interval: '24h' } } });
    expect(exitDrillSchedule(aSpec(), undefined, NOW)).toBeUndefined();
    expect(exitDrillSchedule(spec, undefined, NOW)).toEqual({ due: true, at: NOW });
    const recent = { lastRunAt: hoursAgo(2), source: 's3://payments-data/ledger/' };
    expect(exitDrillSchedule(spec, recent, NOW)).toEqual({ due: false, at: new Date(NOW.getTime() + 22 * 3_600_000) });
    expect(exitDrillSchedule(spec, { ...recent, source: 's3://other/' }, NOW)?.due).toBe(true);
    expect(exitDrillSchedule(spec, { ...recent, lastRunAt: hoursAgo(25) }, NOW)?.due).toBe(true);
    // A run that could not happen is retried within the hour, not a week later.
    expect(exitDrillSchedule(spec, { ...recent, result: 'Error', lastRunAt: hoursAgo(0.5) }, NOW)).toEqual({ due: false, at: new Date(NOW.getTime() + 30 * 60_000) });
    const weekly = aSpec({ exitPlan: { ...aSpec().exitPlan!, drill: DRILL } });
    expect(exitDrillSchedule(weekly, recent, NOW)?.at).toEqual(new Date(NOW.getTime() + 166 * 3_600_000));
  });
});

describe('sampling and checksums', () => {
  const listed = (n: number, size = 10) =>
    Array.from({ length: n }, (_, i) => ({ key: `k/${i}`, size, hash: sampleHash(sampleSeed(NOW), `k/${i}`) }));

  it('picks the same sample for the same day and a different one another day', () => {
    const today = pickSample(listed(100), 5, 1e9).picked.map((p) => p.key);
    expect(pickSample(listed(100).reverse(), 5, 1e9).picked.map((p) => p.key)).toEqual(today);
    const tomorrow = Array.from({ length: 100 }, (_, i) => ({ key: `k/${i}`, size: 10, hash: sampleHash('2026-11-16', `k/${i}`) }));
    expect(pickSample(tomorrow, 5, 1e9).picked.map((p) => p.key)).not.toEqual(today);
    expect(today).toEqual([...today].sort());
  });

  it('skips objects over the byte budget and counts them', () => {
    const items = listed(10, 100);
    const { picked, oversizedSkipped } = pickSample(items, 5, 250);
    expect(picked).toHaveLength(2);
    expect(oversizedSkipped).toBe(8); // every other candidate: none fits the remaining 50 bytes
  });

  it('hashes a local copy: MD5, SHA-256, CRC32 as S3 reports them, and part MD5s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exitdrill-unit-'));
    try {
      const data = Buffer.alloc(2500, 7);
      const path = join(dir, 'f');
      await writeFile(path, data);
      const h = await hashFile(path, 1000);
      expect(h.md5).toBe(createHash('md5').update(data).digest('hex'));
      expect(h.sha256).toBe(createHash('sha256').update(data).digest('base64'));
      expect(crc32Base64(h.crc32)).toBe(crc32Base64(crc32(data)));
      expect(h.partMd5s).toHaveLength(3);
      const parts = [data.subarray(0, 1000), data.subarray(1000, 2000), data.subarray(2000)].map((p) => createHash('md5').update(p).digest());
      expect(multipartEtag(h.partMd5s ?? [])).toBe(`${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-3`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(crc32Base64(0x0d4a1185)).toBe('DUoRhQ==');
  });

  it('maps download errors to failure reasons', () => {
    expect(downloadFailure('k', Object.assign(new Error('gone'), { name: 'NoSuchKey' })).reason).toBe('ObjectMissing');
    expect(downloadFailure('k', Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).reason).toBe('AccessDenied');
    expect(downloadFailure('k', new Error('Checksum mismatch: expected "a" but received "b"')).reason).toBe('ChecksumMismatch');
    expect(downloadFailure('k', Object.assign(new Error('reset'), { code: 'ECONNRESET' })).reason).toBe('ReadError');
  });

  it('formats sizes and durations for people', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(50 * 1024 ** 3)).toBe('50 GiB');
    expect(formatSeconds(42)).toBe('42s');
    expect(formatSeconds(3 * 86_400 + 8 * 3600)).toBe('3d 8h');
    expect(formatSeconds(3900)).toBe('1h 5m');
  });
});
