import type { InventoryResult } from '../../operator/src/inventory/types.js';
import { inventoryCacheKey, SharedInventoryCache } from '../../operator/src/providers/cache.js';
import type { CollectTarget, InventoryCollector } from '../../operator/src/providers/types.js';

function target(accountId = '111111111111', extra: Partial<CollectTarget> = {}): CollectTarget {
  return { provider: 'aws', account: { aws: { accountId } }, allowedRegions: ['eu-west-1'], ...extra };
}

function ok(accountId: string, n: number): InventoryResult {
  return {
    ok: true,
    inventory: {
      provider: 'aws',
      accountId,
      collectedAt: new Date(0).toISOString(),
      evidenceTimes: {},
      identities: [],
      resources: [],
      guardrails: {},
      auditTrails: [],
      gaps: [],
      apiCalls: n,
    },
  };
}

/** A collector whose collections finish when the test says so. */
class FakeCollector implements InventoryCollector {
  calls: { target: CollectTarget; signal?: AbortSignal | undefined; resolve: (r: InventoryResult) => void }[] = [];
  collect(t: CollectTarget, signal?: AbortSignal): Promise<InventoryResult> {
    return new Promise((resolve) => this.calls.push({ target: t, signal, resolve }));
  }
  finish(i: number, r: InventoryResult): void {
    this.calls[i]?.resolve(r);
  }
}

const flush = () => new Promise((r) => setImmediate(r));

