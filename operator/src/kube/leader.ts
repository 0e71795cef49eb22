// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection
// does it: acquire when free or expired, renew every retry period, release on shutdown.
// Fencing: a leader stops leading at lastRenew + renewDeadline by a local timer, not when
// a failed renew returns (a renew on a hung connection may never return), and each renew
// is cut at that same moment. A standby takes over no earlier than leaseDuration after it
// saw the last renewal, so the old leader has stopped leaseDuration - renewDeadline before.

import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { apiErrorDetail, statusCode } from './api.js';
import { boundedCall, DEFAULT_KUBE_REQUEST_TIMEOUT_MS, runInCallScope, untilAborted, type RequestOptions } from './request-bounds.js';

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

/** Why an attempt on the Lease was abandoned. */
class LeaseAttemptCut extends Error {
  override readonly name = 'LeaseAttemptCut';
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly clock: () => Date;
  private readonly requestTimeoutMs: number;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  /** Fires at lastRenew + renewDeadline: the moment this replica stops leading unless renewed. */
  private fence: NodeJS.Timeout | undefined;
  private attempt: AbortController | undefined;
  /** When the last successful acquire or renew started (clock ms): no later than the server wrote it. */
  private lastRenew = 0;
  private observed: { holder: string; renewTime: number } | undefined;
  /** When this replica first saw the current record (clock ms, after the read returned). */
  private observedAt = 0;

  constructor(
    config: KubeConfig,
    private readonly options: LeaderElectionOptions,
  ) {
    this.api = config.makeApiClient(CoordinationV1Api);
    this.clock = options.clock ?? (() => new Date());
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_KUBE_REQUEST_TIMEOUT_MS;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  /** Stops campaigning; a leader releases the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.fence);
    this.attempt?.abort(new LeaseAttemptCut('stopping'));
    if (!this.leading) return;
    this.leading = false;
    // Shutdown has its own grace: the release gets the renew deadline, then the Lease expires by itself.
    const release = AbortSignal.timeout(this.options.renewDeadlineMs);
    try {
      await untilAborted(runInCallScope(release, () => this.release()), release);
      this.options.log.info('leader lease released', { lease: this.options.name });
    } catch (error) {
      this.options.log.warn('leader lease not released', { code: statusCode(error), error: apiErrorDetail(error).message });
    }
  }

  private async release(): Promise<void> {
    const { name, namespace, identity } = this.options;
    const lease = await this.call((o) => this.api.readNamespacedLease({ name, namespace }, o));
    if (lease.spec?.holderIdentity !== identity) return;
    lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.clock()) as unknown as Date };
    await this.call((o) => this.api.replaceNamespacedLease({ name, namespace, body: lease }, o));
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const started = this.clock();
    const attempt = new AbortController();
    this.attempt = attempt;
    // A renewal is cut when leadership would end anyway; a try to acquire gets as long.
    const cutAt = (this.leading ? this.lastRenew : started.getTime()) + this.options.renewDeadlineMs;
    const cut = setTimeout(() => attempt.abort(new LeaseAttemptCut('cut at the renew deadline')), Math.max(0, cutAt - started.getTime()));
    cut.unref();
    let acquired = false;
    try {
      acquired = await untilAborted(
        runInCallScope(attempt.signal, () => this.tryAcquireOrRenew(started)),
        attempt.signal,
      );
    } catch (error) {
      const detail = apiErrorDetail(error);
      this.options.log.debug('lease update failed', { code: detail.code, reason: detail.reason, error: detail.message });
    } finally {
      clearTimeout(cut);
    }
    if (this.stopped) return;
    if (acquired && !attempt.signal.aborted) {
      this.lastRenew = started.getTime();
      this.armFence();
      if (!this.leading) {
        this.leading = true;
        this.options.log.info('became leader', { lease: this.options.name, identity: this.options.identity });
        this.options.onStartedLeading();
      }
    }
    // Jitter the retry like client-go (factor 1.2) so standbys do not stampede.
    const delay = this.options.retryPeriodMs * (this.leading ? 1 : 1 + Math.random() * 0.2);
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private armFence(): void {
    clearTimeout(this.fence);
    const delay = this.lastRenew + this.options.renewDeadlineMs - this.clock().getTime();
    this.fence = setTimeout(() => this.loseLeadership(), Math.max(0, delay));
    this.fence.unref();
  }

  private loseLeadership(): void {
    if (!this.leading || this.stopped) return;
    this.leading = false;
    this.stopped = true;
    clearTimeout(this.timer);
    this.attempt?.abort(new LeaseAttemptCut('renew deadline passed'));
    this.options.log.warn('lost leadership', {
      lease: this.options.name,
      renewDeadlineMs: this.options.renewDeadlineMs,
      sinceLastRenewMs: this.clock().getTime() - this.lastRenew,
    });
    this.options.onStoppedLeading();
  }

  private async tryAcquireOrRenew(started: Date): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const durationSeconds = Math.ceil(this.options.leaseDurationMs / 1000);
    let lease: V1Lease;
    try {
      lease = await this.call((o) => this.api.readNamespacedLease({ name, namespace }, o));
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
      await this.call((o) =>
        this.api.createNamespacedLease(
          {
            namespace,
            body: {
              metadata: { name, namespace },
              spec: {
                holderIdentity: identity,
                leaseDurationSeconds: durationSeconds,
                acquireTime: microTime(started) as unknown as Date,
                renewTime: microTime(started) as unknown as Date,
                leaseTransitions: 0,
              },
            },
          },
          o,
        ),
      );
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewTime = spec.renewTime ? new Date(spec.renewTime as unknown as string).getTime() : 0;
    // Expiry is judged by when *we* saw the record change (our clock, once the read
    // returned), not by the holder's timestamp: clocks across nodes may disagree, and the
    // holder's write happened no later than our read returned.
    const seenAt = this.clock().getTime();
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime };
      this.observedAt = seenAt;
    }
    const leaseMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    const expired = holder === '' || seenAt - this.observedAt > leaseMs;
    if (holder !== identity && !expired) return false;
    const transitions = (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: microTime(started) as unknown as Date,
      acquireTime: microTime(holder === identity && spec.acquireTime ? new Date(spec.acquireTime as unknown as string) : started) as unknown as Date,
      leaseTransitions: transitions,
    };
    // replace carries metadata.resourceVersion: a concurrent writer gets 409, not both leadership.
    await this.call((o) => this.api.replaceNamespacedLease({ name, namespace, body: lease }, o));
    return true;
  }

  private call<T>(request: (options: RequestOptions) => Promise<T>): Promise<T> {
    return boundedCall(this.requestTimeoutMs, request);
  }
}

/** metav1.MicroTime wants exactly six fractional digits; client-node passes strings through. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
