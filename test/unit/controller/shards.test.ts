// The shard ownership state machine (controller/shards.ts) on a fake clock and an in-memory
// Lease API with the API server's semantics (resourceVersion conflicts, 404, label
// selectors): replicas join, drain and hand over, hang and are fenced, stop and release.
// After every timer step no shard is held by two replicas.

import { Writable } from 'node:stream';
import type { V1Lease } from '@kubernetes/client-node';
import { assignShards } from '../../../operator/src/controller/shard-assignment.js';
import { ShardOwnership, shardLeaseName } from '../../../operator/src/controller/shards.js';
import type { LeaseApi, LeaseTimers } from '../../../operator/src/kube/leader.js';
import { createLogger } from '../../../operator/src/log.js';

const LEASE_DURATION_MS = 4_000;
const RENEW_DEADLINE_MS = 3_000;
const RETRY_PERIOD_MS = 500;
const quiet = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));

/** Timers on a clock that only moves when the test says so. */
class FakeClock implements LeaseTimers {
  private t = 1_000_000;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Runs every timer due within `ms`, in order, letting promises settle after each; `step` after each. */
  async advance(ms: number, step: () => void = () => undefined): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
      await settle();
      step();
    }
    this.t = end;
  }
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

const apiError = (code: number) => Object.assign(new Error(`HTTP ${code}`), { code });
const copy = (lease: V1Lease): V1Lease => JSON.parse(JSON.stringify(lease)) as V1Lease;

/** One namespace's Leases as the API server keeps them; each replica reaches it over a link that can fail or hang. */
class LeaseStore {
  readonly leases = new Map<string, V1Lease>();
  private revision = 0;

  link(): { api: LeaseApi; mode: 'ok' | 'hang' } {
    const link = { mode: 'ok' as 'ok' | 'hang', api: undefined as unknown as LeaseApi };
    const gate = <T>(work: () => T): Promise<T> => (link.mode === 'hang' ? new Promise<T>(() => undefined) : Promise.resolve().then(work));
    link.api = {
      read: (_ns, name) =>
        gate(() => {
          const lease = this.leases.get(name);
          if (!lease) throw apiError(404);
          return copy(lease);
        }),
      create: (_ns, lease) =>
        gate(() => {
          const name = lease.metadata?.name ?? '';
          if (this.leases.has(name)) throw apiError(409);
          return this.store(name, lease);
        }),
      replace: (_ns, name, lease) =>
        gate(() => {
          const current = this.leases.get(name);
          if (!current) throw apiError(404);
          if (current.metadata?.resourceVersion !== lease.metadata?.resourceVersion) throw apiError(409);
          return this.store(name, lease);
        }),
      list: (_ns, selector) =>
        gate(() => {
          const wanted = selector.split(',').map((p) => p.split('=') as [string, string]);
          return [...this.leases.values()].filter((l) => wanted.every(([k, v]) => l.metadata?.labels?.[k] === v)).map(copy);
        }),
    };
    return link;
  }

  holder(name: string): string {
    return this.leases.get(name)?.spec?.holderIdentity ?? '';
  }

  private store(name: string, lease: V1Lease): V1Lease {
    const stored = copy(lease);
    stored.metadata = { ...stored.metadata, name, resourceVersion: String(++this.revision) };
    this.leases.set(name, stored);
    return copy(stored);
  }
}

interface Replica {
  id: string;
  ownership: ShardOwnership;
  link: { mode: 'ok' | 'hang' };
  events: Array<{ what: 'gained' | 'fenced' | 'released'; shard: number; at: number }>;
}