describe('SharedInventoryCache', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_000_000;
  });

  it('shares one in-flight collection between concurrent callers', async () => {
    const fake = new FakeCollector();
    const cache = new SharedInventoryCache(fake, { now });
    const a = cache.get(target(), 600_000);
    const b = cache.get(target(), 600_000);
    const c = cache.get(target(), 60_000);
    await flush();
    expect(fake.calls).toHaveLength(1);
    expect(cache.inFlight).toBe(1);
    fake.finish(0, ok('111111111111', 7));
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    expect(ra).toBe(rb);
    expect(rb).toBe(rc);
    expect(cache.collections).toBe(1);
    expect(cache.inFlight).toBe(0);
  });

  it('keeps accounts apart', async () => {
    const fake = new FakeCollector();
    const cache = new SharedInventoryCache(fake, { now });
    const a = cache.get(target('111111111111'), 1000);
    const b = cache.get(target('222222222222'), 1000);
    await flush();
    expect(fake.calls).toHaveLength(2);
    fake.finish(0, ok('111111111111', 1));
    fake.finish(1, ok('222222222222', 2));
    expect(((await a) as { inventory: { accountId: string } }).inventory.accountId).toBe('111111111111');
    expect(((await b) as { inventory: { accountId: string } }).inventory.accountId).toBe('222222222222');
  });

  it('reuses a result within the max age and collects again after it', async () => {
    const fake = new FakeCollector();
    const cache = new SharedInventoryCache(fake, { now });
    const first = cache.get(target(), 600_000);
    await flush();
    fake.finish(0, ok('111111111111', 1));
    await first;
    clock += 599_999;
    await cache.get(target(), 600_000);
    expect(fake.calls).toHaveLength(1);
    // a caller with a shorter interval wants fresher data
    const shorter = cache.get(target(), 300_000);
    await flush();
    expect(fake.calls).toHaveLength(2);
    fake.finish(1, ok('111111111111', 2));
    expect(((await shorter) as { inventory: { apiCalls: number } }).inventory.apiCalls).toBe(2);
    clock += 600_000;
    const third = cache.get(target(), 600_000);
    await flush();
    expect(fake.calls).toHaveLength(3);
    fake.finish(2, ok('111111111111', 3));
    await third;
    expect(cache.peek(target())?.ageMs).toBe(0);
  });

  it('keeps a failure only for the short failure TTL', async () => {
    const fake = new FakeCollector();
    const cache = new SharedInventoryCache(fake, { now, failureTtlMs: 30_000 });
    const failed: InventoryResult = { ok: false, failure: { reason: 'Throttled', message: 'slow down' } };
    const p = cache.get(target(), 600_000);
    await flush();
    fake.finish(0, failed);
    expect(await p).toBe(failed);
    clock += 29_000;
    expect(await cache.get(target(), 600_000)).toBe(failed);
    expect(fake.calls).toHaveLength(1);
    clock += 1_000;
    const again = cache.get(target(), 600_000);
    await flush();
    expect(fake.calls).toHaveLength(2);
    fake.finish(1, ok('111111111111', 1));
    expect((await again).ok).toBe(true);
  });

  it('backs off per account: each consecutive failure doubles the reuse, up to the cap; a success resets it', async () => {
    const fake = new FakeCollector();
    const cache = new SharedInventoryCache(fake, { now, failureTtlMs: 1_000, maxFailureTtlMs: 4_000 });
    const failed: InventoryResult = { ok: false, failure: { reason: 'Throttled', message: 'slow down' } };
    // Collects again only once the current backoff has passed; returns the wait it saw.
    const failAndMeasure = async (call: number): Promise<number> => {
      const p = cache.get(target(), 600_000);
      await flush();
      fake.finish(call, failed);
      await p;
      let waited = 0;
      for (;;) {
        clock += 250;
        waited += 250;
        void cache.get(target(), 600_000);
        await flush();
        if (fake.calls.length > call + 1) return waited;
      }
    };
    expect(await failAndMeasure(0)).toBe(1_000);
    expect(await failAndMeasure(1)).toBe(2_000);
    expect(await failAndMeasure(2)).toBe(4_000);
    expect(await failAndMeasure(3)).toBe(4_000); // capped
    fake.finish(4, ok('111111111111', 1));
    await flush();
    clock += 700_000;
    const afterSuccess = cache.get(target(), 600_000);
    await flush();
    fake.finish(5, failed);
    await afterSuccess;
    clock += 1_000; // back to the base after a success
    void cache.get(target(), 600_000);
    await flush();
    expect(fake.calls).toHaveLength(7);
  });

  it('keeps a permanent failure for the base TTL only: it is not retried in a loop, and a change must be read soon', async () => {
    const fake = new FakeCollector();
    const cache = new SharedInventoryCache(fake, { now, failureTtlMs: 1_000, maxFailureTtlMs: 4_000 });
    const mismatch: InventoryResult = { ok: false, failure: { reason: 'AccountMismatch', message: 'credentials belong to account 2' } };
    for (let call = 0; call < 4; call++) {
      const p = cache.get(target(), 600_000);
      await flush();
      fake.finish(call, mismatch);
      await p;
      clock += 999;
      expect(await cache.get(target(), 600_000)).toBe(mismatch);
      clock += 1;
      void cache.get(target(), 600_000);
      await flush();
      expect(fake.calls).toHaveLength(call + 2); // collected again after 1 s every time, never 2, 4 s
    }
  });

  it('read() stamps a failure with when the account is collected again: the one backoff a retry follows', async () => {
    const fake = new FakeCollector();
    const cache = new SharedInventoryCache(fake, { now, failureTtlMs: 1_000, maxFailureTtlMs: 4_000 });
    const failed: InventoryResult = { ok: false, failure: { reason: 'Throttled', message: 'slow down' } };
    const started = clock;
    const first = cache.read(target(), 600_000);
    await flush();
    fake.finish(0, failed);
    expect(await first).toEqual({ ...failed, retryAt: new Date(started + 1_000).toISOString() });
    expect(cache.peek(target())?.result).toBe(failed); // the stored result is not changed
    clock += 1_000;
    const second = cache.read(target(), 600_000);
    await flush();
    fake.finish(1, failed);
    const retryAt = Date.parse((await second as { retryAt?: string }).retryAt ?? '');
    expect(retryAt).toBe(clock + 2_000); // doubled
    // A caller with a shorter interval is told its own, earlier time.
    expect(Date.parse((await cache.read(target(), 1_500) as { retryAt?: string }).retryAt ?? '')).toBe(clock + 1_500);
    clock = retryAt - 1;
    await cache.read(target(), 600_000);
    await flush();
    expect(fake.calls).toHaveLength(2);
    clock = retryAt;
    void cache.read(target(), 600_000);
    await flush();
    expect(fake.calls).toHaveLength(3); // collected exactly at the stamped time
    fake.finish(2, ok('111111111111', 1));
    const success = await cache.read(target(), 600_000);
    expect(success).toBe(cache.peek(target())?.result);
    expect(success).not.toHaveProperty('retryAt');
  });

  it('turns a throwing collector into a failure result that is not kept long', async () => {
    const cache = new SharedInventoryCache(
      { collect: async () => Promise.reject(new Error('boom')) },
      { now, failureTtlMs: 10 },
    );
    const r = await cache.get(target(), 1000);
    expect(r).toEqual({ ok: false, failure: { reason: 'CollectionError', message: 'boom' } });
  });

  it('an aborted caller stops waiting while the shared collection goes on', async () => {
    const fake = new FakeCollector();
    const cache = new SharedInventoryCache(fake, { now });
    const ctl = new AbortController();
    const a = cache.get(target(), 1000, ctl.signal);
    const b = cache.get(target(), 1000);
    await flush();
    ctl.abort();
    await expect(a).rejects.toBeDefined();
    expect(fake.calls[0]?.signal?.aborted).toBe(false);
    fake.finish(0, ok('111111111111', 1));
    expect((await b).ok).toBe(true);
  });

  it('close() aborts collections in flight and stores nothing from them', async () => {
    const fake = new FakeCollector();
    const cache = new SharedInventoryCache(fake, { now });
    const a = cache.get(target(), 1000);
    await flush();
    cache.close();
    expect(fake.calls[0]?.signal?.aborted).toBe(true);
    fake.finish(0, { ok: false, failure: { reason: 'Aborted', message: 'cancelled' } });
    await a;
    expect(cache.size).toBe(0);
  });

  it('evicts the oldest results beyond maxEntries', async () => {
    const cache = new SharedInventoryCache({ collect: async (t) => ok(t.account.aws?.accountId ?? '', 1) }, { now, maxEntries: 2 });
    for (const id of ['111111111111', '222222222222', '333333333333']) await cache.get(target(id), 1000);
    expect(cache.size).toBe(2);
    expect(cache.peek(target('111111111111'))).toBeUndefined();
  });
});

