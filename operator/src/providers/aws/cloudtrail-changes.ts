// Network and firewall changes (checklist step 10), break-glass calls (step 8) and calls
// AWS itself made in the account (provider access: "AWS Internal", AWS Support), read
// from the audit trail's delivered log files in S3, in CloudTrail's documented layout:
//
//   [<keyPrefix>/]AWSLogs/[<o-org-id>/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/
//       <account>_CloudTrail_<region>_<yyyymmddThhmmZ>_<random>.json.gz
//
// each a gzip JSON document `{ "Records": [ { eventID, eventTime, eventName, eventSource,
// awsRegion, userIdentity: { type, arn, principalId, userName?, invokedBy?, sessionContext? },
// requestParameters, responseElements, errorCode?, ... } ] }`. CloudTrail's
// LookupEvents API is not used: reading the delivered files is how an off-platform log
// vault is read (the vault need not be in this account), it covers every region the
// trail logs, and it is not rate-limited to 2 calls per second.
//
// Reads are incremental and bounded: files named after `since` minus an overlap (files
// are named when created and land minutes later), at most `maxFiles` per pass, oldest
// first, so `readUntil` only ever moves forward and nothing is skipped when a pass stops
// at the bound. Records repeated by the overlap are merged by eventID downstream.
// Every file is read within byte bounds (cloudtrail-log-file.ts, cloudtrail-batch.ts):
// a file too large to read fails the pass with LogFileTooLarge, naming the object and
// the bound, so ChangesTracked is Unknown and the watermark stays before that file.
// A provider only reads: which changes are tracked is decided by the controls.

import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

import type { ChangeRecord } from '../../inventory/changes.js';
import type { AuditTrail } from '../../inventory/types.js';
import type { ChangeReadResult, CollectTarget } from '../types.js';
import { CHANGE_RECORDS_PER_PASS_MAX, type LogFileRef, readLogBatch } from './cloudtrail-batch.js';
import { LogFileTooLargeError } from './cloudtrail-log-file.js';
import { classifyAwsError } from './errors.js';

export { parseCloudTrailRecord, resourceOf } from './cloudtrail-records.js';
export { parseCloudTrailLogFile } from './cloudtrail-log-file.js';

/** `yyyymmddThhmmZ` of CloudTrail file names. */
export function fileStamp(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
}

const FILE_NAME = /_CloudTrail_[a-z0-9-]+_(\d{8}T\d{4}Z)_[A-Za-z0-9]+\.json(\.gz)?$/;

/** The creation time in a log file's name, or undefined for other keys (digests, markers). */
export function fileTime(key: string): Date | undefined {
  const stamp = FILE_NAME.exec(key)?.[1];
  if (stamp === undefined) return undefined;
  const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:00Z`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

export interface CloudTrailLogSource {
  bucket: string;
  /** The trail's S3 key prefix (before "AWSLogs/"), if any. */
  keyPrefix?: string;
  /** Organization trail: the organization id in the layout. */
  organizationId?: string;
  /** The account whose events are read. */
  accountId: string;
}

/** `[prefix/]AWSLogs/[org/]<account>/CloudTrail/` */
export function cloudTrailBase(source: CloudTrailLogSource): string {
  const prefix = source.keyPrefix ? `${source.keyPrefix.replace(/^\/+|\/+$/g, '')}/` : '';
  const org = source.organizationId ? `${source.organizationId}/` : '';
  return `${prefix}AWSLogs/${org}${source.accountId}/CloudTrail/`;
}

export interface ReadChangesOptions {
  s3: S3Client;
  source: CloudTrailLogSource;
  /** Watermark (status.changeLog.readUntil, else now - spec.changeManagement.lookback): files created from this minute on are read. */
  since: Date;
  now: Date;
  /** Declared break-glass identities: every call of theirs is kept, not only network changes. */
  watchedIdentities?: readonly string[];
  /** Files land minutes after they are named: a complete pass re-reads this much next time. Default 15 minutes. */
  overlapMs?: number;
  /** Files per pass (default 500). */
  maxFiles?: number;
  /** Parallel file downloads (default 8, bounded by LOG_BYTES_HELD_MAX). */
  concurrency?: number;
  /** Records kept per pass (default CHANGE_RECORDS_PER_PASS_MAX); the pass stops on a minute boundary there. */
  maxRecords?: number;
  signal?: AbortSignal;
  /** Each log file read completely, for the evidence (its listing calls are captured by the client). */
  onFileRead?: (file: LogFileRef, status: number, sha256: string) => void;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

function dayPrefix(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/`;
}

