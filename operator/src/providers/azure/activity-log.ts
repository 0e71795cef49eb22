// ChangesTracked for Azure: network and firewall changes (and every call by a declared
// break-glass identity) from the subscription's Activity Log, through Resource
// Manager's `eventtypes/management/values` list (@azure/arm-monitor activityLogs.list).
//
// The list allows a time window plus one of a few narrow filters, nothing else: one
// query with `resourceProvider eq 'Microsoft.Network'` finds the network changes; when
// break-glass identities are declared, a second query over the whole subscription finds
// their calls (filtered here by caller). A write shows up as several events (Started,
// Accepted, Succeeded or Failed, one operationId): only the final one is a record.
// Break-glass sign-ins come from Entra ID's sign-in log (end of this file).

import type { MonitorClient } from '@azure/arm-monitor';

import { identityNamedBy, type ChangeRecord } from '../../inventory/changes.js';
import type { ChangeReadResult } from '../types.js';
import { classifyAzureError } from './errors.js';
import type { GraphReader } from './graph.js';

/** Resource types whose write / delete changes the virtual network or its firewall rules. */
const NETWORK_CHANGE_OPERATION =
  /^microsoft\.network\/(networksecuritygroups(\/securityrules)?|virtualnetworks(\/subnets|\/virtualnetworkpeerings)?|routetables(\/routes)?|azurefirewalls|firewallpolicies(\/rulecollectiongroups)?|publicipaddresses|natgateways|virtualnetworkgateways|vpngateways|expressroutecircuits|applicationgateways|applicationgatewaywebapplicationfirewallpolicies|privateendpoints|networkwatchers\/flowlogs)\/(write|delete)$/i;

/** The fields of an Activity Log event (EventData) that make a change record. */
export interface ActivityLogEvent {
  eventDataId?: string;
  operationId?: string;
  eventTimestamp?: Date | string;
  caller?: string;
  operationName?: { value?: string };
  resourceProviderName?: { value?: string };
  resourceId?: string;
  /** The caller's permission check; its scope names the resource when `resourceId` is left out (GetActivityLogsFiltered.json). */
  authorization?: { action?: string; scope?: string };
  status?: { value?: string };
  subStatus?: { value?: string };
  /** The caller's token claims; the object id claim names a break-glass identity declared by object id. */
  claims?: Record<string, string>;
}

/** The Entra ID object id claim of an Activity Log event's caller. */
export const OBJECT_ID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';

export function isNetworkChangeOperation(operation: string): boolean {
  return NETWORK_CHANGE_OPERATION.test(operation);
}

