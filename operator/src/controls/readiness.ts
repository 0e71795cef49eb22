// The Ready condition: whether this reconcile read what it had to. A live account that
// could not be read makes Ready False with the collection's reason (and every live
// control Unknown); skipped live checks (no collector for the provider) leave Ready True.

import type { ConditionStatus } from '../api/types.js';
import type { InventoryResult } from '../inventory/types.js';

export interface ReadyCondition {
  status: ConditionStatus;
  reason: string;
  message: string;
}

export function readiness(inventory: InventoryResult): ReadyCondition {
  if (inventory.ok) return { status: 'True', reason: 'Reconciled', message: 'spec and live account evaluated' };
  if ('skipped' in inventory) {
    return { status: 'True', reason: 'Reconciled', message: `spec evaluated; live checks skipped: ${inventory.failure.message}` };
  }
  return { status: 'False', reason: inventory.failure.reason, message: `live account not read: ${inventory.failure.message}` };
}
