// CloudService reads and writes the integration tests share: grant an account to a
// namespace (a CloudAccount), create a service on it, read it, and wait until the
// operator has written status for its current generation.

import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type {
  AccountReference,
  AwsAccount,
  AzureAccount,
  CloudAccount,
  CloudAccountSpec,
  CloudService,
  CloudServiceSpec,
  Condition,
  Provider,
} from '../../operator/src/api/types.js';
import type { KubectlResult } from './controlplane.js';
import { TEST_ACCOUNT_NAMESPACE_LABEL, createTestNamespace, deleteTestNamespace, kubectl, waitFor } from './kube.js';
import { installCrds } from './operator.js';

const GROUP = 'cloudposture.io';
const VERSION = 'v1alpha1';
const PLURAL = 'cloudservices';

/** An account as tests seed it; an `externalId` here is dropped (the operator generates it). */
export interface TestAccount {
  aws?: AwsAccount & { externalId?: string };
  azure?: AzureAccount;
  credentialsSecretRef?: { name: string };
}

/** A service spec naming its CloudAccount, or carrying the account to grant to its namespace. */
export type TestServiceSpec = Omit<CloudServiceSpec, 'accountRef'> & ({ accountRef: AccountReference; account?: never } | { account: TestAccount; accountRef?: never });

/** The CloudAccount spec granting `account` to `namespaces` (the operator's namespace holds its Secret). */
export function accountSpec(provider: Provider, account: TestAccount, namespaces: string[]): CloudAccountSpec {
  const aws = account.aws ? (({ externalId: _dropped, ...rest }) => rest)(account.aws) : undefined;
  return {
    provider,
    ...(aws ? { aws } : {}),
    ...(account.azure ? { azure: account.azure } : {}),
    ...(account.credentialsSecretRef ? { credentialsSecretRef: account.credentialsSecretRef } : {}),
    namespaces,
  };
}

/**
 * Creates (or replaces) the cluster-scoped CloudAccount `name` granting `account` to
 * `namespaces`; returns the reference a service uses. Labelled with the first namespace
 * so a suite can find what it made.
 */
export async function grantAccount(kc: KubeConfig, name: string, provider: Provider, account: TestAccount, namespaces: string[]): Promise<AccountReference> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const body: CloudAccount = {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'CloudAccount',
    metadata: { name, labels: { [TEST_ACCOUNT_NAMESPACE_LABEL]: namespaces[0] ?? '' } },
    spec: accountSpec(provider, account, namespaces),
  };
  try {
    await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: 'cloudaccounts', body });
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
    const existing = (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'cloudaccounts', name })) as CloudAccount;
    await custom.replaceClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'cloudaccounts',
      name,
      body: { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata.resourceVersion } },
    });
  }
  return { name };
}

/**
 * The spec to create: a spec with `account` gets a CloudAccount `<namespace>.<service>`
 * granted to the namespace, and names it.
 */
export async function resolveTestSpec(kc: KubeConfig, namespace: string, name: string, spec: TestServiceSpec): Promise<CloudServiceSpec> {
  if (spec.accountRef) return spec as CloudServiceSpec;
  const { account, ...rest } = spec;
  const accountRef = await grantAccount(kc, `${namespace}.${name}`, spec.provider, account as TestAccount, [namespace]);
  return { ...rest, accountRef };
}

export interface ReconciledOptions {
  /** Extra state the status must show, beyond observedGeneration == generation. */
  ready?: (svc: CloudService) => boolean;
  timeoutMs?: number;
  description?: string;
}

export interface ServiceClient {
  /** Creates the service; a spec carrying `account` grants it to the namespace first. */
  create(name: string, spec: TestServiceSpec): Promise<CloudService>;
  get(name: string): Promise<CloudService>;
  /** The service once the operator wrote status for its current generation (and `ready` holds). */
  reconciled(name: string, options?: ReconciledOptions): Promise<CloudService>;
}

/** `namespace` is a function because suites pick their namespace in beforeAll. */
export function serviceClient(kc: KubeConfig, namespace: () => string, defaultTimeoutMs = 60_000): ServiceClient {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const get = async (name: string) =>
    (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: namespace(), plural: PLURAL, name })) as CloudService;
  return {
    get,
    create: async (name, spec) =>
      (await custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: namespace(),
        plural: PLURAL,
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'CloudService', metadata: { name }, spec: await resolveTestSpec(kc, namespace(), name, spec) },
      })) as CloudService,
    reconciled: (name, options = {}) =>
      waitFor(
        async () => {
          const svc = await get(name);
          const current = svc.status?.observedGeneration === svc.metadata.generation;
          return current && (options.ready?.(svc) ?? true) ? svc : undefined;
        },
        { timeoutMs: options.timeoutMs ?? defaultTimeoutMs, description: options.description ?? `${name} reconciled` },
      ),
  };
}

export function condition(svc: CloudService, type: string): Condition | undefined {
  return svc.status?.conditions?.find((c) => c.type === type);
}

/**
 * For admission suites: registers beforeAll/afterAll that install the CRDs and make a
 * fresh namespace; `apply` runs `kubectl apply -o json` of one object in it.
 */
export function admissionNamespace(prefix: string): { namespace: () => string; apply: (obj: object) => Promise<KubectlResult> } {
  let ns = '';
  beforeAll(async () => {
    await installCrds();
    ns = await createTestNamespace(prefix);
  });
  afterAll(async () => {
    if (ns) await deleteTestNamespace(ns);
  });
  return {
    namespace: () => ns,
    apply: (obj) => kubectl(['apply', '-n', ns, '-f', '-', '-o', 'json'], { input: JSON.stringify(obj) }),
  };
}

/** A minimal valid AWS CloudService manifest on CloudAccount `accountName`, with `extraSpec` merged into its spec. */
export function awsServiceManifest(name: string, extraSpec: Record<string, unknown>, accountName = 'admission-aws'): object {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'CloudService',
    metadata: { name },
    spec: {
      provider: 'aws',
      model: 'IaaS',
      owner: 'team-a',
      criticality: 'high',
      classification: 'internal',
      accountRef: { name: accountName },
      allowedRegions: ['eu-west-1'],
      ...extraSpec,
    },
  };
}
