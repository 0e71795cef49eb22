// Reads one delivered CloudTrail log file (gzip JSON, or plain JSON) within byte bounds.
// A trail bucket can be written by the team whose account it logs, so a file is input
// the operator does not control: a few hundred KB of gzip can unzip to gigabytes. The
// S3 body is streamed, cut at a compressed size, unzipped as a stream cut at an unzipped
// size, and split into records as it arrives (log-record-splitter.ts), so what one file
// holds in memory is one record, never the file. A file past a bound is an error that
// names the object and the bound (the pass then fails: a read that could not happen is
// Unknown, never a finding); a damaged file (bad gzip, bad JSON) is skipped, as before.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';

import type { ChangeRecord } from '../../inventory/changes.js';
import { capBytes } from '../byte-bounds.js';
import { parseCloudTrailRecord } from './cloudtrail-records.js';
import { DamagedDocumentError, LogRecordSplitter, RecordTooLargeError } from './log-record-splitter.js';

const MIB = 1024 * 1024;

/** Largest log file downloaded, in bytes as stored (gzip): CloudTrail's files are far smaller. */
export const LOG_FILE_MAX_COMPRESSED_BYTES = 32 * MIB;
/** Largest log file read, in bytes unzipped (bounds the scan's CPU time; memory does not grow with it). */
export const LOG_FILE_MAX_BYTES = 128 * MIB;
/** Largest single record, in bytes of JSON: what one file holds in memory at most (CloudTrail's events are far smaller). */
export const LOG_RECORD_MAX_BYTES = 4 * MIB;

export interface LogFileLimits {
  maxCompressedBytes: number;
  maxBytes: number;
  maxRecordBytes: number;
}

export const LOG_FILE_LIMITS: LogFileLimits = {
  maxCompressedBytes: LOG_FILE_MAX_COMPRESSED_BYTES,
  maxBytes: LOG_FILE_MAX_BYTES,
  maxRecordBytes: LOG_RECORD_MAX_BYTES,
};

export type LogFileBound = 'stored' | 'unzipped' | 'record';

/** A log file past one of the bounds: names the object and the bound, never its content. */
export class LogFileTooLargeError extends Error {
  constructor(
    readonly key: string,
    readonly bound: LogFileBound,
    readonly maxBytes: number,
  ) {
    super(`${key}: ${LogFileTooLargeError.over(bound, maxBytes)}`);
    this.name = 'LogFileTooLargeError';
  }

  private static over(bound: LogFileBound, maxBytes: number): string {
    const what = bound === 'stored' ? 'as stored' : bound === 'unzipped' ? 'unzipped' : 'in one record';
    return `over ${describeBytes(maxBytes)} ${what}, the most the operator reads`;
  }

  /** The object and the bound first: status messages are cut at a few hundred characters. */
  describeIn(bucket: string): string {
    return `s3://${bucket}/${this.key}: ${LogFileTooLargeError.over(this.bound, this.maxBytes)}`;
  }
}

function damageKind(cause: unknown): string {
  if (cause instanceof SyntaxError) return 'not valid JSON';
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : cause instanceof Error ? cause.name : 'unreadable';
}

/** A file that is not a readable log (bad gzip, unbalanced or invalid JSON): skipped. */
export class DamagedLogFileError extends Error {
  constructor(
    readonly key: string,
    cause: unknown,
  ) {
    // The kind of damage only: a JSON parse message quotes the file's content.
    super(`log file ${key} is damaged (${damageKind(cause)})`);
    this.name = 'DamagedLogFileError';
  }
}

/** `128 MiB`, `256 KiB`, or `1000 bytes`. */
export function describeBytes(bytes: number): string {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** A pipeline stage that unzips when the stream starts with the gzip magic bytes, else passes it through. */
async function* gunzipIfGzip(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await it.next();
    if (next.done) break;
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* rest();
    return;
  }
  const gunzip = createGunzip();
  // The source's errors (a bound, the network) reach the consumer through gunzip.
  const feeding = pipeline(rest(), gunzip).catch(() => undefined);
  try {
    yield* gunzip as AsyncIterable<Buffer>;
  } finally {
    gunzip.destroy();
    await feeding;
  }
}

