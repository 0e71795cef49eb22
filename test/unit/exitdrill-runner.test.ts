import { jest } from '@jest/globals';
import { ExitDrillRunner, type DrillJob } from '../../operator/src/exitdrill/runner.js';
import type { ExitDrillResult } from '../../operator/src/inventory/exit-drill.js';
import { anExitDrillResult } from './builders.js';

/** A job the test finishes by hand, recording whether it was started and aborted. */
function controllable() {
  let finish: (result: ExitDrillResult) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const state = { started: 0, aborted: false };
  const job: DrillJob = (signal) => {
    state.started++;
    signal.addEventListener('abort', () => {
      state.aborted = true;
      fail(new Error('aborted'));
    });
    return new Promise<ExitDrillResult>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
  };
  return { job, state, finish: (r: ExitDrillResult) => finish(r), fail: (e: Error) => fail(e) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ExitDrillRunner', () => {
  it('starts a due drill in the background, wakes the service, and hands the result over once', async () => {
    const runner = new ExitDrillRunner();
    const drill = controllable();
    const wake = jest.fn();
    expect(runner.request('ns/a', 'fp', drill.job, wake)).toMatchObject({ state: 'running' });
    // Asked again while it runs (a periodic reconcile): no second drill.
    expect(runner.request('ns/a', 'fp', drill.job, wake)).toMatchObject({ state: 'running' });
    expect(drill.state.started).toBe(1);
    expect(wake).not.toHaveBeenCalled();

    const result = anExitDrillResult({ objectsVerified: 7 });
    drill.finish(result);
    await settle();
    expect(wake).toHaveBeenCalledTimes(1);
    expect(runner.request('ns/a', 'fp', drill.job, wake)).toEqual({ state: 'finished', result });
    // Taken: the next due request starts a new drill.
    expect(runner.request('ns/a', 'fp', drill.job, wake)).toMatchObject({ state: 'running' });
    expect(drill.state.started).toBe(2);
  });

  it('drops a result for a drill spec that changed while it ran', async () => {
    const runner = new ExitDrillRunner();
    const drill = controllable();
    runner.request('ns/a', 'bucket-1', drill.job, () => undefined);
    drill.finish(anExitDrillResult());
    await settle();
    expect(runner.request('ns/a', 'bucket-2', drill.job, () => undefined)).toMatchObject({ state: 'running' });
    expect(drill.state.started).toBe(2);
  });

  it('bounds how many drills run at once and starts the queued ones as others finish', async () => {
    const runner = new ExitDrillRunner({ concurrency: 2 });
    const jobs = [controllable(), controllable(), controllable()];
    const states = jobs.map((j, i) => runner.request(`ns/s${i}`, 'fp', j.job, () => undefined).state);
    expect(states).toEqual(['running', 'running', 'queued']);
    expect(jobs.map((j) => j.state.started)).toEqual([1, 1, 0]);
    jobs[0]!.finish(anExitDrillResult());
    await settle();
    expect(jobs[2]!.state.started).toBe(1);
    expect(runner.request('ns/s2', 'fp', jobs[2]!.job, () => undefined)).toMatchObject({ state: 'running' });
  });

  it('reports an unexpected failure, does not wake (no hot retry), and lets the next request start again', async () => {
    const onError = jest.fn();
    const runner = new ExitDrillRunner({ onError });
    const drill = controllable();
    const wake = jest.fn();
    runner.request('ns/a', 'fp', drill.job, wake);
    drill.fail(new Error('disk full'));
    await settle();
    expect(onError).toHaveBeenCalledWith('ns/a', expect.objectContaining({ message: 'disk full' }));
    expect(wake).not.toHaveBeenCalled();
    expect(runner.size).toBe(0);
    expect(runner.request('ns/a', 'fp', drill.job, wake)).toMatchObject({ state: 'running' });
  });

  it('aborts running drills on stop, drops queued ones and reports no failure for them', async () => {
    const onError = jest.fn();
    const runner = new ExitDrillRunner({ concurrency: 1, onError });
    const running = controllable();
    const queued = controllable();
    runner.request('ns/a', 'fp', running.job, () => undefined);
    runner.request('ns/b', 'fp', queued.job, () => undefined);
    await runner.stop();
    expect(running.state.aborted).toBe(true);
    expect(queued.state.started).toBe(0);
    expect(onError).not.toHaveBeenCalled();
    expect(runner.size).toBe(0);
  });
});
