// The CloudTrail reader's byte and record bounds against moto's S3, through the real AWS
// SDK v3 client: a log file of a few hundred KB that unzips to 300 MiB (a team can
// write its own trail bucket) makes the read fail with LogFileTooLarge, naming the
// object and the bound, so ChangesTracked is Unknown and the watermark stays where it
// was; a pass that reaches its record bound stops on a minute boundary and the next
// pass continues from there without losing a record. Peak memory is measured in
// test/bench/oversized-log.ts, not asserted here.

import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import type { CloudService } from '../../operator/src/api/types.js';
import { networkChangesTracked } from '../../operator/src/controls/changes/network-changes-tracked.js';
import { createChangeLogGather } from '../../operator/src/controller/change-log.js';
import { LOG_FILE_MAX_BYTES } from '../../operator/src/providers/aws/cloudtrail-log-file.js';
import { readCloudTrailChanges } from '../../operator/src/providers/aws/cloudtrail-changes.js';
import { ctEvent, iamUser, logFileKey, seedCloudTrailLogs } from '../harness/cloudtrail-logs.js';
import { zeroBomb } from '../harness/gzip-bomb.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../harness/moto.js';
import { aSpec, anInput } from '../unit/builders.js';

const ACCOUNT = '111111111111';
const NOW = new Date('2026-11-15T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

let moto: MotoServer;
let s3: S3Client;

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: MOTO_CREDENTIALS, forcePathStyle: true });
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

const change = (id: string, at: Date, routeTableId = 'rtb-1') =>
  ctEvent({ eventName: 'CreateRoute', identity: iamUser(ACCOUNT, 'alice'), at, requestParameters: { routeTableId }, eventID: id });

describe('a log file that unzips past the bound (moto S3)', () => {
  const bucket = 'trail-with-a-bomb';
  let bombKey: string;

  beforeAll(async () => {
    await seedCloudTrailLogs(s3, {
      bucket,
      createBucket: true,
      accountId: ACCOUNT,
      files: [
        { region: 'eu-west-1', at: minutesAgo(50), records: [change('before-1', minutesAgo(52))] },
        { region: 'eu-west-1', at: minutesAgo(10), records: [change('after-1', minutesAgo(12))] },
      ],
    });
    bombKey = logFileKey({ accountId: ACCOUNT }, 'eu-west-1', minutesAgo(30));
    const bomb = await zeroBomb(300);
    expect(bomb.length).toBeLessThan(1024 * 1024); // a few hundred KB on the wire
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: bombKey, Body: bomb }));
  }, 120_000);

  it('fails the read with LogFileTooLarge naming the object and the bound; ChangesTracked is Unknown, not a finding', async () => {
    const read = await readCloudTrailChanges({ s3, source: { bucket, accountId: ACCOUNT }, since: minutesAgo(60), now: NOW });
    expect(read).toMatchObject({ ok: false, failure: { reason: 'LogFileTooLarge' } });
    if (read.ok) return;
    expect(read.failure.message).toBe(
      `s3://${bucket}/${bombKey}: over 128 MiB unzipped, the most the operator reads; the change log is not read past it until the object is removed or replaced`,
    );
    expect(LOG_FILE_MAX_BYTES).toBe(128 * 1024 * 1024);
    const outcome = networkChangesTracked.evaluate({ ...anInput({ now: NOW }), changes: read });
    expect(outcome).toMatchObject({ status: 'Unknown', reason: 'LogFileTooLarge' });
  });

  it('keeps the watermark before the file: status.changeLog.readUntil does not move past it', async () => {
    const watermark = minutesAgo(60).toISOString();
    const gather = createChangeLogGather({
      aws: {
        readChanges: (_target, query) =>
          readCloudTrailChanges({ s3, source: { bucket, accountId: ACCOUNT }, since: query.since, now: query.now, watchedIdentities: query.watchedIdentities ?? [] }),
      },
    });
    const service: CloudService = {
      apiVersion: 'cloudposture.io/v1alpha1',
      kind: 'CloudService',
      metadata: { name: 'bomb', namespace: 'team-a' },
      spec: aSpec(),
      status: { changeLog: { source: `s3://${bucket}/AWSLogs/${ACCOUNT}/CloudTrail/`, readUntil: watermark, lastReadAt: watermark, filesRead: 0, complete: true } },
    };
    const got = await gather.read({
      service,
      target: { ok: true, target: { provider: 'aws', account: { aws: { accountId: ACCOUNT } }, allowedRegions: [] } },
      inventory: { ok: false, failure: { reason: 'NotRead', message: 'not needed: the log source is given' }, skipped: true },
      now: NOW,
      intervalMs: 300_000,
      signal: new AbortController().signal,
    });
    expect(got.feed).toMatchObject({ failure: { reason: 'LogFileTooLarge' } });
    expect(got.status?.readUntil).toBe(watermark);
    expect(got.read).toMatchObject({ failedAt: NOW.toISOString(), reason: 'LogFileTooLarge' });
  });
});

