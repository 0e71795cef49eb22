// A list that hangs is cut at the list timeout and retried (before, one hung list stalled
// the reflector for good: the watchdog only restarts watches); how long the reflector has
// not heard from the API server is what /healthz judges.

import { Writable } from 'node:stream';
import { Reflector, type Keyed } from '../../operator/src/kube/reflector.js';
import { createLogger } from '../../operator/src/log.js';
import type { ObjectList } from '../../operator/src/kube/api.js';
import { kubeConfigFor, startHangingServer, type HangingServer } from './kube-fakes.js';

const quiet = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));

describe('Reflector list bound', () => {
  let server: HangingServer;
  let reflector: Reflector<Keyed> | undefined;
  afterEach(async () => {
    reflector?.stop();
    await server?.stop();
  });

  it(
    'cuts a hung list at the list timeout, aborts its signal, and lists again',
    async () => {
      // The watch after the list goes to a server that never answers; only the list matters here.
      server = await startHangingServer();
      const signals: AbortSignal[] = [];
      reflector = new Reflector<Keyed>(kubeConfigFor(server.url), {
        name: 'things',
        path: '/apis/example.io/v1/things',
        list: (signal) => {
          signals.push(signal);
          // The first list never answers (and ignores its signal); the second does.
          if (signals.length === 1) return new Promise<ObjectList<Keyed>>(() => undefined);
          return Promise.resolve({ items: [{ metadata: { name: 'one', resourceVersion: '5' } }], resourceVersion: '5' });
        },
        onChange: () => undefined,
        resyncPeriodMs: 600_000,
        staleAfterMs: 300_000,
        listTimeoutMs: 200,
        backoffBaseMs: 10,
        log: quiet,
      });
      await reflector.start();
      expect(signals).toHaveLength(2);
      expect(signals[0]?.aborted).toBe(true);
      expect(reflector.keys()).toEqual(['one']);
      expect(reflector.silentForMs()).toBeLessThan(200);
    },
    10_000,
  );
});
