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
import { inventoryCacheKey, SharedInventoryCache } from '../providers/cache.js';
import { lazyProvider } from '../providers/lazy.js';
import type { AccountProbe, ApiCallHook, CloudProvider, CollectTarget, InventoryCollector } from '../providers/types.js';
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
  /**
   * Sharding: another replica reads these accounts now. Aborts their collections in flight
   * and forgets their cached inventories (by CloudAccount name).
   */
  dropAccounts(which: (accountName: string) => boolean): void;
  /** Ends background work (exit drills in flight) and aborts collections. */
  stop(): Promise<void>;
}

/** Cache keys remembered per account (to forget them when its shard is lost), at most this many each. */
const KEYS_PER_ACCOUNT = 16;

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
    // Imported with the first Azure account: an AWS-only operator never loads the Azure SDKs.
    azure:
      providers?.azure ??
      lazyProvider(
        async () =>
          (await import('../providers/azure/collector.js')).createAzureCollector({
            resourceManagerEndpoint: config.azureResourceManagerEndpoint || undefined,
            graphEndpoint: config.azureGraphEndpoint || undefined,
            onApiCall,
            requestTimeoutMs: config.cloudRequestTimeoutMs,
            maxRetries: config.cloudMaxAttempts - 1,
          }),
        { listsOrganizations: true },
      ),
  };
  const backoff = { failureTtlMs: config.accountBackoffBaseMs, maxFailureTtlMs: config.accountBackoffMaxMs };
  /** Collections in flight per CloudAccount name, to abort when the account's shard is lost. */
  const collecting = new Map<string, Set<AbortController>>();
  /** The targets read per CloudAccount name, by cache key: what to forget when its shard is lost. */
  const readTargets = new Map<string, Map<string, CollectTarget>>();
  // Each collection (not each cached read) is logged with its account and clock times:
  // the sharding test proves from these that no two replicas collect one account at once.
  const logged = (provider: Provider, reader: InventoryCollector): InventoryCollector => ({
    collect: async (target, signal) => {
      const account = target.accountName ?? '-';
      const own = new AbortController();
      const running = collecting.get(account) ?? new Set<AbortController>();
      collecting.set(account, running.add(own));
      const startedAt = Date.now();
      log.debug('inventory collection started', { provider, account, at: startedAt });
      try {
        return await reader.collect(target, signal ? AbortSignal.any([signal, own.signal]) : own.signal);
      } finally {
        running.delete(own);
        if (running.size === 0 && collecting.get(account) === running) collecting.delete(account);
        const at = Date.now();
        log.debug('inventory collection finished', { provider, account, at, durationMs: at - startedAt, dropped: own.signal.aborted });
        // The cache stores what returns; a dropped account's result goes right after.
        if (own.signal.aborted) setImmediate(() => caches[provider].invalidate(target));
      }
    },
  });
  const caches: Record<Provider, SharedInventoryCache> = {
    aws: new SharedInventoryCache(logged('aws', readers.aws), backoff),
    azure: new SharedInventoryCache(logged('azure', readers.azure), backoff),
  };
  const remember = (target: CollectTarget): void => {
    if (config.shards <= 1) return;
    const account = target.accountName ?? '-';
    const keys = readTargets.get(account) ?? new Map<string, CollectTarget>();
    const key = inventoryCacheKey(target);
    keys.delete(key);
    keys.set(key, target);
    if (keys.size > KEYS_PER_ACCOUNT) keys.delete(keys.keys().next().value as string);
    readTargets.set(account, keys);
  };
  // `read` stamps a failure with the account's next attempt, which the retry follows.
  let firstRead = true;
  const inventory: InventorySource = async ({ target, intervalMs }, signal) => {
    remember(target);
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
  const changeLog = createChangeLogGather(readers);
  return {
    probe: (target, signal) => readers[target.provider].probe(target, signal),
    organization: (target, signal) => listingOf(readers[target.provider], target, signal),
    inventory,
    // The same client and AWS collector: state reads are bounded and counted like the rest.
    declared: createDeclaredStateSource(config, kubeConfig, { api, openObjectStore: (target) => aws.openObjectStore(target) }),
    changeLog,
    exitDrills,
    dropAccounts(which) {
      for (const [account, running] of collecting) if (which(account)) for (const c of running) c.abort(new Error(`account ${account}: shard lost`));
      for (const [account, targets] of readTargets) {
        if (!which(account)) continue;
        for (const target of targets.values()) caches[target.provider].invalidate(target);
        readTargets.delete(account);
      }
      changeLog.forget(which);
    },
    async stop() {
      caches.aws.close();
      caches.azure.close();
      await exitDrills.stop();
    },
  };
}
