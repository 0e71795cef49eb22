import { jest } from '@jest/globals';
import { MAX_TIMER_DELAY_MS } from '../../operator/src/api/duration.js';
import { ExponentialBackoff, WorkQueue, type ReconcileResult } from '../../operator/src/controller/workqueue.js';

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

function queue(concurrency = 2, onResult?: ConstructorParameters<typeof WorkQueue>[0]['onResult']) {
  return new WorkQueue({ concurrency, backoff: { baseMs: 5, maxMs: 40 }, onResult });
}

describe('ExponentialBackoff', () => {
  it('doubles per failure up to the cap and starts over after forget', () => {
    const backoff = new ExponentialBackoff({ baseMs: 5, maxMs: 1000 });
    expect([1, 2, 3, 4].map(() => backoff.next('a'))).toEqual([5, 10, 20, 40]);
    expect(backoff.next('b')).toBe(5);
    for (let i = 0; i < 20; i++) backoff.next('a');
    expect(backoff.next('a')).toBe(1000);
    backoff.forget('a');
    expect(backoff.next('a')).toBe(5);
  });
});

describe('WorkQueue', () => {
  it('collapses duplicate adds of a waiting key', async () => {
    const seen: string[] = [];
    const q = queue(1);
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    expect(q.depth).toBe(2);
    q.start(async (key) => {
      seen.push(key);
      return { kind: 'done' };
    });
    await q.whenIdle();
    expect(seen).toEqual(['ns/a', 'ns/b']);
    await q.shutdown(100);
  });

  it('never runs one key twice at once, and reruns a key added while it ran', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const q = queue(4);
    q.start(async () => {
      running++;
      runs++;
      maxRunning = Math.max(maxRunning, running);
      await tick(20);
      running--;
      return { kind: 'done' };
    });
    q.add('ns/a');
    await tick(5);
    q.add('ns/a'); // arrives while processing: must run again afterwards, not in parallel
    q.add('ns/a');
    await tick(80);
    await q.whenIdle();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
    await q.shutdown(100);
  });

  it('bounds concurrency across keys', async () => {
    let running = 0;
    let maxRunning = 0;
    const q = queue(3);
    q.start(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await tick(10);
      running--;
      return { kind: 'done' };
    });
    for (let i = 0; i < 12; i++) q.add(`ns/s${i}`);
    await tick(5);
    await q.whenIdle();
    expect(maxRunning).toBe(3);
    await q.shutdown(100);
  });

  it('retries failures with growing per-key backoff and clears it on success', async () => {
    const times: number[] = [];
    const q = queue(1);
    let calls = 0;
    q.start(async (): Promise<ReconcileResult> => {
      times.push(Date.now());
      calls++;
      if (calls === 1) throw new Error('boom');
      if (calls < 4) return { kind: 'retry', reason: 'Throttled' };
      return { kind: 'done' };
    });
    q.add('ns/a');
    while (calls < 4) await tick(5);
    await q.whenIdle();
    expect(q.retries('ns/a')).toBe(0);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps[0]).toBeGreaterThanOrEqual(4); // 5 ms
    expect(gaps[2]).toBeGreaterThanOrEqual(18); // 20 ms
    await q.shutdown(100);
  });

  it('requeues after the interval a done result asks for, keeping the earliest delay', async () => {
    const q = queue(1);
    let calls = 0;
    q.start(async () => {
      calls++;
      return calls === 1 ? { kind: 'done', requeueAfterMs: 30 } : { kind: 'done' };
    });
    q.addAfter('ns/a', 5000);
    q.addAfter('ns/a', 1); // earlier wins
    await tick(15);
    expect(calls).toBe(1);
    await tick(60);
    expect(calls).toBe(2);
    await q.shutdown(100);
  });

  it('does not retry terminal results', async () => {
    const q = queue(1);
    let calls = 0;
    q.start(async () => {
      calls++;
      return { kind: 'terminal', reason: 'InvalidSpec' };
    });
    q.add('ns/a');
    await tick(60);
    expect(calls).toBe(1);
    await q.shutdown(100);
  });

  it('requeues a terminal result only after the ceiling it names, with no backoff', async () => {
    const q = queue(1);
    const at: number[] = [];
    q.start(async () => {
      at.push(performance.now());
      // Terminal once; the requeued run succeeds, so nothing more is scheduled (a busy
      // machine cannot squeeze a third run into the window).
      return at.length === 1 ? { kind: 'terminal', reason: 'AccountMismatch', requeueAfterMs: 60 } : { kind: 'done' };
    });
    q.add('ns/a');
    await tick(30);
    expect(at).toHaveLength(1);
    expect(q.retries('ns/a')).toBe(0);
    for (let waited = 0; at.length < 2 && waited < 2000; waited += 10) await tick(10);
    expect(at).toHaveLength(2);
    // Timers may fire a millisecond early by performance.now(): allow for it.
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(59);
    await tick(80);
    expect(at).toHaveLength(2);
    await q.shutdown(100);
  });

  it('retries at the time a retry names (the account cache owns that backoff), adding none of its own', async () => {
    jest.useFakeTimers();
    try {
      const times: number[] = [];
      const q = queue(1);
      q.start(async (): Promise<ReconcileResult> => {
        times.push(Date.now());
        if (times.length < 4) return { kind: 'retry', reason: 'Throttled', retryAfterMs: 30_000 };
        if (times.length === 4) return { kind: 'retry', reason: 'StatusWriteFailed' };
        return { kind: 'done' };
      });
      q.add('ns/a');
      await jest.advanceTimersByTimeAsync(3 * 30_000);
      expect(times).toHaveLength(4);
      // Exactly the named wait each time: no exponential backoff of the queue's on top.
      expect(times.slice(1).map((t, i) => t - (times[i] as number))).toEqual([30_000, 30_000, 30_000]);
      // A retry that names no time gets the queue's own backoff, from its base.
      expect(q.retries('ns/a')).toBe(1);
      await jest.advanceTimersByTimeAsync(5);
      expect(times).toHaveLength(5);
      expect((times[4] as number) - (times[3] as number)).toBe(5);
      await q.shutdown(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('reports every result with its duration', async () => {
    const results: string[] = [];
    const q = queue(1, (key, result) => results.push(`${key}:${result.kind}`));
    q.start(async (key) => (key === 'ns/bad' ? { kind: 'retry', reason: 'x' } : { kind: 'done' }));
    q.add('ns/ok');
    q.add('ns/bad');
    await tick(5);
    await q.whenIdle();
    expect(results.slice(0, 2)).toEqual(['ns/ok:done', 'ns/bad:retry']);
    await q.shutdown(100);
  });

  it('on shutdown lets in-flight work finish within the grace and aborts it after', async () => {
    const q = queue(1);
    let aborted = false;
    q.start(
      (_key, signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve({ kind: 'done' });
          });
        }),
    );
    q.add('ns/slow');
    q.add('ns/other');
    await tick(5);
    const started = Date.now();
    await q.shutdown(30);
    expect(aborted).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    q.add('ns/late'); // ignored after shutdown
    expect(q.depth).toBe(0);
  });
});

