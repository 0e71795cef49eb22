// Holding a coordination.k8s.io Lease, as client-go's leaderelection does it: acquire when
// free or expired, renew every retry period, release on shutdown. One mechanism for every
// Lease the operator holds: the leader Lease (LeaderElector), and with sharding each
// shard's Lease and the replica's member slot (controller/shards.ts) — a LeaseCampaign each.
// Fencing: a holder stops holding at lastRenew + renewDeadline by a local timer, not when
// a failed renew returns (a renew on a hung connection may never return), and each renew
// is cut at that same moment. Another replica takes over no earlier than leaseDuration
// after it saw the last renewal, so the old holder has stopped leaseDuration - renewDeadline
// before.

import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { apiErrorDetail, statusCode } from './api.js';
import { boundedCall, DEFAULT_KUBE_REQUEST_TIMEOUT_MS, runInCallScope, untilAborted, type RequestOptions } from './request-bounds.js';

/** The Lease calls a campaign makes: the real CoordinationV1Api, or an in-memory fake in unit tests. */
export interface LeaseApi {
  read(namespace: string, name: string, options: RequestOptions): Promise<V1Lease>;
  create(namespace: string, lease: V1Lease, options: RequestOptions): Promise<V1Lease>;
  /** Carries metadata.resourceVersion: a concurrent writer gets 409. */
  replace(namespace: string, name: string, lease: V1Lease, options: RequestOptions): Promise<V1Lease>;
  list(namespace: string, labelSelector: string, options: RequestOptions): Promise<V1Lease[]>;
}

export function coordinationLeaseApi(config: KubeConfig): LeaseApi {
  const api = config.makeApiClient(CoordinationV1Api);
  return {
    read: (namespace, name, o) => api.readNamespacedLease({ name, namespace }, o),
    create: (namespace, body, o) => api.createNamespacedLease({ namespace, body }, o),
    replace: (namespace, name, body, o) => api.replaceNamespacedLease({ name, namespace, body }, o),
    list: async (namespace, labelSelector, o) => (await api.listNamespacedLease({ namespace, labelSelector }, o)).items,
  };
}

/** The clock and timers of a campaign (real by default; unit tests drive a fake one). */
export interface LeaseTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realLeaseTimers: LeaseTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};

/**
 * When a Lease record counts as expired for this replica. Judged by when *we* saw the record
 * change (our clock, once the read returned), not by the holder's timestamp: clocks across
 * nodes may disagree, and the holder's write happened no later than our read returned.
 */
export class LeaseObservation {
  private observed: { holder: string; renewTime: number } | undefined;
  private observedAt = 0;

  /** Records what a read returned at `seenAt` (clock ms). */
  see(lease: V1Lease, seenAt: number): void {
    const holder = lease.spec?.holderIdentity ?? '';
    // A string (client-node passes MicroTime through) or a Date: compared in milliseconds.
    const renewTime = lease.spec?.renewTime ? new Date(lease.spec.renewTime as unknown as string).getTime() : 0;
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime };
      this.observedAt = seenAt;
    }
  }

  get holder(): string {
    return this.observed?.holder ?? '';
  }

  /** Free (no holder) or not renewed for its leaseDuration since we first saw its last record. */
  expired(seenAt: number, leaseMs: number): boolean {
    return this.holder === '' || seenAt - this.observedAt > leaseMs;
  }
}

export interface LeaseCampaignOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Each Lease request is cut after this long (milliseconds), a renewal also at the renew deadline. */
  requestTimeoutMs?: number;
  /** Labels of a Lease this campaign creates. */
  labels?: Record<string, string>;
  log: Logger;
  /**
   * Asked before every attempt. `hold`: acquire when free or expired, renew while held.
   * `leave`: no call while not held; while held, keep renewing until `mayRelease` says so,
   * then release. Default: always hold.
   */
  intent?: () => 'hold' | 'leave';
  /** Held and leaving: release only once this is true (the work the Lease guards ended). Default: at once. */
  mayRelease?: () => boolean;
  /** This replica holds the Lease now (acquired, or acquired again after a fence). */
  onStarted: () => void;
  /**
   * This replica holds it no more: `fenced` by lastRenew + renewDeadline (even while a renew
   * hangs; nothing guarded by it may write from now on), or `released` (called before the
   * release is written, so the work stops before another replica can start).
   */
  onStopped: (cause: 'fenced' | 'released', detail: { sinceLastRenewMs: number }) => void;
  /** After a fence, campaign no more (the leader: the process restarts clean, as controller-runtime's does). */
  finalOnFence?: boolean;
  timers?: LeaseTimers;
  /** 0..1 for the retry jitter (tests fix it). */
  random?: () => number;
}

/** Why an attempt on the Lease was abandoned. */
class LeaseAttemptCut extends Error {
  override readonly name = 'LeaseAttemptCut';
}

/** What stop() did with the Lease. */
export type LeaseStopResult = { released: false; held: false } | { released: true } | { released: false; held: true; code?: number; error: string };

