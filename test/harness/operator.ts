// Runs the operator's Manager in-process against the test control plane, one
// namespace per test, with timings shortened for tests.

import { Writable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadConfig, type OperatorConfig } from '../../operator/src/config.js';
import { Manager } from '../../operator/src/controller/manager.js';
import type { InventorySource } from '../../operator/src/controller/gather.js';
import { createSources } from '../../operator/src/controller/sources.js';
import { KubeApi } from '../../operator/src/kube/api.js';
import { createLogger } from '../../operator/src/log.js';
import { OperatorMetrics } from '../../operator/src/metrics.js';
import { join } from 'node:path';
import { repoRoot } from './binaries.js';
import { kubectlOk, loadTestKubeConfig } from './kube.js';

export interface TestOperator {
  manager: Manager;
  metrics: OperatorMetrics;
  config: OperatorConfig;
  /** Every JSON log line written so far. */
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface TestOperatorOptions {
  namespace: string;
  env?: Record<string, string>;
  inventory?: InventorySource;
  /** Wraps the operator's own inventory source (e.g. to record the reads). */
  wrapInventory?: (real: InventorySource) => InventorySource;
  api?: (kc: KubeConfig, config: OperatorConfig) => KubeApi;
  kubeConfig?: KubeConfig;
}

export async function startTestOperator(options: TestOperatorOptions): Promise<TestOperator> {
  const config = loadConfig({
    CLOUDPOSTURE_WATCH_NAMESPACE: options.namespace,
    // Credentials Secrets of the CloudAccounts a suite grants live in its namespace.
    CLOUDPOSTURE_OPERATOR_NAMESPACE: options.namespace,
    CLOUDPOSTURE_BACKOFF_BASE: '200ms',
    CLOUDPOSTURE_BACKOFF_MAX: '5s',
    CLOUDPOSTURE_SHUTDOWN_GRACE: '2s',
    CLOUDPOSTURE_LOG_LEVEL: 'debug',
    CLOUDPOSTURE_INSTANCE_NAME: `test-${options.namespace}`,
    ...options.env,
  });
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const log = createLogger(config.logLevel, sink);
  const kubeConfig = options.kubeConfig ?? loadTestKubeConfig();
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const api = options.api?.(kubeConfig, config) ?? new KubeApi(kubeConfig, config.instanceName, config.kubeRequestTimeoutMs, config.operatorNamespace);
  const sources = createSources({ config, kubeConfig, api, metrics, log });
  const manager = new Manager({
    kubeConfig,
    config,
    metrics,
    log,
    api,
    sources: options.inventory
      ? { ...sources, inventory: options.inventory }
      : options.wrapInventory
        ? { ...sources, inventory: options.wrapInventory(sources.inventory) }
        : sources,
  });
  await manager.start();
  return { manager, metrics, config, logs, stop: () => manager.stop() };
}

let crdsInstalled = false;

/** Applies the CRDs (idempotent) and waits until the API server serves them. */
export async function installCrds(): Promise<void> {
  if (crdsInstalled) return;
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds')]);
  await kubectlOk([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/cloudservices.cloudposture.io',
    'crd/cloudsecuritypolicies.cloudposture.io',
    'crd/cloudaccounts.cloudposture.io',
    'crd/cloudorganizations.cloudposture.io',
  ]);
  // The account-grant admission policy needs the CloudAccount kind served first.
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'crds', 'admission')]);
  crdsInstalled = true;
}
