// What a sharded replica keeps of another shard's CloudService (controller/service-projection.ts),
// and how the reflector applies it: on list and watch, again when a shard is lost
// (reproject), and how a service read whole replaces its projection (offer).

import { Writable } from 'node:stream';
import type { CloudService } from '../../../operator/src/api/types.js';
import { isProjected, projectForeignService } from '../../../operator/src/controller/service-projection.js';
import { Reflector } from '../../../operator/src/kube/reflector.js';
import { createLogger } from '../../../operator/src/log.js';
import { aSpec } from '../builders.js';
import { kubeConfigFor, startHangingServer, type HangingServer } from '../kube-fakes.js';

const quiet = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));

function aService(name: string, account: string, resourceVersion = '7'): CloudService {
  return {
    apiVersion: 'cloudposture.io/v1alpha1',
    kind: 'CloudService',
    metadata: { name, namespace: 'team-a', uid: `uid-${name}`, resourceVersion, generation: 3, labels: { team: 'a' }, annotations: { owner: 'jane' } },
    spec: { ...aSpec(), accountRef: { name: account }, saas: { entraApplicationId: 'APP-1' } },
    status: {
      observedGeneration: 3,
      conditions: Array.from({ length: 12 }, (_, i) => ({ type: `C${i}`, status: 'True', reason: 'Checked', message: 'x'.repeat(200), lastTransitionTime: '2026-12-07T12:00:00Z' })),
    },
  } as CloudService;
}

describe('projectForeignService', () => {
  it('keeps what routes the service and counts it as declared, and drops its status and the rest of its spec', () => {
    const whole = aService('payments', 'acct-1');
    const slim = projectForeignService(whole);
    expect(slim).toEqual({
      apiVersion: 'cloudposture.io/v1alpha1',
      kind: 'CloudService',
      metadata: { name: 'payments', namespace: 'team-a', uid: 'uid-payments', resourceVersion: '7', generation: 3, labels: { team: 'a' }, annotations: { owner: 'jane' } },
      spec: { provider: whole.spec.provider, accountRef: { name: 'acct-1' }, saas: { entraApplicationId: 'APP-1' } },
    });
    expect(JSON.stringify(slim).length * 5).toBeLessThan(JSON.stringify(whole).length);
    expect(isProjected(slim)).toBe(true);
    expect(isProjected(whole)).toBe(false);
    expect(projectForeignService(slim)).toBe(slim);
    // The cached object as received is not changed.
    expect(whole.status?.conditions).toHaveLength(12);
  });
});

describe('a reflector with a projection', () => {
  let server: HangingServer;
  let reflector: Reflector<CloudService> | undefined;
  afterEach(async () => {
    reflector?.stop();
    await server?.stop();
  });

  it('keeps other shards\' services projected, projects again when ownership changes, and takes a whole object only of the cached version', async () => {
    // The watch after the list goes to a server that never answers; only the list matters here.
    server = await startHangingServer();
    const owned = new Set(['acct-1']);
    reflector = new Reflector<CloudService>(kubeConfigFor(server.url), {
      name: 'cloudservices',
      path: '/apis/cloudposture.io/v1alpha1/cloudservices',
      list: async () => ({ items: [aService('mine', 'acct-1'), aService('theirs', 'acct-2')], resourceVersion: '9' }),
      project: (s) => (owned.has(s.spec.accountRef?.name ?? '') ? s : projectForeignService(s)),
      onChange: () => undefined,
      resyncPeriodMs: 600_000,
      staleAfterMs: 300_000,
      log: quiet,
    });
    await reflector.start();
    const get = (name: string) => reflector?.get(`team-a/${name}`) as CloudService;
    expect(isProjected(get('mine'))).toBe(false);
    expect(isProjected(get('theirs'))).toBe(true);

    // acct-2's shard is gained: a whole read of an older or newer version is not kept, of the cached one it is.
    owned.add('acct-2');
    reflector.offer(aService('theirs', 'acct-2', '6'));
    expect(isProjected(get('theirs'))).toBe(true);
    reflector.offer(aService('theirs', 'acct-2', '7'));
    expect(get('theirs').status?.conditions).toHaveLength(12);

    // acct-1's shard is lost: its service goes back to its routing fields.
    owned.delete('acct-1');
    reflector.reproject();
    expect(isProjected(get('mine'))).toBe(true);
    expect(get('mine').status).toBeUndefined();
    expect(isProjected(get('theirs'))).toBe(false);
  });
});
