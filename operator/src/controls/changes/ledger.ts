// The change ledger the reconciler publishes: status.changes (bounded, open entries
// first) and the break-glass uses it reports once each as a Warning Event and a counter.
// Pure; the verdicts come from judge.ts and are recomputed from the current spec.

import type { ChangeEntry, CloudServiceSpec } from '../../api/types.js';
import type { ChangeKind, ChangeRecord } from '../../inventory/changes.js';
import { truncate } from '../text.js';
import { type JudgedChange, describeRecord, isProviderAccess, judgeChanges, newestFirst } from './judge.js';

/** Bound of status.changes (the CRD's maxItems). */
export const STATUS_CHANGES_MAX = 50;

export interface BreakGlassUse {
  /** The record id (CloudTrail eventID): emit once per id. */
  id: string;
  /** The declared identity (as written in spec.breakGlassIdentities). */
  identity: string;
  actor: string;
  action: string;
  kind: ChangeKind;
  time: string;
  region: string;
  /** The call was refused / the sign-in failed. */
  failed: boolean;
  acknowledged: boolean;
  /** One line for a Warning Event: no secrets, names the identity and what it did. */
  message: string;
}

/** Every use of a declared break-glass identity among `records`, newest first. */
export function breakGlassUses(records: readonly ChangeRecord[], spec: CloudServiceSpec): BreakGlassUse[] {
  return breakGlassUsesOf(judgeChanges(records, spec));
}

/** The same from changes already judged (judgedChangesOf(input): no second judgement). */
export function breakGlassUsesOf(judged: readonly JudgedChange[]): BreakGlassUse[] {
  return judged
    .filter((j) => j.breakGlass !== undefined)
    .map((j) => ({
      id: j.record.id,
      identity: j.breakGlass as string,
      actor: j.record.actor,
      action: j.record.action,
      kind: j.record.kind,
      time: j.record.time,
      region: j.record.region,
      failed: j.record.errorCode !== undefined,
      acknowledged: j.acknowledged,
      message: truncate(`Break-glass identity ${j.breakGlass} used: ${describeRecord(j.record)}`, 1000),
    }));
}

/** Uses not yet recorded in the previous status.changes (emit an Event and count each once). */
export function newBreakGlassUses(uses: readonly BreakGlassUse[], previous: readonly ChangeEntry[] | undefined): BreakGlassUse[] {
  const seen = new Set((previous ?? []).filter((e) => e.breakGlass === true).map((e) => e.id));
  return uses.filter((u) => !seen.has(u.id));
}

/**
 * status.changes and status.changesOmitted: at most `limit` entries, open ones first
 * (unacknowledged out-of-band changes and break-glass uses, so they are never pushed out
 * by routine deployer changes), then the most recent others; newest first within each.
 */
export function changeStatusEntries(
  records: readonly ChangeRecord[],
  spec: CloudServiceSpec,
  limit = STATUS_CHANGES_MAX,
): ChangeStatusEntries {
  return changeStatusEntriesOf(judgeChanges(records, spec), limit);
}

export interface ChangeStatusEntries {
  changes: ChangeEntry[];
  changesOmitted: number;
}

/** The same from changes already judged (judgedChangesOf(input): no second judgement). */
export function changeStatusEntriesOf(judged: readonly JudgedChange[], limit = STATUS_CHANGES_MAX): ChangeStatusEntries {
  // Calls by the provider's staff are shown, never open.
  const isOpen = (j: JudgedChange) => !j.tracked && !j.acknowledged && !isProviderAccess(j);
  const open = judged.filter(isOpen);
  const closed = judged.filter((j) => !isOpen(j) && !isProviderAccess(j));
  // Last: AWS-internal calls can be many, and must not push tracked changes out.
  const providerCalls = judged.filter(isProviderAccess);
  const kept = [...open, ...closed, ...providerCalls].slice(0, limit).sort(newestFirst);
  const changes = kept.map((j) => {
    const e: ChangeEntry = {
      id: j.record.id,
      time: j.record.time,
      actor: j.record.actor,
      action: j.record.action,
      kind: j.record.kind,
      tracked: j.tracked,
      acknowledged: j.acknowledged,
    };
    if (j.record.principal) e.principal = j.record.principal;
    if (j.record.resource) e.resource = j.record.resource;
    if (j.record.region) e.region = j.record.region;
    if (j.reference !== undefined) e.reference = j.reference;
    if (j.breakGlass !== undefined) e.breakGlass = true;
    if (j.record.errorCode !== undefined) e.failed = true;
    return e;
  });
  return { changes, changesOmitted: Math.max(0, judged.length - kept.length) };
}
