// The account a service reads, resolved once per reconcile: the collect target and, when
// the service names a credentials Secret (fallback only: workload identity first), the
// static credentials from it. The same target serves the inventory, the change log and
// the exit drill, so the Secret is read once and a failure to read it is never papered
// over with the operator's own identity.

import type { CloudService } from '../api/types.js';
import type { CollectionFailure } from '../inventory/types.js';
import { statusCode, type KubeApi } from '../kube/api.js';
import type { CollectTarget } from '../providers/types.js';

/** Keys read from a credentials Secret; documented in the CRD and the README. */
export const SECRET_KEYS = {
  aws: { accessKeyId: 'AWS_ACCESS_KEY_ID', secretAccessKey: 'AWS_SECRET_ACCESS_KEY', sessionToken: 'AWS_SESSION_TOKEN' },
  azure: { clientId: 'AZURE_CLIENT_ID', clientSecret: 'AZURE_CLIENT_SECRET' },
} as const;

export type TargetResult = { ok: true; target: CollectTarget } | { ok: false; failure: CollectionFailure };

/** Resolves a service's collect target; never rejects. */
export type TargetResolver = (service: CloudService) => Promise<TargetResult>;

/** The plain target of a service, before any Secret is read. */
export function targetOf(service: CloudService): CollectTarget {
  const spec = service.spec;
  const target: CollectTarget = {
    provider: spec.provider,
    account: spec.account,
    allowedRegions: spec.allowedRegions,
  };
  if (spec.logVault) target.logVault = spec.logVault;
  if (spec.changeManagement?.logSource) target.changeLogSource = spec.changeManagement.logSource;
  return target;
}

export function createTargetResolver(api: KubeApi): TargetResolver {
  return async (service) => {
    const target = targetOf(service);
    const ref = service.spec.account.credentialsSecretRef;
    if (!ref) return { ok: true, target };
    const failure = await fillFromSecret(api, service.metadata.namespace ?? '', ref.name, target);
    return failure ? { ok: false, failure } : { ok: true, target };
  };
}

/** Fills the target's static credentials; returns the failure to report instead, if any. */
async function fillFromSecret(api: KubeApi, namespace: string, name: string, target: CollectTarget): Promise<CollectionFailure | undefined> {
  let data: Record<string, string> | undefined;
  try {
    data = await api.readSecret(namespace, name);
  } catch (error) {
    return { reason: 'CredentialsUnreadable', message: `Secret ${namespace}/${name} could not be read (HTTP ${statusCode(error) ?? 'error'})` };
  }
  if (!data) return { reason: 'CredentialsMissing', message: `Secret ${namespace}/${name} not found` };
  const missing = (keys: string[]): CollectionFailure => ({
    reason: 'CredentialsMissing',
    message: `Secret ${namespace}/${name} is missing ${keys.join(', ')}`,
  });
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
