// The account a service reads, resolved once per reconcile from the CloudAccount it
// names (spec.accountRef). The account decides everything about how it is reached;
// the service only picks one, and only one that admits its namespace. A service the
// account does not admit is refused before any cloud call or Secret read, and the
// refusal says nothing about the account beyond the name the service gave.

import type { CloudAccount, CloudService } from '../api/types.js';
import type { CollectionFailure } from '../inventory/types.js';
import type { NamespaceMeta } from '../kube/api.js';
import { sessionNameFor } from '../providers/aws/clients.js';
import type { CollectTarget } from '../providers/types.js';
import { admitsNamespace, labelsOf } from './account-admission.js';
import { readAccountCredentials, type CredentialsReader } from './credentials.js';
import type { ObjectStore } from './object-store.js';

/**
 * `refused`: the service may not read this account (not found, not admitted, other
 * provider). Nothing gathered for an earlier account is kept or shown for it.
 */
export type TargetResult = { ok: true; target: CollectTarget } | { ok: false; failure: CollectionFailure; refused?: boolean };

/** Resolves a service's collect target; never rejects. */
export type TargetResolver = (service: CloudService) => Promise<TargetResult>;

export interface AccountDirectory {
  /** CloudAccounts by name (cluster-scoped). */
  accounts: ObjectStore<CloudAccount>;
  /** Namespaces by name, with their labels (for spec.namespaceSelector). */
  namespaces: ObjectStore<NamespaceMeta>;
}

/** sts:ExternalId for the account's role: from its uid, so no tenant can choose or guess it from a name. */
export function externalIdOf(account: CloudAccount): string | undefined {
  return account.metadata.uid ? `cloudposture-${account.metadata.uid}` : undefined;
}

function notFound(name: string): CollectionFailure {
  return { reason: 'CloudAccountNotFound', message: `CloudAccount ${name} does not exist` };
}

/** Why a service may not use the account it names, or undefined when it may. */
export function refusal(service: CloudService, account: CloudAccount | undefined, labels: NamespaceMeta | undefined): CollectionFailure | undefined {
  const name = service.spec.accountRef.name;
  const namespace = service.metadata.namespace ?? '';
  if (!account) return notFound(name);
  if (!admitsNamespace(account.spec, namespace, labelsOf(labels))) {
    return { reason: 'AccountNotPermitted', message: `CloudAccount ${name} does not admit namespace ${namespace}` };
  }
  if (account.spec.provider !== service.spec.provider) {
    return { reason: 'AccountProviderMismatch', message: `CloudAccount ${name} is not a ${service.spec.provider} account` };
  }
  return undefined;
}

/**
 * The account alone, as the operator reaches it: its CloudAccount name, the account
 * block with the operator's external id for a role, no namespace and no service parts
 * (the CloudAccount's own Ready check reads with this).
 */
export function accountTarget(account: CloudAccount): CollectTarget {
  const aws = account.spec.aws;
  const externalId = aws?.roleArn ? externalIdOf(account) : undefined;
  return {
    provider: account.spec.provider,
    accountName: account.metadata.name ?? '',
    account: {
      ...(aws ? { aws: { ...aws, ...(externalId ? { externalId } : {}) } } : {}),
      ...(account.spec.azure ? { azure: account.spec.azure } : {}),
    },
    allowedRegions: [],
  };
}

/** The plain target of a service on an admitted account, before any Secret is read. */
export function targetOf(service: CloudService, account: CloudAccount): CollectTarget {
  const spec = service.spec;
  const base = accountTarget(account);
  const target: CollectTarget = {
    ...base,
    provider: spec.provider,
    accountName: account.metadata.name ?? spec.accountRef.name,
    account: {
      ...base.account,
      ...(base.account.aws ? { aws: { ...base.account.aws, sessionName: sessionNameFor(service.metadata.namespace ?? '') } } : {}),
    },
    allowedRegions: spec.allowedRegions,
  };
  if (spec.logVault) target.logVault = spec.logVault;
  if (spec.changeManagement?.logSource) target.changeLogSource = spec.changeManagement.logSource;
  return target;
}

export function createTargetResolver(directory: AccountDirectory, credentials: CredentialsReader): TargetResolver {
  return async (service) => {
    const account = directory.accounts.get(service.spec.accountRef.name);
    if (!account) return { ok: false, failure: notFound(service.spec.accountRef.name), refused: true };
    const refused = refusal(service, account, directory.namespaces.get(service.metadata.namespace ?? ''));
    if (refused) return { ok: false, failure: refused, refused: true };
    const target = targetOf(service, account);
    const failure = await readAccountCredentials(credentials, account, target);
    // The detail (which Secret, which keys) is for the CloudAccount only.
    return failure ? { ok: false, failure: { reason: failure.reason, message: failure.message } } : { ok: true, target };
  };
}
