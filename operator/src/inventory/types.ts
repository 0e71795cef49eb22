// The provider-neutral inventory: plain data read from a live account.
// Collectors (providers/*) fill it; controls (controls/*) only read it.
// Every optional fact is `undefined` when it could not be read: a control then
// reports Unknown for it, never a finding.

import type { Provider } from '../api/types.js';
import type { LastUse } from './last-use.js';
import type { ProviderAccessFacts } from './provider-access.js';

export type { LastUse } from './last-use.js';

export interface AccessKey {
  /** Key id, masked (first 4 + last 4 chars) so status never holds a full key id. */
  id: string;
  active: boolean;
  createdAt: string;
  lastUsedAt?: string;
  /** What the provider records about the key's use; undefined: not recorded or not read. */
  lastUse?: LastUse;
}

export interface Identity {
  /** Stable id (ARN / object id): goes into status findings, never into metric labels. */
  id: string;
  name: string;
  kind: 'root' | 'user' | 'service-principal' | 'role';
  /** Has any MFA device / strong method registered. */
  mfaEnabled: boolean;
  /** Can write or delete (admin, write policies, privileged directory roles). */
  privileged: boolean;
  /** Can sign in interactively (console password / user account enabled). */
  interactive: boolean;
  accessKeys: AccessKey[];
  /**
   * How `privileged` was decided, for the evidence trail (AWS: the policy and action,
   * guardrails evaluated, and the version of the action-level data used).
   */
  privilegeSource?: string;
  /** For a privileged identity, the grant an auditor can check, e.g. `AmazonS3FullAccess allows s3:PutObject`. */
  privilegeGrant?: string;
  /** Last interactive sign-in (console password / Entra sign-in); undefined: not read (see the signInActivity gap). */
  lastSignIn?: LastUse;
}

export type ResourceKind =
  | 'compute-instance'
  | 'volume'
  | 'snapshot'
  | 'database'
  | 'database-snapshot'
  | 'database-replica'
  | 'bucket'
  | 'storage-account'
  | 'log-destination';

export interface Resource {
  /** ARN / Azure resource id. */
  id: string;
  kind: ResourceKind;
  /** Provider region ("eu-west-1", "westeurope"); "global" only when truly region-less. */
  region: string;
  /** Encrypted at rest; undefined when not readable. */
  encrypted?: boolean;
  /** Encrypted with a customer-managed key. */
  customerManagedKey?: boolean;
  /** Readable by anyone (public bucket, public snapshot, blob public access). */
  public?: boolean;
  /** Why it is public (policy, ACL, snapshot permission), for the finding. */
  publicReason?: string;
  /**
   * Managed disks / snapshots (Azure): an export by SAS URL would be usable from any
   * network (networkAccessPolicy AllowAll, public network access not Disabled).
   * A live export is `public`; undefined for resources without such a setting.
   */
  exportFromAnyNetwork?: boolean;
  tags?: Record<string, string>;
  /** For copies (snapshots, replicas, backups): the source resource id. */
  sourceId?: string;
}

export interface RegionRestriction {
  /** A guardrail (SCP / Azure Policy) denies regions outside this list. */
  allowedRegions: string[];
  source: string;
}

export interface Guardrails {
  /** undefined: could not read; null: none in place. */
  regionRestriction?: RegionRestriction | null;
  /** Account-wide block of public storage access (S3 account public access block, all four flags). */
  accountPublicAccessBlock?: boolean;
  /** Per region: new volumes are encrypted by default. */
  defaultVolumeEncryption?: Record<string, boolean>;
}

export interface AuditTrail {
  id: string;
  region: string;
  multiRegion: boolean;
  logging: boolean;
  /** Bucket / storage account the trail delivers to. */
  destination?: string;
  /** Account that owns the destination, when known. */
  destinationAccountId?: string;
  /** Region of the destination (the log copy is data too). */
  destinationRegion?: string;
  lastDeliveryAt?: string;
  lastDeliveryError?: string;
  /** Why the last delivery time could not be read (and what access it needs), when it could not. */
  lastDeliveryUnreadable?: string;
}

