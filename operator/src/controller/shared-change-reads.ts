// One change-log read per account, log source and interval, shared by the services that
// point at the account (issue: calls flat in services). Without it each service read
// the trail's files (or the Activity Log) from its own watermark: 50 services on an
// account listed the same bucket 50 times an interval.
//
// A kept read serves another service only when it reads nothing less than the service
// would have: it started at or before the service's watermark (nothing skipped), at most
// one re-read overlap earlier (the extra records are ones every pass re-reads anyway and
// are merged by event id), it moves the watermark on, it is younger than the service's
// interval, and the service has not had it yet (a service reconciled again, e.g. whose
// status write was skipped because nothing changed, reads anew). The services that share
// a read share its readUntil, so from the next interval on they ask for the same window.

import { createHash } from 'node:crypto';

import { inventoryCacheKey } from '../providers/cache.js';
import type { ChangeLogReader, ChangeQuery, ChangeReadResult, CollectTarget } from '../providers/types.js';

/** How much earlier than a service's watermark a shared read may start: the AWS reader's re-read overlap. */
export const SHARE_WINDOW_MS = 15 * 60_000;
/** Reads kept (one per account, log source and watched identities; least recently stored dropped first). */
export const SHARED_READS_MAX = 512;
/** Records held by kept reads together; a read holding more than a tenth of it is returned, not kept. */
export const SHARED_RECORDS_MAX = 200_000;
/** Services remembered per kept read as having had it; past this the read is not shared further. */
export const CONSUMERS_PER_READ_MAX = 10_000;

interface KeptRead {
  accountName: string;
  since: number;
  now: number;
  freshUntil: number;
  result: Promise<ChangeReadResult>;
  /** Records held once settled (0 while in flight). */
  records: number;
  /** The services (namespace/name) given this read. */
  consumers: Set<string>;
}

function keyOf(target: CollectTarget, query: ChangeQuery): string {
  const trails = (query.auditTrails ?? []).map((t) => [t.destination ?? '', t.destinationRegion ?? '', t.logging, t.multiRegion]);
  const watched = [...new Set(query.watchedIdentities ?? [])].sort();
  const rest = createHash('sha256')
    .update(JSON.stringify([target.changeLogSource ?? null, watched, trails]))
    .digest('hex')
    .slice(0, 16);
  return `${inventoryCacheKey(target)}/${rest}`;
}

export class SharedChangeReads {
  private readonly kept = new Map<string, KeptRead>();
  private recordsHeld = 0;

  constructor(private readonly max = { reads: SHARED_READS_MAX, records: SHARED_RECORDS_MAX }) {}

  /**
   * A kept read that serves this query, else a new read through `reader` (kept for
   * `freshForMs`); `readAt` is when the read was made (the evidence's time, not the asker's).
   */
  async read(
    reader: ChangeLogReader,
    target: CollectTarget,
    query: ChangeQuery,
    freshForMs: number,
    /** The service asking (namespace/name). */
    consumer: string,
  ): Promise<{ result: ChangeReadResult; readAt: Date }> {
    const key = keyOf(target, query);
    const since = query.since.getTime();
    const now = query.now.getTime();
    const entry = this.kept.get(key);
    if (entry && entry.freshUntil <= now) this.remove(key, entry);
    else if (entry && !entry.consumers.has(consumer) && entry.consumers.size < CONSUMERS_PER_READ_MAX && entry.since <= since && since - entry.since <= SHARE_WINDOW_MS) {
      entry.consumers.add(consumer);
      const shared = await entry.result.catch(() => undefined);
      // A read that does not move this watermark on is not reused.
      if (shared && (!shared.ok || Date.parse(shared.readUntil) > since)) return { result: shared, readAt: new Date(entry.now) };
    }
    const result = reader.readChanges(target, query);
    const own: KeptRead = { accountName: target.accountName ?? '-', since, now, freshUntil: now + freshForMs, result, records: 0, consumers: new Set([consumer]) };
    this.store(key, own);
    try {
      const settled = await result;
      if (this.kept.get(key) === own) this.settle(key, own, settled);
      return { result: settled, readAt: query.now };
    } catch (error) {
      // An aborted or broken read is not shared: the next service reads for itself.
      if (this.kept.get(key) === own) this.remove(key, own);
      throw error;
    }
  }

  /** Forgets the reads of these accounts (their shard went to another replica). */
  forget(which: (accountName: string) => boolean): void {
    for (const [key, entry] of this.kept) if (which(entry.accountName)) this.remove(key, entry);
  }

  get size(): number {
    return this.kept.size;
  }

  private store(key: string, entry: KeptRead): void {
    const previous = this.kept.get(key);
    if (previous) this.remove(key, previous);
    this.kept.set(key, entry);
    this.trim();
  }

  private settle(key: string, entry: KeptRead, result: ChangeReadResult): void {
    const records = result.ok ? result.records.length : 0;
    if (records > this.max.records / 10) {
      this.remove(key, entry);
      return;
    }
    entry.records = records;
    this.recordsHeld += records;
    this.trim();
  }

  private remove(key: string, entry: KeptRead): void {
    this.kept.delete(key);
    this.recordsHeld -= entry.records;
  }

  private trim(): void {
    while (this.kept.size > this.max.reads || this.recordsHeld > this.max.records) {
      const [oldest, entry] = this.kept.entries().next().value as [string, KeptRead];
      this.remove(oldest, entry);
    }
  }
}
