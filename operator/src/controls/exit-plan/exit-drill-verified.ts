// A523-07-EXIT-DRILL-VERIFIED (ExitPlanReady, checklist step 7, live side): the automated
// exit drill (spec.exitPlan.drill, run by exitdrill/drill.ts) exported a sample of the
// real data intact, and a full export fits the recovery time objective. "Policies don't
// move petabytes of data; only a tested technical extraction process ensures business
// continuity" (the exit-strategy trap).
//
// Decision, in order:
//   no drill configured              True  ExitDrillNotConfigured (the recorded dry run is
//                                          checked by A523-07-EXIT-DRILL-CURRENT)
//   configured, no result yet        Unknown ExitDrillPending
//   the run could not happen         Unknown <its reason> (a failed read is not a finding)
//   last run older than the policy's exitDrillMaxAgeDays      False ExitDrillOverdue
//   a local copy does not match the store's checksum / size  False ExitDrillIntegrityFailure
//   the store refused objects (bucket / KMS key policy)       False ExitDrillAccessDenied
//   nothing under the prefix                                  False ExitDrillNoData
//   estimate exceeds the recovery time objective              False ExitExceedsRecoveryObjective
//   no object verified (all missing / unreadable / no checksum)  Unknown ExitDrillInconclusive
//   listing stopped at the bound (estimate is a lower bound)  Unknown ExitDrillListingIncomplete
//   otherwise                                                 True  ExitDrillPassed
// Objects deleted between listing and download (ObjectMissing) and objects without a
// checkable checksum (NoChecksum) are named in the message, not failed, as long as at
// least one object was verified.

import type { ExitDrill } from '../../api/types.js';
import type { ExitDrillResult } from '../../inventory/exit-drill.js';
import { parseDuration } from '../../api/duration.js';
import type { Control, ControlFinding, ControlOutcome, EffectivePolicy } from '../types.js';
import { fail, pass, unknown } from '../outcome.js';
import { formatBytes, formatSeconds, plural } from '../text.js';
import { addDays, formatDay, isCurrent, parseTime } from '../time.js';

export interface ExitDrillContext {
  /** spec.exitPlan.drill; undefined: not configured. */
  drill: ExitDrill | undefined;
  now: Date;
}

function rtoSecondsOf(drill: ExitDrill, result: ExitDrillResult): number {
  try {
    return parseDuration(drill.recoveryTimeObjective) / 1000;
  } catch {
    return result.recoveryTimeObjectiveSeconds;
  }
}

