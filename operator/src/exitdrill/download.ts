// Downloads one sampled object to local storage, counting the bytes that arrive and
// keeping what the store recorded about it (size, ETag, encryption, checksums) for the
// verification. The download is cut at the size the listing announced: the scratch
// budget was reserved for that size, so a longer body (the object grew, or the store
// misbehaves) is a SizeMismatch, never more disk. A failed download becomes a failure,
// never an exception, unless the drill was aborted.

import { createWriteStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

import { clipMessage, downloadFailure } from './failures.js';
import { removeScratch } from './scratch.js';
import type { ExitDrillObjectFailure } from '../inventory/exit-drill.js';

/** A local copy and what the store announced for it. */
export interface Downloaded {
  key: string;
  path: string;
  bytes: number;
  contentLength?: number;
  etag?: string;
  sse?: string;
  sseCustomer?: string;
  sha256?: string;
  crc32?: string;
}

export type DownloadOutcome = { ok: true; file: Downloaded } | { ok: false; failure: ExitDrillObjectFailure };

/** The body went past the size the listing announced. */
class LongerThanListed extends Error {}

function sizeMismatch(key: string, message: string): DownloadOutcome {
  return { ok: false, failure: { key, reason: 'SizeMismatch', message: clipMessage(message) } };
}

/**
 * GETs `key` (ChecksumMode ENABLED) into `path`, at most `listedSize` bytes (what the
 * listing announced); a partial file is removed on failure.
 */
export async function downloadObject(
  s3: S3Client,
  bucket: string,
  key: string,
  path: string,
  listedSize: number,
  signal: AbortSignal | undefined,
): Promise<DownloadOutcome> {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }), { abortSignal: signal });
    if (got.ContentLength !== undefined && got.ContentLength > listedSize) {
      (got.Body as Readable | undefined)?.destroy();
      return sizeMismatch(key, `the store announced ${got.ContentLength} bytes, the listing ${listedSize}: not downloaded`);
    }
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (bytes > listedSize) cb(new LongerThanListed());
        else cb(null, chunk);
      },
    });
    await pipeline(got.Body as Readable, counter, createWriteStream(path), { signal });
    const file: Downloaded = { key, path, bytes };
    if (got.ContentLength !== undefined) file.contentLength = got.ContentLength;
    if (got.ETag !== undefined) file.etag = got.ETag;
    if (got.ServerSideEncryption !== undefined) file.sse = got.ServerSideEncryption;
    if (got.SSECustomerAlgorithm !== undefined) file.sseCustomer = got.SSECustomerAlgorithm;
    if (got.ChecksumSHA256) file.sha256 = got.ChecksumSHA256;
    if (got.ChecksumCRC32) file.crc32 = got.ChecksumCRC32;
    return { ok: true, file };
  } catch (err) {
    if (signal?.aborted) throw err;
    await removeScratch(path);
    if (err instanceof LongerThanListed) {
      return sizeMismatch(key, `the store sent more than the ${listedSize} bytes the listing announced: the download stopped there`);
    }
    return { ok: false, failure: downloadFailure(key, err) };
  }
}
