// ChangesTracked (checklist step 10, and the break-glass part of step 8): every change
// to the virtual network and firewall rules has a change record. A change made by a
// principal the spec declares as the GitOps / IaC deployer is tracked by construction
// (the pipeline applies reviewed code); any other change is out-of-band and turns
// ChangesTracked False until it is acknowledged in spec.changeManagement.acknowledgements
// with the change record (ticket / PR). A call by a declared break-glass identity (a
// console sign-in or any API call) is a finding until acknowledged the same way (the
// "emergency access accounts" trap of the identity row).
//
// The records come from the audit trail (AWS: CloudTrail's delivered log files,
// providers/aws/cloudtrail-changes.ts; Azure: the subscription's Activity Log,
// providers/azure/activity-log.ts), merged with the ones kept in status.changes
// (controller/change-records.ts).
// Pure: no I/O, no clock.

import type { ChangeEntry, CloudServiceSpec } from '../api/types.js';
import { arnPatternMatches, identityNamedBy, type ChangeKind, type ChangeRecord } from '../inventory/changes.js';
import type { Control, ControlFinding, ControlInput, ControlOutcome } from './types.js';
import { fail, pass, unknown } from './outcome.js';
import { compareText, listSome, plural, truncate } from './text.js';

/** Bound of status.changes (the CRD's maxItems). */
export const STATUS_CHANGES_MAX = 50;

const MESSAGE_DETAIL_MAX = 200;

/** Made by a declared deployer: the caller's ARN or, for a role session, the role's ARN matches a pattern. */
export function isDeployerChange(record: ChangeRecord, patterns: readonly string[]): boolean {
  return patterns.some((p) => arnPatternMatches(p, record.actor) || arnPatternMatches(p, record.principal));
}

/** The declared break-glass identity behind a record, if any (see identityNamedBy). */
export function breakGlassIdentityOf(record: ChangeRecord, identities: readonly string[]): string | undefined {
  return identityNamedBy(record, identities);
}

export interface JudgedChange {
  record: ChangeRecord;
  /** Made by a declared deployer principal. */
  tracked: boolean;
  /** Listed in spec.changeManagement.acknowledgements. */
  acknowledged: boolean;
  /** The acknowledgement's change record, when acknowledged. */
  reference?: string;
  /** The declared break-glass identity that made it, if any. */
  breakGlass?: string;
}

/** True for records the controls count: succeeded network changes, and every break-glass call. */
function relevant(j: JudgedChange): boolean {
  return j.breakGlass !== undefined || (j.record.kind === 'network-change' && j.record.errorCode === undefined);
}

/** Each relevant record with its tracked / acknowledged / break-glass verdict, newest first. */
export function judgeChanges(records: readonly ChangeRecord[], spec: CloudServiceSpec): JudgedChange[] {
  const cm = spec.changeManagement;
  const deployers = cm?.deployerPrincipals ?? [];
  const acks = new Map((cm?.acknowledgements ?? []).map((a) => [a.changeId, a]));
  const breakGlass = spec.breakGlassIdentities ?? [];
  const judged: JudgedChange[] = [];
  for (const record of dedupe(records)) {
    const ack = acks.get(record.id);
    const j: JudgedChange = { record, tracked: isDeployerChange(record, deployers), acknowledged: ack !== undefined };
    if (ack !== undefined) j.reference = ack.reference;
    const bg = breakGlassIdentityOf(record, breakGlass);
    if (bg !== undefined) {
      j.breakGlass = bg;
      j.tracked = false; // emergency access is never tracked by construction
    }
    if (relevant(j)) judged.push(j);
  }
  return judged.sort(newestFirst);
}

function newestFirst(a: JudgedChange, b: JudgedChange): number {
  return compareText(b.record.time, a.record.time) || compareText(a.record.id, b.record.id);
}

/** Records by id (a later copy of the same id wins), in input order. */
export function dedupe(records: readonly ChangeRecord[]): ChangeRecord[] {
  const byId = new Map<string, ChangeRecord>();
  for (const r of records) byId.set(r.id, r);
  return [...byId.values()];
}

function describe(r: ChangeRecord): string {
  const what = r.kind === 'sign-in' ? 'console sign-in' : `${r.action}${r.resource ? ` on ${r.resource}` : ''}`;
  const failed = r.errorCode ? ` (refused: ${r.errorCode})` : '';
  return `${what}${r.region ? ` in ${r.region}` : ''} by ${r.actor} at ${r.time}${failed} (change ${r.id})`;
}

function feedUnreadable(input: ControlInput): ControlOutcome | ChangeRecord[] {
  const feed = input.changes;
  if (feed === undefined) {
    return unknown('ChangeLogNotRead', 'The audit trail of network changes has not been read');
  }
  if (!Array.isArray(feed)) {
    return unknown(feed.failure.reason, `The audit trail of network changes could not be read: ${truncate(feed.failure.message, MESSAGE_DETAIL_MAX)}`);
  }
  return feed;
}

