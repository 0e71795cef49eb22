// What the reflector caches of an object (kube/reflector.ts cacheProjection): everything
// but metadata.managedFields and kubectl's last-applied annotation. Together they were
// about as large as the rest of a CloudService with status; nothing here reads them.

import { cacheProjection } from '../../operator/src/kube/reflector.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

describe('cacheProjection', () => {
  it('drops managedFields and the last-applied annotation, and keeps every other field', () => {
    const object = {
      metadata: {
        name: 'payments',
        namespace: 'team-a',
        resourceVersion: '42',
        labels: { team: 'a' },
        annotations: { [LAST_APPLIED]: '{"spec":{}}', 'example.com/owner': 'jane' },
        managedFields: [{ manager: 'cloud-posture-operator', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': {} } }],
      },
      spec: { provider: 'aws' },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    const kept = cacheProjection(object);
    expect(kept).toEqual({
      metadata: { name: 'payments', namespace: 'team-a', resourceVersion: '42', labels: { team: 'a' }, annotations: { 'example.com/owner': 'jane' } },
      spec: { provider: 'aws' },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    // The object as received is not changed (a watch handler may still hold it).
    expect(object.metadata.managedFields).toHaveLength(1);
    expect(object.metadata.annotations[LAST_APPLIED]).toBeDefined();
  });

  it('returns an object without either as it is', () => {
    const object = { metadata: { name: 'x', annotations: { a: 'b' } } };
    expect(cacheProjection(object)).toBe(object);
  });
});
