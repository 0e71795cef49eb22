// What can be observed of the provider's own access to an account ("control over the
// landlord"): plain data the collectors fill and the ProviderAccessControlled controls
// judge. Azure has Customer Lockbox (a Microsoft engineer's access to customer data
// waits for the customer's approval); AWS has none, so only the AWS Support role's last
// use is read here (and calls by AWS-internal principals come with the audit trail's
// change records, kind 'provider-access').

import type { LastUse } from './last-use.js';

/** Look-back window for Lockbox requests and their approvals: the Activity Log keeps 90 days. */
export const LOCKBOX_LOOKBACK_DAYS = 90;
/** Lockbox requests kept per read (newest first); more are counted in lockboxRequestsOmitted. */
export const LOCKBOX_REQUESTS_MAX = 200;

/** One Customer Lockbox request (Azure): a Microsoft engineer asked to reach customer data. */
export interface LockboxRequest {
  /** properties.requestId. */
  id: string;
  /** properties.status as the API returns it: Initializing, Pending, Approving, Denying, Approved, Denied, Expired, Revoking, Revoked, Error, Unknown, Completed, Completing. */
  status: string;
  /** properties.createdDateTime (ISO 8601). */
  createdAt: string;
  /** properties.expirationDateTime, when set. */
  expiresAt?: string;
  /** What the engineer asked to reach: properties.resourceIds[0], else properties.resourceType. */
  resource?: string;
  /** properties.supportCaseUrl / supportRequest, to tie the request to a support case. */
  supportCase?: string;
  /**
   * Who answered (approved or denied) it: the caller (UPN, else object id) of the
   * Activity Log's UpdateApproval event for this request; absent when the log holds none.
   */
  answeredBy?: string;
  /** The caller's object id (the Activity Log's objectidentifier claim), when known. */
  answeredByObjectId?: string;
  /** When it was answered (the UpdateApproval event's time). */
  answeredAt?: string;
}

/** The AWS Support service-linked role (AWSServiceRoleForSupport) and its last recorded use. */
export interface SupportRoleUse {
  arn: string;
  lastUse: LastUse;
}

export interface ProviderAccessFacts {
  /** Azure: Customer Lockbox is opted in for the tenant (tenantOptedIn). Absent for AWS. */
  lockboxOptedIn?: boolean;
  /** Azure: Lockbox requests of the subscription created in the look-back window, newest first, bounded. */
  lockboxRequests?: LockboxRequest[];
  /** Requests beyond LOCKBOX_REQUESTS_MAX, counted but not kept. */
  lockboxRequestsOmitted?: number;
  /** AWS: the AWS Support role, or null when the account has none. Absent for Azure. */
  supportRole?: SupportRoleUse | null;
}
