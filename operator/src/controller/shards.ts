// Horizontal scale-out: N replicas each own a shard of the cloud accounts, on Kubernetes'
// own primitives (coordination.k8s.io Leases), the way Argo CD's application-controller
// shards clusters over its replicas.
//
// - S shards (CLOUDPOSTURE_SHARDS), one Lease each: `<prefix>-shard-<i>`. A replica
//   reconciles the services and accounts of a shard (shard-assignment.ts) only while it
//   holds that shard's Lease: acquired when free or expired, renewed every retry period,
//   fenced at lastRenew + renewDeadline (kube/leader.ts, the same LeaseCampaign as the
//   leader Lease). Losing a shard aborts its running reconciles and refuses their writes.
// - Who should hold which shard: rendezvous hashing of the shard id over the live replicas.
//   Replicas are known by member Leases: S slots `<prefix>-member-<k>`, each held (and
//   renewed) by one replica whose identity is the holder; a replica that stops renewing
//   drops out after the lease duration, as judged by each observer's own clock. Slots,
//   not one Lease per pod name: the names are known in advance, so RBAC can name them,
//   and nothing piles up as pods come and go. More replicas than shards wait for a slot.
// - Hand-over: a replica holding a shard that another live replica now wins stops taking
//   that shard's work (drains), releases the Lease once the shard's running reconciles
//   ended (at most drainTimeoutMs, then they are aborted), and the new owner acquires it
//   at its next attempt. A replica that died (SIGKILL) is out of the member view, and its
//   shard Leases expired, one lease duration after its last renewal: the new owners take
//   them on their next attempt. Every shard Lease is in the list each replica reads per
//   retry period, so expiry is counted from the first sight of the last renewal, not
//   from when a replica starts to want the shard.
// Bounds: one list of the set's Leases per retry period (cut at the renew deadline); per
// held shard one read + one replace per retry period; no attempt longer than the renew
// deadline; drains end within drainTimeoutMs; at most S member slots and S shard Leases.

import type { V1Lease } from '@kubernetes/client-node';
import { Gauge, type Registry } from 'prom-client';
import { LeaseCampaign, LeaseObservation, realLeaseTimers, type LeaseApi, type LeaseTimers } from '../kube/leader.js';
import { apiErrorDetail } from '../kube/api.js';
import { boundedCall, DEFAULT_KUBE_REQUEST_TIMEOUT_MS } from '../kube/request-bounds.js';
import type { Logger } from '../log.js';
import { ReconcileAborted } from './reconcile-runner.js';
import { rendezvousOwner, rendezvousWeight } from './shard-assignment.js';

/** Labels of every Lease of one shard set; the member list selects by them. */
export const LEASE_SET_LABEL = 'cloudposture.io/lease-set';
export const LEASE_ROLE_LABEL = 'cloudposture.io/lease-role';

export function shardLeaseName(prefix: string, shard: number): string {
  return `${prefix}-shard-${shard}`;
}

export function memberLeaseName(prefix: string, slot: number): string {
  return `${prefix}-member-${slot}`;
}

/** A running piece of a shard's work: its signal fires when the shard is lost; `done` when it ended. */
export interface ShardAdmission {
  signal: AbortSignal;
  done(): void;
}

export interface ShardOwnershipOptions {
  leases: LeaseApi;
  namespace: string;
  /** Lease name prefix (the instance, e.g. the chart's full name); a valid label value. */
  prefix: string;
  /** This replica (the holder identity it writes). */
  identity: string;
  shards: number;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  requestTimeoutMs?: number;
  /** A draining shard's running work gets this long before it is aborted and the Lease released. */
  drainTimeoutMs: number;
  /** Held now: enqueue the shard's services and accounts. */
  onGained: (shard: number) => void;
  /** Held no more (its signal has fired): drop the shard's queued keys, cached inventory, series. */
  onLost: (shard: number, cause: 'fenced' | 'released') => void;
  log: Logger;
  /** Registers cloudposture_shards_owned, cloudposture_shard_owner{shard} and cloudposture_shard_members. */
  registry?: Registry;
  timers?: LeaseTimers;
  random?: () => number;
}

