// /healthz fails while a watch or the queue is stuck past its bound, and says which;
// a standby's idle queue and /readyz are not affected.

import type { AddressInfo } from 'node:net';
import { judgeHealth, type HealthFacts } from '../../operator/src/controller/health.js';
import { OperatorMetrics } from '../../operator/src/metrics.js';
import { startServer } from '../../operator/src/server.js';

const MIN = 60_000;
const NOW = 1_000_000_000;
const bounds = { watchStuckAfterMs: 15 * MIN, queueStuckAfterMs: 15 * MIN };
const watches = (servicesSilentMs = 1_000) => [
  { name: 'cloudsecuritypolicies', silentForMs: 1_000 },
  { name: 'cloudservices', silentForMs: servicesSilentMs },
];

describe('judgeHealth', () => {
  it.each<[string, HealthFacts, string[]]>([
    ['watches answering, queue idle', { now: NOW, reflectors: watches(), queue: { depth: 0, progress: { lastProgressAt: NOW - 60 * MIN } } }, []],
    ['a long reconcile within the bound', { now: NOW, reflectors: watches(), queue: { depth: 3, progress: { oldest: { key: 'ns/a', startedAt: NOW - 14 * MIN }, lastProgressAt: NOW - 14 * MIN } } }, []],
    ['a standby: keys wait, the queue does not run', { now: NOW, reflectors: watches() }, []],
    ['a watch silent past the bound', { now: NOW, reflectors: watches(16 * MIN) }, ['watch of cloudservices: no answer from the API server for 960s (bound 900s)']],
    [
      'a worker busy past the bound',
      { now: NOW, reflectors: watches(), queue: { depth: 0, progress: { oldest: { key: 'ns/a', startedAt: NOW - 16 * MIN }, lastProgressAt: NOW - 16 * MIN } } },
      ['queue: a reconcile running for 960s (bound 900s)'],
    ],
    [
      'keys waiting with no progress past the bound',
      { now: NOW, reflectors: watches(), queue: { depth: 2, progress: { lastProgressAt: NOW - 20 * MIN } } },
      ['queue: 2 waiting, no reconcile started or finished for 1200s (bound 900s)'],
    ],
  ])('%s', (_name, facts, problems) => {
    expect(judgeHealth(facts, bounds)).toEqual({ healthy: problems.length === 0, problems });
  });
});

describe('/healthz', () => {
  it('answers 500 with the problems while stuck, 200 once not, and leaves /readyz alone', async () => {
    let problems = ['queue: a reconcile running for 960s (bound 900s)'];
    const server = await startServer('127.0.0.1:0', new OperatorMetrics({ defaultMetrics: false }), {
      healthy: () => problems.length === 0,
      problems: () => problems,
      ready: () => true,
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const stuck = await fetch(`${base}/healthz`);
      expect(stuck.status).toBe(500);
      expect(await stuck.text()).toBe('unhealthy\nqueue: a reconcile running for 960s (bound 900s)\n');
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      problems = [];
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