/** `signInActivity`: when identities last signed in (Azure: Graph signInActivity, Entra ID P1/P2). */
export type InventoryArea =
  | 'identities'
  | 'resources'
  | 'guardrails'
  | 'auditTrails'
  | 'exposure'
  | 'encryption'
  | 'signInActivity'
  /** The provider's own access: Customer Lockbox (Azure), the AWS Support role (AWS). */
  | 'providerAccess';

/**
 * One answer of a cloud API during a collection, as evidence: what was asked, of which
 * account, when, how it ended, and the SHA-256 of the answer. Never the answer itself
 * (it may hold personal data: names, e-mail addresses, sign-in times).
 */
export interface ApiAnswer {
  provider: Provider;
  /** The operation as the API-call metric names it, e.g. `IAM:GetAccountSummary`, `ARM:disks.list`, `Graph:users`. */
  operation: string;
  /** The inventory area the answer feeds, where known (absent: e.g. `STS:GetCallerIdentity`). */
  area?: InventoryArea;
  /** AWS account id / Azure subscription id (Graph answers: the subscription whose tenant was read). */
  account: string;
  /** The client's region (AWS); absent for global endpoints (Azure). */
  region?: string;
  /** When the answer arrived (ISO 8601, the collector's clock). */
  at: string;
  /** HTTP status, or the error code when no HTTP answer came (a timeout, a reset). */
  status: number | string;
  /**
   * Lower-case hex SHA-256 of the canonical JSON (RFC 8785) of the parsed answer; of the
   * raw bytes for a document that is not JSON (the IAM credential report CSV, a CloudTrail file).
   */
  sha256: string;
}

export interface CollectionGap {
  area: InventoryArea;
  /** CamelCase reason: AccessDenied, Throttled, Unreachable, NotSupported, LicenseRequired. */
  reason: string;
  message: string;
}

export interface Inventory {
  provider: Provider;
  /** AWS account id / Azure subscription id. */
  accountId: string;
  /** Who the collection read as (AWS: the sts:GetCallerIdentity ARN, which names the role session the account's CloudTrail shows). */
  readAs?: string;
  collectedAt: string;
  /** When the evidence behind each area was produced (e.g. credential report generation time). */
  evidenceTimes: Partial<Record<InventoryArea, string>>;
  identities: Identity[];
  /** Root / global admin account MFA; undefined when not readable. */
  rootMfaEnabled?: boolean;
  resources: Resource[];
  guardrails: Guardrails;
  auditTrails: AuditTrail[];
  /** The provider's own access (providerAccess area); absent when not read. */
  providerAccess?: ProviderAccessFacts;
  /** Parts that could not be read: the controls depending on them report Unknown. */
  gaps: CollectionGap[];
  /** API calls spent on this collection, for efficiency reporting. */
  apiCalls: number;
  /** The answers behind this inventory, in arrival order, bounded (providers/answers.ts: MAX_ANSWERS). */
  answers?: ApiAnswer[];
  /** Answers beyond the bound, counted but not kept. */
  answersOmitted?: number;
}

/** Why a whole collection failed (no inventory at all). */
export interface CollectionFailure {
  /** CamelCase: CredentialsMissing, CredentialsInvalid, AccessDenied, Throttled, AccountUnreachable, ProviderNotSupported. */
  reason: string;
  message: string;
}

export type InventoryResult =
  | { ok: true; inventory: Inventory }
  | {
      ok: false;
      failure: CollectionFailure;
      /**
       * When the shared account cache reads this account again (ISO 8601): its per-account
       * backoff, which a transient failure's retry follows instead of adding its own.
       */
      retryAt?: string;
    }
  /** No live read was attempted (e.g. provider collector not configured). */
  | { ok: false; failure: CollectionFailure; skipped: true };
