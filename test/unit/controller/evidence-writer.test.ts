// The evidence writer over a fake store: records in order per service, off the reconcile
// path, a bounded queue that drops (and counts) the newest, the chain's end read from the
// store once, never a new chain over one it could not read, retries with backoff.

import { Writable } from 'node:stream';

import { EvidenceWriter, type EvidenceSubmission } from '../../../operator/src/controller/evidence-writer.js';
import { ServiceReconciler } from '../../../operator/src/controller/service-reconciler.js';
import type { ControlResult } from '../../../operator/src/controls/evaluate.js';
import { evaluateService } from '../../../operator/src/controls/evaluate.js';
import { canonicalJson } from '../../../operator/src/evidence/canonical-json.js';
import { verifyChain } from '../../../operator/src/evidence/chain.js';
import { RecordExistsError, type EvidenceStore, type StoredObject } from '../../../operator/src/evidence/object-lock-store.js';
import { buildEvidenceRecord, recordKey, type EvidenceRecord, type EvidenceService } from '../../../operator/src/evidence/record.js';
import { createLogger } from '../../../operator/src/log.js';
import { OperatorMetrics } from '../../../operator/src/metrics.js';
import { anAccount, targetsOver } from '../account-fakes.js';
import { aPolicy, anInput, aSpec, liveOk, NOW } from '../builders.js';
import { MemoryApi } from '../memory-api.js';

const PREFIX = 'evidence';
const A: EvidenceService = { namespace: 'payments', name: 'api', uid: 'uid-a' };
const B: EvidenceService = { namespace: 'payments', name: 'db', uid: 'uid-b' };
const POLICY = aPolicy();
const PASSING: ControlResult[] = evaluateService(anInput()).controls;
const FAILING: ControlResult[] = PASSING.map((c, i) => (i === 0 ? { ...c, status: 'False' as const, reason: 'Overdue', message: 'overdue', findings: 1 } : c));
const MINUTE = 60_000;

/** A store in memory; each method can be made to fail or hang. */
class FakeStore implements EvidenceStore {
  readonly objects = new Map<string, string>();
  lists = 0;
  reads = 0;
  appends = 0;
  failList = 0;
  failAppend = 0;
  hangAppend = false;
  readonly calls: string[] = [];

  async append(record: EvidenceRecord): Promise<string> {
    this.appends++;
    this.calls.push(`append ${record.service.name}#${record.sequence}`);
    if (this.hangAppend) return new Promise<string>(() => undefined);
    if (this.failAppend > 0) {
      this.failAppend--;
      throw new Error('ServiceUnavailable');
    }
    const key = recordKey(record, PREFIX);
    if (this.objects.has(key)) throw new RecordExistsError(key);
    this.objects.set(key, canonicalJson(record));
    return key;
  }

  async list(prefix = PREFIX): Promise<string[]> {
    this.lists++;
    this.calls.push(`list ${prefix}`);
    if (this.failList > 0) {
      this.failList--;
      throw new Error('AccessDenied');
    }
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async read(key: string): Promise<StoredObject> {
    this.reads++;
    const body = this.objects.get(key);
    if (body === undefined) throw new Error(`NoSuchKey ${key}`);
    return { key, bytes: Buffer.from(body), retention: {} };
  }

  records(service: EvidenceService): EvidenceRecord[] {
    return [...this.objects.entries()].filter(([k]) => k.includes(`/${service.uid}/`)).sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => JSON.parse(v) as EvidenceRecord);
  }

  chainProblems(service: EvidenceService) {
    return verifyChain(
      [...this.objects.entries()].filter(([k]) => k.includes(`/${service.uid}/`)).sort(([a], [b]) => a.localeCompare(b)).map(([key, v]) => ({ key, body: JSON.parse(v) as unknown })),
    );
  }
}

function logSink() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    }),
  );
  return { log, lines };
}

function setup(store: FakeStore, options: Partial<ConstructorParameters<typeof EvidenceWriter>[0]> = {}) {
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const { log, lines } = logSink();
  const writer = new EvidenceWriter({ store, prefix: PREFIX, queueMax: 100, metrics, log, backoffBaseMs: 1, backoffMaxMs: 4, ...options });
  return { writer, metrics, lines };
}

function evaluation(service: EvidenceService, minutes: number, controls: ControlResult[] = PASSING, generation = 1): EvidenceSubmission {
  return { service, generation, policy: POLICY, controls, at: new Date(NOW.getTime() + minutes * MINUTE) };
}

