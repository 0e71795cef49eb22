// Runs exit drills off the reconcile path. A drill downloads a sample of a data store
// and can take minutes; run inline it would hold a reconcile worker (and every other
// service queued behind it) for that long. The reconciler asks for a drill when one is
// due; the runner starts it in the background with bounded concurrency and wakes the
// service when the result is ready, and the next reconcile takes it.

import type { ExitDrillResult } from '../inventory/exit-drill.js';

export type DrillJob = (signal: AbortSignal) => Promise<ExitDrillResult>;

export type DrillRequestOutcome =
  | { state: 'finished'; result: ExitDrillResult }
  | { state: 'running'; since: Date }
  | { state: 'queued'; since: Date };

export interface ExitDrillRunnerOptions {
  /** Drills at the same time, across all services (default 2). */
  concurrency?: number;
  /** Called when a drill failed unexpectedly (the job maps expected failures itself). */
  onError?: (key: string, error: unknown) => void;
  clock?: () => Date;
}

interface Entry {
  fingerprint: string;
  since: Date;
  wake: () => void;
  job: DrillJob;
  started: boolean;
}

interface Finished {
  fingerprint: string;
  result: ExitDrillResult;
  at: Date;
}

/** An unclaimed result of a service that was deleted meanwhile is dropped after a day. */
const FINISHED_TTL_MS = 24 * 3_600_000;

export class ExitDrillRunner {
  private readonly pending = new Map<string, Entry>();
  private readonly finished = new Map<string, Finished>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly concurrency: number;
  private readonly clock: () => Date;
  private running = 0;

  constructor(private readonly options: ExitDrillRunnerOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * A due drill for `key`. `fingerprint` names what is drilled (the drill spec): a
   * result for another fingerprint is stale and dropped. Returns the finished result
   * once (the caller records it), otherwise starts or keeps the job and says so;
   * `wake` is called when the result is ready.
   */
  request(key: string, fingerprint: string, job: DrillJob, wake: () => void): DrillRequestOutcome {
    this.dropExpired();
    const done = this.finished.get(key);
    if (done) {
      this.finished.delete(key);
      if (done.fingerprint === fingerprint) return { state: 'finished', result: done.result };
    }
    const entry = this.pending.get(key);
    if (entry) {
      entry.wake = wake; // the latest reconcile's wake-up
      return { state: entry.started ? 'running' : 'queued', since: entry.since };
    }
    if (this.abort.signal.aborted) return { state: 'queued', since: this.clock() };
    const fresh: Entry = { fingerprint, since: this.clock(), wake, job, started: false };
    this.pending.set(key, fresh);
    this.pump();
    return { state: fresh.started ? 'running' : 'queued', since: fresh.since };
  }

  /** Drills started or waiting (for tests and metrics). */
  get size(): number {
    return this.pending.size;
  }

  /** Aborts running drills and waits for them to wind down. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('operator stopping'));
    this.pending.forEach((entry, key) => {
      if (!entry.started) this.pending.delete(key);
    });
    await Promise.allSettled([...this.inFlight]);
  }

  private pump(): void {
    for (const [key, entry] of this.pending) {
      if (this.running >= this.concurrency) return;
      if (entry.started) continue;
      entry.started = true;
      this.running++;
      const run = this.execute(key, entry).finally(() => {
        this.running--;
        this.inFlight.delete(run);
        if (!this.abort.signal.aborted) this.pump();
      });
      this.inFlight.add(run);
    }
  }

  private async execute(key: string, entry: Entry): Promise<void> {
    try {
      const result = await entry.job(this.abort.signal);
      if (this.abort.signal.aborted) return;
      this.finished.set(key, { fingerprint: entry.fingerprint, result, at: this.clock() });
      this.pending.delete(key);
      entry.wake();
    } catch (error) {
      // No result: the service's next periodic reconcile asks again (no hot retry loop).
      this.pending.delete(key);
      if (!this.abort.signal.aborted) this.options.onError?.(key, error);
    }
  }

  private dropExpired(): void {
    const cutoff = this.clock().getTime() - FINISHED_TTL_MS;
    for (const [key, done] of this.finished) if (done.at.getTime() < cutoff) this.finished.delete(key);
  }
}
