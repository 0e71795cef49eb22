// A service's condition as the report cites it: its status (Absent when the operator has
// not published it), its reason, and since when it holds.

import type { CloudServiceStatus, Condition } from '../api/types.js';
import type { StepConditionRef } from './model.js';

export function conditionOf(status: Pick<CloudServiceStatus, 'conditions'> | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function conditionRef(c: Condition | undefined, type: string): StepConditionRef {
  if (c === undefined) return { type, status: 'Absent' };
  const out: StepConditionRef = { type, status: c.status, reason: c.reason };
  if (c.lastTransitionTime) out.since = c.lastTransitionTime;
  return out;
}
