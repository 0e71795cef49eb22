// ProviderAccessControlled (checklist step 9, "control over the landlord"): the verdict on
// each Azure Customer Lockbox request, shared by the requests control, status and Events.
//
// A request is in order when a declared approver (spec.providerAccess.lockboxApprovers,
// UPN or object id, compared without letter case) answered it. A finding:
//   - Expired: nobody answered within its window, so the engineer's need went unheard;
//   - granted (Approved, Approving, Completed, Completing, Revoking, Revoked) with no
//     UpdateApproval event in the Activity Log: auto-approved or approved out of sight;
//   - answered by anyone who is not a declared approver.
// Not a finding: Pending / Initializing (still waiting for an answer), and Denied without
// a recorded answer (nothing was reached: the Activity Log may simply not show a denial
// made elsewhere; a wrong finding is a defect too). Error / Unknown statuses are shown.
// A finding is cleared by an acknowledgement in spec.changeManagement.acknowledgements
// whose changeId is the request id, as break-glass uses are. Pure.

import type { CloudServiceSpec, LockboxRequestEntry, ProviderAccessStatus } from '../../api/types.js';
import type { LockboxRequest, ProviderAccessFacts } from '../../inventory/provider-access.js';
import { compareText, truncate } from '../text.js';

/** Bound of status.providerAccess.lockboxRequests (the CRD's maxItems). */
export const STATUS_LOCKBOX_REQUESTS_MAX = 50;

const GRANTED: ReadonlySet<string> = new Set(['approved', 'approving', 'completed', 'completing', 'revoking', 'revoked']);
const DENIED: ReadonlySet<string> = new Set(['denied', 'denying']);

export interface JudgedLockboxRequest {
  request: LockboxRequest;
  /** Why it is a finding, when it is one. */
  finding?: string;
  acknowledged: boolean;
}

function sameIdentity(declared: string, actual: string | undefined): boolean {
  return actual !== undefined && declared.trim().toLowerCase() === actual.trim().toLowerCase();
}

function isDeclaredApprover(request: LockboxRequest, approvers: readonly string[]): boolean {
  return approvers.some((a) => sameIdentity(a, request.answeredBy) || sameIdentity(a, request.answeredByObjectId));
}

function findingOf(request: LockboxRequest, approvers: readonly string[]): string | undefined {
  const status = request.status.toLowerCase();
  if (status === 'expired') return 'expired without an answer: nobody approved or denied it';
  const answered = request.answeredBy !== undefined || request.answeredByObjectId !== undefined;
  if (!answered) {
    return GRANTED.has(status) ? `${request.status} with no approval in the Activity Log: auto-approved or approved out of sight` : undefined;
  }
  if (!GRANTED.has(status) && !DENIED.has(status)) return undefined;
  if (isDeclaredApprover(request, approvers)) return undefined;
  const who = request.answeredBy ?? request.answeredByObjectId ?? 'someone';
  const verb = GRANTED.has(status) ? 'approved' : 'denied';
  return approvers.length === 0
    ? `${verb} by ${who}; no Lockbox approver is declared (spec.providerAccess.lockboxApprovers)`
    : `${verb} by ${who}, who is not a declared Lockbox approver`;
}

/** Newest first, then by id. */
function newestFirst(a: JudgedLockboxRequest, b: JudgedLockboxRequest): number {
  return compareText(b.request.createdAt, a.request.createdAt) || compareText(a.request.id, b.request.id);
}

/** Every request with its verdict, newest first. */
export function judgeLockboxRequests(requests: readonly LockboxRequest[], spec: CloudServiceSpec): JudgedLockboxRequest[] {
  const approvers = spec.providerAccess?.lockboxApprovers ?? [];
  const acks = new Set((spec.changeManagement?.acknowledgements ?? []).map((a) => a.changeId));
  return requests
    .map((request) => {
      const finding = findingOf(request, approvers);
      const j: JudgedLockboxRequest = { request, acknowledged: acks.has(request.id) };
      if (finding !== undefined) j.finding = finding;
      return j;
    })
    .sort(newestFirst);
}

/** An open finding: one Warning Event each, once. */
export interface LockboxAlert {
  id: string;
  message: string;
}

export function openFindings(judged: readonly JudgedLockboxRequest[]): JudgedLockboxRequest[] {
  return judged.filter((j) => j.finding !== undefined && !j.acknowledged);
}

export function describeLockboxRequest(r: LockboxRequest): string {
  const what = r.resource ? ` to ${r.resource}` : '';
  const support = r.supportCase ? ` (support case ${r.supportCase})` : '';
  return `Customer Lockbox request ${r.id}${what} created ${r.createdAt}${support}`;
}

/** status.providerAccess from what was read: findings first, bounded. */
export function providerAccessStatusOf(facts: ProviderAccessFacts, spec: CloudServiceSpec): ProviderAccessStatus {
  const status: ProviderAccessStatus = {};
  if (facts.lockboxOptedIn !== undefined) status.lockboxOptedIn = facts.lockboxOptedIn;
  if (facts.supportRole?.lastUse.at) status.supportRoleLastUsedAt = facts.supportRole.lastUse.at;
  if (facts.lockboxRequests) {
    const judged = judgeLockboxRequests(facts.lockboxRequests, spec);
    const withFinding = judged.filter((j) => j.finding !== undefined);
    const others = judged.filter((j) => j.finding === undefined);
    const kept = [...withFinding, ...others].slice(0, STATUS_LOCKBOX_REQUESTS_MAX).sort(newestFirst);
    status.lockboxRequests = kept.map(statusEntry);
    const omitted = judged.length - kept.length + (facts.lockboxRequestsOmitted ?? 0);
    if (omitted > 0) status.lockboxRequestsOmitted = omitted;
  }
  return status;
}

function statusEntry(j: JudgedLockboxRequest): LockboxRequestEntry {
  const r = j.request;
  const e: LockboxRequestEntry = { id: r.id, status: r.status, createdAt: r.createdAt };
  if (r.resource) e.resource = truncate(r.resource, 2048);
  if (r.answeredBy ?? r.answeredByObjectId) e.answeredBy = truncate((r.answeredBy ?? r.answeredByObjectId) as string, 256);
  if (r.answeredAt) e.answeredAt = r.answeredAt;
  if (j.finding !== undefined) e.finding = truncate(j.finding, 512);
  if (j.acknowledged) e.acknowledged = true;
  return e;
}

/**
 * Open findings not yet announced: a request whose entry in the status written over has
 * no finding (or no entry at all). One Event each, once, however often it is re-read.
 */
export function newLockboxAlerts(judged: readonly JudgedLockboxRequest[], previous: ProviderAccessStatus | undefined): LockboxAlert[] {
  const announced = new Set((previous?.lockboxRequests ?? []).filter((e) => e.finding !== undefined).map((e) => e.id));
  return openFindings(judged)
    .filter((j) => !announced.has(j.request.id))
    .map((j) => ({ id: j.request.id, message: truncate(`${describeLockboxRequest(j.request)}: ${j.finding}`, 1000) }));
}
