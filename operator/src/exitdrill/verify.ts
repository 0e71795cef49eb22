// Verifies a drill's local copy against the checksums the store recorded. The ETag is an
// MD5 of the data only for single-part uploads (for multipart, the MD5 of the part MD5s)
// and not for SSE-KMS / SSE-C objects; SHA-256 and CRC32 are used when the object has
// full-object values (composite "-N" values are skipped).

import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';

import { crc32Base64, hashFile, multipartEtag, partMd5sBySizes } from './checksums.js';
import type { Downloaded } from './download.js';
import { clipMessage } from './failures.js';
import type { ExitDrillChecksumCounts, ExitDrillFailureReason, ExitDrillObjectFailure } from '../inventory/exit-drill.js';

function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
}

export interface Verdict {
  failure?: ExitDrillObjectFailure;
  verifiedWith: Array<keyof ExitDrillChecksumCounts>;
}

/**
 * Checks a local copy against what the store recorded: the size, the SHA-256 and CRC32
 * checksums when full-object values exist, and the ETag when it is an MD5 of the data
 * (single-part, or multipart with the part sizes learned by HEAD ?partNumber=).
 */
export async function verifyCopy(
  file: Downloaded,
  s3: S3Client,
  bucket: string,
  maxPartLookups: number,
  send: { abortSignal?: AbortSignal },
): Promise<Verdict> {
  const etag = unquote(file.etag);
  // The ETag is an MD5 of the data only without SSE-KMS / DSSE-KMS / SSE-C.
  const etagIsMd5 = !file.sseCustomer && !(file.sse ?? '').startsWith('aws:kms');
  const multipart = etag && etagIsMd5 ? /^([0-9a-f]{32})-(\d+)$/.exec(etag) : null;
  let partSize: number | undefined;
  const partCount = multipart ? Number(multipart[2]) : 0;
  if (multipart && partCount > 1) {
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: file.key, PartNumber: 1 }), send);
      partSize = head.ContentLength;
    } catch {
      partSize = undefined; // cannot learn the part size: the ETag stays unchecked
    }
  }
  const h = await hashFile(file.path, partSize);
  const fail = (reason: ExitDrillFailureReason, message: string): Verdict => ({
    failure: { key: file.key, reason, message: clipMessage(message) },
    verifiedWith: [],
  });
  if (file.contentLength !== undefined && h.bytes !== file.contentLength) {
    return fail('SizeMismatch', `local copy has ${h.bytes} bytes, the store announced ${file.contentLength}`);
  }
  const verifiedWith: Verdict['verifiedWith'] = [];
  const mismatches: string[] = [];
  if (file.sha256 && !file.sha256.includes('-')) {
    if (file.sha256 === h.sha256) verifiedWith.push('sha256');
    else mismatches.push(`SHA-256 ${h.sha256} != stored ${file.sha256}`);
  }
  if (file.crc32 && !file.crc32.includes('-')) {
    const local = crc32Base64(h.crc32);
    if (file.crc32 === local) verifiedWith.push('crc32');
    else mismatches.push(`CRC32 ${local} != stored ${file.crc32}`);
  }
  if (etag && etagIsMd5 && /^[0-9a-f]{32}$/.test(etag)) {
    if (etag === h.md5) verifiedWith.push('md5');
    else mismatches.push(`MD5 ${h.md5} != ETag ${etag}`);
  } else if (multipart && partSize !== undefined) {
    let expected = multipartEtag(h.partMd5s ?? []);
    if (expected !== etag && partCount <= maxPartLookups) {
      // Parts of different sizes: read each part's size, then recompute.
      const sizes: number[] = [];
      try {
        for (let n = 1; n <= partCount; n++) {
          const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: file.key, PartNumber: n }), send);
          sizes.push(head.ContentLength ?? 0);
        }
        expected = multipartEtag(await partMd5sBySizes(file.path, sizes));
      } catch {
        // keep the uniform-part expectation
      }
    }
    if (expected === etag) verifiedWith.push('md5');
    else mismatches.push(`multipart MD5 ${expected} != ETag ${etag}`);
  }
  if (mismatches.length > 0) return fail('ChecksumMismatch', mismatches.join('; '));
  if (verifiedWith.length === 0) {
    return fail('NoChecksum', 'the store recorded no checksum this copy can be checked against (e.g. SSE-KMS without SHA-256/CRC32)');
  }
  return { verifiedWith };
}