/** The pure decision on one drill result (see the table at the top of this file). */
export function exitDrillOutcome(
  result: ExitDrillResult | undefined,
  policy: EffectivePolicy,
  context: ExitDrillContext,
): ControlOutcome {
  const { drill, now } = context;
  if (drill === undefined) {
    return pass(
      'ExitDrillNotConfigured',
      'No automated exit drill configured (spec.exitPlan.drill); the recorded dry run is checked by A523-07-EXIT-DRILL-CURRENT',
    );
  }
  if (result === undefined) return unknown('ExitDrillPending', 'The automated exit drill has not run yet');
  const ranAt = parseTime(result.ranAt);
  if (ranAt === undefined) return unknown('ExitDrillPending', 'The automated exit drill has no valid run time');
  const lastSuccess = parseTime(result.lastSuccessAt);
  const since = lastSuccess ? ` Last successful drill ${formatDay(lastSuccess)}.` : ' No drill has passed yet.';
  const expiresAt = addDays(ranAt, policy.exitDrillMaxAgeDays);
  const timing = { evidenceAt: ranAt, changesAt: expiresAt };
  if (!isCurrent(now, expiresAt)) {
    return fail(
      'ExitDrillOverdue',
      `Last automated exit drill ran ${formatDay(ranAt)}, older than the policy's ${policy.exitDrillMaxAgeDays} days`,
      [{ resource: result.source, message: `exit drill last ran ${formatDay(ranAt)}` }],
      { evidenceAt: ranAt },
    );
  }
  if (result.error !== undefined) {
    return unknown(result.error.reason, `Exit drill of ${result.source} could not run: ${result.error.message}.${since}`, timing);
  }
  const bucketUrl = /^s3:\/\/[^/]+\//.exec(result.source)?.[0] ?? result.source;
  const objectFinding = (key: string, message: string): ControlFinding => ({ resource: `${bucketUrl}${key}`, message });
  const integrity = result.failures.filter((f) => f.reason === 'ChecksumMismatch' || f.reason === 'SizeMismatch');
  if (integrity.length > 0) {
    return fail(
      'ExitDrillIntegrityFailure',
      `Exit drill of ${result.source}: ${plural(integrity.length, 'exported object')} did not match the store's checksums`,
      integrity.map((f) => objectFinding(f.key, `${f.reason}: ${f.message}`)),
      timing,
    );
  }
  const denied = result.failures.filter((f) => f.reason === 'AccessDenied');
  if (denied.length > 0) {
    return fail(
      'ExitDrillAccessDenied',
      `Exit drill of ${result.source}: ${plural(denied.length, 'object')} could not be read out (bucket or KMS key policy)`,
      denied.map((f) => objectFinding(f.key, `AccessDenied: ${f.message}`)),
      timing,
    );
  }
  if (result.totalObjects === 0) {
    return fail(
      'ExitDrillNoData',
      `Exit drill found no objects under ${result.source}: the drill proves nothing (check spec.exitPlan.drill.s3)`,
      [{ resource: result.source, message: 'no objects under the drilled prefix' }],
      timing,
    );
  }
  const rto = rtoSecondsOf(drill, result);
  const estimate = result.estimatedFullExportSeconds;
  const sampled = `${result.objectsVerified} of ${result.objectsSampled} sampled objects verified (${formatBytes(result.bytes)} at ${formatBytes(result.throughputBytesPerSecond)}/s)`;
  const notes: string[] = [];
  const missing = result.failures.filter((f) => f.reason === 'ObjectMissing').length;
  const unchecked = result.failures.filter((f) => f.reason === 'NoChecksum').length;
  const unreadable = result.failures.filter((f) => f.reason === 'ReadError').length;
  if (missing > 0) notes.push(`${plural(missing, 'object')} deleted since listing`);
  if (unchecked > 0) notes.push(`${plural(unchecked, 'object')} without a checkable checksum`);
  if (unreadable > 0) notes.push(`${plural(unreadable, 'object')} not readable (transient errors)`);
  if (result.failuresOmitted > 0) notes.push(`${result.failuresOmitted} more failures not listed`);
  const noteText = notes.length > 0 ? `; ${notes.join(', ')}` : '';
  if (result.objectsVerified > 0 && estimate > rto) {
    return fail(
      'ExitExceedsRecoveryObjective',
      `A full export of ${result.source} (${formatBytes(result.totalBytes)}, ${result.totalObjects} objects) would take about ${formatSeconds(estimate)}, more than the recovery time objective of ${formatSeconds(rto)}${result.listingComplete ? '' : ' (and the listing was incomplete)'}`,
      [{ resource: result.source, message: `estimated full export ${formatSeconds(estimate)} exceeds RTO ${formatSeconds(rto)}` }],
      timing,
    );
  }
  if (result.objectsVerified === 0) {
    return unknown('ExitDrillInconclusive', `Exit drill of ${result.source}: no sampled object could be verified${noteText}.${since}`, timing);
  }
  if (unreadable > 0 && result.objectsVerified + missing + unchecked < result.objectsSampled) {
    return unknown('ExitDrillInconclusive', `Exit drill of ${result.source}: ${sampled}${noteText}.${since}`, timing);
  }
  if (!result.listingComplete) {
    return unknown(
      'ExitDrillListingIncomplete',
      `Exit drill of ${result.source}: the listing stopped at the operator's bound, so the estimate of ${formatSeconds(estimate)} is a lower bound; ${sampled}`,
      timing,
    );
  }
  return pass(
    'ExitDrillPassed',
    `Exit drill ${formatDay(ranAt)}: ${sampled}${noteText}; full export of ${formatBytes(result.totalBytes)} estimated at ${formatSeconds(estimate)}, within the recovery time objective of ${formatSeconds(rto)}`,
    timing,
  );
}

export const exitDrillVerified: Control = {
  id: 'A523-07-EXIT-DRILL-VERIFIED',
  family: 'ExitPlanReady',
  checklistStep: 7,
  severity: 'high',
  title: 'The automated exit drill exported a sample of the data intact, within the recovery time objective',
  remediation:
    'Look at status.exitDrill: fix objects whose exported copy does not match the stored checksum (re-upload from a good copy), grant the operator s3:GetObject and kms:Decrypt on the exported prefix, point spec.exitPlan.drill.s3 at the data, or plan a faster export path (parallel transfer, AWS DataSync / Snowball) until the estimate fits spec.exitPlan.drill.recoveryTimeObjective.',
  // Not 'live': it never reads the account inventory (a failed inventory read does not
  // touch it). Its live evidence is the drill's own read, carried in input.exitDrill, and
  // a drill that could not run is Unknown here, never False.
  needs: 'spec',
  evaluate(input) {
    return exitDrillOutcome(input.exitDrill, input.policy, { drill: input.spec.exitPlan?.drill, now: input.now });
  },
};