export const networkChangesTracked: Control = {
  id: 'A523-10-NETWORK-CHANGES-TRACKED',
  family: 'ChangesTracked',
  checklistStep: 10,
  severity: 'high',
  title: 'Every network and firewall change was made by the GitOps / IaC deployer or has an acknowledged change record',
  remediation:
    'Raise a change record for each listed change (before/after state, peer review by a second engineer) and add it to spec.changeManagement.acknowledgements with changeId, reference and acknowledgedBy; then make the change through the pipeline (or revert it) so the declared code is the source of truth. If the change came from a legitimate automation, add its role ARN to spec.changeManagement.deployerPrincipals.',
  // Not 'live': reads input.changes (the audit trail), never the account inventory.
  needs: 'spec',
  evaluate(input) {
    const read = feedUnreadable(input);
    if (!Array.isArray(read)) return read;
    const judged = judgeChanges(read, input.spec).filter((j) => j.breakGlass === undefined);
    const outOfBand = judged.filter((j) => !j.tracked && !j.acknowledged);
    if (outOfBand.length > 0) {
      const findings: ControlFinding[] = outOfBand.map((j) => ({
        resource: j.record.resource || j.record.region,
        message: `Out-of-band change: ${describe(j.record)}; not made by a declared deployer and not acknowledged`,
      }));
      return fail(
        'OutOfBandChanges',
        `${plural(outOfBand.length, 'network change')} without a change record: ${listSome(
          outOfBand.map((j) => `${j.record.action} by ${j.record.actor}`),
          3,
          '; ',
        )}`,
        findings,
      );
    }
    const tracked = judged.filter((j) => j.tracked).length;
    const acknowledged = judged.length - tracked;
    if (judged.length === 0) return pass('NoNetworkChanges', 'No network or firewall changes in the audit trail read so far');
    return pass(
      'ChangesTracked',
      `${plural(judged.length, 'network change')}: ${tracked} by the declared deployer, ${acknowledged} acknowledged with a change record`,
    );
  },
};

export const breakGlassUsed: Control = {
  id: 'A523-08-BREAK-GLASS-USED',
  family: 'ChangesTracked',
  checklistStep: 8,
  severity: 'high',
  title: 'Break-glass (emergency access) identities were not used, or each use was reviewed',
  remediation:
    'Confirm the emergency that justified each break-glass use, review everything the identity did (the listed calls), rotate its credentials and re-seal its MFA device, then record the review in spec.changeManagement.acknowledgements (changeId = the use id, reference = the incident or review ticket).',
  // Not 'live': reads input.changes (the audit trail), never the account inventory.
  needs: 'spec',
  evaluate(input) {
    const declared = input.spec.breakGlassIdentities ?? [];
    if (declared.length === 0) return pass('NoBreakGlassDeclared', 'No break-glass identities declared');
    const read = feedUnreadable(input);
    if (!Array.isArray(read)) return read;
    const uses = judgeChanges(read, input.spec).filter((j) => j.breakGlass !== undefined);
    const open = uses.filter((j) => !j.acknowledged);
    if (open.length > 0) {
      return fail(
        'BreakGlassUsed',
        `Break-glass ${plural(open.length, 'use')} not reviewed: ${listSome(
          open.map((j) => `${j.breakGlass} ${j.record.kind === 'sign-in' ? 'signed in' : `called ${j.record.action}`} at ${j.record.time}`),
          3,
          '; ',
        )}`,
        open.map((j) => ({ resource: j.record.actor, message: `Break-glass use by ${j.breakGlass}: ${describe(j.record)}` })),
      );
    }
    if (uses.length > 0) {
      return pass('BreakGlassUseReviewed', `${plural(uses.length, 'break-glass use')}, each acknowledged with a review`);
    }
    return pass('NoBreakGlassUse', `No use of the ${plural(declared.length, 'break-glass identity', 'break-glass identities')} in the audit trail read so far`);
  },
};

/** The ChangesTracked controls, in catalog order (family ChangesTracked). */
export const CHANGE_CONTROLS: readonly Control[] = [breakGlassUsed, networkChangesTracked];

// ---------------------------------------------------------------------------------------
// Break-glass uses, for the reconciler's Events and counter.

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
  return judgeChanges(records, spec)
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
      message: truncate(`Break-glass identity ${j.breakGlass} used: ${describe(j.record)}`, 1000),
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
): { changes: ChangeEntry[]; changesOmitted: number } {
  const judged = judgeChanges(records, spec);
  const open = judged.filter((j) => !j.tracked && !j.acknowledged);
  const closed = judged.filter((j) => j.tracked || j.acknowledged);
  const kept = [...open, ...closed].slice(0, limit).sort(newestFirst);
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
