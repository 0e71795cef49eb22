// The manager's /healthz facts are wired: an API server that never answers makes the
// watched kinds stuck past WATCH_STUCK_AFTER, and the manager says so.

import { Writable } from 'node:stream';
import { loadConfig } from '../../operator/src/config.js';
import { Manager } from '../../operator/src/controller/manager.js';
import { createLogger } from '../../operator/src/log.js';
import { OperatorMetrics } from '../../operator/src/metrics.js';
import { kubeConfigFor, startHangingServer, type HangingServer } from './kube-fakes.js';

const unused = { reason: 'Unused', message: 'not reached' };
const quiet = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));

describe('Manager health', () => {
  let server: HangingServer;
  afterEach(async () => server?.stop());

  it(
    'is unhealthy while the API server does not answer its watches past the bound, and never ready',
    async () => {
      server = await startHangingServer();
      const config = loadConfig({
        CLOUDPOSTURE_KUBE_REQUEST_TIMEOUT: '100ms',
        CLOUDPOSTURE_WATCH_STALE_AFTER: '200ms',
        CLOUDPOSTURE_WATCH_STUCK_AFTER: '400ms',
        CLOUDPOSTURE_SHUTDOWN_GRACE: '100ms',
      });
      const manager = new Manager({
        kubeConfig: kubeConfigFor(server.url),
        config,
        metrics: new OperatorMetrics({ defaultMetrics: false }),
        log: quiet,
        // Nothing is reconciled here: the caches never sync.
        sources: { inventory: async () => ({ ok: false, failure: unused }), probe: async () => ({ ok: true, principal: 'test' }) },
      });
      void manager.start();
      try {
        expect(manager.health()).toEqual({ healthy: true, problems: [] });
        await new Promise((resolve) => setTimeout(resolve, 700));
        const health = manager.health();
        expect(health.healthy).toBe(false);
        expect(health.problems.join('\n')).toMatch(/watch of cloudsecuritypolicies: no answer from the API server/);
        expect(manager.ready).toBe(false);
      } finally {
        await manager.stop(100);
      }
    },
    10_000,
  );
});
