// Each reconcile is one bounded attempt: aborted at its deadline and retried, aborted at
// once when leadership is fenced (its Kubernetes calls refused from then on, even those
// of work it started), and let go by the worker shortly after, even if it ignores the signal.

import { Writable } from 'node:stream';
import { ABORT_GRACE_MS, ReconcileRunner } from '../../operator/src/controller/reconcile-runner.js';
import type { ReconcileResult } from '../../operator/src/controller/workqueue.js';
import { currentCallScope } from '../../operator/src/kube/request-bounds.js';
import { createLogger } from '../../operator/src/log.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function logSink() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger(
    'debug',
    new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        cb();
      },
    }),
  );
  return { log, lines };
}

/** A reconcile that never returns and never looks at its signal (a call that hangs without a timeout). */
const ignoresSignal = () => new Promise<ReconcileResult>(() => undefined);

describe('ReconcileRunner', () => {
  it('aborts an attempt at its deadline and asks for a retry', async () => {
    const { log, lines } = logSink();
    let seen: AbortSignal | undefined;
    const runner = new ReconcileRunner({
      deadlineMs: 50,
      log,
      reconcile: async (_key, signal) => {
        seen = signal;
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        return { kind: 'done' };
      },
    });
    const result = await runner.handler('ns/a', new AbortController().signal);
    expect(result).toEqual({ kind: 'retry', reason: 'ReconcileDeadlineExceeded' });
    expect(seen?.aborted).toBe(true);
    expect(lines.map((l) => l.message)).toEqual(['reconcile started', 'reconcile aborted', 'reconcile finished']);
    expect(lines[1]).toMatchObject({ namespace: 'ns', name: 'a', cause: 'deadline', returned: true });
  });

  it('lets go of an attempt that ignores its signal within the grace', async () => {
    const { log } = logSink();
    const runner = new ReconcileRunner({ deadlineMs: 50, log, reconcile: ignoresSignal });
    const started = Date.now();
    await expect(runner.handler('ns/a', new AbortController().signal)).resolves.toEqual({ kind: 'retry', reason: 'ReconcileDeadlineExceeded' });
    expect(Date.now() - started).toBeLessThan(50 + ABORT_GRACE_MS + 2_000);
    expect(runner.progress().oldest).toBeUndefined();
  });

  it('fencing aborts running attempts, and their Kubernetes call scope stays aborted for anything they started', async () => {
    const { log } = logSink();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let backgroundScope: AbortSignal | undefined;
    const runner = new ReconcileRunner({
      deadlineMs: 60_000,
      log,
      reconcile: async (key, signal) => {
        // Work the attempt started and left running (a background read, say) keeps the scope.
        if (key === 'ns/done') {
          void gate.then(() => (backgroundScope = currentCallScope()));
          return { kind: 'done' };
        }
        expect(currentCallScope()).toBe(signal);
        return ignoresSignal();
      },
    });
    await expect(runner.handler('ns/done', new AbortController().signal)).resolves.toEqual({ kind: 'done' });
    const running = runner.handler('ns/hung', new AbortController().signal);
    await sleep(20);
    expect(runner.progress().oldest?.key).toBe('ns/hung');
    runner.fence('leadership lost');
    await expect(running).resolves.toEqual({ kind: 'retry', reason: 'ReconcileAborted' });
    release();
    await sleep(0);
    expect(backgroundScope?.aborted).toBe(true);
    expect(runner.fenced).toBe(true);
  });

  it('an attempt started after fencing never runs', async () => {
    const { log } = logSink();
    let ran = false;
    const runner = new ReconcileRunner({
      deadlineMs: 60_000,
      log,
      reconcile: async () => {
        ran = true;
        return { kind: 'done' };
      },
    });
    runner.fence('leadership lost');
    await expect(runner.handler('ns/a', new AbortController().signal)).resolves.toMatchObject({ kind: 'retry' });
    expect(ran).toBe(false);
  });

  it('the queue shutting down aborts the attempt', async () => {
    const { log, lines } = logSink();
    const runner = new ReconcileRunner({ deadlineMs: 60_000, log, reconcile: ignoresSignal });
    const queue = new AbortController();
    const running = runner.handler('ns/a', queue.signal);
    queue.abort(new Error('shutting down'));
    await expect(running).resolves.toEqual({ kind: 'retry', reason: 'ReconcileAborted' });
    expect(lines.find((l) => l.message === 'reconcile aborted')).toMatchObject({ cause: 'shutdown', returned: false });
  });

  it('passes results and errors through, and records progress', async () => {
    const { log, lines } = logSink();
    const runner = new ReconcileRunner({
      deadlineMs: 60_000,
      log,
      reconcile: async (key) => {
        if (key === 'ns/bad') throw new Error('boom');
        return { kind: 'done', requeueAfterMs: 5 };
      },
    });
    const before = runner.progress().lastProgressAt;
    await sleep(5);
    await expect(runner.handler('ns/a', new AbortController().signal)).resolves.toEqual({ kind: 'done', requeueAfterMs: 5 });
    await expect(runner.handler('ns/bad', new AbortController().signal)).rejects.toThrow('boom');
    expect(runner.progress().lastProgressAt).toBeGreaterThan(before);
    const finished = lines.filter((l) => l.message === 'reconcile finished');
    expect(finished.map((l) => l.outcome)).toEqual(['done', 'error']);
    for (const l of finished) expect(typeof l.at).toBe('number');
  });
});
