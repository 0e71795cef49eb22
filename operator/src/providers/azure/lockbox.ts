// Customer Lockbox for Microsoft Azure (the providerAccess area): whether the tenant is
// opted in, the subscription's Lockbox requests of the look-back window, and who answered
// each one. Read-only; it never decides whether the provider's access is controlled
// (controls/provider-access/ does).
//
// Calls (Customer Lockbox Resource Manager API 2018-02-28-preview, no SDK client in
// package.json, so through the Graph reader with apiPath ''; every attempt counted and
// every answer's digest kept by the reader's callbacks):
//   GET /providers/Microsoft.CustomerLockbox/tenantOptedIn/{tenantId}  -> { isOptedIn }
//   GET /subscriptions/{id}/providers/Microsoft.CustomerLockbox/requests
//       ?$filter=properties/createdDateTime gt <now - LOCKBOX_LOOKBACK_DAYS>  (nextLink,
//       at most LOCKBOX_REQUEST_PAGES_MAX pages)
// and, only when the window holds requests, the Activity Log (activity-log.ts, the same
// list and paging as ChangesTracked) with resourceProvider eq 'Microsoft.CustomerLockbox'
// over the same window, at most LOCKBOX_EVENT_PAGES_MAX pages: the Succeeded
// `requests/UpdateApproval/action` event of a request names who answered it.
//
// Every failure is a providerAccess gap with a reason (errors.ts), never a false fact:
// a refused or failed opt-in read leaves lockboxOptedIn absent; a failed request list or
// approval read leaves lockboxRequests absent (a request without its answerer would read
// as "nobody answered"). A provider that is not registered (404) is NotSupported, not
// "opted out".

import type { MonitorClient } from '@azure/arm-monitor';

import { LOCKBOX_LOOKBACK_DAYS, LOCKBOX_REQUESTS_MAX, type LockboxRequest, type ProviderAccessFacts } from '../../inventory/provider-access.js';
import type { CollectionGap } from '../../inventory/types.js';
import { GapLog } from '../collection-log.js';
import { OBJECT_ID_CLAIM, forEachActivityEvent, isoSeconds, type ActivityLogEvent } from './activity-log.js';
import { azureGapReason, type ClassifiedAzureError } from './errors.js';
import type { GraphReader } from './graph.js';

export const LOCKBOX_API_VERSION = '2018-02-28-preview';
export const LOCKBOX_PROVIDER = 'Microsoft.CustomerLockbox';
/** Pages of Lockbox requests read per collection; more is a ListingBounded gap (the facts keep what was read). */
export const LOCKBOX_REQUEST_PAGES_MAX = 20;
/** Activity Log pages (Azure: 200 events each) read for the approvals; more is a ListingBounded gap. */
export const LOCKBOX_EVENT_PAGES_MAX = 20;
/** The Activity Log operation of an approval or denial by the customer (Requests_UpdateStatus). */
export const UPDATE_APPROVAL_OPERATION = 'Microsoft.CustomerLockbox/requests/UpdateApproval/action';

const OP_OPTED_IN = 'ARM:lockbox.tenantOptedIn';
const OP_REQUESTS = 'ARM:lockbox.requests';
const DAY_MS = 86_400_000;
/** Error codes of a resource provider the subscription is not registered for. */
const NOT_REGISTERED_CODES = new Set(['MissingSubscriptionRegistration', 'SubscriptionNotRegistered', 'NoRegisteredProviderFound']);

/** One item of the requests list (LockboxRequestResponse, 2018-02-28-preview). */
export interface LockboxRequestResponse {
  id?: string;
  name?: string;
  type?: string;
  properties?: {
    requestId?: string;
    justification?: string;
    status?: string;
    createdDateTime?: string;
    expirationDateTime?: string;
    duration?: string | number;
    /** The reference's schema: a string of ids separated by ','; the service answers an array. */
    resourceIds?: string[] | string;
    /** The reference's list example names the array this way. */
    requestedResourceIds?: string[];
    resourceType?: string;
    supportRequest?: string;
    supportCaseUrl?: string;
    workitemsource?: string;
    subscriptionId?: string;
    accessLevel?: string;
  };
}

export interface LockboxReaders {
  /** Resource Manager through the Graph reader (apiPath ''). */
  arm: Pick<GraphReader, 'object' | 'pages'>;
  monitor: Pick<MonitorClient, 'activityLogs'>;
  tenantId: string;
  subscriptionId: string;
  now: Date;
  signal: AbortSignal;
  classify: (err: unknown) => ClassifiedAzureError;
  maxRequestPages?: number;
  maxEventPages?: number;
  maxRequests?: number;
}

export interface LockboxRead {
  facts: ProviderAccessFacts;
  gaps: CollectionGap[];
}