describe('a file over the stored bound', () => {
  it('fails with LogFileTooLarge (as stored), decided from the listing before any download', async () => {
    const bucket = 'trail-with-a-large-object';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const key = logFileKey({ accountId: ACCOUNT }, 'eu-west-1', minutesAgo(5));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.alloc(33 * 1024 * 1024, 0x20) }));
    const read = await readCloudTrailChanges({ s3, source: { bucket, accountId: ACCOUNT }, since: minutesAgo(60), now: NOW });
    expect(read).toMatchObject({ ok: false, failure: { reason: 'LogFileTooLarge' } });
    if (!read.ok) expect(read.failure.message).toContain(`s3://${bucket}/${key}: over 32 MiB as stored`);
  });
});

describe('the record bound of one pass', () => {
  it('stops before the minute whose file it could not keep and continues from there', async () => {
    const bucket = 'trail-with-many-changes';
    await seedCloudTrailLogs(s3, {
      bucket,
      createBucket: true,
      accountId: ACCOUNT,
      files: [
        { region: 'eu-west-1', at: minutesAgo(40), records: [change('a-1', minutesAgo(41)), change('a-2', minutesAgo(41))] },
        { region: 'eu-west-1', at: minutesAgo(30), records: [change('b-1', minutesAgo(31)), change('b-2', minutesAgo(31))] },
        { region: 'eu-west-1', at: minutesAgo(20), records: [change('c-1', minutesAgo(21))] },
      ],
    });
    const source = { bucket, accountId: ACCOUNT };
    const first = await readCloudTrailChanges({ s3, source, since: minutesAgo(60), now: NOW, maxRecords: 3, concurrency: 1, overlapMs: 0 });
    expect(first).toMatchObject({ ok: true, complete: false, filesRead: 1, readUntil: minutesAgo(30).toISOString() });
    if (!first.ok) return;
    expect(first.records.map((r) => r.id)).toEqual(['a-1', 'a-2']);
    const second = await readCloudTrailChanges({ s3, source, since: new Date(first.readUntil), now: NOW, maxRecords: 3, concurrency: 1, overlapMs: 0 });
    expect(second).toMatchObject({ ok: true, complete: true, filesRead: 2 });
    if (second.ok) expect(second.records.map((r) => r.id)).toEqual(['b-1', 'b-2', 'c-1']);
  });

  it('a single minute over the bound is ChangeLogTooLarge, not a silent gap', async () => {
    const bucket = 'trail-with-one-busy-minute';
    await seedCloudTrailLogs(s3, {
      bucket,
      createBucket: true,
      accountId: ACCOUNT,
      files: [{ region: 'eu-west-1', at: minutesAgo(40), records: [change('x-1', minutesAgo(41)), change('x-2', minutesAgo(41)), change('x-3', minutesAgo(41))] }],
    });
    const read = await readCloudTrailChanges({ s3, source: { bucket, accountId: ACCOUNT }, since: minutesAgo(60), now: NOW, maxRecords: 2 });
    expect(read).toMatchObject({ ok: false, failure: { reason: 'ChangeLogTooLarge' } });
  });
});