async function listAll(
  s3: S3Client,
  input: { Bucket: string; Prefix: string; Delimiter?: string; StartAfter?: string },
  signal: AbortSignal | undefined,
): Promise<{ objects: Array<{ key: string; size?: number }>; prefixes: string[] }> {
  const objects: Array<{ key: string; size?: number }> = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ ...input, ContinuationToken: token }), { abortSignal: signal });
    for (const o of page.Contents ?? []) if (o.Key) objects.push(o.Size === undefined ? { key: o.Key } : { key: o.Key, size: o.Size });
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { objects, prefixes };
}

/**
 * Reads the log files created since the watermark, oldest first. Never rejects for S3
 * errors: an unreadable bucket (AccessDenied, NoSuchBucket, throttling) comes back as a
 * failure, which the controls turn into Unknown.
 */
export async function readCloudTrailChanges(options: ReadChangesOptions): Promise<ChangeReadResult> {
  const { s3, source, now, signal } = options;
  const base = cloudTrailBase(source);
  const sourceUrl = `s3://${source.bucket}/${base}`;
  const from = new Date(Math.floor(Math.min(options.since.getTime(), now.getTime()) / MINUTE_MS) * MINUTE_MS);
  const maxFiles = Math.max(1, options.maxFiles ?? 500);
  const overlapMs = options.overlapMs ?? 15 * MINUTE_MS;
  const watched = options.watchedIdentities ?? [];
  const maxRecords = options.maxRecords ?? CHANGE_RECORDS_PER_PASS_MAX;
  try {
    const regions = (await listAll(s3, { Bucket: source.bucket, Prefix: base, Delimiter: '/' }, signal)).prefixes
      .map((p) => p.slice(base.length).replace(/\/$/, ''))
      .filter((r) => /^[a-z0-9-]+$/.test(r))
      .sort();
    // Day by day, every region, until more than maxFiles are known (then the batch is cut).
    const files: LogFileRef[] = [];
    const firstDay = Math.floor(from.getTime() / DAY_MS) * DAY_MS;
    for (let day = firstDay; day <= now.getTime() && files.length <= maxFiles; day += DAY_MS) {
      for (const region of regions) {
        const prefix = `${base}${region}/${dayPrefix(new Date(day))}`;
        // Keys sort by their time stamp within a day folder: skip what is older than `from`.
        const startAfter = day === firstDay ? `${prefix}${source.accountId}_CloudTrail_${region}_${fileStamp(new Date(from.getTime() - MINUTE_MS))}~` : undefined;
        const { objects } = await listAll(s3, { Bucket: source.bucket, Prefix: prefix, ...(startAfter ? { StartAfter: startAfter } : {}) }, signal);
        for (const { key, size } of objects) {
          const at = fileTime(key)?.getTime();
          if (at !== undefined && at >= from.getTime() && at <= now.getTime()) files.push(size === undefined ? { key, at } : { key, at, size });
        }
      }
    }
    files.sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : 1));
    let batch = files;
    let readUntil = new Date(Math.max(from.getTime(), now.getTime() - overlapMs));
    const cut = files.length > maxFiles;
    if (cut) {
      // Cut at a minute boundary (the watermark's resolution), keeping at least one minute.
      const cutAt = (files[maxFiles] as { at: number }).at;
      batch = files.slice(0, maxFiles).filter((f) => f.at < cutAt);
      if (batch.length === 0) batch = files.filter((f) => f.at === cutAt);
      readUntil = new Date(batch.length > 0 && (batch[batch.length - 1] as { at: number }).at === cutAt ? cutAt + MINUTE_MS : cutAt);
    }
    const perFile = await readLogBatch(s3, source.bucket, batch, {
      watchedIdentities: watched,
      ...(options.onFileRead ? { onFileRead: options.onFileRead } : {}),
      concurrency: options.concurrency ?? 8,
      maxRecords,
      ...(signal ? { signal } : {}),
    });
    const firstUnread = perFile.indexOf(undefined);
    let complete = !cut;
    if (firstUnread >= 0) {
      // The pass kept as many records as it may: stop before the minute of the first file
      // not read completely (the watermark's resolution); the next pass starts there.
      const cutAt = (batch[firstUnread] as LogFileRef).at;
      const before = batch.filter((f) => f.at < cutAt);
      if (before.length === 0) {
        return {
          ok: false,
          failure: { reason: 'ChangeLogTooLarge', message: `reading ${sourceUrl}: the log files of ${new Date(cutAt).toISOString()} hold more network-change, provider-access and break-glass records than one pass keeps (${maxRecords})` },
        };
      }
      batch = before;
      readUntil = new Date(cutAt);
      complete = false;
    }
    const records: ChangeRecord[] = [];
    for (let i = 0; i < batch.length; i++) records.push(...(perFile[i] ?? []));
    return { ok: true, records, readUntil: readUntil.toISOString(), filesRead: batch.length, complete, source: sourceUrl };
  } catch (err) {
    if (signal?.aborted) throw err;
    if (err instanceof LogFileTooLargeError) {
      const message = `${err.describeIn(source.bucket)}; the change log is not read past it until the object is removed or replaced`;
      return { ok: false, failure: { reason: 'LogFileTooLarge', message } };
    }
    const c = classifyAwsError(err);
    const reason = c.code === 'NoSuchBucket' ? 'LogBucketNotFound' : c.reason === 'CollectionError' ? 'ChangeLogUnreadable' : c.reason;
    return { ok: false, failure: { reason, message: `reading ${sourceUrl}: ${c.code}: ${c.message}` } };
  }
}

