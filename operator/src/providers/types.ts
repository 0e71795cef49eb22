// What a cloud provider offers the operator: a collector that reads a live account into
// the provider-neutral Inventory (inventory/types.ts), and a change-log reader for
// ChangesTracked. Providers only read; controls decide.

import type { AccountRef, ChangeLogSource, LogVault, Provider } from '../api/types.js';
import type { ChangeRecord } from '../inventory/changes.js';
import type { AuditTrail, InventoryResult } from '../inventory/types.js';

/**
 * Static credentials resolved by the controller from the Secret named in
 * `spec.account.credentialsSecretRef` (fallback only: workload identity first).
 * Never logged, never put into a message, an Event or a status.
 */
export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What to collect: one live account. */
export interface CollectTarget {
  provider: Provider;
  account: AccountRef;
  /** The service's allowed regions (informational: residency still scans every enabled region). */
  allowedRegions: string[];
  /** Declared off-platform log vault: lets a collector name the owner of a trail destination it cannot list. */
  logVault?: LogVault;
  /** spec.changeManagement.logSource: where the AWS change-log reader reads the CloudTrail files (before the vault and the trails). */
  changeLogSource?: ChangeLogSource;
  /** Resolved static credentials (fallback). */
  credentials?: StaticCredentials;
  /**
   * Resolved Azure client-secret credentials from the Secret named in
   * `spec.account.credentialsSecretRef` (fallback: workload identity first). Never
   * logged, never put into a message, an Event or a status.
   */
  azureCredentials?: { tenantId: string; clientId: string; clientSecret: string };
}

/**
 * Called once per cloud API attempt (retries included), for
 * `cloudposture_cloud_api_calls_total{provider,operation,code}`.
 * `operation` is `<SdkService>:<Operation>` (e.g. `IAM:GetCredentialReport`,
 * `S3Control:GetPublicAccessBlock`), a bounded set. `code` is `OK` on success, the
 * provider's error code otherwise (`AccessDenied`, `Throttling`, ...), the Node
 * network error code when no response arrived (`ECONNREFUSED`, `ETIMEDOUT`, ...),
 * or `Http<status>` for an error response without a readable code.
 */
export type ApiCallHook = (provider: Provider, operation: string, code: string) => void;

export interface InventoryCollector {
  /** Never rejects: failures come back as `{ ok: false, failure }`. */
  collect(target: CollectTarget, signal?: AbortSignal): Promise<InventoryResult>;
}

/** The window and identities of one change-log read. */
export interface ChangeQuery {
  /** Watermark (status.changeLog.readUntil, else now - spec.changeManagement.lookback). */
  since: Date;
  now: Date;
  /** Declared break-glass identities: every call (and, on Azure, sign-in) of theirs is kept. */
  watchedIdentities?: readonly string[];
  /** The inventory's trails: the AWS reader reads the bucket a logging trail delivers to. */
  auditTrails?: readonly AuditTrail[];
  signal?: AbortSignal;
}

export interface ChangeLogReader {
  /** Never rejects for cloud errors: they come back as `{ ok: false, failure }` (an abort may reject). */
  readChanges(target: CollectTarget, query: ChangeQuery): Promise<ChangeReadResult>;
}

/** One provider: its collector and its change-log reader, one instance for both (one pacing state per account / tenant). */
export type CloudProvider = InventoryCollector & ChangeLogReader;

/** One pass over an account's audit log for ChangesTracked (AWS CloudTrail files, Azure Activity Log). */
export type ChangeReadResult =
  | {
      ok: true;
      /** Network changes, and every call by a watched (break-glass) identity, oldest first. */
      records: ChangeRecord[];
      /**
       * The next watermark: events before it have been read. `now - overlap` after a
       * complete pass; where the pass stopped when it hit its bound.
       */
      readUntil: string;
      /** Log files (CloudTrail) or result pages (Activity Log) read. */
      filesRead: number;
      /** False when the pass stopped at its bound; the next pass continues from readUntil. */
      complete: boolean;
      /** What was read, for status.changeLog.source. */
      source: string;
    }
  | { ok: false; failure: { reason: string; message: string } };
