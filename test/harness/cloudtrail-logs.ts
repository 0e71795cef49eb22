// CloudTrail log files seeded into an S3 bucket (moto) exactly as CloudTrail delivers
// them, so the reader in operator/src/providers/aws/cloudtrail-changes.ts is tested
// against the documented layout, not against its own assumptions:
//
//   [<keyPrefix>/]AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/
//       <account>_CloudTrail_<region>_<yyyymmddThhmmZ>_<16 random chars>.json.gz
//
// gzip JSON `{ "Records": [...] }`, one record per API call, in the shape of the
// CloudTrail record contents reference (eventVersion 1.09): userIdentity for IAM users,
// assumed-role sessions (sessionContext.sessionIssuer) and root; requestParameters and
// responseElements as EC2 logs them.
//
//   await seedCloudTrailLogs(s3, { bucket, accountId, files: [
//     { region: 'eu-west-1', at: new Date(...), records: [
//         ctEvent({ eventName: 'AuthorizeSecurityGroupIngress', identity: iamUser(ACCOUNT, 'alice'),
//                   requestParameters: { groupId: 'sg-1' } }) ] } ] });

import { randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';

import { CreateBucketCommand, PutObjectCommand, type BucketLocationConstraint, type S3Client } from '@aws-sdk/client-s3';

export interface CloudTrailUserIdentity {
  type: 'IAMUser' | 'AssumedRole' | 'Root' | 'AWSService' | 'FederatedUser';
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  invokedBy?: string;
  sessionContext?: {
    sessionIssuer?: { type: 'Role'; principalId: string; arn: string; accountId: string; userName: string };
    attributes?: { creationDate: string; mfaAuthenticated: 'true' | 'false' };
  };
}

export interface CloudTrailRecord {
  eventVersion: string;
  userIdentity: CloudTrailUserIdentity;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  eventType: 'AwsApiCall' | 'AwsConsoleSignIn';
  managementEvent: boolean;
  recipientAccountId: string;
  eventCategory: 'Management';
  errorCode?: string;
  errorMessage?: string;
  additionalEventData?: Record<string, unknown>;
}

/** An IAM user (access key or console session). */
export function iamUser(accountId: string, name: string): CloudTrailUserIdentity {
  return {
    type: 'IAMUser',
    principalId: `AIDA${randomBytes(8).toString('hex').toUpperCase().slice(0, 16)}`,
    arn: `arn:aws:iam::${accountId}:user/${name}`,
    accountId,
    accessKeyId: 'AKIAEXAMPLEKEYID0000',
    userName: name,
  };
}

/** A session of an assumed role, e.g. the GitOps pipeline's deploy role. */
export function assumedRole(accountId: string, role: string, session = 'session'): CloudTrailUserIdentity {
  const roleId = `AROA${randomBytes(8).toString('hex').toUpperCase().slice(0, 16)}`;
  return {
    type: 'AssumedRole',
    principalId: `${roleId}:${session}`,
    arn: `arn:aws:sts::${accountId}:assumed-role/${role}/${session}`,
    accountId,
    accessKeyId: 'ASIAEXAMPLEKEYID0000',
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: roleId, arn: `arn:aws:iam::${accountId}:role/${role}`, accountId, userName: role },
      attributes: { creationDate: '2026-11-14T08:00:00Z', mfaAuthenticated: 'false' },
    },
  };
}

/** The root user. */
export function rootUser(accountId: string): CloudTrailUserIdentity {
  return { type: 'Root', principalId: accountId, arn: `arn:aws:iam::${accountId}:root`, accountId };
}

export interface EventInput {
  eventName: string;
  identity: CloudTrailUserIdentity;
  at: Date;
  region?: string;
  eventSource?: string;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  errorCode?: string;
  eventID?: string;
}

