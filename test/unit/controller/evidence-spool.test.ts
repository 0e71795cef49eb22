// The evidence writer's spool on a temp folder: a queued evaluation's file exists until its
// record is written; a writer created over files a previous process left writes them in
// order; a corrupt file goes to rejected/ (bounded) and the others still load; the byte
// bound keeps new evaluations in memory only, and counts them; a crash's temp file goes.

import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { EvidenceSpool, SPOOL_REJECTED_DIR, SPOOL_REJECTED_MAX, SPOOL_TEMP_PREFIX } from '../../../operator/src/controller/evidence-spool.js';
import { EvidenceWriter, type EvidenceSubmission } from '../../../operator/src/controller/evidence-writer.js';
import type { ControlResult } from '../../../operator/src/controls/evaluate.js';
import { evaluateService } from '../../../operator/src/controls/evaluate.js';
import { canonicalJson } from '../../../operator/src/evidence/canonical-json.js';
import { RecordExistsError, type EvidenceStore, type StoredObject } from '../../../operator/src/evidence/object-lock-store.js';
import { recordKey, type EvidenceRecord, type EvidenceService } from '../../../operator/src/evidence/record.js';
import { createLogger } from '../../../operator/src/log.js';
import { OperatorMetrics } from '../../../operator/src/metrics.js';
import { aPolicy, anInput, NOW } from '../builders.js';

const PREFIX = 'evidence';
const A: EvidenceService = { namespace: 'payments', name: 'api', uid: 'uid-a' };
const B: EvidenceService = { namespace: 'payments', name: 'db', uid: 'uid-b' };
const PASSING: ControlResult[] = evaluateService(anInput()).controls;
const FAILING: ControlResult[] = PASSING.map((c, i) => (i === 0 ? { ...c, status: 'False' as const, reason: 'Overdue', message: 'overdue', findings: 1 } : c));
const MINUTE = 60_000;

/** A store in memory whose appends can be held back. */
class FakeStore implements EvidenceStore {
  readonly objects = new Map<string, string>();
  readonly appended: string[] = [];
  hold = false;

  async append(record: EvidenceRecord): Promise<string> {
    if (this.hold) return new Promise<string>(() => undefined);
    const key = recordKey(record, PREFIX);
    if (this.objects.has(key)) throw new RecordExistsError(key);
    this.objects.set(key, canonicalJson(record));
    this.appended.push(`${record.service.name}#${record.sequence}@${record.at}`);
    return key;
  }

  async list(prefix = PREFIX): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async read(key: string): Promise<StoredObject> {
    const body = this.objects.get(key);
    if (body === undefined) throw new Error(`NoSuchKey ${key}`);
    return { key, bytes: Buffer.from(body), retention: {} };
  }
}

function logSink() {
  const lines: string[] = [];
  const log = createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim()));
        cb();
      },
    }),
  );
  return { log, lines };
}

function setup(dir: string, store: FakeStore, maxBytes = 64 * 1024 * 1024) {
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const { log, lines } = logSink();
  const spool = new EvidenceSpool({ dir, maxBytes, metrics, log });
  const writer = new EvidenceWriter({ store, prefix: PREFIX, queueMax: 100, metrics, log, backoffBaseMs: 1, backoffMaxMs: 4, spool });
  return { writer, spool, metrics, lines };
}

function evaluation(service: EvidenceService, minutes: number, controls: ControlResult[] = PASSING): EvidenceSubmission {
  return { service, generation: 1, policy: aPolicy(), controls, at: new Date(NOW.getTime() + minutes * MINUTE) };
}

async function metric(metrics: OperatorMetrics, name: string): Promise<number> {
  const line = (await metrics.render()).body.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function until(check: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The spool's files (not rejected/). */
async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name).sort();
}

/** A previous process's spool: three evaluations queued behind an append that never answered. */
async function leftBehind(dir: string): Promise<void> {
  const store = new FakeStore();
  store.hold = true;
  const { writer, spool } = setup(dir, store);
  writer.submit(evaluation(B, 5));
  writer.submit(evaluation(A, 0));
  writer.submit(evaluation(A, 20, FAILING));
  await spool.settle();
  await writer.stop(10);
  expect(await files(dir)).toHaveLength(3);
}

