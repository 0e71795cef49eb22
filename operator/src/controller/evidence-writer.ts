// Appends a service's evidence record (evidence/record.ts) after the reconciler published
// its evaluation: off the reconcile path (submit() only queues), one append at a time per
// service and in evaluation order, a bounded queue across all services, retries with
// backoff. Opt-in: the manager builds one only when CLOUDPOSTURE_EVIDENCE_BUCKET is set.
//
// The chain is never forked: a service's last record comes from memory or, the first
// time (or after an eviction or a refused key), from the store; a store that cannot be
// read means try again later, never a new chain at sequence 0 over an existing one. The
// store refuses to overwrite a key (IfNoneMatch), so a record another writer (an old
// leader, an append whose answer was lost) already put there makes this one re-read.
//
// With a spool (evidence-spool.ts) the queue is kept on disk too: what waited when the
// process ended is submitted again, in order, when the next one creates its writer.

import type { S3Client } from '@aws-sdk/client-s3';

import type { OperatorConfig } from '../config.js';
import { ObjectLockEvidenceStore, RecordExistsError, evidenceS3Client, type EvidenceStore } from '../evidence/object-lock-store.js';
import { buildEvidenceRecord, recordKey, shouldRecord, type EvidenceRecord, type EvidenceService } from '../evidence/record.js';
import type { Logger } from '../log.js';
import type { OperatorMetrics } from '../metrics.js';
import { EvidenceAttemptError, readChainEnd, type EvidenceFailureReason } from './evidence-chain-end.js';
import { EvidenceSpool, type EvidenceSubmission } from './evidence-spool.js';
import type { EvidenceChainState } from './evidence-status.js';

export type { EvidenceSubmission } from './evidence-spool.js';

/** What the reconciler sees: queue and return; never throws, never waits. */
export interface EvidenceSink {
  submit(submission: EvidenceSubmission): void;
  /** The service's chain as the writer knows it, for status.evidenceHistory. */
  stateOf(uid: string): EvidenceChainState;
}

/** status.evidenceHistory.reason of a failure the store's own error does not name. */
const STATUS_REASON: Record<EvidenceFailureReason, string> = {
  append: 'AppendFailed',
  exists: 'RecordExists',
  'read-previous': 'ChainUnreadable',
  'invalid-previous': 'ChainEndInvalid',
  build: 'RecordInvalid',
};

/** The S3 error's own CamelCase name (AccessDenied, NoSuchBucket, ...) when it has one. */
function statusReasonOf(reason: EvidenceFailureReason, error: unknown): string {
  const cause = error instanceof EvidenceAttemptError ? error.cause : error;
  const name = cause instanceof Error ? cause.name : undefined;
  return name && /^[A-Z][A-Za-z0-9]{1,63}$/.test(name) && name !== 'Error' && name !== 'EvidenceAttemptError' ? name : STATUS_REASON[reason];
}

export interface EvidenceWriterOptions {
  store: EvidenceStore;
  /** The store's key prefix: a service's chain is listed under `<prefix>/<namespace>/<name>/<uid>/`. */
  prefix: string;
  /** Evaluations waiting across all services (CLOUDPOSTURE_EVIDENCE_QUEUE_MAX). */
  queueMax: number;
  metrics: Pick<OperatorMetrics, 'evidenceRecordsWritten' | 'evidenceWriteFailures' | 'evidenceQueueDepth' | 'evidenceRecordsDropped'>;
  log: Logger;
  /** Attempts per record before it waits for the service's next evaluation (default 5). */
  maxAttempts?: number;
  /** Backoff between attempts: base doubled per failure up to max (defaults 1 s, 30 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Appends in flight at once across services (default 4). */
  concurrency?: number;
  /** Services whose last record is kept in memory, least recently used evicted (default 4096). */
  maxCachedChains?: number;
  /** Called once by stop(), after the appends in flight ended (closes the S3 client). */
  onStop?: () => void;
  /** When a failure started (status.evidenceHistory.failingSince); default the system clock. */
  clock?: () => Date;
  /** Keeps the queue on disk; what it holds from before is submitted when the writer is created. */
  spool?: EvidenceSpool;
}

export const DEFAULT_EVIDENCE_ATTEMPTS = 5;
/**
 * Last records kept in memory, without their spec and status snapshots: a record of ~30
 * controls is then a few KiB, so this is at most some tens of MiB; an evicted service
 * costs one list + one read at its next record.
 */
export const DEFAULT_MAX_CACHED_CHAINS = 4096;

/** A service's evaluations waiting, oldest first; the head is the one being appended. */
interface Lane {
  items: EvidenceSubmission[];
  running: boolean;
  /** The head ran out of attempts: the service's next evaluation replaces it. */
  stuck: boolean;
}

type Outcome = 'done' | 'gave-up' | 'stopped';