/**
 * One Lease, one loop: an attempt every retry period (acquire or renew as `intent` says),
 * each cut at the renew deadline, and the fence timer. Never two attempts at once.
 */
export class LeaseCampaign {
  private readonly api: LeaseApi;
  private readonly timers: LeaseTimers;
  private readonly requestTimeoutMs: number;
  private readonly random: () => number;
  private holding = false;
  private stopped = false;
  private started = false;
  /** An attempt (or a release) is under way: a poke then only asks for the next one at once. */
  private ticking = false;
  private poked = false;
  private timer: unknown;
  /** Fires at lastRenew + renewDeadline: the moment this replica stops holding unless renewed. */
  private fence: unknown;
  private attempt: AbortController | undefined;
  /** When the last successful acquire or renew started (clock ms): no later than the server wrote it. */
  private lastRenew = 0;
  private readonly observation = new LeaseObservation();

  constructor(
    api: LeaseApi,
    private readonly options: LeaseCampaignOptions,
  ) {
    this.api = api;
    this.timers = options.timers ?? realLeaseTimers;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_KUBE_REQUEST_TIMEOUT_MS;
    this.random = options.random ?? Math.random;
  }

  get name(): string {
    return this.options.name;
  }

  get isHolding(): boolean {
    return this.holding;
  }

  /** The holder this replica last read ('' free), and whether that record had expired for us. */
  get lastSeenHolder(): string {
    return this.observation.holder;
  }

  /** Starts the loop; the first attempt after `delayMs` (to spread many campaigns over a retry period). */
  start(delayMs = 0): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(delayMs);
  }

  /** An attempt now instead of at the next retry (e.g. the intent changed); right after the running one, if any. */
  poke(): void {
    if (!this.started || this.stopped) return;
    if (this.ticking) {
      this.poked = true;
      return;
    }
    this.timers.clearTimeout(this.timer);
    this.schedule(0);
  }

  /** A read of this Lease made elsewhere (a list): expiry is counted from the first sight of its last record. */
  observe(lease: V1Lease, seenAt: number): void {
    this.observation.see(lease, seenAt);
  }

  /** Stops campaigning; a holder releases the Lease so another replica takes over at once. */
  async stop(): Promise<LeaseStopResult> {
    this.stopped = true;
    this.timers.clearTimeout(this.timer);
    this.timers.clearTimeout(this.fence);
    this.attempt?.abort(new LeaseAttemptCut('stopping'));
    if (!this.holding) return { released: false, held: false };
    return this.releaseNow();
  }

  private schedule(delayMs: number): void {
    this.timer = this.timers.setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    this.ticking = true;
    this.poked = false;
    try {
      const intent = this.options.intent?.() ?? 'hold';
      if (intent === 'leave' && this.holding && (this.options.mayRelease?.() ?? true)) {
        await this.releaseNow();
      } else if (intent === 'hold' || this.holding) {
        await this.tryAcquireOrRenew();
      }
    } finally {
      this.ticking = false;
    }
    if (this.stopped) return;
    // Jitter the retry like client-go (factor 1.2) so replicas that wait do not stampede.
    const delay = this.poked ? 0 : this.options.retryPeriodMs * (this.holding ? 1 : 1 + this.random() * 0.2);
    this.poked = false;
    this.schedule(delay);
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const started = this.timers.now();
    const attempt = new AbortController();
    this.attempt = attempt;
    // A renewal is cut when holding would end anyway; a try to acquire gets as long.
    const cutAt = (this.holding ? this.lastRenew : started) + this.options.renewDeadlineMs;
    const cut = this.timers.setTimeout(() => attempt.abort(new LeaseAttemptCut('cut at the renew deadline')), Math.max(0, cutAt - started));
    let acquired = false;
    try {
      acquired = await untilAborted(
        runInCallScope(attempt.signal, () => this.acquireOrRenew(started)),
        attempt.signal,
      );
    } catch (error) {
      const detail = apiErrorDetail(error);
      this.options.log.debug('lease update failed', { lease: this.options.name, code: detail.code, reason: detail.reason, error: detail.message });
    } finally {
      this.timers.clearTimeout(cut);
      if (this.attempt === attempt) this.attempt = undefined;
    }
    if (this.stopped || !acquired || attempt.signal.aborted) return;
    this.lastRenew = started;
    this.armFence();
    if (!this.holding) {
      this.holding = true;
      this.options.onStarted();
    }
  }

  private armFence(): void {
    this.timers.clearTimeout(this.fence);
    const delay = this.lastRenew + this.options.renewDeadlineMs - this.timers.now();
    this.fence = this.timers.setTimeout(() => this.fenced(), Math.max(0, delay));
  }

  private fenced(): void {
    if (!this.holding || this.stopped) return;
    this.holding = false;
    if (this.options.finalOnFence) {
      this.stopped = true;
      this.timers.clearTimeout(this.timer);
    }
    this.attempt?.abort(new LeaseAttemptCut('renew deadline passed'));
    this.options.onStopped('fenced', { sinceLastRenewMs: this.timers.now() - this.lastRenew });
  }

  /** Stops holding (the work stops first), then writes the release; bounded by the renew deadline. */
  private async releaseNow(): Promise<LeaseStopResult> {
    this.holding = false;
    this.timers.clearTimeout(this.fence);
    this.options.onStopped('released', { sinceLastRenewMs: this.timers.now() - this.lastRenew });
    // The release gets the renew deadline, then the Lease expires by itself.
    const release = AbortSignal.timeout(this.options.renewDeadlineMs);
    const attempt = new AbortController();
    this.attempt = attempt;
    const signal = AbortSignal.any([release, attempt.signal]);
    try {
      await untilAborted(runInCallScope(signal, () => this.release()), signal);
      return { released: true };
    } catch (error) {
      const detail = apiErrorDetail(error);
      this.options.log.debug('lease not released', { lease: this.options.name, code: statusCode(error), error: detail.message });
      return { released: false, held: true, ...(detail.code !== undefined ? { code: detail.code } : {}), error: detail.message };
    } finally {
      if (this.attempt === attempt) this.attempt = undefined;
    }
  }

  private async release(): Promise<void> {
    const { name, namespace, identity } = this.options;
    const lease = await this.call((o) => this.api.read(namespace, name, o));
    if (lease.spec?.holderIdentity !== identity) return;
    lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date(this.timers.now())) as unknown as Date };
    await this.call((o) => this.api.replace(namespace, name, lease, o));
  }

  private async acquireOrRenew(startedMs: number): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const started = new Date(startedMs);
    const durationSeconds = Math.ceil(this.options.leaseDurationMs / 1000);
    let lease: V1Lease;
    try {
      lease = await this.call((o) => this.api.read(namespace, name, o));
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
      await this.call((o) =>
        this.api.create(
          namespace,
          {
            metadata: { name, namespace, ...(this.options.labels ? { labels: this.options.labels } : {}) },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: microTime(started) as unknown as Date,
              renewTime: microTime(started) as unknown as Date,
              leaseTransitions: 0,
            },
          },
          o,
        ),
      );
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const seenAt = this.timers.now();
    this.observation.see(lease, seenAt);
    const leaseMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder !== identity && !this.observation.expired(seenAt, leaseMs)) return false;
    const transitions = (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: microTime(started) as unknown as Date,
      acquireTime: microTime(holder === identity && spec.acquireTime ? new Date(spec.acquireTime as unknown as string) : started) as unknown as Date,
      leaseTransitions: transitions,
    };
    // replace carries metadata.resourceVersion: a concurrent writer gets 409, not both the Lease.
    await this.call((o) => this.api.replace(namespace, name, lease, o));
    return true;
  }

  private call<T>(request: (options: RequestOptions) => Promise<T>): Promise<T> {
    return boundedCall(this.requestTimeoutMs, request);
  }
}

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Each Lease request is cut after this long (milliseconds), a renewal also at the renew deadline. */
  requestTimeoutMs?: number;
  log: Logger;
  onStartedLeading: () => void;
  /**
   * Leadership lost (not released by us): the caller must stop reconciling at once. Called
   * by lastRenew + renewDeadline even while a renew hangs. Final: this elector does not
   * campaign again (the process restarts clean, as controller-runtime's does).
   */
  onStoppedLeading: () => void;
  clock?: () => Date;
}

