// A port of apimachinery's meta.SetStatusCondition: lastTransitionTime moves only
// when status flips, and the caller learns whether anything changed.

import type { Condition, ConditionStatus } from '../api/types.js';

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
}

/** Returns the new list (input untouched) and whether it differs from the old one. */
export function setStatusCondition(
  conditions: readonly Condition[],
  update: ConditionUpdate,
  now: Date,
): { conditions: Condition[]; changed: boolean } {
  const existing = conditions.find((c) => c.type === update.type);
  if (!existing) {
    const added: Condition = { ...update, lastTransitionTime: rfc3339(now) };
    return { conditions: [...conditions, added], changed: true };
  }
  const next: Condition = {
    ...existing,
    status: update.status,
    reason: update.reason,
    message: update.message,
    observedGeneration: update.observedGeneration,
    lastTransitionTime: existing.status === update.status ? existing.lastTransitionTime : rfc3339(now),
  };
  if (next.observedGeneration === undefined) delete next.observedGeneration;
  const changed =
    existing.status !== next.status ||
    existing.reason !== next.reason ||
    existing.message !== next.message ||
    existing.observedGeneration !== next.observedGeneration;
  return { conditions: conditions.map((c) => (c.type === update.type ? next : c)), changed };
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** metav1.Time is second precision: keep the same so a round trip does not look like a change. */
export function rfc3339(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
