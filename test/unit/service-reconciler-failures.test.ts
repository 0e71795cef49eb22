// How the real reconciler ends a reconcile whose account read failed: a permanent
// failure as `terminal` (Stalled written, back only after the ceiling), a transient one
// as `retry` at the shared account cache's next attempt (one backoff), counted by kind.

import { Writable } from 'node:stream';
import { ServiceReconciler } from '../../operator/src/controller/service-reconciler.js';
import { STALLED_RECHECK_MS } from '../../operator/src/controls/readiness.js';
import type { InventoryResult } from '../../operator/src/inventory/types.js';
import { createLogger } from '../../operator/src/log.js';
import { OperatorMetrics } from '../../operator/src/metrics.js';
import { SharedInventoryCache } from '../../operator/src/providers/cache.js';
import type { CollectTarget } from '../../operator/src/providers/types.js';
import { anAccount, targetsOver } from './account-fakes.js';
import { aSpec, NOW } from './builders.js';
import { MemoryApi } from './memory-api.js';

const quiet = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));

function setup(inventory: (target: CollectTarget) => Promise<InventoryResult>, clock: () => Date) {
  const api = new MemoryApi({
    apiVersion: 'cloudposture.io/v1alpha1',
    kind: 'CloudService',
    metadata: { namespace: 'team', name: 'svc', generation: 3, resourceVersion: '1', uid: 'u1' },
    spec: aSpec(),
  });
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const reconciler = new ServiceReconciler({
    api,
    services: { get: () => structuredClone(api.object) },
    policies: { get: () => undefined },
    policyName: 'default',
    sources: {
      // an account granted to the service's namespace, no credentials Secret named: the plain target
      targets: targetsOver(api, [anAccount({ spec: { aws: { accountId: '444455556666' } } })]),
      inventory: ({ target }) => inventory(target),
    },
    metrics,
    log: quiet,
    defaultIntervalMs: 10 * 60_000,
    clock,
    random: () => 0.5,
  });
  return { api, metrics, reconciler };
}

const conditionTypes = (api: MemoryApi) => (api.object.status?.conditions ?? []).map((c) => c.type);

describe('ServiceReconciler on a failed account read', () => {
  it('a permanent failure is terminal: Stalled after Ready, back only after the ceiling, counted as permanent', async () => {
    const { api, metrics, reconciler } = setup(
      async () => ({ ok: false, failure: { reason: 'AccountMismatch', message: 'credentials belong to account 123456789012, spec names 444455556666' } }),
      () => NOW,
    );
    const result = await reconciler.reconcile('team/svc', new AbortController().signal);
    expect(result).toEqual({ kind: 'terminal', reason: 'AccountMismatch', requeueAfterMs: STALLED_RECHECK_MS });
    expect(conditionTypes(api).slice(-2)).toEqual(['Ready', 'Stalled']);
    expect(api.object.status?.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'AccountMismatch', observedGeneration: 3 });
    expect(api.object.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'AccountMismatch' });
    expect((await metrics.render()).body).toMatch(/cloudposture_reconcile_failures_total\{kind="permanent",reason="AccountMismatch"\} 1/);
    // Stalled=True is bad news: the first-evaluation Event is a Warning that names it as failing.
    expect(api.events.map((e) => ({ type: e.type, reason: e.reason }))).toEqual([{ type: 'Warning', reason: 'Evaluated' }]);
    expect(api.events[0]?.message).toMatch(/failing: .*Stalled/);
  });

  it('a transient failure retries when the account cache reads the account again; Stalled is removed', async () => {
    let now = NOW.getTime();
    let answer: InventoryResult = { ok: false, failure: { reason: 'AccountMismatch', message: 'other account' } };
    const cache = new SharedInventoryCache({ collect: async () => answer }, { now: () => now, failureTtlMs: 30_000, maxFailureTtlMs: 600_000 });
    const { api, metrics, reconciler } = setup((target) => cache.read(target, 10 * 60_000), () => new Date(now));
    await reconciler.reconcile('team/svc', new AbortController().signal);
    expect(conditionTypes(api)).toContain('Stalled');

    answer = { ok: false, failure: { reason: 'Throttled', message: 'Rate exceeded' } };
    const waits: number[] = [];
    let wait = 30_000; // the permanent failure was kept for the base TTL only
    for (let i = 0; i < 3; i++) {
      now += wait; // the work queue comes back when it was told to
      const result = await reconciler.reconcile('team/svc', new AbortController().signal);
      expect(result.kind).toBe('retry');
      wait = result.kind === 'retry' ? (result.retryAfterMs ?? -1) : -1;
      waits.push(wait);
    }
    // Each retry finds the account due and collects it: the cache's per-account backoff
    // (the permanent failure before counts as one), nothing added on top.
    expect(waits).toEqual([60_000, 120_000, 240_000]);
    expect(cache.collections).toBe(4);
    expect(conditionTypes(api)).not.toContain('Stalled');
    expect(api.object.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'Throttled' });
    expect((await metrics.render()).body).toMatch(/cloudposture_reconcile_failures_total\{kind="transient",reason="Throttled"\} 3/);
  });

  it('a transient failure outside the cache (the Secret read failed) leaves the backoff to the work queue', async () => {
    const { reconciler } = setup(async () => ({ ok: false, failure: { reason: 'CredentialsUnreadable', message: 'HTTP 503' } }), () => NOW);
    expect(await reconciler.reconcile('team/svc', new AbortController().signal)).toEqual({ kind: 'retry', reason: 'CredentialsUnreadable' });
  });
});
