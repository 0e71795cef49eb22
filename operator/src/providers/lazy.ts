// A provider whose modules load on first use. The Azure SDKs (@azure/arm-*, identity,
// storage-blob) add about 22 MB of heap and 70 MB of resident memory to the process
// once imported; an operator that reads only AWS accounts never needs them, so the
// provider is imported when the first Azure account is read, not at start-up.

import type { ChangeQuery, CloudProvider, CollectTarget } from './types.js';

/**
 * `load` runs once, at the first call; a failed import is retried at the next call.
 * `listsOrganizations`: the loaded provider has listOrganization (known without loading it).
 */
export function lazyProvider(load: () => Promise<CloudProvider>, options: { listsOrganizations: boolean }): CloudProvider {
  let loading: Promise<CloudProvider> | undefined;
  const provider = (): Promise<CloudProvider> =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
  const lazy: CloudProvider = {
    collect: async (target: CollectTarget, signal?: AbortSignal) => (await provider()).collect(target, signal),
    readChanges: async (target: CollectTarget, query: ChangeQuery) => (await provider()).readChanges(target, query),
    probe: async (target: CollectTarget, signal?: AbortSignal) => (await provider()).probe(target, signal),
  };
  if (options.listsOrganizations) {
    lazy.listOrganization = async (target, signal) => {
      const loaded = await provider();
      if (!loaded.listOrganization) throw new Error(`the ${target.provider} provider lists no organisations`);
      return loaded.listOrganization(target, signal);
    };
  }
  return lazy;
}