function isDamage(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return err instanceof DamagedDocumentError || err instanceof SyntaxError || (typeof code === 'string' && code.startsWith('Z_'));
}

/**
 * Streams one log file's body through the bounds and hands each kept record (a network
 * change, a provider call or a watched identity's call) to `onRecord`, in file order. Rejects with
 * LogFileTooLargeError, DamagedLogFileError, or the body's own error (network, abort).
 */
export async function readLogFile(
  body: AsyncIterable<Uint8Array>,
  key: string,
  watchedIdentities: readonly string[],
  onRecord: (change: ChangeRecord) => void,
  limits: LogFileLimits = LOG_FILE_LIMITS,
  signal?: AbortSignal,
  /** Called once the whole file was read: the SHA-256 (hex) of its bytes as stored (gzip). */
  onDigest?: (sha256: string) => void,
): Promise<void> {
  const hash = onDigest ? createHash('sha256') : undefined;
  const splitter = new LogRecordSplitter((json) => {
    const change = parseCloudTrailRecord(JSON.parse(json) as unknown, watchedIdentities);
    if (change !== undefined) onRecord(change);
  }, limits.maxRecordBytes);
  try {
    await pipeline(
      hash ? Readable.from(hashing(body, hash)) : body instanceof Readable ? body : Readable.from(body),
      capBytes(limits.maxCompressedBytes, () => new LogFileTooLargeError(key, 'stored', limits.maxCompressedBytes)),
      gunzipIfGzip,
      capBytes(limits.maxBytes, () => new LogFileTooLargeError(key, 'unzipped', limits.maxBytes)),
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) splitter.push(chunk);
        splitter.end();
      },
      signal ? { signal } : {},
    );
    if (hash) onDigest?.(hash.digest('hex'));
  } catch (err) {
    if (err instanceof RecordTooLargeError) throw new LogFileTooLargeError(key, 'record', limits.maxRecordBytes);
    if (isDamage(err)) throw new DamagedLogFileError(key, err);
    throw err;
  }
}

/** The chunks of `body`, unchanged, each fed to `hash` on the way (the file's bytes as stored). */
async function* hashing(body: AsyncIterable<Uint8Array>, hash: { update(chunk: Uint8Array): unknown }): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    hash.update(chunk);
    yield chunk;
  }
}

/** Parses one log file held in memory (gzip JSON, or plain JSON), within the same bounds. Throws when damaged or too large. */
export function parseCloudTrailLogFile(body: Uint8Array, watchedIdentities: readonly string[] = [], limits: LogFileLimits = LOG_FILE_LIMITS): ChangeRecord[] {
  const buffer = Buffer.from(body);
  if (buffer.length > limits.maxCompressedBytes) throw new LogFileTooLargeError('(in memory)', 'stored', limits.maxCompressedBytes);
  let text: Buffer;
  try {
    text = buffer[0] === 0x1f && buffer[1] === 0x8b ? gunzipSync(buffer, { maxOutputLength: limits.maxBytes }) : buffer;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw new LogFileTooLargeError('(in memory)', 'unzipped', limits.maxBytes);
    throw err;
  }
  if (text.length > limits.maxBytes) throw new LogFileTooLargeError('(in memory)', 'unzipped', limits.maxBytes);
  const out: ChangeRecord[] = [];
  const splitter = new LogRecordSplitter((json) => {
    const change = parseCloudTrailRecord(JSON.parse(json) as unknown, watchedIdentities);
    if (change !== undefined) out.push(change);
  }, limits.maxRecordBytes);
  splitter.push(text);
  splitter.end();
  return out;
}
