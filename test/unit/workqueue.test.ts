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
