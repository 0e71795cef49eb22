// Customer Lockbox fixtures for the local Resource Manager: requests in the documented
// LockboxRequestResponse shape (Customer Lockbox API 2018-02-28-preview) and the Activity
// Log events of a customer's answer (Requests_UpdateStatus: operation
// Microsoft.CustomerLockbox/requests/UpdateApproval/action).

import { activityEvents, uuidFor, type AzureFixture, type Json, type LockboxFixture } from './fixture.js';

export const UPDATE_APPROVAL = 'Microsoft.CustomerLockbox/requests/UpdateApproval/action';
const DAY = 86_400_000;

export interface LockboxRequestOptions {
  status: string;
  createdAt: Date;
  /** Default: a seed-derived UUID. */
  requestId?: string;
  /** Default: a virtual machine of rg-app. */
  resourceIds?: string[];
  resourceType?: string;
  supportRequest?: string;
  /** Hours the access lasts (default 8). */
  durationHours?: number;
}

export function lockboxRequestId(seed: string): string {
  return uuidFor(`lockbox:${seed}`);
}

/** One request as the requests list returns it. */
export function lockboxRequest(subscriptionId: string, o: LockboxRequestOptions): Json {
  const requestId = o.requestId ?? lockboxRequestId(`${o.status}:${o.createdAt.toISOString()}`);
  const supportRequest = o.supportRequest ?? '2610120010000123';
  return {
    id: `/subscriptions/${subscriptionId}/providers/Microsoft.CustomerLockbox/requests/${requestId}`,
    name: `LockboxRequest_${requestId}`,
    type: 'requests',
    properties: {
      requestId,
      justification: 'Microsoft Support Team is requesting access to your resource temporarily for troubleshooting.',
      status: o.status,
      createdDateTime: o.createdAt.toISOString(),
      expirationDateTime: new Date(o.createdAt.getTime() + 4 * DAY).toISOString(),
      duration: String(o.durationHours ?? 8),
      resourceIds: o.resourceIds ?? [`/subscriptions/${subscriptionId}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-app`],
      resourceType: o.resourceType ?? 'Virtual Machine',
      supportRequest,
      supportCaseUrl: `https://portal.azure.com/#resource/subscriptions/${subscriptionId}/providers/microsoft.support/supporttickets/${supportRequest}`,
      workitemsource: 'SupportTicket',
      subscriptionId,
      accessLevel: 'Read',
    },
  };
}

/**
 * The Activity Log events of a customer's answer to a request (Started, then Succeeded),
 * by a user of the tenant: `caller` its UPN, the objectidentifier claim its object id.
 */
export function lockboxAnswerEvents(subscriptionId: string, requestId: string, approver: { userPrincipalName: string; id: string }, at: Date): Json[] {
  return activityEvents(subscriptionId, {
    operation: UPDATE_APPROVAL,
    resourceId: `/subscriptions/${subscriptionId}/providers/Microsoft.CustomerLockbox/requests/${requestId}`,
    caller: approver.userPrincipalName,
    at,
  }).map((e) => ({ ...e, claims: { ...(e.claims as Json), 'http://schemas.microsoft.com/identity/claims/objectidentifier': approver.id } }));
}

export interface StandardLockbox {
  approvedId: string;
  expiredId: string;
  pendingId: string;
  /** Older than the 90-day look-back: must not be reported. */
  oldId: string;
}

/**
 * `f` with Lockbox: opted in (or not), four requests of the subscription, newest first:
 * one Pending (a day old), one Expired without any answer (10 days), one Approved by
 * `approver` (20 days, answered 30 minutes after it was made) and one Approved 120 days
 * ago (outside the look-back window). Its UpdateApproval events join `f.activityLog`.
 */
export function withLockbox(f: AzureFixture, o: { optedIn: boolean; approver: Json; now?: Date }): { fixture: AzureFixture; ids: StandardLockbox } {
  const now = o.now ?? new Date();
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const sub = f.subscriptionId;
  const ids: StandardLockbox = {
    approvedId: lockboxRequestId(`${sub}:approved`),
    expiredId: lockboxRequestId(`${sub}:expired`),
    pendingId: lockboxRequestId(`${sub}:pending`),
    oldId: lockboxRequestId(`${sub}:old`),
  };
  const approver = { userPrincipalName: String(o.approver.userPrincipalName), id: String(o.approver.id) };
  const lockbox: LockboxFixture = {
    optedIn: o.optedIn,
    requests: [
      lockboxRequest(sub, { requestId: ids.pendingId, status: 'Pending', createdAt: ago(1) }),
      lockboxRequest(sub, { requestId: ids.expiredId, status: 'Expired', createdAt: ago(10), resourceType: 'Storage Account', resourceIds: [`/subscriptions/${sub}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/appdata`] }),
      lockboxRequest(sub, { requestId: ids.approvedId, status: 'Approved', createdAt: ago(20) }),
      lockboxRequest(sub, { requestId: ids.oldId, status: 'Approved', createdAt: ago(120) }),
    ],
  };
  const answered = new Date(ago(20).getTime() + 30 * 60_000);
  return {
    fixture: { ...f, lockbox, activityLog: [...f.activityLog, ...lockboxAnswerEvents(sub, ids.approvedId, approver, answered)] },
    ids,
  };
}
