// How a service's live account is read: the provider's collector behind a shared
// per-account cache (one collection per account per interval, single flight),
// with static credentials from a Secret only when the service names one.

import type { KubeConfig } from '@kubernetes/client-node';
import type { CloudService, Provider } from '../api/types.js';
import type { OperatorConfig } from '../config.js';
import { parseDuration } from '../duration.js';
import type { InventoryResult } from '../inventory/types.js';
import { KubeApi, statusCode } from '../kube/api.js';
import type { Logger } from '../log.js';
import type { OperatorMetrics } from '../metrics.js';
import { createAwsCollector } from '../providers/aws/collector.js';
import { AzureCollector } from '../providers/azure/collector.js';
import { SharedInventoryCache } from '../providers/cache.js';
import type { ApiCallHook, CollectTarget, InventoryCollector, StaticCredentials } from '../providers/types.js';
import type { AzureChangeReader } from './evidence-source.js';
import type { InventorySource } from './service-reconciler.js';

export interface InventorySourceOptions {
  config: OperatorConfig;
  kubeConfig: KubeConfig;
  metrics: OperatorMetrics;
  log: Logger;
  /** Replace a provider's collector (tests). */
  collectors?: Partial<Record<Provider, InventoryCollector>>;
}

/** Keys read from a credentials Secret; documented in the CRD and the README. */
export const SECRET_KEYS = {
  aws: { accessKeyId: 'AWS_ACCESS_KEY_ID', secretAccessKey: 'AWS_SECRET_ACCESS_KEY', sessionToken: 'AWS_SESSION_TOKEN' },
  azure: { clientId: 'AZURE_CLIENT_ID', clientSecret: 'AZURE_CLIENT_SECRET' },
} as const;

export function createInventorySource(options: InventorySourceOptions): InventorySource {
  const { config, metrics } = options;
  const onApiCall = (provider: string, operation: string, code: string) => metrics.cloudApiCalls.inc({ provider, operation, code });
  const collectors: Record<Provider, InventoryCollector> = {
    aws:
      options.collectors?.aws ??
      createAwsCollector({
        endpoint: config.awsEndpoint || undefined,
        onApiCall,
        requestTimeoutMs: config.cloudRequestTimeoutMs,
        maxAttempts: config.cloudMaxAttempts,
      }),
    azure:
      options.collectors?.azure ??
      new AzureCollector({
        resourceManagerEndpoint: config.azureResourceManagerEndpoint || undefined,
        graphEndpoint: config.azureGraphEndpoint || undefined,
        onApiCall,
        requestTimeoutMs: config.cloudRequestTimeoutMs,
        maxRetries: config.cloudMaxAttempts - 1,
      }),
  };
  const backoff = { failureTtlMs: config.accountBackoffBaseMs, maxFailureTtlMs: config.accountBackoffMaxMs };
  const caches: Record<Provider, SharedInventoryCache> = {
    aws: new SharedInventoryCache(collectors.aws, backoff),
    azure: new SharedInventoryCache(collectors.azure, backoff),
  };
  const api = new KubeApi(options.kubeConfig, config.instanceName);

  return async (service, signal) => {
    const spec = service.spec;
    const target: CollectTarget = {
      provider: spec.provider,
      account: spec.account,
      allowedRegions: spec.allowedRegions,
      logVault: spec.logVault,
    };
    const secretRef = spec.account.credentialsSecretRef;
    if (secretRef) {
      const resolved = await resolveSecret(api, service.metadata.namespace ?? '', secretRef.name, target);
      if (resolved) return resolved;
    }
    let intervalMs = config.defaultIntervalMs;
    try {
      if (spec.interval) intervalMs = parseDuration(spec.interval);
    } catch {
      // admission validates the pattern; keep the default otherwise
    }
    return caches[spec.provider].get(target, intervalMs, signal);
  };
}

/** The static AWS credentials a service's Secret holds, for evidence reads beside the collector. */
export function createCredentialResolver(kubeConfig: KubeConfig, instanceName: string): (service: CloudService) => Promise<StaticCredentials | undefined> {
  const api = new KubeApi(kubeConfig, instanceName);
  return async (service) => {
    const ref = service.spec.account.credentialsSecretRef;
    if (!ref || service.spec.provider !== 'aws') return undefined;
    const target: CollectTarget = { provider: 'aws', account: service.spec.account, allowedRegions: service.spec.allowedRegions };
    const failure = await resolveSecret(api, service.metadata.namespace ?? '', ref.name, target);
    return failure ? undefined : target.credentials;
  };
}

export interface AzureChangeReaderOptions {
  config: OperatorConfig;
  kubeConfig: KubeConfig;
  onApiCall?: ApiCallHook;
  /** Replace the collector (tests). */
  collector?: Pick<AzureCollector, 'readChanges'>;
}

/** ChangesTracked for Azure services: the Activity Log, read with the service's own credentials. */
export function createAzureChangeReader(options: AzureChangeReaderOptions): AzureChangeReader {
  const { config } = options;
  const collector =
    options.collector ??
    new AzureCollector({
      resourceManagerEndpoint: config.azureResourceManagerEndpoint || undefined,
      graphEndpoint: config.azureGraphEndpoint || undefined,
      ...(options.onApiCall ? { onApiCall: options.onApiCall } : {}),
      requestTimeoutMs: config.cloudRequestTimeoutMs,
      maxRetries: config.cloudMaxAttempts - 1,
    });
  const api = new KubeApi(options.kubeConfig, config.instanceName);
  return async (service, query) => {
    const target: CollectTarget = { provider: 'azure', account: service.spec.account, allowedRegions: service.spec.allowedRegions };
    const ref = service.spec.account.credentialsSecretRef;
    if (ref) {
      const failed = await resolveSecret(api, service.metadata.namespace ?? '', ref.name, target);
      if (failed && !failed.ok) return { ok: false, failure: failed.failure };
    }
    return collector.readChanges(target, query);
  };
}

/** Fills the target's static credentials; returns a failure to report instead, if any. */
async function resolveSecret(api: KubeApi, namespace: string, name: string, target: CollectTarget): Promise<InventoryResult | undefined> {
  let data: Record<string, string> | undefined;
  try {
    data = await api.readSecret(namespace, name);
  } catch (error) {
    return {
      ok: false,
      failure: { reason: 'CredentialsUnreadable', message: `Secret ${namespace}/${name} could not be read (HTTP ${statusCode(error) ?? 'error'})` },
    };
  }
  const missing = (keys: string[]) => ({
    ok: false as const,
    failure: { reason: 'CredentialsMissing', message: `Secret ${namespace}/${name} is missing ${keys.join(', ')}` },
  });
  if (!data) return { ok: false, failure: { reason: 'CredentialsMissing', message: `Secret ${namespace}/${name} not found` } };
  if (target.provider === 'aws') {
    const k = SECRET_KEYS.aws;
    const absent = [k.accessKeyId, k.secretAccessKey].filter((key) => !data[key]);
    if (absent.length) return missing(absent);
    target.credentials = {
      accessKeyId: data[k.accessKeyId] as string,
      secretAccessKey: data[k.secretAccessKey] as string,
      ...(data[k.sessionToken] ? { sessionToken: data[k.sessionToken] } : {}),
    };
    return undefined;
  }
  const k = SECRET_KEYS.azure;
  const absent = [k.clientId, k.clientSecret].filter((key) => !data[key]);
  if (absent.length) return missing(absent);
  target.azureCredentials = {
    tenantId: target.account.azure?.tenantId ?? '',
    clientId: data[k.clientId] as string,
    clientSecret: data[k.clientSecret] as string,
  };
  return undefined;
}
