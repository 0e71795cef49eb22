// What every AWS service module reads through during one collection: the clients, the
// account and partition, the abort signal, the concurrency bounds, and gap recording
// (a failed read of one area is a gap, not a finding). Plus the paging and shape
// helpers the service modules share.

import type { Tag as Ec2Tag } from '@aws-sdk/client-ec2';
import type { Tag as RdsTag } from '@aws-sdk/client-rds';

import type { CollectionGap, InventoryArea } from '../../inventory/types.js';
import { GapLog } from '../collection-log.js';
import { FatalCollection } from '../collection.js';
import type { CollectTarget } from '../types.js';
import type { AwsClients } from './clients.js';
import { classifyAwsError, gapReason, type ClassifiedError } from './errors.js';

/** Concurrency and polling bounds of a collection. */
export interface AwsCollectionLimits {
  /** Regions scanned at once (default 8). */
  regionConcurrency?: number;
  /** Buckets read at once (default 16). */
  bucketConcurrency?: number;
  /** Per-resource reads (snapshot attributes, ListMFADevices, trail status) at once (default 8). */
  itemConcurrency?: number;
  /** Wait between credential report polls (default 2 s). */
  reportPollIntervalMs?: number;
  /** Give up on the credential report after this long (default 120 s). */
  reportTimeoutMs?: number;
}

/** One collection of one account. */
export class AwsCollection {
  private readonly gapLog = new GapLog();
  /** Options for `send`: every request stops with the collection. */
  readonly o: { abortSignal: AbortSignal };
  readonly limits: Required<AwsCollectionLimits>;

  constructor(
    readonly clients: AwsClients,
    readonly target: CollectTarget,
    limits: AwsCollectionLimits,
    readonly signal: AbortSignal,
    private readonly secrets: readonly (string | undefined)[],
    /** The caller's account (sts:GetCallerIdentity, equal to the spec's). */
    readonly accountId: string,
    /** `aws`, `aws-cn`, `aws-us-gov`, ... from the caller's ARN. */
    readonly partition: string,
  ) {
    this.o = { abortSignal: signal };
    this.limits = {
      regionConcurrency: limits.regionConcurrency ?? 8,
      bucketConcurrency: limits.bucketConcurrency ?? 16,
      itemConcurrency: limits.itemConcurrency ?? 8,
      reportPollIntervalMs: limits.reportPollIntervalMs ?? 2_000,
      reportTimeoutMs: limits.reportTimeoutMs ?? 120_000,
    };
  }

  classify(err: unknown): ClassifiedError {
    return classifyAwsError(err, this.secrets);
  }

  /** Record a gap for an area (deduplicated by area + reason). Aborts propagate. */
  gap(area: InventoryArea, err: unknown, context: string): void {
    if (this.signal.aborted) throw this.signal.reason ?? err;
    const c = this.classify(err);
    if (c.reason === 'RegionNotEnabled') return; // a disabled region holds nothing
    this.gapLog.add(area, gapReason(c.reason), `${context}: ${c.code}`);
  }

  gaps(): CollectionGap[] {
    return this.gapLog.list();
  }

  /** Run `fn`; on failure record a gap and return undefined. */
  async attempt<T>(area: InventoryArea, context: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      this.gap(area, err, context);
      return undefined;
    }
  }

  /** Every page of a list call; on failure a gap and undefined. */
  list<T>(area: InventoryArea, context: string, page: (token?: string) => Promise<{ items: T[]; next?: string | undefined }>): Promise<T[] | undefined> {
    return this.attempt(area, context, () => paginate(page));
  }

  /** The failure that ends the collection, from an error of `context`. */
  fatal(err: unknown, context: string): FatalCollection {
    return fatalFrom(err, context, this.secrets);
  }

  arn(service: string, region: string, resource: string): string {
    return `arn:${this.partition}:${service}:${region}:${this.accountId}:${resource}`;
  }
}

export function fatalFrom(err: unknown, context: string, secrets: readonly (string | undefined)[]): FatalCollection {
  return err instanceof FatalCollection ? err : FatalCollection.of(context, classifyAwsError(err, secrets));
}

const MAX_PAGES = 10_000;

/** Paginate with a token; stops on a missing or repeated token. */
export async function paginate<T>(fetch: (token?: string) => Promise<{ items: T[]; next?: string | undefined }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  const seen = new Set<string>();
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await fetch(token);
    out.push(...page.items);
    if (!page.next || seen.has(page.next)) break;
    seen.add(page.next);
    token = page.next;
  }
  return out;
}

export function tagsOf(list: (Ec2Tag | RdsTag)[] | undefined): Record<string, string> | undefined {
  if (!list || list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const t of list) if (t.Key) out[t.Key] = t.Value ?? '';
  return out;
}

export function iso(d: Date | string | undefined): string | undefined {
  if (d === undefined) return undefined;
  const x = d instanceof Date ? d : new Date(d);
  return Number.isNaN(x.getTime()) ? undefined : x.toISOString();
}
