// The audit-trail records a service carries between reconciles: status.changes back as
// records, merged with a fresh read, and where the next read of the log starts
// (status.changeLog.readUntil). Bookkeeping of the shell, not a decision: the verdicts on
// the records are the ChangesTracked controls' (controls/changes/).

import type { ChangeEntry, CloudServiceSpec } from '../api/types.js';
import { dedupe } from '../controls/changes/judge.js';
import { parseDuration } from '../api/duration.js';
import type { ChangeKind, ChangeRecord } from '../inventory/changes.js';

const KINDS: readonly ChangeKind[] = ['network-change', 'sign-in', 'provider-access', 'activity'];

/** Records kept in status.changes, back as records (the verdicts are recomputed from the current spec). */
export function changeRecordsFromStatus(entries: readonly ChangeEntry[] | undefined): ChangeRecord[] {
  return (entries ?? []).map((e) => {
    const kind = (KINDS as readonly string[]).includes(e.kind ?? '')
      ? (e.kind as ChangeKind)
      : e.action === 'ConsoleLogin'
        ? 'sign-in'
        : e.breakGlass === true
          ? 'activity'
          : 'network-change';
    const r: ChangeRecord = {
      id: e.id,
      time: e.time,
      actor: e.actor,
      action: e.action,
      resource: e.resource ?? '',
      region: e.region ?? '',
      kind,
    };
    if (e.principal) r.principal = e.principal;
    if (e.failed === true) r.errorCode = 'Failed';
    return r;
  });
}

/** Kept records plus freshly read ones, by id (the fresh copy wins). */
export function mergeChangeRecords(kept: readonly ChangeRecord[], fresh: readonly ChangeRecord[]): ChangeRecord[] {
  return dedupe([...kept, ...fresh]);
}

/** Where the next read of the audit log starts (any provider): status.changeLog.readUntil, else now - spec.changeManagement.lookback (default 24h). */
export function changeLogSince(spec: CloudServiceSpec, readUntil: string | undefined, now: Date): Date {
  const at = readUntil ? Date.parse(readUntil) : Number.NaN;
  if (!Number.isNaN(at)) return new Date(Math.min(at, now.getTime()));
  let lookbackMs = 24 * 3_600_000;
  try {
    lookbackMs = parseDuration(spec.changeManagement?.lookback ?? '24h');
  } catch {
    // admission validates the pattern; keep the default
  }
  return new Date(now.getTime() - lookbackMs);
}