// ---------------------------------------------------------------------------------------
// Where to read from: for the collector's readChanges.

export interface ChangeLogLocation extends CloudTrailLogSource {
  /** Region of the bucket (undefined: the operator's home region; S3 follows redirects). */
  region?: string;
}

/** What of a target says where its log files are. */
export type ChangeLogTarget = Pick<CollectTarget, 'provider' | 'account' | 'logVault' | 'changeLogSource'>;

/**
 * The log files to read for an AWS target: its changeLogSource
 * (spec.changeManagement.logSource), else the off-platform vault bucket
 * (spec.logVault.bucket), else the bucket a logging trail delivers to (from the
 * inventory). Undefined when none is known or the target is not AWS.
 */
export function changeLogLocation(
  target: ChangeLogTarget,
  trails: ReadonlyArray<Pick<AuditTrail, 'destination' | 'destinationRegion' | 'logging' | 'multiRegion'>> = [],
): ChangeLogLocation | undefined {
  const accountId = target.account.aws?.accountId;
  if (target.provider !== 'aws' || accountId === undefined) return undefined;
  const explicit = target.changeLogSource;
  if (explicit !== undefined) {
    const location: ChangeLogLocation = { bucket: explicit.bucket, accountId };
    if (explicit.keyPrefix) location.keyPrefix = explicit.keyPrefix;
    if (explicit.organizationId) location.organizationId = explicit.organizationId;
    if (explicit.region) location.region = explicit.region;
    return location;
  }
  const vault = target.logVault?.bucket;
  const trail =
    [...trails].sort((a, b) => Number(b.multiRegion) - Number(a.multiRegion)).find((t) => t.logging && t.destination) ?? undefined;
  if (vault) {
    const location: ChangeLogLocation = { bucket: vault, accountId };
    if (trail?.destination === vault && trail.destinationRegion) location.region = trail.destinationRegion;
    return location;
  }
  if (trail?.destination) {
    const location: ChangeLogLocation = { bucket: trail.destination, accountId };
    if (trail.destinationRegion) location.region = trail.destinationRegion;
    return location;
  }
  return undefined;
}
