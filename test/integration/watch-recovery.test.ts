// The operator keeps working across an API-server restart and an expired watch
// (410 Gone), without being restarted itself, and catches up on every change made
// meanwhile. Uses its own control plane: restarting the shared one would disturb
// the other test files.

import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { CloudService } from '../../operator/src/api/types.js';
import { startControlPlane, type ControlPlane } from '../harness/controlplane.js';
import { waitFor } from '../harness/kube.js';
import { startTestOperator, type TestOperator } from '../harness/operator.js';
import { grantAccount } from '../harness/services.js';
import { ACCOUNT_ID, ACCOUNT_NAME, aSpec } from '../unit/builders.js';
import type { InventorySource } from '../../operator/src/controller/gather.js';
import { join } from 'node:path';
import { repoRoot } from '../harness/binaries.js';

const GROUP = 'cloudposture.io';
const VERSION = 'v1alpha1';
const NS = 'recovery';

const noLiveAccount: InventorySource = async () => ({
  ok: false,
  skipped: true,
  failure: { reason: 'LiveChecksDisabled', message: 'no live account in this test' },
});

describe('watch recovery on a dedicated control plane', () => {
  let cp: ControlPlane;
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  let operator: TestOperator;

  const service = (name: string) => ({
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'CloudService',
    metadata: { name },
    spec: aSpec(),
  });
  const get = async (name: string) =>
    (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: 'cloudservices', name })) as CloudService;
  const observed = (name: string, generation: number) =>
    waitFor(async () => (await get(name)).status?.observedGeneration === generation, {
      timeoutMs: 60_000,
      description: `${name} observed at generation ${generation}`,
    });

  beforeAll(async () => {
    // Compact etcd every second so a watch resumed from an old resourceVersion
    // meets 410 Gone, as it does in production after a long disconnect.
    cp = await startControlPlane({ apiServerFlags: ['--etcd-compaction-interval=1s', '--watch-cache=false'] });
    kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    custom = kc.makeApiClient(CustomObjectsApi);
    for (const args of [
      ['apply', '--server-side', '-f', join(repoRoot, 'crds')],
      [
        'wait',
        '--for=condition=Established',
        '--timeout=60s',
        'crd/cloudservices.cloudposture.io',
        'crd/cloudsecuritypolicies.cloudposture.io',
        'crd/cloudaccounts.cloudposture.io',
      ],
      ['create', 'namespace', NS],
    ]) {
      const r = await cp.kubectl(args);
      if (r.code !== 0) throw new Error(r.stderr);
    }
    // The CloudAccount the services name (aSpec), granted to the namespace.
    await grantAccount(kc, ACCOUNT_NAME, 'aws', { aws: { accountId: ACCOUNT_ID } }, [NS]);
    operator = await startTestOperator({
      namespace: NS,
      kubeConfig: kc,
      inventory: noLiveAccount,
      env: { CLOUDPOSTURE_WATCH_STALE_AFTER: '3s' },
    });
  }, 300_000);

  afterAll(async () => {
    await operator?.stop();
    await cp?.stop();
  });

  it('recovers from an API-server restart and catches up on changes made meanwhile', async () => {
    for (const name of ['keep', 'edit', 'drop']) {
      await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: 'cloudservices', body: service(name) });
    }
    for (const name of ['keep', 'edit', 'drop']) await observed(name, 1);
    await waitFor(async () => (await operator.metrics.render()).body.includes('service="drop"'));

    await cp.restartApiServer();
    // Changes right after the restart, before the operator's watch is back.
    const patched = await cp.kubectl(['-n', NS, 'patch', 'cloudservice', 'edit', '--type=merge', '-p', '{"spec":{"owner":"new-owner"}}']);
    expect(patched.code).toBe(0);
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: 'cloudservices', body: service('added') });
    await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: 'cloudservices', name: 'drop' });

    await observed('edit', 2);
    await observed('added', 1);
    await waitFor(async () => !(await operator.metrics.render()).body.includes('service="drop"'), {
      timeoutMs: 60_000,
      description: 'series of the service deleted during the outage to disappear',
    });
    expect(operator.manager.services.keys().sort()).toEqual([`${NS}/added`, `${NS}/edit`, `${NS}/keep`]);
  });

  it('relists after 410 Gone when its resourceVersion was compacted away', async () => {
    const relistsBefore = operator.logs.filter((l) => l.message === 'watch expired (410 Gone): relisting').length;
    // Writes to other kinds move etcd's revision on; compaction then drops the
    // revision the operator's watch would resume from.
    for (let i = 0; i < 5; i++) {
      const r = await cp.kubectl(['-n', NS, 'create', 'configmap', `filler-${i}`, `--from-literal=i=${i}`]);
      expect(r.code).toBe(0);
    }
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await cp.restartApiServer();
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: 'cloudservices', body: service('after-gone') });
    await observed('after-gone', 1);
    const relists = operator.logs.filter((l) => l.message === 'watch expired (410 Gone): relisting').length;
    expect(relists).toBeGreaterThan(relistsBefore);
  });
});
