// Downloads one pass's CloudTrail log files, a few at a time, within two bounds that hold
// whatever the files contain: the bytes held at once across the files being read (each
// file holds at most one record, cloudtrail-log-file.ts, so the bound is the number read
// at once times the record bound), and the records kept for the pass. A file too large
// to read stops the batch (the error names it); a damaged file is skipped; when the kept
// records reach their bound the files not read completely are left for the next pass.

import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

import type { ChangeRecord } from '../../inventory/changes.js';
import { type ByteSource, discard } from '../byte-bounds.js';
import { DamagedLogFileError, LOG_FILE_LIMITS, LogFileTooLargeError, type LogFileLimits, readLogFile } from './cloudtrail-log-file.js';
import { mapLimit } from './concurrency.js';

const MIB = 1024 * 1024;

/** Bytes of log records held at once across the files read in parallel (one record each, at most). */
export const LOG_BYTES_HELD_MAX = 32 * MIB;
/** Records kept in one pass (network changes, provider calls and watched identities' calls; each a few hundred bytes). */
export const CHANGE_RECORDS_PER_PASS_MAX = 50_000;

export interface LogFileRef {
  key: string;
  /** Creation time from the file name, ms since the epoch. */
  at: number;
  /** Size the listing announced, bytes as stored. */
  size?: number;
}

export interface ReadBatchOptions {
  watchedIdentities: readonly string[];
  /** Files downloaded at once (capped so that LOG_BYTES_HELD_MAX holds). */
  concurrency: number;
  limits?: LogFileLimits;
  maxRecords?: number;
  signal?: AbortSignal;
  /** Each file read completely: its HTTP status and the SHA-256 of its bytes as stored (evidence, answers.ts). */
  onFileRead?: (file: LogFileRef, status: number, sha256: string) => void;
}

/** The kept records per file, in batch order; undefined for a file not read completely (the record bound was reached). */
export type BatchRecords = Array<ChangeRecord[] | undefined>;

class RecordBoundReached extends Error {}

/** How many files are read at once: the wish, bounded by the bytes they may hold together. */
export function logFileConcurrency(wanted: number, limits: LogFileLimits = LOG_FILE_LIMITS): number {
  return Math.max(1, Math.min(wanted, Math.floor(LOG_BYTES_HELD_MAX / limits.maxRecordBytes)));
}

/**
 * Reads `files` from `bucket`. Rejects with LogFileTooLargeError for a file past a bound
 * (the files still in flight are aborted), and with S3's error when a file cannot be
 * downloaded.
 */
export async function readLogBatch(s3: S3Client, bucket: string, files: readonly LogFileRef[], options: ReadBatchOptions): Promise<BatchRecords> {
  const limits = options.limits ?? LOG_FILE_LIMITS;
  const maxRecords = options.maxRecords ?? CHANGE_RECORDS_PER_PASS_MAX;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const results: BatchRecords = files.map(() => undefined);
  let kept = 0;
  let full = false;
  let fatal: { error: unknown } | undefined;
  await mapLimit(files, logFileConcurrency(options.concurrency, limits), async (file, i) => {
    if (full || fatal !== undefined) return;
    try {
      if (file.size !== undefined && file.size > limits.maxCompressedBytes) throw new LogFileTooLargeError(file.key, 'stored', limits.maxCompressedBytes);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: file.key }), { abortSignal: signal });
      const body = got.Body as ByteSource | undefined;
      if (got.ContentLength !== undefined && got.ContentLength > limits.maxCompressedBytes) {
        await discard(body);
        throw new LogFileTooLargeError(file.key, 'stored', limits.maxCompressedBytes);
      }
      const mine: ChangeRecord[] = [];
      if (body) {
        await readLogFile(body, file.key, options.watchedIdentities, (change) => {
          if (kept >= maxRecords) throw new RecordBoundReached();
          kept++;
          mine.push(change);
        }, limits, signal, (sha256) => options.onFileRead?.(file, got.$metadata.httpStatusCode ?? 200, sha256));
      }
      results[i] = mine;
    } catch (error) {
      if (error instanceof RecordBoundReached) full = true;
      else if (error instanceof DamagedLogFileError) results[i] = []; // CloudTrail's digest files prove integrity; the reader does not
      else if (fatal === undefined) {
        fatal = { error };
        stop.abort(error);
      }
    }
  });
  if (fatal !== undefined) throw fatal.error;
  return results;
}
