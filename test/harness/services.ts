// CloudService reads and writes the integration tests share: create one, read it,
// and wait until the operator has written status for its current generation.

import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { CloudService, CloudServiceSpec, Condition } from '../../operator/src/api/types.js';
import type { KubectlResult } from './controlplane.js';
import { createTestNamespace, deleteTestNamespace, kubectl, waitFor } from './kube.js';
import { installCrds } from './operator.js';

const GROUP = 'cloudposture.io';
const VERSION = 'v1alpha1';
const PLURAL = 'cloudservices';

export interface ReconciledOptions {
  /** Extra state the status must show, beyond observedGeneration == generation. */
  ready?: (svc: CloudService) => boolean;
  timeoutMs?: number;
  description?: string;
}

export interface ServiceClient {
  create(name: string, spec: CloudServiceSpec): Promise<CloudService>;
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
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'CloudService', metadata: { name }, spec },
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

/** A minimal valid AWS CloudService manifest with `extraSpec` merged into its spec. */
export function awsServiceManifest(name: string, extraSpec: Record<string, unknown>, accountId = '123456789012'): object {
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
      account: { aws: { accountId } },
      allowedRegions: ['eu-west-1'],
      ...extraSpec,
    },
  };
}
