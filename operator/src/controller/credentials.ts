// Static credentials of a CloudAccount (fallback only: workload identity first), read
// from the Secret it names in the operator's own namespace. A tenant's service only
// learns that the account's credentials are unavailable: which Secret, which keys are
// missing and why are said on the CloudAccount, which only the platform team reads.
// A Secret that cannot be read is never papered over with the operator's own identity.

import type { CloudAccount } from '../api/types.js';
import type { CollectionFailure } from '../inventory/types.js';
import { statusCode, type KubeApi } from '../kube/api.js';
import type { CollectTarget } from '../providers/types.js';

/** Keys read from a credentials Secret; documented in the CRD and the README. */
export const SECRET_KEYS = {
  aws: { accessKeyId: 'AWS_ACCESS_KEY_ID', secretAccessKey: 'AWS_SECRET_ACCESS_KEY', sessionToken: 'AWS_SESSION_TOKEN' },
  azure: { clientId: 'AZURE_CLIENT_ID', clientSecret: 'AZURE_CLIENT_SECRET' },
} as const;

export interface CredentialsReader {
  api: Pick<KubeApi, 'readSecret'>;
  /** Where CloudAccount credentials Secrets live. */
  operatorNamespace: string;
}

/** A failed read: what the service says, and the detail only the CloudAccount shows. */
export interface CredentialsFailure extends CollectionFailure {
  detail: string;
}

/** Fills `target`'s static credentials from the account's Secret; returns the failure instead, if any. */
export async function readAccountCredentials(reader: CredentialsReader, account: CloudAccount, target: CollectTarget): Promise<CredentialsFailure | undefined> {
  const ref = account.spec.credentialsSecretRef;
  if (!ref) return undefined;
  const accountName = account.metadata.name ?? '';
  const fail = (reason: string, detail: string): CredentialsFailure => ({
    reason,
    message: `the credentials of CloudAccount ${accountName} are not available (${reason}); the CloudAccount's Ready condition says why`,
    detail,
  });
  const where = `Secret ${reader.operatorNamespace}/${ref.name}`;
  let data: Record<string, string> | undefined;
  try {
    data = await reader.api.readSecret(reader.operatorNamespace, ref.name);
  } catch (error) {
    return fail('CredentialsUnreadable', `${where} could not be read (HTTP ${statusCode(error) ?? 'error'})`);
  }
  if (!data) return fail('CredentialsMissing', `${where} not found`);
  const present = data;
  const missing = (keys: string[]) => fail('CredentialsMissing', `${where} lacks a value for ${keys.join(', ')}`);
  if (target.provider === 'aws') {
    const k = SECRET_KEYS.aws;
    const absent = [k.accessKeyId, k.secretAccessKey].filter((key) => !present[key]);
    if (absent.length) return missing(absent);
    target.credentials = {
      accessKeyId: present[k.accessKeyId] as string,
      secretAccessKey: present[k.secretAccessKey] as string,
      ...(present[k.sessionToken] ? { sessionToken: present[k.sessionToken] } : {}),
    };
    return undefined;
  }
  const k = SECRET_KEYS.azure;
  const absent = [k.clientId, k.clientSecret].filter((key) => !present[key]);
  if (absent.length) return missing(absent);
  target.azureCredentials = {
    tenantId: target.account.azure?.tenantId ?? '',
    clientId: present[k.clientId] as string,
    clientSecret: present[k.clientSecret] as string,
  };
  return undefined;
}
