// The write side of a reconcile, in one place: the status patch (merge patch on the
// status subresource, only when something changed), the service's metric series, the
// Events for condition transitions, break-glass uses and Lockbox request findings. It publishes what the
// evaluation returned and derives nothing itself.

import type { CloudService, CloudServiceStatus } from '../api/types.js';
import type { BreakGlassUse } from '../controls/changes/ledger.js';
import type { LockboxAlert } from '../controls/provider-access/lockbox-judge.js';
import type { ServiceMetricValues } from '../controls/metric-values.js';
import { apiErrorDetail, statusCode, type KubeApi } from '../kube/api.js';
import { createMergePatch, type Json } from '../kube/merge-patch.js';
import type { Logger } from '../log.js';
import type { OperatorMetrics } from '../metrics.js';
import { statusNeedsWrite, type Transition } from '../kube/status.js';

export type StatusWrite =
  | { kind: 'written' }
  | { kind: 'unchanged' }
  /** Someone wrote in between (409): re-read and decide again. */
  | { kind: 'conflict' }
  /** The object is gone (404). */
  | { kind: 'gone' }
  | { kind: 'failed'; code: number | undefined; reason: string | undefined; message: string };

export interface PublisherDeps {
  api: KubeApi;
  metrics: OperatorMetrics;
  clock: () => Date;
}

const API_VERSION = 'cloudposture.io/v1alpha1';

export class Publisher {
  constructor(private readonly deps: PublisherDeps) {}

  async writeStatus(current: CloudService, next: CloudServiceStatus, intervalMs: number, now: Date): Promise<StatusWrite> {
    if (!statusNeedsWrite(current.status, next, intervalMs, now)) return { kind: 'unchanged' };
    try {
      await this.deps.api.patchServiceStatus(
        current.metadata.namespace ?? '',
        current.metadata.name ?? '',
        current.metadata.resourceVersion ?? '',
        createMergePatch((current.status ?? {}) as Json, next as Json) as CloudServiceStatus,
      );
      return { kind: 'written' };
    } catch (error) {
      const code = statusCode(error);
      if (code === 409) return { kind: 'conflict' };
      if (code === 404) return { kind: 'gone' };
      const detail = apiErrorDetail(error);
      return { kind: 'failed', code, reason: detail.reason, message: detail.message };
    }
  }

  /** Metrics first: they follow the status just written and need no API call, while Events may wait on the API server. */
  publishMetrics(service: CloudService, values: ServiceMetricValues): void {
    this.deps.metrics.publishService(
      { namespace: service.metadata.namespace ?? '', service: service.metadata.name ?? '', provider: service.spec.provider },
      values,
    );
  }

  async recordTransitions(service: CloudService, transitions: readonly Transition[], log: Logger): Promise<void> {
    if (transitions.length === 0) return;
    const involved = {
      kind: 'CloudService',
      apiVersion: API_VERSION,
      name: service.metadata.name ?? '',
      uid: service.metadata.uid,
      resourceVersion: service.metadata.resourceVersion,
    };
    const namespace = service.metadata.namespace ?? '';
    const firstEvaluation = transitions.every((t) => t.from === undefined);
    const events = firstEvaluation
      ? [firstEvaluationEvent(transitions)]
      : transitions.map((t) => ({
          type: isGood(t) ? ('Normal' as const) : ('Warning' as const),
          reason: t.reason,
          message: `${t.type} ${t.from ?? 'unset'} -> ${t.to}: ${t.message}`,
        }));
    for (const event of events) {
      try {
        await this.deps.api.createEvent({ namespace, involved, action: 'Evaluate', ...event }, this.deps.clock());
      } catch (error) {
        // An Event is best effort; status already holds the truth.
        log.warn('event not recorded', { reason: event.reason, code: statusCode(error) });
      }
    }
  }

  /** One Warning Event per Lockbox request finding, once: the evaluation returns only those not yet in the status written over. */
  async recordLockboxAlerts(service: CloudService, alerts: readonly LockboxAlert[], log: Logger): Promise<void> {
    for (const alert of alerts) await this.detected(service, 'LockboxRequestNotControlled', alert.message, log);
  }

  /** One Event and one counter increment per use: the evaluation returns only uses not yet in the status written over. */
  async recordBreakGlassUses(service: CloudService, uses: readonly BreakGlassUse[], log: Logger): Promise<void> {
    for (const use of uses) {
      this.deps.metrics.breakGlassUse.inc({ namespace: service.metadata.namespace ?? '', service: service.metadata.name ?? '', provider: service.spec.provider });
      await this.detected(service, 'BreakGlassUsed', use.message, log);
    }
  }

  /** A Warning Event for something found in the audit trail; best effort, like every Event. */
  private async detected(service: CloudService, reason: string, message: string, log: Logger): Promise<void> {
    try {
      await this.deps.api.createEvent(
        {
          namespace: service.metadata.namespace ?? '',
          involved: { kind: 'CloudService', apiVersion: API_VERSION, name: service.metadata.name ?? '', uid: service.metadata.uid },
          type: 'Warning',
          reason,
          message,
          action: 'Detect',
        },
        this.deps.clock(),
      );
    } catch (error) {
      log.warn('event not recorded', { reason, code: statusCode(error) });
    }
  }
}

/** Conditions where True is bad (Stalled: a permanent failure stopped the retries). */
const TRUE_IS_BAD: ReadonlySet<string> = new Set(['Stalled']);

function isGood(t: Transition): boolean {
  return TRUE_IS_BAD.has(t.type) ? t.to === 'False' : t.to === 'True';
}

function firstEvaluationEvent(transitions: readonly Transition[]): { type: 'Normal' | 'Warning'; reason: string; message: string } {
  const failing = transitions.filter((t) => t.to !== 'Unknown' && !isGood(t)).map((t) => t.type);
  const unknown = transitions.filter((t) => t.to === 'Unknown').map((t) => t.type);
  const parts = [`first evaluation: ${transitions.length - failing.length - unknown.length} passing`];
  if (failing.length) parts.push(`failing: ${failing.join(', ')}`);
  if (unknown.length) parts.push(`unknown: ${unknown.join(', ')}`);
  return { type: failing.length ? 'Warning' : 'Normal', reason: 'Evaluated', message: parts.join('; ') };
}