describe('shard ownership', () => {
  let clock: FakeClock;
  let store: LeaseStore;
  let replicas: Replica[];
  /** Every (shard, holders) seen held by more than one replica at once. */
  let violations: string[];

  const start = (id: string, shards: number, drainTimeoutMs = 60_000): Replica => {
    const link = store.link();
    const events: Replica['events'] = [];
    const ownership = new ShardOwnership({
      leases: link.api,
      namespace: 'ns',
      prefix: 'cpo',
      identity: id,
      shards,
      leaseDurationMs: LEASE_DURATION_MS,
      renewDeadlineMs: RENEW_DEADLINE_MS,
      retryPeriodMs: RETRY_PERIOD_MS,
      requestTimeoutMs: 60_000,
      drainTimeoutMs,
      onGained: (shard) => events.push({ what: 'gained', shard, at: clock.now() }),
      onLost: (shard, cause) => events.push({ what: cause, shard, at: clock.now() }),
      log: quiet,
      timers: clock,
      random: () => 0,
    });
    const replica = { id, ownership, link, events };
    replicas.push(replica);
    ownership.start();
    return replica;
  };
  const exclusive = () => {
    const shards = Math.max(0, ...replicas.flatMap((r) => r.ownership.held())) + 1;
    for (let shard = 0; shard < shards; shard++) {
      const holders = replicas.filter((r) => r.ownership.held().includes(shard)).map((r) => r.id);
      if (holders.length > 1) violations.push(`${clock.now()}: shard ${shard} held by ${holders.join(', ')}`);
    }
  };
  const advance = (ms: number) => clock.advance(ms, exclusive);
  const heldBy = (shards: number) => Array.from({ length: shards }, (_, s) => replicas.find((r) => r.ownership.held().includes(s))?.id);

  beforeEach(() => {
    clock = new FakeClock();
    store = new LeaseStore();
    replicas = [];
    violations = [];
  });
  afterEach(async () => {
    for (const r of replicas) r.link.mode = 'ok';
    const stopping = Promise.all(replicas.map((r) => r.ownership.stop()));
    await clock.advance(10);
    await stopping;
    expect(violations).toEqual([]);
  });

  it('a single replica takes its member slot and every shard, and says so once each', async () => {
    const a = start('a', 4);
    await advance(3 * RETRY_PERIOD_MS);
    expect(a.ownership.held()).toEqual([0, 1, 2, 3]);
    expect([0, 1, 2, 3].map((s) => a.ownership.owns(s))).toEqual([true, true, true, true]);
    expect(a.ownership.liveMembers()).toEqual(['a']);
    expect(a.events.map((e) => `${e.what}:${e.shard}`).sort()).toEqual(['gained:0', 'gained:1', 'gained:2', 'gained:3']);
    expect([0, 1, 2, 3].map((s) => store.holder(shardLeaseName('cpo', s)))).toEqual(['a', 'a', 'a', 'a']);
    expect(store.holder('cpo-member-0') || store.holder('cpo-member-1') || store.holder('cpo-member-2') || store.holder('cpo-member-3')).toBe('a');
  });

  it('a second replica gets the shards it wins, each handed over only after its running work ended', async () => {
    const shards = 8;
    const a = start('a', shards);
    await advance(3 * RETRY_PERIOD_MS);
    const target = assignShards(shards, ['a', 'b']);
    const moving = target.flatMap((owner, s) => (owner === 'b' ? [s] : []));
    expect(moving.length).toBeGreaterThan(0);
    // One reconcile running on each shard that will move.
    const running = moving.map((s) => a.ownership.admit(s)!);
    start('b', shards);
    await advance(6 * RETRY_PERIOD_MS);
    // a drains them: holds the Leases, admits nothing new of them, waits for the work.
    for (const s of moving) {
      expect([s, a.ownership.held().includes(s), a.ownership.owns(s), a.ownership.admit(s)]).toEqual([s, true, false, undefined]);
    }
    expect(running.every((r) => !r.signal.aborted)).toBe(true);
    for (const r of running) r.done();
    await advance(3 * RETRY_PERIOD_MS);
    expect(heldBy(shards)).toEqual(target);
    const b = replicas[1] as Replica;
    expect(b.events.filter((e) => e.what === 'gained').map((e) => e.shard).sort()).toEqual(moving);
    expect(a.events.filter((e) => e.what === 'released').map((e) => e.shard).sort()).toEqual(moving);
    // The others never left a.
    expect(a.events.filter((e) => e.what !== 'gained' && !moving.includes(e.shard))).toEqual([]);
  });

  it('a replica whose API connection hangs is fenced by its renew deadline; the others hold its shards within the lease duration', async () => {
    const shards = 8;
    const [a, b, c] = [start('a', shards), start('b', shards), start('c', shards)];
    await advance(10 * RETRY_PERIOD_MS);
    expect(heldBy(shards)).toEqual(assignShards(shards, ['a', 'b', 'c']));
    const cShards = c.ownership.held();
    expect(cShards.length).toBeGreaterThan(0);
    c.link.mode = 'hang';
    const hungAt = clock.now();
    let takenAt: number | undefined;
    for (let t = 0; t < 4 * LEASE_DURATION_MS && takenAt === undefined; t += 100) {
      await advance(100);
      if (cShards.every((s) => a.ownership.held().includes(s) || b.ownership.held().includes(s))) takenAt = clock.now();
    }
    expect(takenAt).toBeDefined();
    // Fenced by the renew deadline after the last renewal, before anyone else could take over.
    const fenced = c.events.filter((e) => e.what === 'fenced');
    expect(fenced.map((e) => e.shard).sort()).toEqual(cShards);
    for (const e of fenced) expect(e.at - hungAt).toBeLessThanOrEqual(RENEW_DEADLINE_MS);
    const gained = [...a.events, ...b.events].filter((e) => e.what === 'gained' && e.at > hungAt);
    for (const s of cShards) {
      const taken = gained.find((e) => e.shard === s)!;
      expect(taken.at).toBeGreaterThan(fenced.find((e) => e.shard === s)!.at);
      // Expiry is judged from when the others last saw c's renewal (at most a retry before the hang).
      expect(taken.at - hungAt).toBeGreaterThanOrEqual(LEASE_DURATION_MS - RETRY_PERIOD_MS);
    }
    expect((takenAt as number) - hungAt).toBeLessThanOrEqual(LEASE_DURATION_MS + 3 * RETRY_PERIOD_MS);
    expect(heldBy(shards)).toEqual(assignShards(shards, ['a', 'b']));
    expect(a.ownership.liveMembers()).toEqual(['a', 'b']);
  });

  it('work that outlives the drain bound is aborted, then the shard is released', async () => {
    const shards = 4;
    const a = start('a', shards, 5_000);
    await advance(3 * RETRY_PERIOD_MS);
    const target = assignShards(shards, ['a', 'b']);
    const moving = target.findIndex((o) => o === 'b');
    const stuck = a.ownership.admit(moving)!;
    start('b', shards);
    await advance(4_000);
    expect([stuck.signal.aborted, a.ownership.held().includes(moving)]).toEqual([false, true]);
    await advance(3_000);
    expect(stuck.signal.aborted).toBe(true);
    expect(a.events.find((e) => e.shard === moving && e.what === 'released')).toBeDefined();
    await advance(2 * RETRY_PERIOD_MS);
    expect(heldBy(shards)).toEqual(target);
  });

  it('a stopped replica releases its shards and slot: the other holds them within two retry periods', async () => {
    const shards = 8;
    const [a, b] = [start('a', shards), start('b', shards)];
    await advance(10 * RETRY_PERIOD_MS);
    expect(a.ownership.held().length + b.ownership.held().length).toBe(shards);
    const stopping = a.ownership.stop();
    await advance(10);
    await stopping;
    replicas.splice(replicas.indexOf(a), 1);
    expect(a.ownership.held()).toEqual([]);
    await advance(2 * RETRY_PERIOD_MS + 100);
    expect(b.ownership.held()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(b.ownership.liveMembers()).toEqual(['b']);
  });

  it('with more replicas than shards the extra one waits for a member slot', async () => {
    const shards = 2;
    const [a, b, c] = [start('a', shards), start('b', shards), start('c', shards)];
    await advance(10 * RETRY_PERIOD_MS);
    const members = a.ownership.liveMembers();
    expect(members.length).toBe(2);
    const waiting = [a, b, c].find((r) => !members.includes(r.id)) as Replica;
    expect(waiting.ownership.held()).toEqual([]);
    const leaving = [a, b, c].find((r) => r !== waiting) as Replica;
    const stopping = leaving.ownership.stop();
    await advance(10);
    await stopping;
    replicas.splice(replicas.indexOf(leaving), 1);
    await advance(6 * RETRY_PERIOD_MS);
    expect([...waiting.ownership.liveMembers()].sort()).toEqual(replicas.map((r) => r.id).sort());
    expect(heldBy(shards)).toEqual(assignShards(shards, replicas.map((r) => r.id)));
  });
});