describe('inventoryCacheKey', () => {
  it('is provider + CloudAccount + account + role, and never contains a secret', () => {
    const key = inventoryCacheKey(
      target('111111111111', {
        accountName: 'payments-prod',
        account: { aws: { accountId: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/r', externalId: 'ext-123' } },
        credentials: { accessKeyId: 'AKIAEXAMPLEKEY123456', secretAccessKey: 'very-secret-value' },
      }),
    );
    expect(key.startsWith('aws/payments-prod/111111111111/arn:aws:iam::111111111111:role/r/')).toBe(true);
    expect(key).not.toContain('very-secret-value');
    expect(key).not.toContain('AKIAEXAMPLEKEY123456');
    expect(key).not.toContain('ext-123');
  });

  it('ignores allowedRegions (shared by services with different allowed regions) but not scanned regions', () => {
    const a = inventoryCacheKey({ ...target(), allowedRegions: ['eu-west-1'] });
    const b = inventoryCacheKey({ ...target(), allowedRegions: ['us-east-1'] });
    expect(a).toBe(b);
    const c = inventoryCacheKey({ ...target(), account: { aws: { accountId: '111111111111', regions: ['eu-west-1'] } } });
    expect(c).not.toBe(a);
  });

  it('keeps two services on one subscription apart when they use different Azure Secrets', () => {
    const azure = (clientSecret: string) =>
      inventoryCacheKey({
        provider: 'azure',
        account: { azure: { tenantId: 't', subscriptionId: 's' } },
        allowedRegions: ['westeurope'],
        azureCredentials: { tenantId: 't', clientId: 'c', clientSecret },
      });
    expect(azure('one')).not.toBe(azure('two'));
    expect(azure('one')).not.toContain('one');
  });
});
