// The read side of a reconcile wired to one config, one Kubernetes client, metrics and
// logger: one collector per provider (inventory and change log, so each Azure tenant has
// one Graph pacing gate), one shared per-account inventory cache per provider, the
// declared-state reader and the exit-drill runner. The same for the operator process
// and the in-process test operator.

import type { KubeConfig } from '@kubernetes/client-node';
import type { Provider } from '../api/types.js';
import type { OperatorConfig } from '../config.js';
import type { KubeApi } from '../kube/api.js';
import type { Logger } from '../log.js';
import type { OperatorMetrics } from '../metrics.js';
import { createAwsCollector } from '../providers/aws/collector.js';
import { createAzureCollector } from '../providers/azure/collector.js';
import { SharedInventoryCache } from '../providers/cache.js';
import type { AccountProbe, ApiCallHook, CloudProvider } from '../providers/types.js';
import { listingOf, type OrganizationSource } from './organization-source.js';
import { createChangeLogGather } from './change-log.js';
import { createDeclaredStateSource } from './declared-source.js';
import { createExitDrillGather, type ExitDrillGather } from './exit-drill.js';
import type { InventorySource } from './gather.js';
import type { ReadSources } from './service-reconciler.js';

export interface SourceDeps {
  config: OperatorConfig;
  kubeConfig: KubeConfig;
  /** The one Kubernetes client of the process (the manager uses the same). */
  api: KubeApi;
  metrics: OperatorMetrics;
  log: Logger;
  /** Replace a provider's reader (tests). */
  providers?: Partial<Record<Provider, CloudProvider>>;
}

/** What the sources read for a reconcile; the manager adds the account targets (its CloudAccount cache). */
export interface Sources extends Omit<ReadSources, 'targets'> {
  /** One cheap identity call per CloudAccount (its Ready condition). */
  probe: AccountProbe;
  exitDrills: ExitDrillGather;
  /** Lists an organisation / tenant through its provider (CloudOrganization). */
  organization: OrganizationSource;
  /** Ends background work (exit drills in flight) and aborts collections. */
  stop(): Promise<void>;
}

export function createSources({ config, kubeConfig, api, metrics, log, providers }: SourceDeps): Sources {
  const onApiCall: ApiCallHook = (provider, operation, code) => metrics.cloudApiCalls.inc({ provider, operation, code });
  const aws = createAwsCollector({
    endpoint: config.awsEndpoint || undefined,
    onApiCall,
    requestTimeoutMs: config.cloudRequestTimeoutMs,
    maxAttempts: config.cloudMaxAttempts,
  });
  const readers: Record<Provider, CloudProvider> = {
    aws: providers?.aws ?? aws,
    azure:
      providers?.azure ??
      createAzureCollector({
        resourceManagerEndpoint: config.azureResourceManagerEndpoint || undefined,
        graphEndpoint: config.azureGraphEndpoint || undefined,
        onApiCall,
        requestTimeoutMs: config.cloudRequestTimeoutMs,
        maxRetries: config.cloudMaxAttempts - 1,
      }),
  };
  const backoff = { failureTtlMs: config.accountBackoffBaseMs, maxFailureTtlMs: config.accountBackoffMaxMs };
  const caches: Record<Provider, SharedInventoryCache> = {
    aws: new SharedInventoryCache(readers.aws, backoff),
    azure: new SharedInventoryCache(readers.azure, backoff),
  };
  // `read` stamps a failure with the account's next attempt, which the retry follows.
  let firstRead = true;
  const inventory: InventorySource = async ({ target, intervalMs }, signal) => {
    const result = await caches[target.provider].read(target, intervalMs, signal);
    if (firstRead) {
      // Start-up timing: the process's first inventory (the first collection) is in hand.
      firstRead = false;
      log.info('first inventory read', { provider: target.provider, ok: result.ok, processUptimeMs: Math.round(performance.now()) });
    }
    return result;
  };
  const exitDrills = createExitDrillGather({
    openObjectStore: (target) => aws.openObjectStore(target),
    ...(config.exitDrillDir ? { workDir: config.exitDrillDir } : {}),
    scratchBudgetBytes: config.exitDrillScratchBudgetBytes,
    onError: (key, error) => log.warn('exit drill failed', { service: key, error: error instanceof Error ? error.message : String(error) }),
    onScratchCleaned: (removed) => log.info('exit drill scratch cleaned of a previous run', { directories: removed.length }),
  });
  return {
    probe: (target, signal) => readers[target.provider].probe(target, signal),
    organization: (target, signal) => listingOf(readers[target.provider], target, signal),
    inventory,
    // The same client and AWS collector: state reads are bounded and counted like the rest.
    declared: createDeclaredStateSource(config, kubeConfig, { api, openObjectStore: (target) => aws.openObjectStore(target) }),
    changeLog: createChangeLogGather(readers),
    exitDrills,
    async stop() {
      caches.aws.close();
      caches.azure.close();
      await exitDrills.stop();
    },
  };
}
