// ChangesTracked (checklist step 10, and the break-glass part of step 8): the verdict on
// each audit-trail record. A change made by a principal the spec declares as the GitOps /
// IaC deployer is tracked by construction (the pipeline applies reviewed code); any other
// change is out-of-band until it is acknowledged in
// spec.changeManagement.acknowledgements with the change record (ticket / PR). A call by
// a declared break-glass identity (a console sign-in or any API call) is never tracked:
// it needs a review, acknowledged the same way (the "emergency access accounts" trap).
//
// The records come from the audit trail (AWS: CloudTrail's delivered log files,
// providers/aws/cloudtrail-changes.ts; Azure: the subscription's Activity Log,
// providers/azure/activity-log.ts), merged with the ones kept in status.changes
// (controller/change-records.ts). Pure: no I/O, no clock.

import type { CloudServiceSpec } from '../../api/types.js';
import { arnPatternMatches, identityNamedBy, type ChangeRecord } from '../../inventory/changes.js';
import type { ControlInput, ControlOutcome } from '../types.js';
import { perInput } from '../memo.js';
import { unknown } from '../outcome.js';
import { compareText, truncate } from '../text.js';

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

/**
 * True for records the ledger keeps: succeeded network changes, every break-glass call,
 * and calls by the provider's own staff (shown for ProviderAccessControlled, never
 * out-of-band changes).
 */
function relevant(j: JudgedChange): boolean {
  return j.breakGlass !== undefined || j.record.kind === 'provider-access' || (j.record.kind === 'network-change' && j.record.errorCode === undefined);
}

/** A call by the provider's own staff: shown in the ledger, never judged as a change. */
export function isProviderAccess(j: JudgedChange): boolean {
  return j.record.kind === 'provider-access' && j.breakGlass === undefined;
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

/** Newest first, then by id: the order of every list of judged changes. */
export function newestFirst(a: JudgedChange, b: JudgedChange): number {
  return compareText(b.record.time, a.record.time) || compareText(a.record.id, b.record.id);
}

/** Records by id (a later copy of the same id wins), in input order. */
export function dedupe(records: readonly ChangeRecord[]): ChangeRecord[] {
  const byId = new Map<string, ChangeRecord>();
  for (const r of records) byId.set(r.id, r);
  return [...byId.values()];
}

/** One record in words, for findings and Events. */
export function describeRecord(r: ChangeRecord): string {
  const what = r.kind === 'sign-in' ? 'console sign-in' : `${r.action}${r.resource ? ` on ${r.resource}` : ''}`;
  const failed = r.errorCode ? ` (refused: ${r.errorCode})` : '';
  return `${what}${r.region ? ` in ${r.region}` : ''} by ${r.actor} at ${r.time}${failed} (change ${r.id})`;
}

export type ChangesRead = { ok: true; judged: JudgedChange[] } | { ok: false; outcome: ControlOutcome };

/**
 * input.changes judged against input.spec, once per input (both ChangesTracked controls
 * read it), or the Unknown outcome when the audit trail was not read or could not be.
 */
export const readChanges: (input: ControlInput) => ChangesRead = perInput('judgedChanges', (input) => {
  const feed = input.changes;
  if (feed === undefined) {
    return { ok: false, outcome: unknown('ChangeLogNotRead', 'The audit trail of network changes has not been read') };
  }
  if (!Array.isArray(feed)) {
    return {
      ok: false,
      outcome: unknown(feed.failure.reason, `The audit trail of network changes could not be read: ${truncate(feed.failure.message, MESSAGE_DETAIL_MAX)}`),
    };
  }
  return { ok: true, judged: judgeChanges(feed, input.spec) };
});

/** The judged changes of one input (see readChanges); undefined when the audit trail was not read. */
export function judgedChangesOf(input: ControlInput): JudgedChange[] | undefined {
  const read = readChanges(input);
  return read.ok ? read.judged : undefined;
}