describe('EvidenceSpool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloudposture-spool-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a queued evaluation as one canonical JSON file until its record is written', async () => {
    const store = new FakeStore();
    store.hold = true;
    const { writer, spool } = setup(dir, store);
    const item = evaluation(A, 0);
    writer.submit(item);
    expect(await files(dir)).toEqual([]); // submit() only queues: the file comes in the background
    await spool.settle();
    const [name] = await files(dir);
    const body = await readFile(join(dir, name as string), 'utf8');
    const parsed = JSON.parse(body) as Record<string, unknown>;
    expect(body).toBe(canonicalJson(parsed));
    expect(parsed).toMatchObject({ schema: 'cloudposture.io/evidence-spool/v1', service: A, generation: 1, at: item.at.toISOString() });
    expect(spool.usedBytes).toBeGreaterThan(Buffer.byteLength(body));

    store.hold = false;
    const second = setup(dir, store); // the held append never answers: a new writer over the same spool
    await until(() => second.writer.queued === 0, 'the queue to empty');
    await second.spool.settle();
    expect(store.appended).toEqual([`api#0@${item.at.toISOString()}`]);
    expect(await files(dir)).toEqual([]);
    expect(second.spool.usedBytes).toBe(0);
    await writer.stop(10);
    await second.writer.stop();
  });

  it('writes, in order per service, the evaluations a previous process left waiting', async () => {
    await leftBehind(dir);
    const store = new FakeStore();
    const { writer, spool } = setup(dir, store);
    expect(writer.queued).toBe(3);
    await until(() => writer.queued === 0, 'the queue to empty');
    await spool.settle();
    const at = (m: number) => new Date(NOW.getTime() + m * MINUTE).toISOString();
    expect(store.appended.filter((a) => a.startsWith('api'))).toEqual([`api#0@${at(0)}`, `api#1@${at(20)}`]);
    expect(store.appended.filter((a) => a.startsWith('db'))).toEqual([`db#0@${at(5)}`]);
    expect(await files(dir)).toEqual([]);
    await writer.stop();
  });

  it('moves a file that is not a queued evaluation to rejected/, logging its name only, and loads the others', async () => {
    await leftBehind(dir);
    await writeFile(join(dir, '000000000000001-corrupt.json'), '{"schema":"cloudposture.io/evidence-spool/v1", "secret-token-xyz');
    await writeFile(join(dir, '000000000000002-shape.json'), JSON.stringify({ schema: 'cloudposture.io/evidence-spool/v1', service: A, at: 'never' }));
    // Rejected files of earlier starts: only the newest SPOOL_REJECTED_MAX stay.
    await mkdir(join(dir, SPOOL_REJECTED_DIR), { recursive: true });
    for (let i = 0; i < SPOOL_REJECTED_MAX + 5; i++) await writeFile(join(dir, SPOOL_REJECTED_DIR, `${String(i).padStart(15, '0')}-old.json`), 'x');

    const store = new FakeStore();
    const { writer, spool, lines } = setup(dir, store);
    expect(writer.queued).toBe(3);
    await until(() => writer.queued === 0, 'the queue to empty');
    await spool.settle();
    expect(store.appended).toHaveLength(3);
    expect(await files(dir)).toEqual([]);
    const rejected = await readdir(join(dir, SPOOL_REJECTED_DIR));
    expect(rejected).toHaveLength(SPOOL_REJECTED_MAX);
    expect(rejected.filter((n) => n.endsWith('-corrupt.json') || n.endsWith('-shape.json'))).toHaveLength(2);
    expect(rejected).not.toContain(`${'0'.repeat(15)}-old.json`); // the oldest went
    const logged = lines.filter((l) => l.includes('file rejected'));
    expect(logged.join('\n')).toMatch(/000000000000001-corrupt\.json.*not JSON/);
    expect(logged.join('\n')).toMatch(/000000000000002-shape\.json.*generation is not a whole number/);
    expect(lines.join('\n')).not.toContain('secret-token-xyz');
    await writer.stop();
  });

  it('keeps an evaluation in memory only, and counts it, when its file would pass the byte bound; never deletes an older one', async () => {
    const probe = setup(dir, Object.assign(new FakeStore(), { hold: true }));
    probe.writer.submit(evaluation(A, 0));
    await probe.spool.settle();
    const oneFile = probe.spool.usedBytes;
    await probe.writer.stop(10);
    await rm(dir, { recursive: true, force: true });

    const store = new FakeStore();
    store.hold = true;
    const maxBytes = 2 * oneFile + oneFile / 2;
    const { writer, spool, metrics } = setup(dir, store, maxBytes);
    for (const [i, service] of [A, B, { ...A, name: 'c', uid: 'uid-c' }, { ...A, name: 'd', uid: 'uid-d' }].entries()) writer.submit(evaluation(service, i));
    await spool.settle();
    expect(writer.queued).toBe(4); // all queued in memory
    const kept = await files(dir);
    expect(kept).toHaveLength(2); // the first two: nothing older deleted for the newer
    expect(kept.every((n) => n.startsWith(String(NOW.getTime()).padStart(15, '0')) || n.startsWith(String(NOW.getTime() + MINUTE).padStart(15, '0')))).toBe(true);
    expect(spool.usedBytes).toBeLessThanOrEqual(maxBytes);
    expect(await metric(metrics, 'cloudposture_evidence_spool_full_total')).toBe(2);
    await writer.stop(10);
  });

  it('removes a temp file a crash left half written', async () => {
    await writeFile(join(dir, `${SPOOL_TEMP_PREFIX}000000000000001-crash.json`), '{"schema":"cloudposture.io/ev');
    const { writer, lines } = setup(dir, new FakeStore());
    expect(writer.queued).toBe(0);
    expect(await files(dir)).toEqual([]);
    expect(await readdir(join(dir, SPOOL_REJECTED_DIR))).toEqual([]);
    expect(lines.join('\n')).toMatch(/half written/);
    await writer.stop();
  });
});
