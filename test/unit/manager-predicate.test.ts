import { onlyStatusChanged } from '../../operator/src/controller/manager.js';
import type { CloudService } from '../../operator/src/api/types.js';
import { aSpec } from './builders.js';

const svc = (meta: Partial<CloudService['metadata']> = {}, status?: CloudService['status']): CloudService => ({
  metadata: { name: 's', namespace: 'n', generation: 1, resourceVersion: '1', labels: { a: '1' }, ...meta },
  spec: aSpec(),
  status,
});

describe('onlyStatusChanged', () => {
  it('is true for a status write (same generation, labels, annotations)', () => {
    expect(onlyStatusChanged(svc(), svc({ resourceVersion: '2' }, { observedGeneration: 1 }))).toBe(true);
  });
  it.each([
    ['a spec change (generation)', { generation: 2 }],
    ['a label change', { labels: { a: '2' } }],
    ['an annotation change', { annotations: { note: 'x' } }],
    ['deletion', { deletionTimestamp: '2026-11-23T00:00:00Z' }],
  ])('is false for %s', (_name, meta) => {
    expect(onlyStatusChanged(svc(), svc({ resourceVersion: '2', ...meta }))).toBe(false);
  });
});
