// Evidence records in an S3 bucket with Object Lock: written once in COMPLIANCE mode,
// never overwritten or deleted by this code, read back with their retention.
//
// The S3Client comes from the caller: evidence/ may not import providers/ (layering),
// and the verify command builds its own (evidenceS3Client) the way providers/aws does
// (endpoint override with path-style addressing).

import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

import type { ObjectRetention } from './chain.js';
import { DEFAULT_RETENTION_DAYS } from './chain.js';
import { canonicalJson, sha256Base64 } from './canonical-json.js';
import { DEFAULT_EVIDENCE_PREFIX, recordHash, recordKey, type EvidenceRecord } from './record.js';

/** A record body larger than this is refused on read (a record of ~30 controls is a few KiB). */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** Keys one list() call returns at most (100 pages of 1,000): bounds memory for a huge prefix. */
export const MAX_LIST_KEYS = 100_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface StoredObject {
  key: string;
  bytes: Buffer;
  retention: ObjectRetention;
}

export interface EvidenceStore {
  /** Writes a new record; throws when its key already exists. Returns the key. */
  append(record: EvidenceRecord): Promise<string>;
  /** Keys under the prefix, in key order; throws beyond MAX_LIST_KEYS. */
  list(prefix?: string): Promise<string[]>;
  read(key: string): Promise<StoredObject>;
}

export interface ObjectLockStoreOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix of the records (default `evidence`). */
  prefix?: string;
  /** COMPLIANCE retention after the record's time (default 400 days). */
  retentionDays?: number;
}

export class RecordExistsError extends Error {
  constructor(readonly key: string) {
    super(`evidence record ${key} exists already: records are never overwritten`);
    this.name = 'RecordExistsError';
  }
}

/** The S3 client the verify command uses: default credential chain, path-style behind an endpoint override. */
export function evidenceS3Client(opts: { region?: string; endpoint?: string }): S3Client {
  return new S3Client({
    region: opts.region ?? 'us-east-1',
    followRegionRedirects: true,
    maxAttempts: 5,
    ...(opts.endpoint ? { endpoint: opts.endpoint, forcePathStyle: true } : {}),
  });
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

export class ObjectLockEvidenceStore implements EvidenceStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly retentionDays: number;
  private readonly client: S3Client;

  constructor(opts: ObjectLockStoreOptions) {
    this.client = opts.client;
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ?? DEFAULT_EVIDENCE_PREFIX;
    this.retentionDays = opts.retentionDays ?? DEFAULT_RETENTION_DAYS;
    if (!(this.retentionDays > 0)) throw new Error('retentionDays must be positive');
  }

  async append(record: EvidenceRecord): Promise<string> {
    // A record whose hash is wrong would only be found by the next verify: refuse it now.
    if (recordHash(record) !== record.hash) throw new Error(`evidence record ${record.service.uid}#${record.sequence}: hash does not match its content`);
    const key = recordKey(record, this.prefix);
    const body = canonicalJson(record);
    if (Buffer.byteLength(body) > MAX_RECORD_BYTES) throw new Error(`evidence record ${key} is larger than ${MAX_RECORD_BYTES} bytes`);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          // The store checks the bytes against this; Object Lock puts also need the
          // algorithm header (S3 and moto refuse a locked put without it or Content-MD5).
          // moto 5.2.1 does not compare the value; S3 answers BadDigest.
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: sha256Base64(body),
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: new Date(Date.parse(record.at) + this.retentionDays * DAY_MS),
          // Never over an existing key: S3 and moto 5.2.1 both answer 412 PreconditionFailed.
          // A key hidden by a delete marker counts as absent to both: the locked version
          // stays, but list() sees current versions only (comparing versions is for later).
          IfNoneMatch: '*',
        }),
      );
    } catch (err) {
      if (httpStatus(err) === 412) throw new RecordExistsError(key);
      throw err;
    }
    return key;
  }

  async list(prefix: string = this.prefix): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    const listPrefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: listPrefix, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      if (keys.length > MAX_LIST_KEYS) throw new Error(`more than ${MAX_LIST_KEYS} keys under ${listPrefix || 'the bucket root'}: verify a narrower --prefix`);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async read(key: string): Promise<StoredObject> {
    // Retention from HeadObject: moto answers GetObjectRetention with 500.
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    if ((head.ContentLength ?? 0) > MAX_RECORD_BYTES) throw new Error(`${key}: ${head.ContentLength} bytes, more than the ${MAX_RECORD_BYTES} a record may have`);
    const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(head.VersionId && head.VersionId !== 'null' ? { VersionId: head.VersionId } : {}) }));
    const bytes = await readCapped(got.Body as AsyncIterable<Uint8Array> | undefined, MAX_RECORD_BYTES, key);
    return {
      key,
      bytes,
      retention: {
        ...(head.ObjectLockMode ? { mode: head.ObjectLockMode } : {}),
        ...(head.ObjectLockRetainUntilDate ? { retainUntil: head.ObjectLockRetainUntilDate } : {}),
      },
    };
  }
}

/** Reads a body stream, refusing (and abandoning) it past `cap` bytes whatever Content-Length said. */
async function readCapped(body: AsyncIterable<Uint8Array> | undefined, cap: number, key: string): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > cap) {
      (body as { destroy?: () => void }).destroy?.();
      throw new Error(`${key}: more than the ${cap} bytes a record may have`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
