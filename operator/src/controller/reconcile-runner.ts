// Runs each reconcile as one bounded attempt: it gets its own AbortSignal, fired at the
// reconcile deadline, when the queue shuts down, or when this replica's leadership is
// fenced; every Kubernetes call it makes runs in that signal's call scope, so once the
// signal fires the attempt cannot write status or Events any more, even if it ignores the
// signal. The worker waits a short grace for the attempt to notice, then lets go. Start
// and end of every attempt are logged (the fault test proves from them that two replicas
// never reconcile at once), and the progress facts /healthz judges are kept here.

import { randomUUID } from 'node:crypto';
import { runInCallScope, untilAborted } from '../kube/request-bounds.js';
import type { Logger } from '../log.js';
import type { Handler, ReconcileResult } from './workqueue.js';

/** After its signal fired, an attempt gets this long (milliseconds) to return before the worker lets go of it. */
export const ABORT_GRACE_MS = 500;

/** Why an attempt was aborted. */
export class ReconcileAborted extends Error {
  override readonly name = 'ReconcileAborted';
  constructor(
    readonly kind: 'deadline' | 'fenced' | 'shutdown',
    message: string,
  ) {
    super(message);
  }
}

/** One admitted attempt of a sharded key: its signal fences the attempt like leadership does; `done` when it ended. */
export interface Admission {
  signal: AbortSignal;
  done(): void;
}

export interface ReconcileRunnerOptions {
  reconcile: (key: string, signal: AbortSignal) => Promise<ReconcileResult>;
  /** Each attempt is aborted after this long (milliseconds) and retried with the key's backoff. */
  deadlineMs: number;
  log: Logger;
  /**
   * Sharding (controller/shards.ts): admits an attempt only while this replica owns the key's
   * shard; undefined drops the key (done, not requeued: the shard's owner reconciles it, and
   * a shard gained enqueues all its keys). The admission's signal fires when the shard is lost.
   */
  admit?: (key: string) => Admission | undefined;
}

/** What /healthz needs to know about the workers (clock milliseconds). */
export interface QueueProgress {
  /** Start of the oldest attempt still running, with its key. */
  oldest?: { key: string; startedAt: number };
  /** Last time an attempt started or finished. */
  lastProgressAt: number;
}

interface Running {
  key: string;
  startedAt: number;
}

export class ReconcileRunner {
  /** Aborted when leadership is fenced: every attempt (and anything it started) loses Kubernetes access. */
  private readonly term = new AbortController();
  private readonly running = new Map<object, Running>();
  private lastProgressAt = Date.now();

  constructor(private readonly options: ReconcileRunnerOptions) {}

  /** The queue's handler. */
  readonly handler: Handler = (key, queueSignal) => this.run(key, queueSignal);

  /** Aborts every running attempt at once and refuses their Kubernetes calls from now on; final. */
  fence(message: string): void {
    this.term.abort(new ReconcileAborted('fenced', message));
  }

  get fenced(): boolean {
    return this.term.signal.aborted;
  }

  progress(): QueueProgress {
    let oldest: Running | undefined;
    for (const r of this.running.values()) if (!oldest || r.startedAt < oldest.startedAt) oldest = r;
    return { ...(oldest ? { oldest: { ...oldest } } : {}), lastProgressAt: this.lastProgressAt };
  }

  private async run(key: string, queueSignal: AbortSignal): Promise<ReconcileResult> {
    if (!this.options.admit) return this.attempt(key, queueSignal, undefined);
    const admission = this.options.admit(key);
    if (!admission) {
      this.options.log.debug('reconcile skipped: shard not owned', { key });
      return { kind: 'done', dropped: 'ShardNotOwned' };
    }
    try {
      return await this.attempt(key, queueSignal, admission.signal);
    } finally {
      admission.done();
    }
  }

  /** Keys of the attempts running now. */
  runningKeys(): string[] {
    return [...this.running.values()].map((r) => r.key);
  }

  private async attempt(key: string, queueSignal: AbortSignal, shardSignal: AbortSignal | undefined): Promise<ReconcileResult> {
    const attemptId = randomUUID();
    const token = {};
    const startedAt = Date.now();
    this.running.set(token, { key, startedAt });
    this.lastProgressAt = startedAt;
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new ReconcileAborted('deadline', `reconcile deadline of ${this.options.deadlineMs} ms passed`)),
      this.options.deadlineMs,
    );
    timer.unref();
    const shutdown = new AbortController();
    const onQueueAbort = () => shutdown.abort(new ReconcileAborted('shutdown', 'the queue is shutting down'));
    if (queueSignal.aborted) onQueueAbort();
    else queueSignal.addEventListener('abort', onQueueAbort, { once: true });
    // Composed, not linked by listeners: what the attempt started keeps the term's fence after it returned.
    const signal = AbortSignal.any([this.term.signal, deadline.signal, shutdown.signal, ...(shardSignal ? [shardSignal] : [])]);
    const [namespace, name] = key.split('/');
    this.options.log.debug('reconcile started', { attemptId, namespace, name, at: startedAt });
    let outcome: ReconcileResult | undefined;
    let failure: unknown;
    try {
      const work = signal.aborted
        ? Promise.reject(signal.reason as Error)
        : runInCallScope(signal, () => this.options.reconcile(key, signal));
      outcome = await untilAborted(work, graceAfter(signal));
    } catch (error) {
      failure = error;
    } finally {
      clearTimeout(timer);
      queueSignal.removeEventListener('abort', onQueueAbort);
      this.running.delete(token);
      this.lastProgressAt = Date.now();
    }
    const endedAt = Date.now();
    const aborted = signal.aborted ? (signal.reason as ReconcileAborted) : undefined;
    const end = { attemptId, namespace, name, at: endedAt, durationMs: endedAt - startedAt };
    if (aborted) {
      this.options.log.warn('reconcile aborted', { ...end, cause: aborted.kind, error: aborted.message, returned: failure === undefined });
      this.options.log.debug('reconcile finished', { ...end, outcome: 'aborted' });
      // Whatever the attempt returned was decided without its Kubernetes writes: try again.
      return { kind: 'retry', reason: aborted.kind === 'deadline' ? 'ReconcileDeadlineExceeded' : 'ReconcileAborted' };
    }
    this.options.log.debug('reconcile finished', { ...end, outcome: outcome?.kind ?? 'error' });
    if (failure !== undefined) throw failure;
    return outcome as ReconcileResult;
  }
}

/** A signal that fires ABORT_GRACE_MS after `signal` does. */
function graceAfter(signal: AbortSignal): AbortSignal {
  const later = new AbortController();
  const fire = () => setTimeout(() => later.abort(signal.reason), ABORT_GRACE_MS).unref();
  if (signal.aborted) fire();
  else signal.addEventListener('abort', fire, { once: true });
  return later.signal;
}
