// The exit drills' scratch space: one byte budget shared by every running drill
// (exitdrill/budget.ts), downloads cut at the size the listing announced
// (exitdrill/download.ts), and what a crash left cleaned at start-up (scratch.ts). The
// S3 side is a small in-memory fake where moto cannot produce the case (a body longer
// than its listing, the disk in use at every chunk); the moto tests are in
// test/integration/exitdrill.test.ts.

import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

import { createExitDrillGather } from '../../operator/src/controller/exit-drill.js';
import { SCRATCH_BLOCK_BYTES, ScratchBudget, scratchBytes } from '../../operator/src/exitdrill/budget.js';
import { downloadObject } from '../../operator/src/exitdrill/download.js';
import { runExitDrill } from '../../operator/src/exitdrill/drill.js';
import { cleanScratch } from '../../operator/src/exitdrill/scratch.js';

const KIB = 1024;
let workDir: string;

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'exitdrill-scratch-'));
});

afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** Bytes of every file below `dir` now. */
function diskInUse(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? diskInUse(path) : statSync(path).size;
  }
  return total;
}

interface FakeStore {
  s3: S3Client;
  /** Most bytes seen on disk under the work directory while a body streamed. */
  peakOnDisk: () => number;
  chunksServed: () => number;
}

/**
 * An S3 that lists `objects` and serves them in 16 KiB chunks, measuring the disk in use
 * at each chunk. `extra` bytes are appended to a body without announcing them (a longer
 * body than listed); `announce` overrides ContentLength.
 */
function fakeStore(objects: Record<string, Buffer>, opts: { extra?: number; announce?: number; dir?: () => string } = {}): FakeStore {
  let peak = 0;
  let served = 0;
  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof ListObjectsV2Command) {
      return { Contents: Object.entries(objects).map(([Key, b]) => ({ Key, Size: b.length })), IsTruncated: false };
    }
    if (command instanceof HeadObjectCommand) return { ContentLength: objects[command.input.Key ?? '']?.length };
    if (command instanceof GetObjectCommand) {
      const data = objects[command.input.Key ?? ''] as Buffer;
      const body = Buffer.concat([data, Buffer.alloc(opts.extra ?? 0, 0x61)]);
      const dir = opts.dir?.() ?? workDir;
      async function* chunks(): AsyncGenerator<Buffer> {
        for (let o = 0; o < body.length; o += 16 * KIB) {
          peak = Math.max(peak, diskInUse(dir));
          served++;
          yield body.subarray(o, o + 16 * KIB);
          await new Promise((r) => setImmediate(r));
        }
      }
      const answer: Record<string, unknown> = { Body: Readable.from(chunks()), ETag: `"${createHash('md5').update(data).digest('hex')}"` };
      if (opts.announce !== undefined) answer.ContentLength = opts.announce;
      else if (!opts.extra) answer.ContentLength = data.length;
      return answer;
    }
    throw new Error(`unexpected command ${String(command)}`);
  };
  return { s3: { send } as unknown as S3Client, peakOnDisk: () => peak, chunksServed: () => served };
}

describe('the scratch byte budget shared by all drills', () => {
  it('grants what fits at once, queues the rest first come first served, and releases', async () => {
    const budget = new ScratchBudget(100);
    const a = await budget.acquire(60);
    const order: string[] = [];
    const b = budget.acquire(50).then((lease) => (order.push('b'), lease));
    const c = budget.acquire(10).then((lease) => (order.push('c'), lease)); // fits now, but waits behind b
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    a.release();
    a.release(); // twice is once
    const [lb, lc] = await Promise.all([b, c]);
    expect(order).toEqual(['b', 'c']);
    expect(budget.inUse).toBe(60);
    lb.release();
    lc.release();
    expect(budget.inUse).toBe(0);
    expect(budget.peak).toBe(60);
  });

  it('refuses more than the whole budget, and stops waiting when the drill is aborted', async () => {
    const budget = new ScratchBudget(100);
    await expect(budget.acquire(101)).rejects.toThrow(/does not fit the scratch budget of 100 bytes/);
    const held = await budget.acquire(90);
    const stop = new AbortController();
    const waiting = budget.acquire(50, stop.signal);
    const behind = budget.acquire(10);
    stop.abort(new Error('operator stopping'));
    await expect(waiting).rejects.toThrow('operator stopping');
    (await behind).release(); // the one behind the aborted request is not stuck
    held.release();
  });

  it('counts whole disk blocks and a directory entry per copy', () => {
    expect(scratchBytes(0)).toBe(SCRATCH_BLOCK_BYTES);
    expect(scratchBytes(1)).toBe(2 * SCRATCH_BLOCK_BYTES);
    expect(scratchBytes(SCRATCH_BLOCK_BYTES)).toBe(2 * SCRATCH_BLOCK_BYTES);
    expect(scratchBytes(SCRATCH_BLOCK_BYTES + 1)).toBe(3 * SCRATCH_BLOCK_BYTES);
  });

  it('two drills at once never hold more on disk than the budget: the second waits for the first', async () => {
    const objects = (tag: string) => Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`data/${tag}-${i}`, Buffer.alloc(100 * KIB, i + 1)]));
    const store = fakeStore({ ...objects('a'), ...objects('b') });
    // Each drill samples 6 objects of 100 KiB (about 630 KiB on disk): one fits, two do not.
    const budget = new ScratchBudget(1024 * KIB);
    const drill = (prefix: string) => ({ s3: { bucket: 'b', prefix }, recoveryTimeObjective: '72h', sampleObjects: 6 });
    const run = (prefix: string) => runExitDrill(drill(prefix), () => store.s3, workDir, new Date('2026-11-15T12:00:00Z'), { budget, concurrency: 6 });
    const [a, b] = await Promise.all([run('data/a-'), run('data/b-')]);
    expect([a.objectsVerified, b.objectsVerified]).toEqual([6, 6]);
    // One drill's whole sample was granted at once, never both: the budget's own count is
    // exact, while the disk is only sampled as chunks are served (writes land later under load).
    expect(budget.peak).toBeGreaterThan(600 * KIB);
    expect(budget.peak).toBeLessThanOrEqual(budget.totalBytes);
    expect(store.peakOnDisk()).toBeGreaterThan(0);
    expect(store.peakOnDisk()).toBeLessThanOrEqual(budget.totalBytes);
    expect(budget.inUse).toBe(0);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('a sample is picked to fit the budget (skipped objects counted)', async () => {
    const store = fakeStore({ 'data/big': Buffer.alloc(600 * KIB), 'data/small': Buffer.alloc(10 * KIB) });
    const result = await runExitDrill({ s3: { bucket: 'b', prefix: 'data/' }, recoveryTimeObjective: '72h', sampleObjects: 2 }, () => store.s3, workDir, new Date(), {
      budget: new ScratchBudget(512 * KIB),
    });
    expect(result).toMatchObject({ objectsSampled: 1, objectsVerified: 1, oversizedSkipped: 1 });
  });
});

