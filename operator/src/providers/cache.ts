// One inventory collection per account per interval, shared by every CloudService
// that points at the account (cache + single flight). Generic over the collector.
//
//   const cache = new SharedInventoryCache(collector);
//   const result = await cache.get(target, intervalMs, signal);
//
// - A result is reused while younger than the caller's `maxAgeMs` (its interval).
// - Concurrent callers for the same account share one in-flight collection.
// - A failed collection is reused only for `failureTtlMs` (default 30 s), so a
//   burst of reconciles does not hammer a broken account, yet recovery is quick.
//   Consecutive transient failures double it (the per-account backoff); `read` says
//   when that is over, and the work queue retries a service then instead of stacking
//   a backoff of its own on top. A permanent failure (inventory/failure-kind.ts) is
//   not doubled: nothing retries it in a loop (the service is Stalled), and a change
//   a person makes to the spec must be read within `failureTtlMs`.
// - A caller's AbortSignal only stops that caller's wait; the shared collection goes
//   on for the others (`close()` aborts every collection still in flight).

import { createHash } from 'node:crypto';

import { failureKind } from '../inventory/failure-kind.js';
import type { InventoryResult } from '../inventory/types.js';
import type { CollectTarget, InventoryCollector } from './types.js';

export interface SharedInventoryCacheOptions {
  /**
   * How long a failed result is reused after the first failure (default 30 s). Each
   * further consecutive transient failure of the same account doubles it up to
   * `maxFailureTtlMs`: a per-account backoff, so a throttled or broken account is not
   * hammered by every service that points at it. A success resets it; a permanent
   * failure is always kept for this long only.
   */
  failureTtlMs?: number;
  /** Cap of the per-account backoff (default 10 min; never longer than the caller's max age). */
  maxFailureTtlMs?: number;
  /** Results kept at most; the least recently stored go first (default 1,000). */
  maxEntries?: number;
  /** Injected clock in ms (default Date.now). */
  now?: () => number;
}

interface Stored {
  result: InventoryResult;
  at: number;
  /** Consecutive failures of this account, this one included (0 for a success). */
  failures: number;
}

interface InFlight {
  promise: Promise<InventoryResult>;
  controller: AbortController;
}