/** Leader election: one LeaseCampaign that always wants the Lease and ends at its first fence. */
export class LeaderElector {
  private readonly campaign: LeaseCampaign;

  constructor(
    config: KubeConfig,
    private readonly options: LeaderElectionOptions,
    api: LeaseApi = coordinationLeaseApi(config),
  ) {
    const clock = options.clock;
    this.campaign = new LeaseCampaign(api, {
      namespace: options.namespace,
      name: options.name,
      identity: options.identity,
      leaseDurationMs: options.leaseDurationMs,
      renewDeadlineMs: options.renewDeadlineMs,
      retryPeriodMs: options.retryPeriodMs,
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      log: options.log,
      finalOnFence: true,
      ...(clock ? { timers: { ...realLeaseTimers, now: () => clock().getTime() } } : {}),
      onStarted: () => {
        options.log.info('became leader', { lease: options.name, identity: options.identity });
        options.onStartedLeading();
      },
      onStopped: (cause, detail) => {
        if (cause !== 'fenced') return;
        options.log.warn('lost leadership', { lease: options.name, renewDeadlineMs: options.renewDeadlineMs, sinceLastRenewMs: detail.sinceLastRenewMs });
        options.onStoppedLeading();
      },
    });
  }

  get isLeader(): boolean {
    return this.campaign.isHolding;
  }

  start(): void {
    this.campaign.start();
  }

  /** Stops campaigning; a leader releases the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    const result = await this.campaign.stop();
    if (result.released) this.options.log.info('leader lease released', { lease: this.options.name });
    else if (result.held) this.options.log.warn('leader lease not released', { code: result.code, error: result.error });
  }
}

/** metav1.MicroTime wants exactly six fractional digits; client-node passes strings through. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
