// CloudService status assembly (pure), following the Kubernetes conventions of
// conditions.ts: lastTransitionTime kept for conditions that did not flip, findings
// bounded, and whether a write is due at all.

import type { CloudServiceStatus, Condition, ConditionStatus, Finding, ServiceSummary } from '../api/types.js';
import { canonical } from './merge-patch.js';
import { rfc3339, setStatusCondition, type ConditionUpdate } from './conditions.js';

/** Status keeps at most this many findings; the rest are counted in findingsOmitted. */
export const MAX_STATUS_FINDINGS = 50;

export interface StatusInput {
  previous: CloudServiceStatus | undefined;
  generation: number;
  /** Control families plus Compliant, in display order. */
  conditions: Array<Omit<ConditionUpdate, 'observedGeneration'>>;
  ready: { status: ConditionStatus; reason: string; message: string };
  /** Stalled (after Ready) while a permanent failure stops retries; absent: the condition is removed. */
  stalled?: { status: ConditionStatus; reason: string; message: string } | undefined;
  /** Conditions about the operator's own bookkeeping (EvidenceRecorded), last; absent ones are removed. */
  bookkeeping?: Array<Omit<ConditionUpdate, 'observedGeneration'>>;
  summary: ServiceSummary;
  findings: Finding[];
  now: Date;
}

export function buildStatus(input: StatusInput): CloudServiceStatus {
  let conditions: Condition[] = [...(input.previous?.conditions ?? [])];
  const updates = [
    ...input.conditions,
    { type: 'Ready', ...input.ready },
    ...(input.stalled ? [{ type: 'Stalled', ...input.stalled }] : []),
    ...(input.bookkeeping ?? []),
  ];
  for (const update of updates) {
    conditions = setStatusCondition(conditions, { ...update, observedGeneration: input.generation }, input.now).conditions;
  }
  const order = new Map(updates.map((c, i) => [c.type, i]));
  // Conditions no longer evaluated (e.g. a family dropped) disappear; order is stable.
  conditions = conditions
    .filter((c) => order.has(c.type))
    .sort((a, b) => (order.get(a.type) as number) - (order.get(b.type) as number));
  const status: CloudServiceStatus = {
    observedGeneration: input.generation,
    lastCheckedAt: rfc3339(input.now),
    conditions,
    summary: input.summary,
    findings: input.findings.slice(0, MAX_STATUS_FINDINGS),
  };
  const omitted = input.findings.length - MAX_STATUS_FINDINGS;
  if (omitted > 0) status.findingsOmitted = omitted;
  return status;
}

/**
 * Write when anything but lastCheckedAt changed, or when the last recorded check
 * is older than the interval: the periodic re-check leaves one timestamp per
 * interval as evidence, while restarts and relists write nothing.
 */
export function statusNeedsWrite(
  previous: CloudServiceStatus | undefined,
  next: CloudServiceStatus,
  intervalMs: number,
  now: Date,
): boolean {
  if (!previous) return true;
  // changeLog (the log-reading watermark) moves on every read, like lastCheckedAt: it is
  // written with the periodic check or any real change; re-reading from an older
  // watermark only finds the same records again (merged by id).
  // The same holds for the times in status.reads: a new failure or a recovery is a change,
  // another attempt with the same outcome is not.
  const { lastCheckedAt: before, changeLog: _logBefore, reads: readsBefore, ...restBefore } = previous;
  const { lastCheckedAt: _after, changeLog: _logAfter, reads: readsAfter, ...restAfter } = next;
  if (canonical(restBefore) !== canonical(restAfter)) return true;
  if (canonical(readOutcomes(readsBefore)) !== canonical(readOutcomes(readsAfter))) return true;
  if (!before) return true;
  return now.getTime() - Date.parse(before) >= intervalMs * 0.9;
}

/**
 * For the cluster-scoped kinds' status (CloudAccount, CloudOrganization): write when
 * anything but the check time `timeKey` changed, or once `intervalMs` has passed since
 * the last recorded check (a timestamp per interval as evidence, nothing more).
 */
export function changedOrDue<S extends object>(previous: S | undefined, next: S, timeKey: keyof S, intervalMs: number, now: Date): boolean {
  if (!previous) return true;
  const withoutTime = (s: S): string => canonical(Object.fromEntries(Object.entries(s).filter(([k]) => k !== timeKey)));
  if (withoutTime(previous) !== withoutTime(next)) return true;
  const at = previous[timeKey];
  const last = typeof at === 'string' ? Date.parse(at) : Number.NaN;
  return Number.isNaN(last) || now.getTime() - last >= intervalMs;
}

/** What a read concluded, without when: source, failed or not, and why. */
function readOutcomes(reads: CloudServiceStatus['reads']): Array<{ source: string; failed: boolean; reason?: string }> {
  return (reads ?? []).map((r) => ({ source: r.source, failed: r.failedAt !== undefined, ...(r.reason ? { reason: r.reason } : {}) }));
}

export interface Transition {
  type: string;
  from: ConditionStatus | undefined;
  to: ConditionStatus;
  reason: string;
  message: string;
}

export function conditionTransitions(previous: readonly Condition[] | undefined, next: readonly Condition[]): Transition[] {
  const transitions: Transition[] = [];
  for (const condition of next) {
    const before = previous?.find((c) => c.type === condition.type);
    if (before?.status === condition.status) continue;
    transitions.push({
      type: condition.type,
      from: before?.status,
      to: condition.status,
      reason: condition.reason,
      message: condition.message,
    });
  }
  return transitions;
}