type Phase = 'idle' | 'held' | 'draining';

interface ShardState {
  phase: Phase;
  campaign: LeaseCampaign;
  /** This epoch's fence: aborted when the shard is lost or released. */
  epoch: AbortController;
  /** Admissions not yet done (of any epoch: an aborted attempt may still be winding down). */
  inFlight: number;
  drainingSince: number;
  /** The rendezvous owner is this replica. */
  desired: boolean;
}

export class ShardOwnership {
  private readonly timers: LeaseTimers;
  private readonly states: ShardState[];
  private readonly observations = new Map<string, LeaseObservation>();
  /** Live replicas as of the last list (this one only while it holds its member slot). */
  private members: string[] = [];
  private slot: number | undefined;
  private member: LeaseCampaign | undefined;
  private refreshTimer: unknown;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private stopped = false;
  private readonly gauges: { owned: Gauge; owner: Gauge<'shard'>; members: Gauge } | undefined;

  constructor(private readonly options: ShardOwnershipOptions) {
    this.timers = options.timers ?? realLeaseTimers;
    this.states = Array.from({ length: options.shards }, (_, shard) => {
      const state: ShardState = {
        phase: 'idle',
        campaign: undefined as unknown as LeaseCampaign,
        epoch: aborted(),
        inFlight: 0,
        drainingSince: 0,
        desired: false,
      };
      state.campaign = new LeaseCampaign(options.leases, {
        ...this.leaseTimings(),
        name: shardLeaseName(options.prefix, shard),
        labels: { [LEASE_SET_LABEL]: options.prefix, [LEASE_ROLE_LABEL]: 'shard' },
        intent: () => {
          this.settle(shard);
          return state.desired ? 'hold' : 'leave';
        },
        mayRelease: () => {
          this.settle(shard);
          return state.phase === 'draining' && (state.inFlight === 0 || this.timers.now() - state.drainingSince >= options.drainTimeoutMs);
        },
        onStarted: () => this.gained(shard),
        onStopped: (cause, detail) => this.lost(shard, cause, detail.sinceLastRenewMs),
      });
      return state;
    });
    if (options.registry) {
      const registers = [options.registry];
      this.gauges = {
        owned: new Gauge({ name: 'cloudposture_shards_owned', help: 'Shard Leases this replica holds (sharding on).', registers }),
        owner: new Gauge({
          name: 'cloudposture_shard_owner',
          help: 'Info: 1 for each shard whose Lease this replica holds (the scrape target names the replica).',
          labelNames: ['shard'],
          registers,
        }),
        members: new Gauge({ name: 'cloudposture_shard_members', help: 'Live replicas this replica sees in the member Leases.', registers }),
      };
    }
  }

  /** This replica reconciles the shard's work now (held, not draining). */
  owns(shard: number): boolean {
    return this.states[shard]?.phase === 'held';
  }

  /** Shards whose Lease this replica holds (draining ones included). */
  held(): number[] {
    return this.states.flatMap((s, shard) => (s.phase === 'idle' ? [] : [shard]));
  }

  /** Live replicas as this one sees them. */
  liveMembers(): readonly string[] {
    return this.members;
  }

  /** Admits one piece of the shard's work while the shard is owned; undefined otherwise. */
  admit(shard: number): ShardAdmission | undefined {
    const state = this.states[shard];
    if (!state || state.phase !== 'held') return undefined;
    state.inFlight++;
    let ended = false;
    return {
      signal: state.epoch.signal,
      done: () => {
        if (ended) return;
        ended = true;
        state.inFlight--;
        // The last piece of a draining shard: release now rather than at the next retry.
        if (state.phase === 'draining' && state.inFlight === 0) state.campaign.poke();
      },
    };
  }

  start(): void {
    if (this.stopped) return;
    this.chooseSlot();
    this.refreshSoon(0);
    // Spread the shards' attempts over one retry period.
    this.states.forEach((s, shard) => s.campaign.start((shard * this.options.retryPeriodMs) / this.options.shards));
  }

