// Checksums of a drill's local copies, computed the way S3 records them: MD5 (the ETag
// of a single-part upload), the multipart ETag (MD5 of the part MD5s), SHA-256 and
// CRC32 (base64, as ChecksumMode ENABLED returns them). Read from local files only.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { crc32 } from 'node:zlib';

/** A CRC32 as S3 reports it: base64 of the 4 big-endian bytes. */
export function crc32Base64(value: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b.toString('base64');
}

/** Expected multipart ETag: MD5 of the concatenated binary MD5s of the parts, then "-<parts>". */
export function multipartEtag(partMd5s: readonly Buffer[]): string {
  const h = createHash('md5');
  for (const p of partMd5s) h.update(p);
  return `${h.digest('hex')}-${partMd5s.length}`;
}

export interface Hashes {
  bytes: number;
  md5: string;
  sha256: string;
  crc32: number;
  partMd5s?: Buffer[];
}

/** Reads a local copy back: MD5, SHA-256, CRC32 and, given a part size, the MD5 of each part. */
export async function hashFile(path: string, partSize?: number): Promise<Hashes> {
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  let crc = 0;
  let bytes = 0;
  const parts: Buffer[] = [];
  let part = partSize ? createHash('md5') : undefined;
  let inPart = 0;
  for await (const raw of createReadStream(path)) {
    const chunk = raw as Buffer;
    md5.update(chunk);
    sha.update(chunk);
    crc = crc32(chunk, crc);
    bytes += chunk.length;
    if (part && partSize) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(partSize - inPart, chunk.length - offset);
        part.update(chunk.subarray(offset, offset + take));
        inPart += take;
        offset += take;
        if (inPart === partSize) {
          parts.push(part.digest());
          part = createHash('md5');
          inPart = 0;
        }
      }
    }
  }
  if (part && inPart > 0) parts.push(part.digest());
  const out: Hashes = { bytes, md5: md5.digest('hex'), sha256: sha.digest('base64'), crc32: crc };
  if (partSize) out.partMd5s = parts;
  return out;
}

/** Per-part MD5s of a local file for explicit part sizes. */
export async function partMd5sBySizes(path: string, sizes: readonly number[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let index = 0;
  let remaining = sizes[0] ?? 0;
  let hash = createHash('md5');
  for await (const raw of createReadStream(path)) {
    let chunk = raw as Buffer;
    while (chunk.length > 0) {
      if (remaining === 0) {
        out.push(hash.digest());
        hash = createHash('md5');
        index++;
        remaining = sizes[index] ?? Number.POSITIVE_INFINITY;
      }
      const take = Math.min(remaining, chunk.length);
      hash.update(chunk.subarray(0, take));
      remaining -= take;
      chunk = chunk.subarray(take);
    }
  }
  out.push(hash.digest());
  return out;
}
