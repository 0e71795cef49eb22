// Benchmark (a script, not a test): time from creating a CloudService to its status
// being written by the operator, on the local control plane, spec-side controls only.
// Prints the control plane's start-up time (binaries cached) and apply->status median.
//
//   npm exec -- node --import tsx test/bench/apply-to-status.ts [--services 30]

import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { join } from 'node:path';
import type { CloudService } from '../../operator/src/api/types.js';
import { loadConfig } from '../../operator/src/config.js';
import { Manager } from '../../operator/src/controller/manager.js';
import { KubeApi } from '../../operator/src/kube/api.js';
import { createLogger } from '../../operator/src/log.js';
import { OperatorMetrics } from '../../operator/src/metrics.js';
import { repoRoot } from '../harness/binaries.js';
import { startControlPlane } from '../harness/controlplane.js';
import { grantAccount } from '../harness/services.js';
import { ACCOUNT_ID, ACCOUNT_NAME, aSpec } from '../unit/builders.js';

const i = process.argv.indexOf('--services');
const N = i > 0 ? Number(process.argv[i + 1]) : 30;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const t0 = performance.now();
const cp = await startControlPlane();
const startupMs = performance.now() - t0;
try {
  for (const args of [
    ['apply', '--server-side', '-f', join(repoRoot, 'crds')],
    ['wait', '--for=condition=Established', '--timeout=60s', 'crd/cloudservices.cloudposture.io', 'crd/cloudaccounts.cloudposture.io'],
    ['create', 'namespace', 'bench'],
  ]) {
    const r = await cp.kubectl(args);
    if (r.code !== 0) throw new Error(r.stderr);
  }
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const custom = kc.makeApiClient(CustomObjectsApi);
  // The CloudAccount aSpec() names, granted to the bench namespace.
  await grantAccount(kc, ACCOUNT_NAME, 'aws', { aws: { accountId: ACCOUNT_ID } }, ['bench']);
  const config = loadConfig({ CLOUDPOSTURE_WATCH_NAMESPACE: 'bench', CLOUDPOSTURE_LOG_LEVEL: 'error' });
  const api = new KubeApi(kc, config.instanceName, config.kubeRequestTimeoutMs, config.operatorNamespace);
  const manager = new Manager({
    kubeConfig: kc,
    config,
    metrics: new OperatorMetrics({ defaultMetrics: false }),
    log: createLogger('error'),
    api,
    sources: {
      inventory: async () => ({ ok: false, skipped: true, failure: { reason: 'LiveChecksDisabled', message: 'benchmark: spec side only' } }),
      probe: async () => ({ ok: false, failure: { reason: 'LiveChecksDisabled', message: 'benchmark: spec side only' } }),
    },
  });
  await manager.start();
  const samples: number[] = [];
  for (let n = 0; n < N; n++) {
    const name = `svc-${n}`;
    const started = performance.now();
    await custom.createNamespacedCustomObject({
      group: 'cloudposture.io',
      version: 'v1alpha1',
      namespace: 'bench',
      plural: 'cloudservices',
      body: { apiVersion: 'cloudposture.io/v1alpha1', kind: 'CloudService', metadata: { name }, spec: aSpec() },
    });
    for (;;) {
      const svc = (await custom.getNamespacedCustomObject({ group: 'cloudposture.io', version: 'v1alpha1', namespace: 'bench', plural: 'cloudservices', name })) as CloudService;
      if (svc.status?.observedGeneration === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    samples.push(performance.now() - started);
  }
  await manager.stop(1000);
  process.stdout.write(
    `control plane start-up (binaries cached): ${Math.round(startupMs)} ms\n` +
      `create -> status written, ${N} services one at a time: median ${Math.round(median(samples))} ms, first ${Math.round(samples[0] as number)} ms, max ${Math.round(Math.max(...samples))} ms\n`,
  );
} finally {
  await cp.stop();
}