export function isoSeconds(at: Date | string | undefined): string | undefined {
  if (at === undefined) return undefined;
  const ms = at instanceof Date ? at.getTime() : Date.parse(at);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * One Activity Log event as a ChangeRecord, or undefined when it is an intermediate
 * state (Started, Accepted), or neither a network change nor a call by a watched identity.
 */
export function changeRecordFromActivityEvent(event: ActivityLogEvent, watchedIdentities: readonly string[] = []): ChangeRecord | undefined {
  const status = event.status?.value ?? '';
  if (status !== 'Succeeded' && status !== 'Failed') return undefined;
  const id = event.eventDataId;
  const time = isoSeconds(event.eventTimestamp);
  const action = event.operationName?.value;
  if (!id || !time || !action) return undefined;
  const caller = event.caller ?? 'unknown';
  const kind = isNetworkChangeOperation(action) ? 'network-change' : 'activity';
  const record: ChangeRecord = {
    id,
    time,
    actor: caller,
    userName: caller,
    action,
    resource: event.resourceId || event.authorization?.scope || '',
    region: '', // the Activity Log does not carry the resource's location
    kind,
  };
  const objectId = event.claims?.[OBJECT_ID_CLAIM];
  if (objectId) record.principal = objectId;
  const provider = event.resourceProviderName?.value;
  if (provider) record.source = provider;
  if (status === 'Failed') record.errorCode = event.subStatus?.value || 'Failed';
  if (kind === 'network-change') return record;
  return identityNamedBy(record, watchedIdentities) !== undefined ? record : undefined;
}

export interface ReadActivityLogOptions {
  monitor: Pick<MonitorClient, 'activityLogs'>;
  subscriptionId: string;
  /** Watermark (status.changeLog.readUntil, else now - spec.changeManagement.lookback). */
  since: Date;
  now: Date;
  /** Declared break-glass identities (UPNs or object / application ids). */
  watchedIdentities?: readonly string[];
  /** Events land minutes after they happen: a complete pass re-reads this much next time. Default 15 minutes. */
  overlapMs?: number;
  /** Pages per query (default 50, 200 events each in Azure). */
  maxPages?: number;
  /** Redacted from error messages. */
  secrets?: readonly string[];
  signal?: AbortSignal;
}

/**
 * Every event of one Activity Log query (`$filter`: a time window and at most one narrow
 * filter), page by page up to `maxPages`; `complete: false` once the bound is reached
 * (more pages may remain). Rejects on a service error. Also used for Customer Lockbox
 * approvals (lockbox.ts).
 */
export async function forEachActivityEvent(
  monitor: Pick<MonitorClient, 'activityLogs'>,
  filter: string,
  options: { maxPages: number; signal?: AbortSignal },
  onEvent: (event: ActivityLogEvent) => void,
): Promise<{ pages: number; complete: boolean }> {
  let pages = 0;
  for await (const page of monitor.activityLogs.list(filter, { abortSignal: options.signal }).byPage()) {
    pages++;
    for (const event of page) onEvent(event);
    if (pages >= options.maxPages) return { pages, complete: false };
  }
  return { pages, complete: true };
}

/** Reads the window [since, now]. Never rejects for service errors: they come back as a failure. */
export async function readActivityLogChanges(options: ReadActivityLogOptions): Promise<ChangeReadResult> {
  const { monitor, subscriptionId, now, signal } = options;
  const from = new Date(Math.min(options.since.getTime(), now.getTime()));
  const overlapMs = options.overlapMs ?? 15 * 60_000;
  const maxPages = Math.max(1, options.maxPages ?? 50);
  const watched = options.watchedIdentities ?? [];
  const source = `azure-activity-log:/subscriptions/${subscriptionId}`;
  const window = `eventTimestamp ge '${from.toISOString()}' and eventTimestamp le '${now.toISOString()}'`;
  const queries = [`${window} and resourceProvider eq 'Microsoft.Network'`];
  if (watched.length > 0) queries.push(window);
  try {
    const byId = new Map<string, ChangeRecord>();
    let pages = 0;
    let complete = true;
    for (const filter of queries) {
      const read = await forEachActivityEvent(monitor, filter, { maxPages, ...(signal ? { signal } : {}) }, (event) => {
        const record = changeRecordFromActivityEvent(event, watched);
        if (record) byId.set(record.id, record);
      });
      pages += read.pages;
      complete &&= read.complete;
    }
    const records = [...byId.values()].sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
    const readUntil = new Date(Math.max(from.getTime(), now.getTime() - overlapMs)).toISOString();
    return { ok: true, records, readUntil, filesRead: pages, complete, source };
  } catch (err) {
    if (signal?.aborted) throw err;
    const c = classifyAzureError(err, options.secrets ?? []);
    const reason = c.reason === 'CollectionError' ? 'ChangeLogUnreadable' : c.reason;
    return { ok: false, failure: { reason, message: `reading the Activity Log of subscription ${subscriptionId}: ${c.code}: ${c.message}` } };
  }
}

// ---------------------------------------------------------------------------------------
// Break-glass sign-ins: the Activity Log records API calls, not sign-ins. Those are in
// Entra ID's sign-in logs (Graph /auditLogs/signIns, AuditLog.Read.All, Entra ID P1/P2),
// read for each declared break-glass identity that names a user (UPN or object id).

/** The fields of a Graph signIn that make a change record. */
export interface SignInEvent {
  id?: string;
  createdDateTime?: string;
  userPrincipalName?: string;
  userId?: string;
  appDisplayName?: string;
  status?: { errorCode?: number; failureReason?: string };
}

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The Graph $filter for one identity's sign-ins since `since`; undefined when the entry names no user. */
export function signInFilter(identity: string, since: Date): string | undefined {
  const entry = identity.trim();
  const from = `createdDateTime ge ${since.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
  if (OBJECT_ID.test(entry)) return `${from} and userId eq '${entry}'`;
  if (/^[^@\s']+@[^@\s']+$/.test(entry)) return `${from} and userPrincipalName eq '${entry}'`;
  return undefined;
}

export function changeRecordFromSignIn(signIn: SignInEvent): ChangeRecord | undefined {
  const time = isoSeconds(signIn.createdDateTime);
  const actor = signIn.userPrincipalName ?? signIn.userId;
  if (!signIn.id || !time || !actor) return undefined;
  const record: ChangeRecord = {
    id: signIn.id,
    time,
    actor,
    userName: actor,
    action: 'SignIn',
    source: 'login.microsoftonline.com',
    resource: signIn.appDisplayName ?? 'Microsoft Entra ID',
    region: '',
    kind: 'sign-in',
  };
  // The sign-in was asked for by object id when the identity is declared so (signInFilter).
  if (signIn.userId) record.principal = signIn.userId;
  const code = signIn.status?.errorCode ?? 0;
  if (code !== 0) record.errorCode = `SignInError${code}`;
  return record;
}

/** The sign-ins matching each filter (one paced report query each) up to `now`. Rejects on a Graph error. */
export async function readSignIns(graph: Pick<GraphReader, 'list'>, filters: readonly string[], now: Date): Promise<ChangeRecord[]> {
  const records: ChangeRecord[] = [];
  for (const filter of filters) {
    const signIns = await graph.list<SignInEvent>(`/auditLogs/signIns?$filter=${encodeURIComponent(filter)}`, 'Graph:signIns', { report: true });
    for (const signIn of signIns) {
      const record = changeRecordFromSignIn(signIn);
      if (record && Date.parse(record.time) <= now.getTime()) records.push(record);
    }
  }
  return records;
}