async function metric(metrics: OperatorMetrics, name: string): Promise<number> {
  const line = (await metrics.render()).body.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function until(check: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('EvidenceWriter', () => {
  it('appends each service in evaluation order, linked, and skips evaluations that change nothing', async () => {
    const store = new FakeStore();
    const { writer, metrics } = setup(store);
    writer.submit(evaluation(A, 0));
    writer.submit(evaluation(B, 0));
    writer.submit(evaluation(A, 10)); // nothing changed: no record
    writer.submit(evaluation(A, 20, FAILING));
    writer.submit(evaluation(A, 30, PASSING, 2));
    writer.submit(evaluation(B, 10, FAILING));
    await until(() => writer.queued === 0, 'the queue to empty');

    const a = store.records(A);
    expect(a.map((r) => [r.sequence, r.at, r.generation, r.controls[0]?.status])).toEqual([
      [0, new Date(NOW.getTime()).toISOString(), 1, PASSING[0]?.status],
      [1, new Date(NOW.getTime() + 20 * MINUTE).toISOString(), 1, 'False'],
      [2, new Date(NOW.getTime() + 30 * MINUTE).toISOString(), 2, PASSING[0]?.status],
    ]);
    expect(a[1]?.previous).toBe(a[0]?.hash);
    expect(a[2]?.previous).toBe(a[1]?.hash);
    expect(store.records(B).map((r) => r.sequence)).toEqual([0, 1]);
    expect(store.chainProblems(A)).toEqual([]);
    expect(store.chainProblems(B)).toEqual([]);
    // Per service the appends follow the evaluations.
    expect(store.calls.filter((c) => c.startsWith('append api'))).toEqual(['append api#0', 'append api#1', 'append api#2']);
    expect(await metric(metrics, 'cloudposture_evidence_records_written_total')).toBe(5);
    expect(await metric(metrics, 'cloudposture_evidence_queue_depth')).toBe(0);
    await writer.stop();
  });

  it('stays off the reconcile path: a reconcile publishes and returns while the append hangs', async () => {
    const store = new FakeStore();
    store.hangAppend = true;
    const { writer } = setup(store);
    const api = new MemoryApi({
      apiVersion: 'cloudposture.io/v1alpha1',
      kind: 'CloudService',
      metadata: { namespace: 'team', name: 'svc', generation: 3, resourceVersion: '1', uid: 'u1' },
      spec: aSpec(),
    });
    const { log } = logSink();
    const reconciler = new ServiceReconciler({
      api,
      services: { get: () => structuredClone(api.object) },
      policies: { get: () => undefined },
      policyName: 'default',
      sources: { targets: targetsOver(api, [anAccount({ spec: { aws: { accountId: '444455556666' } } })]), inventory: async () => liveOk() },
      metrics: new OperatorMetrics({ defaultMetrics: false }),
      evidence: writer,
      log,
      defaultIntervalMs: 10 * MINUTE,
      clock: () => NOW,
      random: () => 0.5,
    });
    const result = await reconciler.reconcile('team/svc', new AbortController().signal);
    expect(result.kind).toBe('done');
    expect(api.object.status?.observedGeneration).toBe(3);
    // Queued, not yet touched: nothing of the store ran in the reconcile's turn.
    expect(writer.queued).toBe(1);
    expect(store.calls).toEqual([]);
    await until(() => store.appends === 1, 'the append to start');
    expect(store.calls).toEqual([`list ${PREFIX}/team/svc/u1/`, 'append svc#0']);
    const stopped = Date.now();
    await writer.stop(50); // the hanging append gets the grace, no more
    expect(Date.now() - stopped).toBeLessThan(1000);
  });

  it('bounds the queue across services: the newest is dropped and counted', async () => {
    const store = new FakeStore();
    store.hangAppend = true;
    const { writer, metrics, lines } = setup(store, { queueMax: 3 });
    writer.submit(evaluation(A, 0));
    writer.submit(evaluation(B, 0));
    writer.submit(evaluation(A, 10, FAILING));
    writer.submit(evaluation(B, 10, FAILING)); // full: dropped
    writer.submit(evaluation(A, 20)); // full: dropped
    expect(writer.queued).toBe(3);
    expect(await metric(metrics, 'cloudposture_evidence_records_dropped_total')).toBe(2);
    expect(await metric(metrics, 'cloudposture_evidence_queue_depth')).toBe(3);
    expect(lines.filter((l) => l.message === 'evidence record dropped').map((l) => [l.name, l.reason])).toEqual([
      ['db', 'queue-full'],
      ['api', 'queue-full'],
    ]);
    await writer.stop(10);
  });

  it('reads a service’s last record from the store once, then continues its chain from memory', async () => {
    const store = new FakeStore();
    // An earlier process wrote records 0 and 1.
    const r0 = buildEvidenceRecord({ service: A, generation: 1, policy: POLICY, controls: PASSING, clock: () => new Date(NOW.getTime() - 60 * MINUTE) });
    const r1 = buildEvidenceRecord({ service: A, generation: 1, policy: POLICY, controls: FAILING, previous: r0, clock: () => new Date(NOW.getTime() - 30 * MINUTE) });
    await store.append(r0);
    await store.append(r1);
    store.calls.length = 0;
    store.appends = 0;
    const { writer } = setup(store);
    writer.submit(evaluation(A, 0, FAILING)); // same as record 1: not due
    writer.submit(evaluation(A, 10, PASSING));
    writer.submit(evaluation(A, 20, FAILING));
    await until(() => writer.queued === 0, 'the queue to empty');
    expect(store.lists).toBe(1);
    expect(store.reads).toBe(1);
    expect(store.records(A).map((r) => r.sequence)).toEqual([0, 1, 2, 3]);
    expect(store.records(A)[2]?.previous).toBe(r1.hash);
    expect(store.chainProblems(A)).toEqual([]);
    await writer.stop();
  });

  it('never starts a new chain over one it could not read: it retries, then continues the chain', async () => {
    const store = new FakeStore();
    const r0 = buildEvidenceRecord({ service: A, generation: 1, policy: POLICY, controls: FAILING, clock: () => new Date(NOW.getTime() - 60 * MINUTE) });
    await store.append(r0);
    store.failList = 2;
    const { writer, metrics, lines } = setup(store);
    writer.submit(evaluation(A, 0));
    await until(() => writer.queued === 0, 'the queue to empty');
    expect(store.records(A).map((r) => [r.sequence, r.previous])).toEqual([
      [0, null],
      [1, r0.hash],
    ]);
    expect(await metric(metrics, 'cloudposture_evidence_write_failures_total')).toBe(2);
    expect((await metrics.render()).body).toMatch(/cloudposture_evidence_write_failures_total\{reason="read-previous"\} 2/);
    const failures = lines.filter((l) => l.message === 'evidence record not written');
    expect(failures.map((l) => [l.reason, l.attempt, l.error])).toEqual([
      ['read-previous', 1, 'AccessDenied'],
      ['read-previous', 2, 'AccessDenied'],
    ]);
    // One line per failure with the reason, never the record body.
    expect(JSON.stringify(failures)).not.toMatch(/policyDigest|"controls"|"hash"/);
    await writer.stop();
  });

  it('a store never readable keeps the evaluation queued (no record at 0) until the next evaluation replaces it', async () => {
    const store = new FakeStore();
    const r0 = buildEvidenceRecord({ service: A, generation: 1, policy: POLICY, controls: FAILING, clock: () => new Date(NOW.getTime() - 60 * MINUTE) });
    await store.append(r0);
    store.failList = 1000;
    store.appends = 0;
    const { writer, metrics } = setup(store, { maxAttempts: 3 });
    writer.submit(evaluation(A, 0));
    await until(() => store.lists === 3, 'three attempts');
    await new Promise((r) => setTimeout(r, 20));
    expect(store.lists).toBe(3); // bounded attempts, then it waits
    expect(store.appends).toBe(0);
    expect(writer.queued).toBe(1);
    // The next evaluation replaces it; the store answers again.
    store.failList = 0;
    writer.submit(evaluation(A, 10, PASSING, 2));
    await until(() => writer.queued === 0, 'the queue to empty');
    expect(store.records(A).map((r) => [r.sequence, r.generation, r.previous])).toEqual([
      [0, 1, null],
      [1, 2, r0.hash],
    ]);
    expect(await metric(metrics, 'cloudposture_evidence_queue_depth')).toBe(0);
    await writer.stop();
  });

  it('retries a failed append with backoff, then succeeds', async () => {
    const store = new FakeStore();
    store.failAppend = 2;
    const { writer, metrics } = setup(store);
    writer.submit(evaluation(A, 0));
    await until(() => writer.queued === 0, 'the queue to empty');
    expect(store.calls.filter((c) => c.startsWith('append'))).toEqual(['append api#0', 'append api#0', 'append api#0']);
    expect(store.records(A).map((r) => r.sequence)).toEqual([0]);
    expect((await metrics.render()).body).toMatch(/cloudposture_evidence_write_failures_total\{reason="append"\} 2/);
    expect(await metric(metrics, 'cloudposture_evidence_records_written_total')).toBe(1);
    await writer.stop();
  });

  it('a key written by someone else (a lost answer, an old leader) makes it re-read the chain, not fork it', async () => {
    const store = new FakeStore();
    const { writer } = setup(store);
    writer.submit(evaluation(A, 0));
    await until(() => writer.queued === 0, 'the first record');
    // Another writer appends record 1 behind this writer's back.
    const [r0] = store.records(A);
    const theirs = buildEvidenceRecord({ service: A, generation: 1, policy: POLICY, controls: FAILING, previous: r0, clock: () => new Date(NOW.getTime() + 5 * MINUTE) });
    await store.append(theirs);
    writer.submit(evaluation(A, 10, FAILING, 2));
    await until(() => writer.queued === 0, 'the queue to empty');
    expect(store.records(A).map((r) => r.sequence)).toEqual([0, 1, 2]);
    expect(store.records(A)[2]?.previous).toBe(theirs.hash);
    expect(store.chainProblems(A)).toEqual([]);
    await writer.stop();
  });

  it('shows the chain in the service status: EvidenceRecorded True with the last record, False with the store’s reason while appends fail', async () => {
    const store = new FakeStore();
    const { writer } = setup(store, { maxAttempts: 1, clock: () => NOW });
    const api = new MemoryApi({
      apiVersion: 'cloudposture.io/v1alpha1',
      kind: 'CloudService',
      metadata: { namespace: 'team', name: 'svc', generation: 1, resourceVersion: '1', uid: 'u1' },
      spec: aSpec(),
    });
    let now = NOW;
    const reconciler = new ServiceReconciler({
      api,
      services: { get: () => structuredClone(api.object) },
      policies: { get: () => undefined },
      policyName: 'default',
      sources: { targets: targetsOver(api, [anAccount({ spec: { aws: { accountId: '444455556666' } } })]), inventory: async () => liveOk() },
      metrics: new OperatorMetrics({ defaultMetrics: false }),
      evidence: writer,
      log: logSink().log,
      defaultIntervalMs: 10 * MINUTE,
      clock: () => now,
      random: () => 0.5,
    });
    const condition = () => api.object.status?.conditions?.find((c) => c.type === 'EvidenceRecorded');

    await reconciler.reconcile('team/svc', new AbortController().signal);
    expect(condition()).toMatchObject({ status: 'Unknown', reason: 'NotRecordedYet' });
    await until(() => writer.queued === 0, 'record 0');
    now = new Date(NOW.getTime() + 20 * MINUTE);
    await reconciler.reconcile('team/svc', new AbortController().signal);
    const [r0] = store.records({ namespace: 'team', name: 'svc', uid: 'u1' });
    expect(api.object.status?.evidenceHistory).toEqual({ lastRecord: { key: `${PREFIX}/team/svc/u1/000000000000.json`, sequence: 0, hash: r0?.hash, at: r0?.at } });
    expect(condition()).toMatchObject({ status: 'True', reason: 'Recorded' });

    // The bucket starts refusing: the next change is not written, and the status says why.
    store.failAppend = 100;
    Object.assign(store, { append: async () => Promise.reject(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' })) });
    api.object = { ...api.object, metadata: { ...api.object.metadata, generation: 2 } };
    await reconciler.reconcile('team/svc', new AbortController().signal);
    await until(() => writer.stateOf('u1').failure !== undefined, 'the failed append');
    now = new Date(NOW.getTime() + 30 * MINUTE);
    await reconciler.reconcile('team/svc', new AbortController().signal);
    expect(condition()).toMatchObject({ status: 'False', reason: 'AccessDenied' });
    expect(api.object.status?.evidenceHistory).toMatchObject({ lastRecord: { sequence: 0 }, failingSince: NOW.toISOString(), reason: 'AccessDenied', message: 'Access Denied' });
    // Not a posture finding: Compliant and Ready do not move with it.
    expect(api.object.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    await writer.stop(50);
  });
});
