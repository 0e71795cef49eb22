// Which shard an account is in and which replica owns a shard (controller/shard-assignment.ts):
// deterministic, spread evenly, and rendezvous hashing moves only what it must.

import { AccountShards, assignShards, rendezvousOwner, shardOfAccount } from '../../../operator/src/controller/shard-assignment.js';

const SHARDS = 64;
const replicas = (n: number) => Array.from({ length: n }, (_, i) => `cloud-posture-operator-7d9c8b-${String.fromCharCode(97 + i)}x${i}`);
const moved = (before: Array<string | undefined>, after: Array<string | undefined>) => before.flatMap((owner, shard) => (after[shard] !== owner ? [shard] : []));

describe('shard of an account', () => {
  it('is a fixed function of the CloudAccount name (pinned: changing it moves accounts on upgrade)', () => {
    expect(['payments-prod', 'marketing-sandbox', 'data-lake', 'team-a.payments'].map((name) => shardOfAccount(name, 16))).toEqual([5, 4, 14, 7]);
  });

  it('is 0 with one shard, and in range otherwise', () => {
    expect(shardOfAccount('anything', 1)).toBe(0);
    for (let i = 0; i < 500; i++) {
      const shard = shardOfAccount(`account-${i}`, 7);
      expect(shard >= 0 && shard < 7 && Number.isInteger(shard)).toBe(true);
    }
  });

  it('spreads 6,400 account names over 64 shards evenly (each within 50-150 of the mean 100)', () => {
    const counts = new Array<number>(SHARDS).fill(0);
    for (let i = 0; i < 6_400; i++) counts[shardOfAccount(`bench-${400000000000 + i}`, SHARDS)]! += 1;
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...counts)).toBeLessThanOrEqual(150);
  });

  it('AccountShards memoises the same answers', () => {
    const shards = new AccountShards(SHARDS);
    for (const name of ['a', 'b', 'payments-prod', 'a']) expect(shards.of(name)).toBe(shardOfAccount(name, SHARDS));
    expect(new AccountShards(1).of('x')).toBe(0);
  });
});

describe('rendezvous assignment of shards to replicas', () => {
  it('is deterministic and independent of the order replicas are listed in', () => {
    const three = replicas(3);
    expect(assignShards(SHARDS, three)).toEqual(assignShards(SHARDS, [...three].reverse()));
    expect(rendezvousOwner(5, [])).toBeUndefined();
    expect(assignShards(4, ['only'])).toEqual(['only', 'only', 'only', 'only']);
  });

  it('gives every replica a share of 64 shards', () => {
    const owners = assignShards(SHARDS, replicas(3));
    for (const r of replicas(3)) expect(owners.filter((o) => o === r).length).toBeGreaterThanOrEqual(10);
  });

  it('a 4th replica takes about 1/4 of 64 shards, all from the others and none among them', () => {
    const before = assignShards(SHARDS, replicas(3));
    const after = assignShards(SHARDS, replicas(4));
    const changed = moved(before, after);
    const newcomer = replicas(4)[3];
    // Every shard that moved went to the new replica; nothing moved between the old ones.
    expect(changed.every((shard) => after[shard] === newcomer)).toBe(true);
    // About 16 of 64 (1/4); rendezvous hashing is random-like, so a band, not a number.
    expect(changed.length).toBeGreaterThanOrEqual(8);
    expect(changed.length).toBeLessThanOrEqual(26);
  });

  it('removing a replica moves only its shards, spread over the others', () => {
    const four = replicas(4);
    const before = assignShards(SHARDS, four);
    const gone = four[1] as string;
    const after = assignShards(SHARDS, four.filter((r) => r !== gone));
    const changed = moved(before, after);
    expect(changed.sort((a, b) => a - b)).toEqual(before.flatMap((o, shard) => (o === gone ? [shard] : [])));
    expect(new Set(changed.map((shard) => after[shard])).size).toBeGreaterThan(1);
  });
});
