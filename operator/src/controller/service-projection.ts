// What a sharded replica keeps of a CloudService in another replica's shard: enough to
// route it (its account reference, so a gained shard finds its services), to notice a
// spec change (generation, labels, annotations) and to count it as declared (its SaaS
// application id), nothing else. Without this every replica held every service in full,
// status included: at 10,000 services a replica with 1,104 of its own peaked at 854 MiB.
// A projected service is never reconciled from the cache: the reconciler reads it whole.

import type { CloudService, CloudServiceSpec } from '../api/types.js';

const projected = new WeakSet<object>();

/** The routing fields of a service (see above); the result is marked as projected. */
export function projectForeignService(service: CloudService): CloudService {
  if (projected.has(service)) return service;
  const m = service.metadata;
  const s = service.spec;
  const spec: Partial<CloudServiceSpec> = {
    provider: s.provider,
    ...(s.accountRef ? { accountRef: s.accountRef } : {}),
    ...(s.saas?.entraApplicationId ? { saas: { entraApplicationId: s.saas.entraApplicationId } } : {}),
    ...(s.suspend !== undefined ? { suspend: s.suspend } : {}),
  };
  const slim = {
    apiVersion: service.apiVersion,
    kind: service.kind,
    metadata: {
      ...(m.name !== undefined ? { name: m.name } : {}),
      ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
      ...(m.generation !== undefined ? { generation: m.generation } : {}),
      ...(m.deletionTimestamp !== undefined ? { deletionTimestamp: m.deletionTimestamp } : {}),
      ...(m.labels ? { labels: m.labels } : {}),
      ...(m.annotations ? { annotations: m.annotations } : {}),
    },
    // Only the fields above are read from a projected service (routing, declared ids).
    spec: spec as CloudServiceSpec,
  } as CloudService;
  projected.add(slim);
  return slim;
}

/** True for a projection: read the service from the API server before using its spec or status. */
export function isProjected(service: CloudService): boolean {
  return projected.has(service);
}
