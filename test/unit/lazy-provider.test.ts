// providers/lazy.ts: the Azure provider is imported at its first use, once, and a failed
// import is tried again at the next call instead of failing every later call.

import { lazyProvider } from '../../operator/src/providers/lazy.js';
import type { CloudProvider, CollectTarget } from '../../operator/src/providers/types.js';

const target = { provider: 'azure', accountId: 'sub-1' } as unknown as CollectTarget;

function fakeProvider(): CloudProvider {
  return {
    collect: async () => ({ ok: false, failure: { reason: 'Fake', message: 'fake' } }),
    readChanges: async () => ({ ok: false, failure: { reason: 'Fake', message: 'fake' } }),
    probe: async () => ({ ok: true, principal: 'reader' }),
    listOrganization: async () => ({ provider: 'azure', readAt: '2026-12-07T00:00:00Z', items: [], gaps: [], apiCalls: 0 }),
  };
}

describe('lazyProvider', () => {
  it('loads nothing until the first call, then loads once for every later call', async () => {
    let loads = 0;
    const lazy = lazyProvider(async () => {
      loads++;
      return fakeProvider();
    }, { listsOrganizations: true });
    expect(loads).toBe(0);
    await Promise.all([lazy.probe(target), lazy.collect(target), lazy.readChanges(target, { since: new Date(0) } as never)]);
    await lazy.listOrganization?.(target);
    expect(loads).toBe(1);
  });

  it('tries a failed import again at the next call', async () => {
    let loads = 0;
    const lazy = lazyProvider(async () => {
      loads++;
      if (loads === 1) throw new Error('import failed');
      return fakeProvider();
    }, { listsOrganizations: false });
    await expect(lazy.probe(target)).rejects.toThrow('import failed');
    await expect(lazy.probe(target)).resolves.toEqual({ ok: true, principal: 'reader' });
    expect(loads).toBe(2);
    expect(lazy.listOrganization).toBeUndefined();
  });
});