function digest(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

/**
 * The cache key: provider + CloudAccount + account id + role (readable), plus a hash of
 * everything else that changes what a collection returns (external id, scanned regions,
 * log vault, which static credentials). Every service on one account shares one
 * collection per interval, whichever admitted namespace it is in. The role session name
 * is left out on purpose: a collection is made under the session of the namespace whose
 * check triggered it, so the account's CloudTrail names the team whose check did read,
 * and the other services are served what that read returned. Never contains a secret.
 */
export function inventoryCacheKey(target: CollectTarget): string {
  const creds = target.credentials
    ? digest([target.credentials.accessKeyId, target.credentials.secretAccessKey, target.credentials.sessionToken ?? ''])
    : target.azureCredentials
      ? digest([target.azureCredentials.tenantId, target.azureCredentials.clientId, target.azureCredentials.clientSecret])
      : '';
  const aws = target.account.aws;
  const azure = target.account.azure;
  const account = target.accountName ?? '-';
  if (target.provider === 'aws' && aws) {
    const regions = [...(aws.regions ?? [])].sort();
    return `aws/${account}/${aws.accountId}/${aws.roleArn ?? '-'}/${digest([aws.externalId ?? '', regions, target.logVault ?? null, creds])}`;
  }
  if (target.provider === 'azure' && azure) {
    return `azure/${account}/${azure.tenantId}/${azure.subscriptionId}/${azure.clientId ?? '-'}/${digest([target.logVault ?? null, creds])}`;
  }
  return `${target.provider}/${account}/${digest([target.account, target.logVault ?? null, creds])}`;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

export class SharedInventoryCache {
  private readonly done = new Map<string, Stored>();
  private readonly flights = new Map<string, InFlight>();
  private readonly failureTtlMs: number;
  private readonly maxFailureTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** Collections actually started (for tests and metrics). */
  collections = 0;

  constructor(
    private readonly collector: InventoryCollector,
    opts: SharedInventoryCacheOptions = {},
  ) {
    this.failureTtlMs = opts.failureTtlMs ?? 30_000;
    this.maxFailureTtlMs = Math.max(this.failureTtlMs, opts.maxFailureTtlMs ?? 600_000);
    this.maxEntries = opts.maxEntries ?? 1_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * The account's inventory, no older than `maxAgeMs` (successes) or
   * `min(maxAgeMs, failureTtlMs)` (failures). Rejects only when `signal` aborts.
   */
  async get(target: CollectTarget, maxAgeMs: number, signal?: AbortSignal): Promise<InventoryResult> {
    if (signal?.aborted) throw abortError(signal);
    const key = inventoryCacheKey(target);
    const stored = this.done.get(key);
    if (stored && this.fresh(stored, maxAgeMs)) return stored.result;
    let flight = this.flights.get(key);
    if (!flight) flight = this.start(key, target);
    if (!signal) return flight.promise;
    return new Promise<InventoryResult>((resolve, reject) => {
      const onAbort = (): void => reject(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  /**
   * `get`, with a failed result stamped with `retryAt`: when this cache collects the
   * account again for a caller with this `maxAgeMs` (the one backoff a transient
   * failure's retry follows). The stored result itself is never changed.
   */
  async read(target: CollectTarget, maxAgeMs: number, signal?: AbortSignal): Promise<InventoryResult> {
    const result = await this.get(target, maxAgeMs, signal);
    if (result.ok || 'skipped' in result) return result;
    const stored = this.done.get(inventoryCacheKey(target));
    if (stored?.result !== result) return result; // not stored (aborted) or already replaced
    return { ...result, retryAt: new Date(stored.at + this.ttl(stored, maxAgeMs)).toISOString() };
  }

  /** The stored result and its age, without collecting. */
  peek(target: CollectTarget): { result: InventoryResult; ageMs: number } | undefined {
    const s = this.done.get(inventoryCacheKey(target));
    return s ? { result: s.result, ageMs: this.now() - s.at } : undefined;
  }

  /** Forget the stored result (an in-flight collection still completes and is stored). */
  invalidate(target: CollectTarget): void {
    this.done.delete(inventoryCacheKey(target));
  }

  clear(): void {
    this.done.clear();
  }

  get size(): number {
    return this.done.size;
  }

  get inFlight(): number {
    return this.flights.size;
  }

  /** Abort every collection in flight (shutdown). */
  close(): void {
    for (const f of this.flights.values()) f.controller.abort();
  }

  private fresh(s: Stored, maxAgeMs: number): boolean {
    const age = this.now() - s.at;
    return age >= 0 && age < this.ttl(s, maxAgeMs);
  }

  /** How long a stored result is reused by a caller with `maxAgeMs`. */
  private ttl(s: Stored, maxAgeMs: number): number {
    if (s.result.ok) return maxAgeMs;
    const backoff =
      failureKind(s.result.failure.reason) === 'permanent'
        ? this.failureTtlMs
        : Math.min(this.maxFailureTtlMs, this.failureTtlMs * 2 ** Math.max(0, s.failures - 1));
    return Math.min(maxAgeMs, backoff);
  }

  private start(key: string, target: CollectTarget): InFlight {
    const controller = new AbortController();
    this.collections++;
    const promise = (async (): Promise<InventoryResult> => {
      let result: InventoryResult;
      try {
        result = await this.collector.collect(target, controller.signal);
      } catch (err) {
        // collectors should not throw; keep the contract for the callers anyway
        result = {
          ok: false,
          failure: { reason: 'CollectionError', message: err instanceof Error ? err.message : String(err) },
        };
      }
      if (!controller.signal.aborted) {
        const failures = result.ok ? 0 : (this.done.get(key)?.failures ?? 0) + 1;
        this.done.delete(key);
        this.done.set(key, { result, at: this.now(), failures });
        while (this.done.size > this.maxEntries) {
          const oldest = this.done.keys().next().value;
          if (oldest === undefined) break;
          this.done.delete(oldest);
        }
      }
      return result;
    })().finally(() => {
      if (this.flights.get(key)?.promise === promise) this.flights.delete(key);
    });
    const flight = { promise, controller };
    this.flights.set(key, flight);
    return flight;
  }
}
