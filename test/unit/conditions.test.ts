import { rfc3339, setStatusCondition } from '../../operator/src/kube/conditions.js';
import type { Condition } from '../../operator/src/api/types.js';

const t0 = new Date('2026-11-01T10:00:00.500Z');
const t1 = new Date('2026-11-02T10:00:00Z');

describe('setStatusCondition', () => {
  it('adds a new condition stamped now (second precision)', () => {
    const { conditions, changed } = setStatusCondition([], { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'ok', observedGeneration: 1 }, t0);
    expect(changed).toBe(true);
    expect(conditions).toEqual([
      { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'ok', observedGeneration: 1, lastTransitionTime: '2026-11-01T10:00:00Z' },
    ]);
  });

  it('keeps lastTransitionTime when the status does not flip, even if reason or message change', () => {
    const existing: Condition[] = [
      { type: 'MFAEnforced', status: 'False', reason: 'A', message: 'm', lastTransitionTime: rfc3339(t0), observedGeneration: 1 },
    ];
    const { conditions, changed } = setStatusCondition(existing, { type: 'MFAEnforced', status: 'False', reason: 'B', message: 'm2', observedGeneration: 2 }, t1);
    expect(changed).toBe(true);
    expect(conditions[0]?.lastTransitionTime).toBe('2026-11-01T10:00:00Z');
    expect(conditions[0]?.reason).toBe('B');
    expect(existing[0]?.reason).toBe('A'); // input untouched
  });

  it('moves lastTransitionTime when the status flips', () => {
    const existing: Condition[] = [{ type: 'X', status: 'False', reason: 'A', message: '', lastTransitionTime: rfc3339(t0) }];
    const { conditions } = setStatusCondition(existing, { type: 'X', status: 'True', reason: 'A', message: '' }, t1);
    expect(conditions[0]?.lastTransitionTime).toBe('2026-11-02T10:00:00Z');
  });

  it('reports no change for an identical update', () => {
    const existing: Condition[] = [{ type: 'X', status: 'True', reason: 'A', message: 'm', lastTransitionTime: rfc3339(t0), observedGeneration: 3 }];
    const { changed, conditions } = setStatusCondition(existing, { type: 'X', status: 'True', reason: 'A', message: 'm', observedGeneration: 3 }, t1);
    expect(changed).toBe(false);
    expect(conditions).toEqual(existing);
  });
});
