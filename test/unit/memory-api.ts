// An API server for one CloudService, in memory: status merge-patched the way the API
// server applies an RFC 7386 merge patch, Events recorded. For tests of the real
// reconciler without a control plane.

import { KubeConfig } from '@kubernetes/client-node';
import type { CloudService, CloudServiceStatus } from '../../operator/src/api/types.js';
import { KubeApi, type EventInput } from '../../operator/src/kube/api.js';

/** RFC 7386 merge patch. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete base[key];
    else base[key] = applyMergePatch(base[key], value);
  }
  return base;
}

export class MemoryApi extends KubeApi {
  readonly events: EventInput[] = [];
  private revision = 1;

  constructor(public object: CloudService) {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'none', server: 'https://127.0.0.1:9', skipTLSVerify: true }],
      users: [{ name: 'none' }],
      contexts: [{ name: 'none', cluster: 'none', user: 'none' }],
      currentContext: 'none',
    });
    super(kc, 'memory-api');
  }

  override async getService(): Promise<CloudService | undefined> {
    return structuredClone(this.object);
  }

  override async patchServiceStatus(_ns: string, _name: string, _rv: string, status: CloudServiceStatus): Promise<CloudService> {
    this.revision++;
    this.object = {
      ...this.object,
      metadata: { ...this.object.metadata, resourceVersion: String(this.revision) },
      status: applyMergePatch(this.object.status ?? {}, status) as CloudServiceStatus,
    };
    return structuredClone(this.object);
  }

  override async createEvent(event: EventInput): Promise<void> {
    this.events.push(event);
  }
}