describe('downloads cut at the listed size', () => {
  it('a body longer than the listing announced is a SizeMismatch: the download stops there and the partial copy is removed', async () => {
    const store = fakeStore({ k: Buffer.alloc(64 * KIB, 0x62) }, { extra: 10 * 1024 * KIB });
    const path = join(workDir, '0.bin');
    const outcome = await downloadObject(store.s3, 'b', 'k', path, 64 * KIB, undefined);
    expect(outcome).toEqual({
      ok: false,
      failure: { key: 'k', reason: 'SizeMismatch', message: 'the store sent more than the 65536 bytes the listing announced: the download stopped there' },
    });
    expect(store.peakOnDisk()).toBeLessThanOrEqual(64 * KIB);
    expect(store.chunksServed()).toBeLessThan(10); // of 644 chunks
    expect(await readdir(workDir)).toEqual([]);
  });

  it('an announced length over the listed size is a SizeMismatch before anything is written', async () => {
    const store = fakeStore({ k: Buffer.alloc(64 * KIB) }, { announce: 5 * 1024 * KIB });
    const outcome = await downloadObject(store.s3, 'b', 'k', join(workDir, '0.bin'), 64 * KIB, undefined);
    expect(outcome).toMatchObject({ ok: false, failure: { reason: 'SizeMismatch', message: 'the store announced 5242880 bytes, the listing 65536: not downloaded' } });
    expect(store.chunksServed()).toBe(0);
  });

  it('a body of exactly the listed size is downloaded', async () => {
    const store = fakeStore({ k: Buffer.alloc(64 * KIB, 0x63) });
    const outcome = await downloadObject(store.s3, 'b', 'k', join(workDir, '0.bin'), 64 * KIB, undefined);
    expect(outcome).toMatchObject({ ok: true, file: { bytes: 64 * KIB } });
  });
});

describe('scratch cleaned at start-up', () => {
  const NOT_RUNNING = 99_999_999; // above any pid_max

  async function leftover(name: string): Promise<void> {
    await mkdir(join(workDir, name));
    await writeFile(join(workDir, name, '0.bin'), Buffer.alloc(8 * KIB));
  }

  it('removes what this process id or a process no longer running left, and nothing else', async () => {
    await leftover(`cloudposture-exit-drill-${process.pid}-aaaaaa`); // a restarted container often gets the same pid
    await leftover(`cloudposture-exit-drill-${NOT_RUNNING}-bbbbbb`);
    await leftover(`cloudposture-exit-drill-${process.ppid}-cccccc`); // another live operator sharing the directory
    await writeFile(join(workDir, 'unrelated.txt'), 'keep me');
    const removed = await cleanScratch(workDir);
    expect(removed.sort()).toEqual([`cloudposture-exit-drill-${NOT_RUNNING}-bbbbbb`, `cloudposture-exit-drill-${process.pid}-aaaaaa`].sort());
    expect((await readdir(workDir)).sort()).toEqual([`cloudposture-exit-drill-${process.ppid}-cccccc`, 'unrelated.txt']);
    expect(await cleanScratch(join(workDir, 'does-not-exist'))).toEqual([]);
  });

  it('the drill gather cleans before its first drill and reports what it removed', async () => {
    await leftover(`cloudposture-exit-drill-${process.pid}-dddddd`);
    const reported: string[][] = [];
    const gather = createExitDrillGather({
      openObjectStore: () => {
        throw new Error('no drill in this test');
      },
      workDir,
      onScratchCleaned: (removed) => reported.push(removed),
    });
    expect(await gather.scratchCleaned).toEqual([`cloudposture-exit-drill-${process.pid}-dddddd`]);
    expect(reported).toHaveLength(1);
    expect(await readdir(workDir)).toEqual([]);
    await gather.stop();
  });
});
