// The two bounds the access reviews live by: an LRU cache with a size bound and a
// lifetime per entry (least recently used entries go first, one at a time, never the
// whole cache at once), and a semaphore that bounds how many reviews are in flight and
// how many may wait for a slot (past that a caller is refused at once, not queued
// without end).

/** Size- and time-bounded cache; `get` refreshes an entry's recency, not its lifetime. */
export class LruCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(
    /** Most entries kept; the least recently used is evicted first. */
    readonly maxEntries: number,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`LruCache: maxEntries must be a positive integer, got ${maxEntries}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expires <= now) return undefined;
    // Map keeps insertion order: re-inserting makes it the most recently used.
    this.entries.set(key, entry);
    return entry.value;
  }

  has(key: string, now: number): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.expires > now;
  }

  set(key: string, value: V, ttlMs: number, now: number): void {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expires: now + ttlMs });
  }
}

/** A caller found every slot taken and the waiting line full. */
export class SemaphoreFullError extends Error {
  override readonly name = 'SemaphoreFullError';
  constructor(readonly what: string, readonly limit: number, readonly maxWaiting: number) {
    super(`${what}: ${limit} in flight and ${maxWaiting} waiting, the bound`);
  }
}

/** At most `limit` tasks run at once; at most `maxWaiting` wait, first come first served. */
export class Semaphore {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly what: string,
    readonly limit: number,
    readonly maxWaiting: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`${what}: the concurrency bound must be a positive integer, got ${limit}`);
    if (!Number.isInteger(maxWaiting) || maxWaiting < 0) throw new Error(`${what}: the waiting bound must be a non-negative integer, got ${maxWaiting}`);
  }

  /** Tasks running now. */
  get inFlight(): number {
    return this.running;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.maxWaiting) throw new SemaphoreFullError(this.what, this.limit, this.maxWaiting);
      // The slot is handed over by the task that finishes (running stays counted).
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
