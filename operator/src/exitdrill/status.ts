// status.exitDrill <-> ExitDrillResult, and when the next drill is due. Pure.
//
// The drill runs every spec.exitPlan.drill.interval (default 168h), far less often
// than the service is reconciled: in between, the control reads the last run back from
// status.exitDrill (`exitDrillResultFromStatus`).

import type { CloudServiceSpec, ExitDrill, ExitDrillStatus } from '../api/types.js';
import { exitDrillOutcome } from '../controls/exit-plan/exit-drill-verified.js';
import type { EffectivePolicy } from '../controls/types.js';
import { parseDuration } from '../api/duration.js';
import { parseTime } from '../controls/time.js';
import {
  DEFAULT_DRILL_INTERVAL,
  EXIT_DRILL_FAILURE_REASONS,
  type ExitDrillFailureReason,
  type ExitDrillResult,
} from '../inventory/exit-drill.js';

/** Retry delay after a run that could not happen. */
export const ERROR_RETRY_MS = 3_600_000;

/** Drill interval in ms (spec default 168h; a value admission would reject falls back to it). */
export function drillIntervalMs(drill: ExitDrill): number {
  try {
    return parseDuration(drill.interval ?? DEFAULT_DRILL_INTERVAL);
  } catch {
    return parseDuration(DEFAULT_DRILL_INTERVAL);
  }
}

export interface DrillSchedule {
  /** Run now. */
  due: boolean;
  /** When the next run is due (now when due): requeue the service then. */
  at: Date;
}

/**
 * When the next drill is due: never without spec.exitPlan.drill; now when it never ran,
 * when the drill spec changed since (different source), `interval` after the last run, or
 * an hour after a run that could not happen (result Error).
 */
export function exitDrillSchedule(
  spec: CloudServiceSpec,
  status: ExitDrillStatus | undefined,
  now: Date,
): DrillSchedule | undefined {
  const drill = spec.exitPlan?.drill;
  if (drill === undefined) return undefined;
  const last = parseTime(status?.lastRunAt);
  const sameSource = status?.source === `s3://${drill.s3.bucket}/${drill.s3.prefix ?? ''}`;
  if (last === undefined || !sameSource) return { due: true, at: now };
  // A run that could not happen (listing refused, bucket missing) is retried within the hour.
  const wait = status?.result === 'Error' ? Math.min(drillIntervalMs(drill), ERROR_RETRY_MS) : drillIntervalMs(drill);
  const at = new Date(last.getTime() + wait);
  return at.getTime() <= now.getTime() ? { due: true, at: now } : { due: false, at };
}

/** The last run as recorded in status.exitDrill (undefined when it never ran). */
export function exitDrillResultFromStatus(status: ExitDrillStatus | undefined): ExitDrillResult | undefined {
  if (status?.lastRunAt === undefined) return undefined;
  const result: ExitDrillResult = {
    ranAt: status.lastRunAt,
    durationSeconds: status.durationSeconds ?? 0,
    source: status.source ?? '',
    totalObjects: status.totalObjects ?? 0,
    totalBytes: status.totalBytes ?? 0,
    listingComplete: status.listingComplete ?? false,
    objectsSampled: status.objectsSampled ?? 0,
    objectsVerified: status.objectsVerified ?? 0,
    bytes: status.bytes ?? 0,
    throughputBytesPerSecond: status.throughputBytesPerSecond ?? 0,
    estimatedFullExportSeconds: status.estimatedFullExportSeconds ?? 0,
    recoveryTimeObjectiveSeconds: status.recoveryTimeObjectiveSeconds ?? 0,
    checksums: {
      md5: status.checksums?.md5 ?? 0,
      sha256: status.checksums?.sha256 ?? 0,
      crc32: status.checksums?.crc32 ?? 0,
    },
    failures: (status.failures ?? []).map((f) => ({
      key: f.key,
      reason: (EXIT_DRILL_FAILURE_REASONS as readonly string[]).includes(f.reason)
        ? (f.reason as ExitDrillFailureReason)
        : 'ReadError',
      message: f.message ?? '',
    })),
    failuresOmitted: status.failuresOmitted ?? 0,
  };
  if (status.result === 'Error') {
    result.error = { reason: status.reason ?? 'ExitDrillError', message: status.message ?? '' };
  }
  if (status.lastSuccessAt !== undefined) result.lastSuccessAt = status.lastSuccessAt;
  return result;
}

/**
 * status.exitDrill after a run: the run's facts, the decision (result Succeeded / Failed /
 * Error with reason and message) and lastSuccessAt carried over from `previous` unless
 * this run passed. `now` is the time of the decision (normally the end of the run).
 */
export function exitDrillStatus(
  previous: ExitDrillStatus | undefined,
  run: ExitDrillResult,
  drill: ExitDrill,
  policy: EffectivePolicy,
  now: Date,
): ExitDrillStatus {
  const outcome = exitDrillOutcome(run, policy, { drill, now });
  const succeeded = outcome.status === 'True';
  const result = run.error !== undefined ? 'Error' : succeeded ? 'Succeeded' : 'Failed';
  const status: ExitDrillStatus = {
    lastRunAt: run.ranAt,
    result,
    reason: run.error?.reason ?? outcome.reason,
    message: truncateMessage(outcome.message),
    source: run.source,
    durationSeconds: run.durationSeconds,
    totalObjects: run.totalObjects,
    totalBytes: run.totalBytes,
    listingComplete: run.listingComplete,
    objectsSampled: run.objectsSampled,
    objectsVerified: run.objectsVerified,
    bytes: run.bytes,
    throughputBytesPerSecond: run.throughputBytesPerSecond,
    estimatedFullExportSeconds: run.estimatedFullExportSeconds,
    recoveryTimeObjectiveSeconds: run.recoveryTimeObjectiveSeconds,
    withinRecoveryObjective:
      run.error === undefined && run.objectsVerified > 0 && run.estimatedFullExportSeconds <= run.recoveryTimeObjectiveSeconds,
    checksums: { ...run.checksums },
    failures: run.failures.map((f) => ({ key: f.key, reason: f.reason, message: f.message })),
    failuresOmitted: run.failuresOmitted,
  };
  const lastSuccessAt = succeeded ? run.ranAt : previous?.lastSuccessAt;
  if (lastSuccessAt !== undefined) status.lastSuccessAt = lastSuccessAt;
  return status;
}

function truncateMessage(text: string): string {
  return text.length > 1024 ? `${text.slice(0, 1023)}…` : text;
}

/** Seconds since the epoch of the last successful drill, for `cloudposture_exit_drill_last_success_timestamp_seconds`. */
export function exitDrillLastSuccessSeconds(status: ExitDrillStatus | undefined): number | undefined {
  const at = parseTime(status?.lastSuccessAt);
  return at === undefined ? undefined : Math.floor(at.getTime() / 1000);
}
