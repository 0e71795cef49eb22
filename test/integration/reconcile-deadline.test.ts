// A reconcile whose cloud read never returns (and ignores its signal) is aborted at the
// reconcile deadline and retried; the worker is let go each time, so the queue keeps
// making progress and /healthz stays green; once the read works, the status is written.

import type { InventorySource } from '../../operator/src/controller/gather.js';
import type { InventoryResult } from '../../operator/src/inventory/types.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { serviceClient } from '../harness/services.js';
import { onAccount } from '../harness/test-specs.js';
import { ACCOUNT_ID, aSpec } from '../unit/builders.js';

const RECONCILE_TIMEOUT_MS = 1_000;

describe('reconcile deadline', () => {
  const kc = loadTestKubeConfig();
  const { create, reconciled } = serviceClient(kc, () => ns);
  let ns: string;
  let operator: TestOperator | undefined;
  let hang = true;
  let reads = 0;
  // Hangs like a call without a timeout while `hang`; then an account that cannot be reached.
  const inventory: InventorySource = () => {
    reads++;
    if (hang) return new Promise<InventoryResult>(() => undefined);
    return Promise.resolve({ ok: false, failure: { reason: 'AccountUnreachable', message: 'no route to the account' } });
  };

  beforeAll(async () => {
    await installCrds();
    ns = await createTestNamespace('deadline');
    operator = await startTestOperator({
      namespace: ns,
      env: {
        CLOUDPOSTURE_POLICY_NAME: uniqueName('policy'),
        CLOUDPOSTURE_RECONCILE_TIMEOUT: `${RECONCILE_TIMEOUT_MS}ms`,
        CLOUDPOSTURE_QUEUE_STUCK_AFTER: `${3 * RECONCILE_TIMEOUT_MS}ms`,
      },
      inventory,
    });
  });
  afterAll(async () => {
    await operator?.stop();
    await deleteTestNamespace(ns);
  });

  it('aborts a hung reconcile at its deadline, retries it, and stays healthy', async () => {
    const logs = operator!.logs;
    await create('svc', onAccount(aSpec(), { aws: { accountId: ACCOUNT_ID } }));
    const aborted = () => logs.filter((l) => l.message === 'reconcile aborted' && l.name === 'svc');
    // Longer than the queue's stuck bound: a worker pinned by the hung read would fail /healthz by now.
    const healthSamples: boolean[] = [];
    await waitFor(
      () => {
        healthSamples.push(operator!.manager.health().healthy);
        return aborted().length >= 3;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: 'three attempts aborted at the deadline' },
    );
    expect(aborted().every((l) => l.cause === 'deadline' && (l.durationMs as number) >= RECONCILE_TIMEOUT_MS)).toBe(true);
    expect(reads).toBeGreaterThanOrEqual(3);
    expect(healthSamples.every(Boolean)).toBe(true);

    hang = false;
    const svc = await reconciled('svc', { timeoutMs: 30_000 });
    expect(svc.status?.observedGeneration).toBe(1);
  });
});
