// The drill's sample: the prefix listed (paginated, bounded) for its totals, and a
// deterministic pick of the objects to export. The `sampleObjects` keys with the
// smallest SHA-256(<UTC day> + key) are picked, so an auditor can reproduce the pick for
// a given day and the sample rotates from day to day; objects that would exceed the
// local byte budget are skipped (counted).

import { createHash } from 'node:crypto';

import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

import type { ExitDrillResult } from '../inventory/exit-drill.js';

/** A listed object that may be sampled, with its sort key. */
export interface Listed {
  key: string;
  size: number;
  hash: string;
}

/** The seed of the deterministic sample: the UTC calendar day of the run. */
export function sampleSeed(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** Sort key of an object in the sample: SHA-256 of seed and key. */
export function sampleHash(seed: string, key: string): string {
  return createHash('sha256').update(seed).update('\0').update(key).digest('hex');
}

/**
 * Picks the sample from candidates sorted by hash: the first `count` that fit the byte
 * budget, each costing `cost(size)` of it (default its size; the drill counts disk
 * blocks). Returns the picks (sorted by key) and how many were skipped for size.
 */
export function pickSample(
  candidates: readonly Listed[],
  count: number,
  maxBytes: number,
  cost: (size: number) => number = (size) => size,
): { picked: Listed[]; oversizedSkipped: number } {
  const sorted = [...candidates].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const picked: Listed[] = [];
  let budget = maxBytes;
  let oversizedSkipped = 0;
  for (const c of sorted) {
    if (picked.length >= count) break;
    const bytes = cost(c.size);
    if (bytes > budget) {
      oversizedSkipped++;
      continue;
    }
    picked.push(c);
    budget -= bytes;
  }
  picked.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { picked, oversizedSkipped };
}

/** Keeps the `limit` entries with the smallest hash (an ordered insert; limit is small). */
function keepSmallest(pool: Listed[], entry: Listed, limit: number): void {
  if (pool.length >= limit && entry.hash >= (pool[pool.length - 1] as Listed).hash) return;
  let i = pool.length;
  while (i > 0 && (pool[i - 1] as Listed).hash > entry.hash) i--;
  pool.splice(i, 0, entry);
  if (pool.length > limit) pool.pop();
}

/**
 * Lists the prefix, counting every object into `totals` (so a listing that fails half-way
 * leaves what it counted) and keeping the `poolSize` candidates with the smallest hash.
 * Rejects with the S3 error when a page cannot be read.
 */
export async function listSampleCandidates(
  s3: S3Client,
  location: { bucket: string; prefix: string },
  seed: string,
  poolSize: number,
  maxPages: number,
  totals: Pick<ExitDrillResult, 'totalObjects' | 'totalBytes' | 'listingComplete'>,
  send: { abortSignal?: AbortSignal },
): Promise<Listed[]> {
  const pool: Listed[] = [];
  let token: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: location.bucket, Prefix: location.prefix || undefined, ContinuationToken: token, MaxKeys: 1000 }),
      send,
    );
    pages++;
    for (const o of page.Contents ?? []) {
      const key = o.Key;
      if (key === undefined) continue;
      const size = o.Size ?? 0;
      if (key.endsWith('/') && size === 0) continue; // "folder" marker, not data
      totals.totalObjects++;
      totals.totalBytes += size;
      keepSmallest(pool, { key, size, hash: sampleHash(seed, key) }, poolSize);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (!token) {
      totals.listingComplete = true;
      break;
    }
    if (pages >= maxPages) break;
  }
  return pool;
}
