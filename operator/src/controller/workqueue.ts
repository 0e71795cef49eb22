// A work queue in the manner of client-go's: keys only, never two workers on one key,
// duplicate adds collapse, per-key exponential backoff, delayed adds keep the earliest.
// Delays of any length are safe: Node fires a setTimeout above MAX_TIMER_DELAY_MS after
// 1 ms, so longer waits are chained in steps below that limit.

import { MAX_TIMER_DELAY_MS } from '../api/duration.js';

export type ReconcileResult =
  /**
   * Done; come back after `requeueAfterMs` (the service's interval) if given. `dropped`:
   * nothing was run (another replica owns the key's shard), not counted as a reconcile.
   */
  | { kind: 'done'; requeueAfterMs?: number; dropped?: 'ShardNotOwned' }
  /**
   * Transient failure: retry after `retryAfterMs` when another component owns the backoff
   * (the shared account cache's next attempt), else with this key's exponential backoff.
   */
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  /**
   * Will not succeed by retrying (bad input): wait for the next change (a watch adds
   * the key), or until `requeueAfterMs` (a long ceiling) if given. No backoff.
   */
  | { kind: 'terminal'; reason: string; requeueAfterMs?: number };

export type Handler = (key: string, signal: AbortSignal) => Promise<ReconcileResult>;

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** Per-key exponential backoff, cleared by `forget` on success. */
export class ExponentialBackoff {
  private readonly failures = new Map<string, number>();
  constructor(private readonly options: BackoffOptions) {}

  next(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.options.maxMs, this.options.baseMs * 2 ** n);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}

export interface WorkQueueOptions {
  concurrency: number;
  backoff: BackoffOptions;
  /** Observes every finished item, e.g. for metrics. */
  onResult?: (key: string, result: ReconcileResult | { kind: 'error'; error: unknown }, durationMs: number) => void;
  onDepthChange?: (depth: number) => void;
  /** Monotonic clock in ms for delayed adds (default performance.now; tests inject one). */
  now?: () => number;
}

interface Delayed {
  /** When the key is due, on `now`'s scale. */
  at: number;
  /** The current step of the chain. */
  timer: NodeJS.Timeout;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  /** Keys added again while being processed: requeued when the worker finishes. */
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, Delayed>();
  private readonly backoff: ExponentialBackoff;
  private readonly now: () => number;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  private workers: Promise<void>[] = [];
  private shuttingDown = false;

  constructor(private readonly options: WorkQueueOptions) {
    this.backoff = new ExponentialBackoff(options.backoff);
    this.now = options.now ?? (() => performance.now());
  }

  get depth(): number {
    return this.queue.length;
  }

  get inFlight(): number {
    return this.processing.size;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.depthChanged();
    this.wake?.();
  }

  /** Adds after a delay; an earlier pending delay for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const entry: Delayed = { at, timer: this.step(key, delayMs) };
    this.delayed.set(key, entry);
  }

  /** One timer of a delayed add's chain: at most MAX_TIMER_DELAY_MS, then the next step or the add. */
  private step(key: string, remainingMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const entry = this.delayed.get(key);
      if (!entry) return;
      const left = entry.at - this.now();
      if (left > 0) {
        entry.timer = this.step(key, left);
        return;
      }
      this.delayed.delete(key);
      this.add(key);
    }, Math.min(Math.max(remainingMs, 1), MAX_TIMER_DELAY_MS));
    timer.unref();
    return timer;
  }

  addRateLimited(key: string): number {
    const delay = this.backoff.next(key);
    this.addAfter(key, delay);
    return delay;
  }

  /** Drops backoff and any pending delayed add, e.g. when the object is deleted. */
  forget(key: string): void {
    this.backoff.forget(key);
    const pending = this.delayed.get(key);
    if (pending) {
      clearTimeout(pending.timer);
      this.delayed.delete(key);
    }
  }

  retries(key: string): number {
    return this.backoff.retries(key);
  }

  start(handler: Handler): void {
    for (let i = 0; i < this.options.concurrency; i++) this.workers.push(this.work(handler));
  }

  /** Resolves when nothing is queued or running (delayed adds do not count). */
  whenIdle(): Promise<void> {
    if (this.queue.length === 0 && this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking work. In-flight handlers get `graceMs` to finish before their
   * AbortSignal fires; queued keys are abandoned (level-based: the next leader relists).
   */
  async shutdown(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.queue.length = 0;
    this.queued.clear();
    this.wake?.();
    const finished = Promise.all(this.workers);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, Math.min(graceMs, MAX_TIMER_DELAY_MS)).unref());
    await Promise.race([finished, grace]);
    this.abort.abort(new Error('shutting down'));
    await finished;
  }

  private async work(handler: Handler): Promise<void> {
    for (;;) {
      const key = await this.next();
      if (key === undefined) return;
      const started = performance.now();
      let outcome: ReconcileResult | { kind: 'error'; error: unknown };
      try {
        outcome = await handler(key, this.abort.signal);
      } catch (error) {
        outcome = { kind: 'error', error };
      }
      this.options.onResult?.(key, outcome, performance.now() - started);
      this.processing.delete(key);
      this.settle(key, outcome);
      if (this.dirty.delete(key)) this.add(key);
      if (this.queue.length === 0 && this.processing.size === 0) {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    }
  }

  private settle(key: string, outcome: ReconcileResult | { kind: 'error'; error: unknown }): void {
    switch (outcome.kind) {
      case 'done':
        this.backoff.forget(key);
        if (outcome.requeueAfterMs !== undefined) this.addAfter(key, outcome.requeueAfterMs);
        break;
      case 'terminal':
        this.backoff.forget(key);
        if (outcome.requeueAfterMs !== undefined) this.addAfter(key, outcome.requeueAfterMs);
        break;
      case 'retry':
        if (outcome.retryAfterMs === undefined) {
          this.addRateLimited(key);
          break;
        }
        // The backoff is owned elsewhere: none of this queue's on top.
        this.backoff.forget(key);
        this.addAfter(key, outcome.retryAfterMs);
        break;
      case 'error':
        this.addRateLimited(key);
        break;
    }
  }

  private async next(): Promise<string | undefined> {
    for (;;) {
      if (this.shuttingDown) return undefined;
      const key = this.queue.shift();
      if (key !== undefined) {
        this.queued.delete(key);
        this.processing.add(key);
        this.depthChanged();
        return key;
      }
      await new Promise<void>((resolve) => {
        const previous = this.wake;
        this.wake = () => {
          this.wake = undefined;
          previous?.();
          resolve();
        };
      });
    }
  }

  private depthChanged(): void {
    this.options.onDepthChange?.(this.queue.length);
  }
}
