// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection
// does it: acquire when free or expired, renew every retry period, step down
// when renewing fails for the renew deadline, release on shutdown.

import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { apiErrorDetail, statusCode } from './api.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  log: Logger;
  onStartedLeading: () => void;
  /** Leadership lost (not released by us): the caller must stop reconciling at once. */
  onStoppedLeading: () => void;
  clock?: () => Date;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly clock: () => Date;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;
  private observed: { holder: string; renewTime: number; resourceVersion?: string } | undefined;

  constructor(
    config: KubeConfig,
    private readonly options: LeaderElectionOptions,
  ) {
    this.api = config.makeApiClient(CoordinationV1Api);
    this.clock = options.clock ?? (() => new Date());
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
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.api.readNamespacedLease({ name: this.options.name, namespace: this.options.namespace });
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.clock()) as unknown as Date };
      await this.api.replaceNamespacedLease({ name: this.options.name, namespace: this.options.namespace, body: lease });
      this.options.log.info('leader lease released', { lease: this.options.name });
    } catch (error) {
      this.options.log.warn('leader lease not released', { code: statusCode(error) });
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const acquired = await this.tryAcquireOrRenew().catch((error: unknown) => {
      const detail = apiErrorDetail(error);
      this.options.log.debug('lease update failed', { code: detail.code, reason: detail.reason, error: detail.message });
      return false;
    });
    if (this.stopped) return;
    const now = this.clock().getTime();
    if (acquired) {
      this.lastRenew = now;
      if (!this.leading) {
        this.leading = true;
        this.options.log.info('became leader', { lease: this.options.name, identity: this.options.identity });
        this.options.onStartedLeading();
      }
    } else if (this.leading && now - this.lastRenew > this.options.renewDeadlineMs) {
      this.leading = false;
      this.options.log.warn('lost leadership', { lease: this.options.name });
      this.options.onStoppedLeading();
    }
    // Jitter the retry like client-go (factor 1.2) so standbys do not stampede.
    const delay = this.options.retryPeriodMs * (this.leading ? 1 : 1 + Math.random() * 0.2);
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const now = this.clock();
    const durationSeconds = Math.ceil(this.options.leaseDurationMs / 1000);
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
      await this.api.createNamespacedLease({
        namespace,
        body: {
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: microTime(now) as unknown as Date,
            renewTime: microTime(now) as unknown as Date,
            leaseTransitions: 0,
          },
        },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewTime = spec.renewTime ? new Date(spec.renewTime as unknown as string).getTime() : 0;
    // Expiry is judged by when *we* last saw the record change (our clock), not by
    // the holder's timestamp: clocks across nodes may disagree.
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime, resourceVersion: lease.metadata?.resourceVersion };
      this.observedAt = now.getTime();
    }
    const leaseMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    const expired = holder === '' || now.getTime() - this.observedAt > leaseMs;
    if (holder !== identity && !expired) return false;
    const transitions = (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: microTime(now) as unknown as Date,
      acquireTime: microTime(holder === identity && spec.acquireTime ? new Date(spec.acquireTime as unknown as string) : now) as unknown as Date,
      leaseTransitions: transitions,
    };
    // replace carries metadata.resourceVersion: a concurrent writer gets 409, not both leadership.
    await this.api.replaceNamespacedLease({ name, namespace, body: lease });
    return true;
  }

  private observedAt = 0;
}

/** metav1.MicroTime wants exactly six fractional digits; client-node passes strings through. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
