// Reading one CloudTrail log file within bounds (providers/aws/cloudtrail-log-file.ts)
// and splitting the document into records as it streams (log-record-splitter.ts).

import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

import { LOG_BYTES_HELD_MAX, logFileConcurrency } from '../../operator/src/providers/aws/cloudtrail-batch.js';
import {
  DamagedLogFileError,
  LOG_FILE_LIMITS,
  LogFileTooLargeError,
  parseCloudTrailLogFile,
  readLogFile,
} from '../../operator/src/providers/aws/cloudtrail-log-file.js';
import { DamagedDocumentError, LogRecordSplitter, RecordTooLargeError } from '../../operator/src/providers/aws/log-record-splitter.js';
import type { ChangeRecord } from '../../operator/src/inventory/changes.js';
import { ctEvent, iamUser } from '../harness/cloudtrail-logs.js';
import { ACCOUNT_ID } from './builders.js';
import { at } from './controls/changes/builders.js';

const KIB = 1024;
const route = (id: string, routeTableId = 'rtb-1') =>
  ctEvent({ eventName: 'CreateRoute', identity: iamUser(ACCOUNT_ID, 'alice'), at: at(1), requestParameters: { routeTableId }, eventID: id });

function split(chunks: readonly Buffer[], maxRecordBytes = 64 * KIB): unknown[] {
  const out: unknown[] = [];
  const splitter = new LogRecordSplitter((json) => out.push(JSON.parse(json)), maxRecordBytes);
  for (const c of chunks) splitter.push(c);
  splitter.end();
  return out;
}

const bytewise = (text: string): Buffer[] => [...Buffer.from(text)].map((b) => Buffer.from([b]));

async function read(body: Buffer, limits = LOG_FILE_LIMITS, chunk = 1000): Promise<ChangeRecord[]> {
  const out: ChangeRecord[] = [];
  const parts: Buffer[] = [];
  for (let o = 0; o < body.length; o += chunk) parts.push(body.subarray(o, o + chunk));
  await readLogFile(Readable.from(parts), 'AWSLogs/1/CloudTrail/eu-west-1/k.json.gz', [], (c) => out.push(c), limits);
  return out;
}

describe('splitting a log document into records as it streams', () => {
  const tricky = JSON.stringify({
    Note: 'Records',
    Meta: { Records: [{ eventID: 'nested-not-a-record' }] },
    Records: [
      { eventID: 'r1', requestParameters: { text: 'braces } { and ] [ "quotes" \\ backslashes', list: [[1, { a: 2 }], []] } },
      'not an object',
      42,
      [{ eventID: 'inside-an-array-not-a-record' }],
      { eventID: 'r2', userAgent: 'ünïcødé ✓ 🚀' },
    ],
    After: { x: [1, 2, 3] },
  });

  it('finds exactly the top-level Records elements that are objects, in order', () => {
    expect(split([Buffer.from(tricky)]).map((r) => (r as { eventID: string }).eventID)).toEqual(['r1', 'r2']);
  });

  it('gives the same records whatever the chunk boundaries (one byte at a time, multi-byte characters cut)', () => {
    expect(split(bytewise(tricky))).toEqual(split([Buffer.from(tricky)]));
    expect((split(bytewise(tricky))[1] as { userAgent: string }).userAgent).toBe('ünïcødé ✓ 🚀');
  });

  it('does not take an escaped key for "Records"', () => {
    expect(split([Buffer.from('{"Rec\\"ords":[{"eventID":"no"}],"Records":[{"eventID":"yes"}]}')])).toEqual([{ eventID: 'yes' }]);
  });

  it('a truncated or empty document is damaged; a record past its bound is too large', () => {
    expect(() => split([Buffer.from(tricky.slice(0, -5))])).toThrow(DamagedDocumentError);
    expect(() => split([Buffer.from('   ')])).toThrow(DamagedDocumentError);
    expect(() => split([Buffer.from('{"Records":[]}]')])).toThrow(DamagedDocumentError);
    const big = JSON.stringify({ Records: [{ eventID: 'x', pad: 'y'.repeat(2 * KIB) }] });
    expect(() => split(bytewise(big), KIB)).toThrow(RecordTooLargeError);
    expect(split([Buffer.from(big)], 4 * KIB)).toHaveLength(1);
  });

  it('a document that is not an object with Records holds no records', () => {
    expect(split([Buffer.from('[{"eventID":"a"}]')])).toEqual([]);
    expect(split([Buffer.from('{"Records":{"eventID":"a"}}')])).toEqual([]);
  });
});