  /** Stops campaigning: held shards and the member slot are released so the others take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.clearTimeout(this.refreshTimer);
    const results = await Promise.all(this.states.map((s) => s.campaign.stop()));
    await this.member?.stop();
    const released = results.filter((r) => r.released).length;
    const notReleased = results.filter((r) => !r.released && r.held).length;
    this.options.log.info('shard leases released', { released, notReleased });
  }

  private leaseTimings() {
    const o = this.options;
    return {
      namespace: o.namespace,
      identity: o.identity,
      leaseDurationMs: o.leaseDurationMs,
      renewDeadlineMs: o.renewDeadlineMs,
      retryPeriodMs: o.retryPeriodMs,
      ...(o.requestTimeoutMs !== undefined ? { requestTimeoutMs: o.requestTimeoutMs } : {}),
      log: o.log,
      timers: this.timers,
      ...(o.random ? { random: o.random } : {}),
    };
  }

  /** Phase follows the wish: a held shard another replica wins drains; a draining one this replica wins again is kept. */
  private settle(shard: number): void {
    const state = this.states[shard] as ShardState;
    if (state.phase === 'held' && !state.desired) {
      state.phase = 'draining';
      state.drainingSince = this.timers.now();
      this.options.log.info('shard draining', { shard, owner: rendezvousOwner(shard, this.members) ?? '', inFlight: state.inFlight, at: this.timers.now() });
      if (state.inFlight === 0) state.campaign.poke();
    } else if (state.phase === 'draining' && state.desired) {
      state.phase = 'held';
      this.options.log.info('shard kept', { shard, at: this.timers.now() });
      // Keys were dropped while it drained: all of them again.
      this.options.onGained(shard);
    }
  }

  private gained(shard: number): void {
    const state = this.states[shard] as ShardState;
    state.epoch = new AbortController();
    state.phase = 'held';
    this.gauges?.owned.set(this.held().length);
    this.gauges?.owner.set({ shard: String(shard) }, 1);
    this.options.log.info('shard acquired', { shard, lease: state.campaign.name, at: this.timers.now() });
    if (state.desired) this.options.onGained(shard);
    else this.settle(shard);
  }

  private lost(shard: number, cause: 'fenced' | 'released', sinceLastRenewMs: number): void {
    const state = this.states[shard] as ShardState;
    state.phase = 'idle';
    state.epoch.abort(new ReconcileAborted('fenced', cause === 'fenced' ? `shard ${shard} lost: renew deadline passed` : `shard ${shard} released`));
    this.gauges?.owned.set(this.held().length);
    this.gauges?.owner.remove({ shard: String(shard) });
    if (cause === 'fenced') {
      this.options.log.warn('shard lost', { shard, renewDeadlineMs: this.options.renewDeadlineMs, sinceLastRenewMs, at: this.timers.now() });
    } else {
      this.options.log.info('shard released', { shard, inFlight: state.inFlight, at: this.timers.now() });
    }
    this.options.onLost(shard, cause);
  }

  private refreshSoon(delayMs: number): void {
    if (this.stopped) return;
    this.timers.clearTimeout(this.refreshTimer);
    this.refreshTimer = this.timers.setTimeout(() => void this.refreshLoop(), delayMs);
  }

  private async refreshLoop(): Promise<void> {
    await this.refreshNow();
    this.refreshSoon(this.options.retryPeriodMs);
  }

