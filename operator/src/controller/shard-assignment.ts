// Which shard an account is in, and which replica should own a shard: pure functions.
//
// - An account's shard is a stable hash of its CloudAccount *name* mod the shard count.
//   The name, not the uid: a CloudService names its account (spec.accountRef.name), so
//   its shard is known from its own spec, before (or without) the account existing; a
//   dangling reference and the account created later land on the same replica, and a
//   deleted and re-created account keeps its shard. The name is also what the shared
//   inventory cache keys an account by. A service's shard is the shard of the name it
//   references, whether or not that CloudAccount exists.
// - A shard's owner is the live replica with the highest rendezvous weight
//   (highest-random-weight hashing, as Argo CD shards clusters over controllers): adding
//   a replica moves only the shards it now wins (about 1/N), removing one moves only
//   the shards it had.
// SHA-256 is used for both so the mapping is the same on every Node version and
// platform; changing either function moves accounts between replicas on upgrade.

import { createHash } from 'node:crypto';

/** The first 48 bits of SHA-256 of `text`, as a number (exact in a double). */
function hash48(text: string): number {
  return Number.parseInt(createHash('sha256').update(text).digest('hex').slice(0, 12), 16);
}

/** The shard (0..shards-1) of a cluster-scoped CloudAccount name. */
export function shardOfAccount(accountName: string, shards: number): number {
  if (shards <= 1) return 0;
  return hash48(accountName) % shards;
}

/** Rendezvous weight of a replica for a shard. */
export function rendezvousWeight(shard: number, member: string): number {
  return hash48(`${shard}\u0000${member}`);
}

/** The member that should own `shard`: the highest weight, ties broken by name; undefined without members. */
export function rendezvousOwner(shard: number, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const member of members) {
    const weight = rendezvousWeight(shard, member);
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && member < best)) {
      best = member;
      bestWeight = weight;
    }
  }
  return best;
}

/** The owner of every shard 0..shards-1 over `members`. */
export function assignShards(shards: number, members: readonly string[]): Array<string | undefined> {
  return Array.from({ length: shards }, (_, shard) => rendezvousOwner(shard, members));
}

/** Account names hashed at most this many at once; the memo is cleared when full. */
const SHARD_MEMO_MAX = 10_000;

/**
 * shardOfAccount with a bounded memo: a shard gained or lost walks every cached service,
 * and the same few account names come up again and again.
 */
export class AccountShards {
  private readonly memo = new Map<string, number>();

  constructor(readonly shards: number) {}

  of(accountName: string): number {
    if (this.shards <= 1) return 0;
    let shard = this.memo.get(accountName);
    if (shard === undefined) {
      if (this.memo.size >= SHARD_MEMO_MAX) this.memo.clear();
      shard = shardOfAccount(accountName, this.shards);
      this.memo.set(accountName, shard);
    }
    return shard;
  }
}
