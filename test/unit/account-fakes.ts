// CloudAccounts for controller unit tests: an account granted to a namespace, the
// directory the target resolver reads, and a resolver over given accounts.

import type { CloudAccount, CloudAccountSpec } from '../../operator/src/api/types.js';
import { createTargetResolver, type AccountDirectory, type TargetResolver } from '../../operator/src/controller/account-target.js';
import type { KubeApi, NamespaceMeta } from '../../operator/src/kube/api.js';
import { ACCOUNT_ID, ACCOUNT_NAME } from './builders.js';

/** Where unit tests keep the operator (its credentials Secrets). */
export const OPERATOR_NAMESPACE = 'cloud-posture-system';

export interface AccountOptions {
  name?: string;
  uid?: string;
  /** Admitted namespaces (default: team). */
  namespaces?: string[];
  spec?: Partial<CloudAccountSpec>;
}

/** An AWS CloudAccount (ACCOUNT_ID) granted to namespace "team". */
export function anAccount(options: AccountOptions = {}): CloudAccount {
  return {
    apiVersion: 'cloudposture.io/v1alpha1',
    kind: 'CloudAccount',
    metadata: { name: options.name ?? ACCOUNT_NAME, uid: options.uid ?? '7d3b0c8e-0000-4000-8000-000000000001', generation: 1 },
    spec: { provider: 'aws', aws: { accountId: ACCOUNT_ID }, namespaces: options.namespaces ?? ['team'], ...options.spec },
  };
}

/** The accounts by name, and every namespace known with `labels` (default none). */
export function directoryOf(accounts: CloudAccount[], labels: Record<string, Record<string, string>> = {}): AccountDirectory {
  const byName = new Map(accounts.map((a) => [a.metadata.name ?? '', a]));
  return {
    accounts: { get: (name) => byName.get(name) },
    namespaces: { get: (name): NamespaceMeta => ({ metadata: { name, labels: labels[name] ?? {} } }) },
  };
}

/** The operator's target resolver over `accounts` (default: anAccount()). */
export function targetsOver(api: Pick<KubeApi, 'readSecret'>, accounts: CloudAccount[] = [anAccount()]): TargetResolver {
  return createTargetResolver(directoryOf(accounts), { api, operatorNamespace: OPERATOR_NAMESPACE });
}
