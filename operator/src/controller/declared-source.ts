// Reads the Pulumi state a service declares (spec.iac.pulumi) for the InSync control:
// S3 with the service's account credentials, ConfigMaps / Secrets in the service's
// namespace, or a Pulumi Cloud export.
//
// S3 is read with the account the service resolved to, never with the operator's own
// identity in its place: when that account could not be resolved (its credentials
// Secret unreadable, the namespace not admitted) the state is Unknown with the reason.
// Secrets go through KubeApi.readSecret, the operator's one Secret read path (opt-in
// label outside its own namespace).

import type { KubeConfig } from '@kubernetes/client-node';
import type { CloudService } from '../api/types.js';
import type { OperatorConfig } from '../config.js';
import type { DeclaredStateResult } from '../inventory/declared-state.js';
import { KubeApi, SecretNotPermittedError } from '../kube/api.js';
import { type StateReaderDeps, StateReadError, describeSource, readDeclaredState, s3ObjectGetter, stateSource } from '../iac/state-reader.js';
import { createAwsCollector, type ObjectStore } from '../providers/aws/index.js';
import type { CollectTarget } from '../providers/types.js';
import type { TargetResult } from './account-target.js';

/** The account a service resolved to this reconcile. */
export type ResolvedAccount = TargetResult;

/** Reads the declared state; `account` is the service's resolved account (S3 reads need it). Never rejects. */
export type DeclaredStateReader = (service: CloudService, signal: AbortSignal, account?: ResolvedAccount) => Promise<DeclaredStateResult>;

export interface DeclaredSourceOptions {
  /** The process's Kubernetes client; default one made from the kubeConfig and config. */
  api?: KubeApi;
  /** S3 clients with a target's credentials; default the AWS collector's openObjectStore. */
  openObjectStore?: (target: CollectTarget) => ObjectStore;
}

export function createDeclaredStateSource(config: OperatorConfig, kubeConfig: KubeConfig, options: DeclaredSourceOptions = {}): DeclaredStateReader {
  const api = options.api ?? new KubeApi(kubeConfig, config.instanceName, config.kubeRequestTimeoutMs, config.operatorNamespace);
  const openObjectStore =
    options.openObjectStore ??
    ((target: CollectTarget) =>
      createAwsCollector({
        ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
        requestTimeoutMs: config.cloudRequestTimeoutMs,
        maxAttempts: config.cloudMaxAttempts,
      }).openObjectStore(target));
  const kube = kubeStateReaders(api);
  return async (service, signal, account) => {
    const ref = service.spec.iac?.pulumi;
    if (!ref) return { ok: false, failure: { reason: 'NoIaCDeclared', message: 'spec.iac.pulumi is not set' } };
    const namespace = service.metadata.namespace ?? '';
    const deps: StateReaderDeps = { namespace, ...kube, fetch: (url, init) => fetch(url, init), signal };
    if (stateSource(ref) !== 's3') return readDeclaredState(ref, deps);
    const target = s3Target(account, describeSource(ref, namespace));
    if (!('provider' in target)) return target;
    const store = openObjectStore(target);
    try {
      return await readDeclaredState(ref, { ...deps, getS3Object: s3ObjectGetter((region) => store.s3(region)) });
    } finally {
      store.destroy();
    }
  };
}

/** The target whose credentials read the S3 state, or why there is none (never the operator's own identity instead). */
export function s3Target(account: ResolvedAccount | undefined, where: string): CollectTarget | Extract<DeclaredStateResult, { ok: false }> {
  const fail = (reason: string, message: string) => ({ ok: false as const, failure: { reason, message } });
  if (!account) return fail('CredentialsMissing', `The Pulumi state at ${where} is read with the service's account, and none was resolved for this read`);
  if (!account.ok) {
    // The reason only: the account's own message is in Ready already.
    return fail(account.failure.reason, `The Pulumi state at ${where} is read with the service's account, which could not be used (${account.failure.reason})`);
  }
  if (account.target.provider !== 'aws') {
    return fail('CredentialsMissing', `The Pulumi state at ${where} is read with the service's AWS account; this service's account is ${account.target.provider}`);
  }
  return account.target;
}

/**
 * `readConfigMapKey` / `readSecretKey` over KubeApi (request bounds, and for Secrets the
 * opt-in label check). A refused Secret is SecretNotPermitted, naming no key and no value.
 */
export function kubeStateReaders(api: Pick<KubeApi, 'readConfigMap' | 'readSecret'>): Required<Pick<StateReaderDeps, 'readConfigMapKey' | 'readSecretKey'>> {
  return {
    async readConfigMapKey(namespace, name, key) {
      const cm = await api.readConfigMap(namespace, name);
      if (!cm) throw notFound();
      const text = cm.data[key];
      if (text !== undefined) return text;
      const binary = cm.binaryData[key];
      return binary === undefined ? undefined : Buffer.from(binary, 'base64').toString('utf8');
    },
    async readSecretKey(namespace, name, key) {
      let data: Record<string, string> | undefined;
      try {
        data = await api.readSecret(namespace, name);
      } catch (error) {
        if (error instanceof SecretNotPermittedError) throw new StateReadError('SecretNotPermitted', error.message);
        throw error;
      }
      if (!data) throw notFound();
      return data[key];
    },
  };
}

/** What the state reader classifies as a missing object (statusCode 404). */
function notFound(): Error & { statusCode: number } {
  return Object.assign(new Error('not found'), { statusCode: 404 });
}