describe('reading one log file within its bounds', () => {
  const doc = Buffer.from(JSON.stringify({ Records: [route('a'), ctEvent({ eventName: 'DescribeVpcs', identity: iamUser(ACCOUNT_ID, 'bob'), at: at(1) }), route('b', 'rtb-2')] }));
  const small = { maxCompressedBytes: 64 * KIB, maxBytes: 256 * KIB, maxRecordBytes: 16 * KIB };

  it('reads gzip and plain JSON alike, keeping only the changes', async () => {
    expect((await read(gzipSync(doc))).map((r) => r.id)).toEqual(['a', 'b']);
    expect((await read(doc)).map((r) => r.id)).toEqual(['a', 'b']);
    expect((await read(gzipSync(doc), LOG_FILE_LIMITS, 1)).map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('stops unzipping at the unzipped bound and names the object and the bound', async () => {
    const bomb = gzipSync(Buffer.alloc(1024 * KIB)); // 1 MiB of zeros, about 1 KiB of gzip
    expect(bomb.length).toBeLessThan(small.maxCompressedBytes);
    const error = await read(bomb, small).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogFileTooLargeError);
    expect((error as LogFileTooLargeError).bound).toBe('unzipped');
    expect((error as Error).message).toBe('AWSLogs/1/CloudTrail/eu-west-1/k.json.gz: over 256 KiB unzipped, the most the operator reads');
    expect((error as LogFileTooLargeError).describeIn('trail')).toBe('s3://trail/AWSLogs/1/CloudTrail/eu-west-1/k.json.gz: over 256 KiB unzipped, the most the operator reads');
  });

  it('stops downloading at the stored bound, and at a record past the record bound', async () => {
    await expect(read(Buffer.alloc(65 * KIB, 0x20), small)).rejects.toMatchObject({ name: 'LogFileTooLargeError', bound: 'stored' });
    const huge = gzipSync(JSON.stringify({ Records: [{ eventID: 'x', pad: 'y'.repeat(32 * KIB) }] }));
    await expect(read(huge, small)).rejects.toMatchObject({ name: 'LogFileTooLargeError', bound: 'record', maxBytes: 16 * KIB });
  });

  it('a damaged file (bad gzip, bad JSON, truncated) is DamagedLogFileError, which the pass skips', async () => {
    const gz = gzipSync(doc);
    await expect(read(Buffer.concat([gz.subarray(0, 10), Buffer.from('garbage-garbage-garbage')]))).rejects.toBeInstanceOf(DamagedLogFileError);
    await expect(read(Buffer.from('{"Records":[{"eventID": nope}]}'))).rejects.toBeInstanceOf(DamagedLogFileError);
    await expect(read(gzipSync(doc.subarray(0, doc.length - 3)))).rejects.toBeInstanceOf(DamagedLogFileError);
  });

  it('an in-memory file is parsed within the same bounds', () => {
    expect(parseCloudTrailLogFile(gzipSync(doc)).map((r) => r.id)).toEqual(['a', 'b']);
    expect(() => parseCloudTrailLogFile(gzipSync(Buffer.alloc(1024 * KIB)), [], small)).toThrow(LogFileTooLargeError);
  });

  it('files read at once are bounded by the bytes they may hold together', () => {
    expect(logFileConcurrency(8)).toBe(Math.min(8, LOG_BYTES_HELD_MAX / LOG_FILE_LIMITS.maxRecordBytes));
    expect(logFileConcurrency(100) * LOG_FILE_LIMITS.maxRecordBytes).toBeLessThanOrEqual(LOG_BYTES_HELD_MAX);
    expect(logFileConcurrency(0)).toBe(1);
  });
});