  /** One list of the set's Leases: the member view, the shard Leases' expiry, then the wishes. */
  private refreshNow(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        await this.refreshOnce();
      } while (this.refreshAgain && !this.stopped);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refreshOnce(): Promise<void> {
    const { namespace, prefix } = this.options;
    let leases: V1Lease[];
    try {
      const timeoutMs = Math.min(this.options.requestTimeoutMs ?? DEFAULT_KUBE_REQUEST_TIMEOUT_MS, this.options.renewDeadlineMs);
      leases = await boundedCall(timeoutMs, (o) => this.options.leases.list(namespace, `${LEASE_SET_LABEL}=${prefix}`, o));
    } catch (error) {
      // Keep the last view: ownership itself is decided by the shard Leases alone.
      const detail = apiErrorDetail(error);
      this.options.log.debug('shard lease list failed', { code: detail.code, error: detail.message });
      return;
    }
    if (this.stopped) return;
    const seenAt = this.timers.now();
    const live = new Set<string>();
    const slotHolders = new Map<number, { holder: string; live: boolean }>();
    const listed = new Set<string>();
    for (const lease of leases) {
      const name = lease.metadata?.name ?? '';
      listed.add(name);
      const observation = this.observationOf(name);
      observation.see(lease, seenAt);
      const expired = observation.expired(seenAt, (lease.spec?.leaseDurationSeconds ?? Math.ceil(this.options.leaseDurationMs / 1000)) * 1000);
      const slot = indexOf(name, `${prefix}-member-`);
      if (slot !== undefined) {
        if (slot >= this.options.shards) continue;
        slotHolders.set(slot, { holder: observation.holder, live: !expired });
        if (!expired && observation.holder !== this.options.identity) live.add(observation.holder);
      }
      const shard = indexOf(name, `${prefix}-shard-`);
      if (shard !== undefined) this.states[shard]?.campaign.observe(lease, seenAt);
    }
    for (const name of this.observations.keys()) if (!listed.has(name)) this.observations.delete(name);
    if (this.member?.isHolding) live.add(this.options.identity);
    else this.chooseSlot(slotHolders);
    this.setMembers([...live].sort());
  }

  private observationOf(name: string): LeaseObservation {
    let observation = this.observations.get(name);
    if (!observation) {
      observation = new LeaseObservation();
      this.observations.set(name, observation);
    }
    return observation;
  }

  /**
   * Not holding a member slot: campaign for a free one (missing, released, expired, or last
   * held by this identity), in this replica's own rendezvous order so starters spread out.
   */
  private chooseSlot(holders: ReadonlyMap<number, { holder: string; live: boolean }> = new Map()): void {
    if (this.stopped || this.member?.isHolding) return;
    const free = (slot: number) => {
      const h = holders.get(slot);
      return !h || !h.live || h.holder === this.options.identity;
    };
    if (this.slot !== undefined && free(this.slot) && this.member) return; // keep trying the one chosen
    const order = Array.from({ length: this.options.shards }, (_, slot) => slot).sort(
      (a, b) => rendezvousWeight(b, this.options.identity) - rendezvousWeight(a, this.options.identity) || a - b,
    );
    const slot = order.find(free);
    if (slot === undefined || slot === this.slot) return;
    void this.member?.stop();
    this.slot = slot;
    this.member = new LeaseCampaign(this.options.leases, {
      ...this.leaseTimings(),
      name: memberLeaseName(this.options.prefix, slot),
      labels: { [LEASE_SET_LABEL]: this.options.prefix, [LEASE_ROLE_LABEL]: 'member' },
      onStarted: () => {
        this.options.log.info('shard member slot acquired', { slot, at: this.timers.now() });
        void this.refreshNow();
      },
      onStopped: (cause) => {
        if (cause === 'fenced') this.options.log.warn('shard member slot lost', { slot, at: this.timers.now() });
        if (!this.stopped) void this.refreshNow();
      },
    });
    this.member.start();
  }

  private setMembers(members: string[]): void {
    const changed = members.join(',') !== this.members.join(',');
    this.members = members;
    this.gauges?.members.set(members.length);
    if (changed) this.options.log.info('shard members changed', { members, at: this.timers.now() });
    this.states.forEach((state, shard) => {
      const desired = rendezvousOwner(shard, members) === this.options.identity;
      const wanted = desired && !state.desired;
      state.desired = desired;
      this.settle(shard);
      // A shard this replica newly wins is tried now, not at the next retry.
      if (wanted && state.phase === 'idle') state.campaign.poke();
    });
  }
}

function aborted(): AbortController {
  const controller = new AbortController();
  controller.abort(new ReconcileAborted('fenced', 'shard not held'));
  return controller;
}

/** The index in `<prefix><index>`, or undefined for another name. */
function indexOf(name: string, prefix: string): number | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9][0-9]{0,5})$/.test(rest) ? Number(rest) : undefined;
}