export class EvidenceWriter implements EvidenceSink {
  private readonly lanes = new Map<string, Lane>();
  /** uid -> the service's last record written (or read back); Map order is recency. */
  private readonly last = new Map<string, EvidenceRecord>();
  /** uid -> since when and why its appends fail; cleared by its next success, bounded like `last`. */
  private readonly failures = new Map<string, { since: string; reason: string; message: string }>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly waiting: Array<() => void> = [];
  private depth = 0;
  private active = 0;
  private stopped = false;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly concurrency: number;
  private readonly maxCachedChains: number;

  constructor(private readonly options: EvidenceWriterOptions) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_EVIDENCE_ATTEMPTS);
    this.backoffBaseMs = options.backoffBaseMs ?? 1000;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.maxCachedChains = Math.max(1, options.maxCachedChains ?? DEFAULT_MAX_CACHED_CHAINS);
    options.metrics.evidenceQueueDepth.set(0);
    for (const item of options.spool?.load() ?? []) this.submit(item);
  }

  /** Evaluations waiting, the ones being appended included. */
  get queued(): number {
    return this.depth;
  }

  stateOf(uid: string): EvidenceChainState {
    const last = this.last.get(uid);
    const failure = this.failures.get(uid);
    return {
      pending: this.lanes.get(uid)?.items.length ?? 0,
      ...(last ? { lastRecord: { key: recordKey(last, this.options.prefix), sequence: last.sequence, hash: last.hash, at: last.at } } : {}),
      ...(failure ? { failure: { ...failure } } : {}),
    };
  }

  submit(submission: EvidenceSubmission): void {
    if (this.stopped) return;
    const uid = submission.service.uid;
    let lane = this.lanes.get(uid);
    if (lane?.stuck) {
      // The record that ran out of attempts is replaced by this fresher evaluation.
      const replaced = lane.items.shift() as EvidenceSubmission;
      this.options.spool?.remove(replaced);
      lane.stuck = false;
      this.setDepth(this.depth - 1);
    }
    if (this.depth >= this.options.queueMax) {
      // The newest is dropped, not an older one: the chain stays in evaluation order. A
      // dropped record is re-created by the service's next evaluation, because
      // shouldRecord compares that one against the last record written, not the last seen.
      this.options.metrics.evidenceRecordsDropped.inc();
      this.options.log.warn('evidence record dropped', { namespace: submission.service.namespace, name: submission.service.name, reason: 'queue-full', queueMax: this.options.queueMax });
      this.options.spool?.remove(submission); // one read back from the spool
      if (lane && lane.items.length === 0 && !lane.running) this.lanes.delete(uid);
      return;
    }
    if (!lane) {
      lane = { items: [], running: false, stuck: false };
      this.lanes.set(uid, lane);
    }
    lane.items.push(submission);
    this.options.spool?.save(submission);
    this.setDepth(this.depth + 1);
    if (!lane.running) this.startLane(uid, lane);
  }

  /** Stops taking evaluations, ends backoff waits, waits up to `graceMs` for appends in flight; what is still queued is not written (a spool keeps it). */
  async stop(graceMs = 5000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Backoff waits end now; an attempt waiting for a slot gets one as the appends in flight end, and returns.
    this.abort.abort(new Error('operator stopping'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight, this.options.spool?.settle()]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
        timer.unref?.();
      }),
    ]);
    if (timer) clearTimeout(timer);
    if (this.depth > 0) this.options.log.info('evidence writer stopped with evaluations unwritten', { queued: this.depth });
    this.options.onStop?.();
  }

  private setDepth(depth: number): void {
    this.depth = depth;
    this.options.metrics.evidenceQueueDepth.set(depth);
  }

  private startLane(uid: string, lane: Lane): void {
    lane.running = true;
    // setImmediate: nothing of the append, not even building the record, runs in the reconcile's turn.
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.drain(lane))
      .catch((error: unknown) => {
        this.options.log.error('evidence writer failed', { error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        lane.running = false;
        this.inFlight.delete(run);
        if (lane.items.length === 0 && this.lanes.get(uid) === lane) this.lanes.delete(uid);
        // An evaluation submitted while the lane was finishing (after its last check).
        else if (!lane.stuck && !this.stopped && lane.items.length > 0) this.startLane(uid, lane);
      });
    this.inFlight.add(run);
  }

  private async drain(lane: Lane): Promise<void> {
    while (lane.items.length > 0 && !this.stopped) {
      const outcome = await this.write(lane.items[0] as EvidenceSubmission);
      if (outcome === 'stopped') return;
      if (outcome === 'gave-up' && lane.items.length === 1) {
        // Stays queued until the service's next evaluation replaces it (submit()).
        lane.stuck = true;
        return;
      }
      // Done, or given up with a fresher evaluation of the service behind it.
      const left = lane.items.shift() as EvidenceSubmission;
      this.options.spool?.remove(left);
      this.setDepth(this.depth - 1);
    }
  }

  /** One evaluation: record it if due, with bounded attempts and backoff. */
  private async write(item: EvidenceSubmission): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) return 'stopped';
      await this.acquire();
      if (this.stopped) {
        this.release();
        return 'stopped';
      }
      try {
        await this.attempt(item);
        // Written, or nothing was due: either way the store answered.
        this.failures.delete(item.service.uid);
        return 'done';
      } catch (error) {
        const reason = error instanceof EvidenceAttemptError ? error.reason : 'append';
        if (reason === 'exists') this.last.delete(item.service.uid); // re-read the chain's end
        this.options.metrics.evidenceWriteFailures.inc({ reason });
        this.noteFailure(item, reason, error);
        // The reason and the error text, never the record body.
        this.options.log.warn('evidence record not written', {
          namespace: item.service.namespace,
          name: item.service.name,
          reason,
          attempt,
          maxAttempts: this.maxAttempts,
          error: error instanceof Error ? error.message : String(error),
        });
      } finally {
        this.release();
      }
      if (attempt >= this.maxAttempts) return 'gave-up';
      await this.sleep(Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (attempt - 1)));
    }
  }

  private async attempt(item: EvidenceSubmission): Promise<void> {
    const previous = await this.previousOf(item.service);
    // Never back in time: an evaluation older than the chain's end (a record another
    // replica wrote, clocks apart) is not recorded.
    if (previous && Date.parse(previous.at) > item.at.getTime()) return;
    let record: EvidenceRecord;
    try {
      record = buildEvidenceRecord({
        service: item.service,
        generation: item.generation,
        policy: item.policy,
        controls: item.controls,
        ...(item.apiCalls ? { apiCalls: item.apiCalls } : {}),
        ...(item.spec ? { spec: item.spec } : {}),
        ...(item.status ? { status: item.status } : {}),
        previous,
        clock: () => item.at,
      });
    } catch (error) {
      throw new EvidenceAttemptError('build', error);
    }
    if (!shouldRecord(previous, record, item.at)) return;
    try {
      await this.options.store.append(record);
    } catch (error) {
      throw new EvidenceAttemptError(error instanceof RecordExistsError ? 'exists' : 'append', error);
    }
    this.remember(record);
    this.options.metrics.evidenceRecordsWritten.inc();
  }

  private noteFailure(item: EvidenceSubmission, reason: EvidenceFailureReason, error: unknown): void {
    const uid = item.service.uid;
    const since = this.failures.get(uid)?.since ?? (this.options.clock?.() ?? new Date()).toISOString();
    this.failures.delete(uid);
    this.failures.set(uid, { since, reason: statusReasonOf(reason, error), message: error instanceof Error ? error.message : String(error) });
    while (this.failures.size > this.maxCachedChains) this.failures.delete(this.failures.keys().next().value as string);
  }

  /** The service's last record: from memory, else from the store (evidence-chain-end.ts; null: none yet). */
  private async previousOf(service: EvidenceService): Promise<EvidenceRecord | null> {
    const cached = this.last.get(service.uid);
    if (cached) {
      this.last.delete(service.uid);
      this.last.set(service.uid, cached);
      return cached;
    }
    const found = await readChainEnd(this.options.store, this.options.prefix, service);
    if (found) this.remember(found);
    return found;
  }

  private remember(record: EvidenceRecord): void {
    this.last.delete(record.service.uid);
    // Only what links and compares the next record: the spec and status snapshots (most of a record's bytes) stay in the store.
    const { spec: _spec, status: _status, ...link } = record;
    this.last.set(record.service.uid, link);
    while (this.last.size > this.maxCachedChains) {
      const oldest = this.last.keys().next().value as string;
      this.last.delete(oldest);
    }
  }

  private async acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return;
    }
    // release() hands its slot over: `active` stays as it is.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  private sleep(ms: number): Promise<void> {
    if (this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The writer the manager runs when CLOUDPOSTURE_EVIDENCE_BUCKET is set: the operator's own AWS identity (default chain), not a tenant's. */
export function createEvidenceWriter(config: OperatorConfig, metrics: OperatorMetrics, log: Logger, client?: S3Client): EvidenceWriter | undefined {
  if (!config.evidenceBucket) return undefined;
  const s3 = client ?? evidenceS3Client({ region: config.evidenceRegion, ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}) });
  const store = new ObjectLockEvidenceStore({ client: s3, bucket: config.evidenceBucket, prefix: config.evidencePrefix, retentionDays: config.evidenceRetentionDays });
  const spoolDir = config.evidenceSpoolDir;
  log.info('evidence history on', { bucket: config.evidenceBucket, prefix: config.evidencePrefix, retentionDays: config.evidenceRetentionDays, spoolDir: spoolDir || 'memory only' });
  const evidenceLog = log.child({ component: 'evidence' });
  return new EvidenceWriter({
    store,
    prefix: config.evidencePrefix,
    queueMax: config.evidenceQueueMax,
    metrics,
    log: evidenceLog,
    ...(spoolDir ? { spool: new EvidenceSpool({ dir: spoolDir, maxBytes: config.evidenceSpoolMaxBytes, metrics, log: evidenceLog }) } : {}),
    onStop: () => {
      if (!client) s3.destroy();
    },
  });
}
