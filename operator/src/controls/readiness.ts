// The Ready condition: whether this reconcile read what it had to. A live account that
// could not be read makes Ready False with the collection's reason (and every live
// control Unknown); skipped live checks (no collector for the provider) leave Ready True.
//
// A failed read also decides how the reconcile retries (inventory/failure-kind.ts), in
// the manner of Flux's Stalling / Waiting errors and controller-runtime's TerminalError:
// - permanent (a wrong account id, credentials for another account, a role that does
//   not trust the operator, a missing Secret): Stalled=True with the same reason and
//   what to fix; not retried until the spec or the policy changes (both are watched),
//   or after STALLED_RECHECK_MS, the only way to notice a fixed Secret or IAM trust
//   policy (neither is watched);
// - transient: no Stalled; retried once the shared account cache would read the
//   account again (its per-account backoff), or by the work queue's backoff when the
//   failure did not come from the cache.

import type { ConditionStatus } from '../api/types.js';
import { failureFix, failureKind, type FailureKind } from '../inventory/failure-kind.js';
import type { InventoryResult } from '../inventory/types.js';

/** A stalled service is read again after this long (ms) without any change: 1 h. */
export const STALLED_RECHECK_MS = 60 * 60 * 1000;

export interface ReadyCondition {
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Present only while a permanent failure stops retries; the condition is removed otherwise. */
export interface StalledCondition {
  status: 'True';
  reason: string;
  message: string;
}

/** How a reconcile whose account read failed is retried. */
export interface FailureRetry {
  kind: FailureKind;
  reason: string;
  /**
   * Permanent: now + STALLED_RECHECK_MS. Transient: when the account cache reads the
   * account again; absent when the failure did not come from the cache (the work
   * queue's own backoff then applies).
   */
  at?: Date;
}

export interface Readiness {
  ready: ReadyCondition;
  stalled?: StalledCondition;
  /** Present exactly when Ready is False. */
  retry?: FailureRetry;
}

export function readiness(inventory: InventoryResult, now: Date): Readiness {
  if (inventory.ok) return { ready: { status: 'True', reason: 'Reconciled', message: 'spec and live account evaluated' } };
  if ('skipped' in inventory) {
    return { ready: { status: 'True', reason: 'Reconciled', message: `spec evaluated; live checks skipped: ${inventory.failure.message}` } };
  }
  const { reason, message } = inventory.failure;
  const ready: ReadyCondition = { status: 'False', reason, message: `live account not read: ${message}` };
  const fix = failureFix(reason);
  if (failureKind(reason) === 'permanent' && fix !== undefined) {
    return {
      ready,
      stalled: { status: 'True', reason, message: `${fix} ${NOT_RETRIED}` },
      retry: { kind: 'permanent', reason, at: new Date(now.getTime() + STALLED_RECHECK_MS) },
    };
  }
  const at = inventory.retryAt === undefined ? undefined : new Date(inventory.retryAt);
  return { ready, retry: { kind: 'transient', reason, ...(at && !Number.isNaN(at.getTime()) ? { at } : {}) } };
}

const NOT_RETRIED =
  `Not retried until the CloudService spec, its CloudAccount, its namespace's labels or the CloudSecurityPolicy ` +
  `changes; a corrected Secret, trust policy or role assignment is read at the next check within ` +
  `${STALLED_RECHECK_MS / 3_600_000}h, or at once when the spec, a label or an annotation of the CloudService changes.`;