describe('WorkQueue timers above the setTimeout limit', () => {
  const HOUR_MS = 3_600_000;
  afterEach(() => {
    jest.useRealTimers();
  });

  it('a delay of 8760h is chained below 2^31-1 ms and the key runs after the delay, not before', async () => {
    // Fake timers behave like Node: a delay above 2^31-1 ms fires after 1 ms.
    jest.useFakeTimers();
    const q = queue(1);
    let calls = 0;
    q.start(async () => {
      calls++;
      return { kind: 'done' };
    });
    const delay = 8760 * HOUR_MS;
    expect(delay).toBeGreaterThan(MAX_TIMER_DELAY_MS);
    q.addAfter('ns/yearly', delay);
    await jest.advanceTimersByTimeAsync(10);
    expect(calls).toBe(0);
    await jest.advanceTimersByTimeAsync(MAX_TIMER_DELAY_MS);
    expect(calls).toBe(0);
    await jest.advanceTimersByTimeAsync(delay - MAX_TIMER_DELAY_MS - 10 - 1_000);
    expect(calls).toBe(0);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(1);
    await jest.advanceTimersByTimeAsync(delay);
    expect(calls).toBe(1);
    await q.shutdown(0);
  });

  it('a done result asking for 8760h is not processed early either', async () => {
    jest.useFakeTimers();
    const q = queue(1);
    let calls = 0;
    q.start(async () => {
      calls++;
      return { kind: 'done', requeueAfterMs: 8760 * HOUR_MS };
    });
    q.add('ns/yearly');
    await jest.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(1);
    await jest.advanceTimersByTimeAsync(8760 * HOUR_MS - 60_000 - 1);
    expect(calls).toBe(1);
    await jest.advanceTimersByTimeAsync(2);
    expect(calls).toBe(2);
    await q.shutdown(0);
  });

  it('an earlier add still wins over a pending chained delay, and forget cancels the chain', async () => {
    jest.useFakeTimers();
    const q = queue(1);
    const seen: string[] = [];
    q.start(async (key) => {
      seen.push(key);
      return { kind: 'done' };
    });
    q.addAfter('ns/a', 8760 * HOUR_MS);
    q.addAfter('ns/a', HOUR_MS);
    q.addAfter('ns/b', 8760 * HOUR_MS);
    await jest.advanceTimersByTimeAsync(HOUR_MS);
    expect(seen).toEqual(['ns/a']);
    q.forget('ns/b');
    await jest.advanceTimersByTimeAsync(8760 * HOUR_MS);
    expect(seen).toEqual(['ns/a']);
    await q.shutdown(0);
  });
});