/** One CloudTrail record; EC2 API call unless `eventSource` says otherwise. */
export function ctEvent(input: EventInput): CloudTrailRecord {
  const record: CloudTrailRecord = {
    eventVersion: '1.09',
    userIdentity: input.identity,
    eventTime: input.at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: input.eventSource ?? 'ec2.amazonaws.com',
    eventName: input.eventName,
    awsRegion: input.region ?? 'eu-west-1',
    sourceIPAddress: '203.0.113.10',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: input.requestParameters ?? null,
    responseElements: input.responseElements ?? (input.errorCode ? null : { _return: true }),
    requestID: randomUUID(),
    eventID: input.eventID ?? randomUUID(),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: input.identity.accountId ?? '123456789012',
    eventCategory: 'Management',
  };
  if (input.errorCode) {
    record.errorCode = input.errorCode;
    record.errorMessage = 'You are not authorized to perform this operation.';
  }
  return record;
}

/** A console sign-in (logged in us-east-1 for IAM users and root). */
export function consoleLogin(identity: CloudTrailUserIdentity, at: Date, success = true, eventID?: string): CloudTrailRecord {
  const record = ctEvent({
    eventName: 'ConsoleLogin',
    identity,
    at,
    region: 'us-east-1',
    eventSource: 'signin.amazonaws.com',
    responseElements: { ConsoleLogin: success ? 'Success' : 'Failure' },
    ...(eventID ? { eventID } : {}),
  });
  record.eventType = 'AwsConsoleSignIn';
  record.additionalEventData = { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAUsed: 'Yes' };
  if (!success) record.errorMessage = 'Failed authentication';
  return record;
}

export interface LogFileInput {
  region: string;
  /** The file's creation time (its name's time stamp). */
  at: Date;
  records: CloudTrailRecord[];
}

export interface SeedOptions {
  bucket: string;
  accountId: string;
  keyPrefix?: string;
  organizationId?: string;
  /** Create the bucket first (in `bucketRegion`, default us-east-1). */
  createBucket?: boolean;
  bucketRegion?: string;
  files: LogFileInput[];
}

function stamp(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
}

/** The key CloudTrail would deliver a file to. */
export function logFileKey(opts: Pick<SeedOptions, 'accountId' | 'keyPrefix' | 'organizationId'>, region: string, at: Date): string {
  const iso = at.toISOString();
  const prefix = opts.keyPrefix ? `${opts.keyPrefix.replace(/\/+$/, '')}/` : '';
  const org = opts.organizationId ? `${opts.organizationId}/` : '';
  const random = randomBytes(8).toString('hex').toUpperCase().slice(0, 16);
  return (
    `${prefix}AWSLogs/${org}${opts.accountId}/CloudTrail/${region}/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/` +
    `${opts.accountId}_CloudTrail_${region}_${stamp(at)}_${random}.json.gz`
  );
}

/** Writes the files (gzip JSON) and returns their keys. */
export async function seedCloudTrailLogs(s3: S3Client, opts: SeedOptions): Promise<string[]> {
  if (opts.createBucket) {
    const region = opts.bucketRegion ?? 'us-east-1';
    await s3.send(
      new CreateBucketCommand({
        Bucket: opts.bucket,
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
  }
  const keys: string[] = [];
  for (const file of opts.files) {
    const key = logFileKey(opts, file.region, file.at);
    const body = gzipSync(Buffer.from(JSON.stringify({ Records: file.records })));
    await s3.send(new PutObjectCommand({ Bucket: opts.bucket, Key: key, Body: body, ContentType: 'application/json', ContentEncoding: 'gzip' }));
    keys.push(key);
  }
  // CloudTrail also delivers digest files and a folder marker next to the logs: the reader must skip them.
  if (opts.files.length > 0) {
    const first = opts.files[0] as LogFileInput;
    const prefix = opts.keyPrefix ? `${opts.keyPrefix.replace(/\/+$/, '')}/` : '';
    const org = opts.organizationId ? `${opts.organizationId}/` : '';
    const iso = first.at.toISOString();
    const digestKey =
      `${prefix}AWSLogs/${org}${opts.accountId}/CloudTrail-Digest/${first.region}/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/` +
      `${opts.accountId}_CloudTrail-Digest_${first.region}_trail_${first.region}_${stamp(first.at)}.json.gz`;
    await s3.send(new PutObjectCommand({ Bucket: opts.bucket, Key: digestKey, Body: gzipSync(Buffer.from('{}')) }));
    await s3.send(new PutObjectCommand({ Bucket: opts.bucket, Key: `${prefix}AWSLogs/${org}${opts.accountId}/`, Body: Buffer.alloc(0) }));
  }
  return keys;
}