/** Who answered a request, from its UpdateApproval event. */
export interface LockboxAnswer {
  requestId: string;
  by: string;
  objectId?: string;
  at: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The first requested resource id: an array, or the reference's comma-separated string. */
function firstResource(p: NonNullable<LockboxRequestResponse['properties']>): string | undefined {
  const ids = p.resourceIds ?? p.requestedResourceIds;
  const list = Array.isArray(ids) ? ids : typeof ids === 'string' ? ids.split(',') : [];
  return list.map(str).find((x) => x !== undefined);
}

/** One list item as a LockboxRequest; undefined without a request id, status or readable creation time. */
export function lockboxRequestOf(item: LockboxRequestResponse | null | undefined): LockboxRequest | undefined {
  const p = item?.properties;
  if (!p || typeof p !== 'object') return undefined;
  const id = str(p.requestId) ?? str(item?.id)?.split('/').pop();
  const status = str(p.status);
  const createdAt = isoSeconds(str(p.createdDateTime));
  if (!id || !status || !createdAt) return undefined;
  const expiresAt = isoSeconds(str(p.expirationDateTime));
  const resource = firstResource(p) ?? str(p.resourceType);
  const supportCase = str(p.supportCaseUrl) ?? str(p.supportRequest);
  return { id, status, createdAt, ...(expiresAt ? { expiresAt } : {}), ...(resource ? { resource } : {}), ...(supportCase ? { supportCase } : {}) };
}

/** The answer an Activity Log event records: a Succeeded UpdateApproval on `.../requests/<id>`. */
export function lockboxAnswerOf(event: ActivityLogEvent): LockboxAnswer | undefined {
  if ((event.operationName?.value ?? '').toLowerCase() !== UPDATE_APPROVAL_OPERATION.toLowerCase()) return undefined;
  if (event.status?.value !== 'Succeeded') return undefined;
  const requestId = /\/requests\/([^/]+)\/*$/i.exec(event.resourceId || event.authorization?.scope || '')?.[1];
  const at = isoSeconds(event.eventTimestamp);
  const objectId = str(event.claims?.[OBJECT_ID_CLAIM]);
  const by = str(event.caller) ?? objectId;
  if (!requestId || !at || !by) return undefined;
  return { requestId, by, ...(objectId ? { objectId } : {}), at };
}

/** Newest first (then by id), at most `max`; the rest counted. */
export function newestRequests(requests: readonly LockboxRequest[], max = LOCKBOX_REQUESTS_MAX): { kept: LockboxRequest[]; omitted: number } {
  const sorted = [...requests].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
  return { kept: sorted.slice(0, max), omitted: Math.max(0, sorted.length - max) };
}

/** Each request with who answered it (the latest Succeeded UpdateApproval event of its id). */
export function withAnswers(requests: readonly LockboxRequest[], answers: readonly LockboxAnswer[]): LockboxRequest[] {
  const latest = new Map<string, LockboxAnswer>();
  for (const a of answers) {
    const key = a.requestId.toLowerCase();
    const seen = latest.get(key);
    if (!seen || seen.at < a.at) latest.set(key, a);
  }
  return requests.map((r) => {
    const a = latest.get(r.id.toLowerCase());
    return a ? { ...r, answeredBy: a.by, ...(a.objectId ? { answeredByObjectId: a.objectId } : {}), answeredAt: a.at } : r;
  });
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: ClassifiedAzureError };

/** Opt-in, requests and their answers. Never rejects but for an abort. */
export async function readLockbox(r: LockboxReaders): Promise<LockboxRead> {
  const gaps = new GapLog();
  const since = new Date(r.now.getTime() - LOCKBOX_LOOKBACK_DAYS * DAY_MS);
  const attempt = async <T>(fn: () => Promise<T>): Promise<Outcome<T>> => {
    try {
      return { ok: true, value: await fn() };
    } catch (err) {
      if (r.signal.aborted) throw r.signal.reason ?? err;
      return { ok: false, error: r.classify(err) };
    }
  };
  const gap = (context: string, error: ClassifiedAzureError, needs: string, consequence: string): void => {
    if (error.reason === 'NotFound' || NOT_REGISTERED_CODES.has(error.code)) {
      gaps.add('providerAccess', 'NotSupported', `${context}: ${error.code}: the resource provider ${LOCKBOX_PROVIDER} is not registered or not offered here; ${consequence}`);
      return;
    }
    const hint = error.reason === 'AccessDenied' ? ` (needs ${needs})` : '';
    gaps.add('providerAccess', azureGapReason(error.reason), `${context}: ${error.code}${hint}; ${consequence}`);
  };

  const [optedIn, listed] = await Promise.all([attempt(() => readOptedIn(r)), attempt(() => listRequests(r, since))]);
  const facts: ProviderAccessFacts = {};
  if (optedIn.ok && typeof optedIn.value.isOptedIn === 'boolean') facts.lockboxOptedIn = optedIn.value.isOptedIn;
  else if (optedIn.ok) gaps.add('providerAccess', 'CollectionError', `${OP_OPTED_IN}: the answer carries no boolean isOptedIn; whether Lockbox is on is unknown`);
  else gap(OP_OPTED_IN, optedIn.error, `a tenant-level read of ${LOCKBOX_PROVIDER}/tenantOptedIn`, 'whether Lockbox is on is unknown');

  if (!listed.ok) {
    gap(OP_REQUESTS, listed.error, `${LOCKBOX_PROVIDER}/requests/read on the subscription`, 'the Lockbox requests are unknown');
    return { facts, gaps: gaps.list() };
  }
  const items = Array.isArray(listed.value.items) ? listed.value.items : [];
  const parsed = items.map((item) => lockboxRequestOf(item));
  const requests = parsed.filter((x): x is LockboxRequest => x !== undefined && Date.parse(x.createdAt) > since.getTime());
  const unreadable = parsed.filter((x) => x === undefined).length;
  if (unreadable > 0) gaps.add('providerAccess', 'CollectionError', `${OP_REQUESTS}: ${unreadable} request(s) without requestId, status or createdDateTime were left out`);
  const maxPages = r.maxRequestPages ?? LOCKBOX_REQUEST_PAGES_MAX;
  if (!listed.value.complete) gaps.add('providerAccess', 'ListingBounded', `${OP_REQUESTS}: more than ${maxPages} pages of Lockbox requests; only the first ${items.length} requests were read`);

  let answered = requests;
  if (requests.length > 0) {
    const answers = await attempt(() => readAnswers(r, since));
    if (!answers.ok) {
      gap('ARM:activityLogs.list', answers.error, 'Microsoft.Insights/eventtypes/values/read on the subscription', 'who answered the Lockbox requests is unknown, so they are not reported');
      return { facts, gaps: gaps.list() };
    }
    if (!answers.value.complete) {
      const pages = r.maxEventPages ?? LOCKBOX_EVENT_PAGES_MAX;
      gaps.add('providerAccess', 'ListingBounded', `ARM:activityLogs.list: more than ${pages} pages of ${LOCKBOX_PROVIDER} events; answers in older pages are missing`);
    }
    answered = withAnswers(requests, answers.value.answers);
  }
  const { kept, omitted } = newestRequests(answered, r.maxRequests ?? LOCKBOX_REQUESTS_MAX);
  facts.lockboxRequests = kept;
  facts.lockboxRequestsOmitted = omitted;
  return { facts, gaps: gaps.list() };
}

function readOptedIn(r: LockboxReaders): Promise<{ isOptedIn?: unknown }> {
  return r.arm.object<{ isOptedIn?: unknown }>(`/providers/${LOCKBOX_PROVIDER}/tenantOptedIn/${encodeURIComponent(r.tenantId)}?api-version=${LOCKBOX_API_VERSION}`, OP_OPTED_IN);
}

/**
 * The requests created after `since`. The reference documents a $filter on status only;
 * a service that refuses the time filter (400) is asked without it, and the window is
 * applied here either way.
 */
async function listRequests(r: LockboxReaders, since: Date): Promise<{ items: LockboxRequestResponse[]; complete: boolean }> {
  const base = `/subscriptions/${encodeURIComponent(r.subscriptionId)}/providers/${LOCKBOX_PROVIDER}/requests?api-version=${LOCKBOX_API_VERSION}`;
  const options = { maxPages: r.maxRequestPages ?? LOCKBOX_REQUEST_PAGES_MAX };
  try {
    return await r.arm.pages<LockboxRequestResponse>(`${base}&$filter=${encodeURIComponent(`properties/createdDateTime gt ${since.toISOString()}`)}`, OP_REQUESTS, options);
  } catch (err) {
    if (r.signal.aborted || r.classify(err).status !== 400) throw err;
    return r.arm.pages<LockboxRequestResponse>(base, OP_REQUESTS, options);
  }
}

/** The UpdateApproval answers in the Activity Log of the window. Rejects on a service error. */
async function readAnswers(r: LockboxReaders, since: Date): Promise<{ answers: LockboxAnswer[]; complete: boolean }> {
  const filter = `eventTimestamp ge '${since.toISOString()}' and eventTimestamp le '${r.now.toISOString()}' and resourceProvider eq '${LOCKBOX_PROVIDER}'`;
  const answers: LockboxAnswer[] = [];
  const read = await forEachActivityEvent(r.monitor, filter, { maxPages: r.maxEventPages ?? LOCKBOX_EVENT_PAGES_MAX, signal: r.signal }, (event) => {
    const answer = lockboxAnswerOf(event);
    if (answer) answers.push(answer);
  });
  return { answers, complete: read.complete };
}
