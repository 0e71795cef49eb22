// S3: the account's buckets (ListBuckets) and, per bucket, its region, encryption and
// exposure (public access block, policy, ACL; public is decided locally in
// s3-exposure.ts), plus the account-wide public access block (S3 Control). Bucket
// locations are cached per collection: the audit trail reader asks for them too.

import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  type Bucket,
} from '@aws-sdk/client-s3';
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';

import type { InventoryArea, Resource } from '../../inventory/types.js';
import { mapLimit } from './concurrency.js';
import { paginate, type AwsCollection } from './context.js';
import { errorCode } from './errors.js';
import { bucketExposure, publicAclReason, publicPolicyReason, type PabFlags } from './s3-exposure.js';

/** S3 LocationConstraint -> region (empty means us-east-1, `EU` is the legacy eu-west-1). */
export function bucketRegionFromLocation(constraint: string | undefined | null): string {
  if (!constraint) return 'us-east-1';
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
}

/** GetBucketLocation, once per bucket and collection. */
export class BucketLocations {
  private readonly cache = new Map<string, Promise<string | undefined>>();

  constructor(private readonly c: AwsCollection) {}

  get(bucket: string): Promise<string | undefined> {
    let p = this.cache.get(bucket);
    if (!p) {
      p = this.c.clients
        .s3()
        .send(new GetBucketLocationCommand({ Bucket: bucket }), this.c.o)
        .then((r) => bucketRegionFromLocation(r.LocationConstraint));
      this.cache.set(bucket, p);
    }
    return p;
  }
}

export interface S3Facts {
  resources: Resource[];
  /** Buckets this account owns (ListBuckets), name -> region (undefined when unreadable). */
  ownBuckets: Map<string, string | undefined>;
  /** The account's public access block; null: none; undefined: unreadable (a gap). */
  accountBlock: PabFlags | null | undefined;
}

async function accountPublicAccessBlock(c: AwsCollection): Promise<PabFlags | null | undefined> {
  const s3c = c.clients.s3control();
  try {
    const r = await s3c.send(new GetAccountPublicAccessBlockCommand({ AccountId: c.accountId }), c.o);
    return r.PublicAccessBlockConfiguration ?? null;
  } catch (err) {
    if (errorCode(err) === 'NoSuchPublicAccessBlockConfiguration') return null;
    c.gap('exposure', err, 's3:GetAccountPublicAccessBlock');
    return undefined;
  }
}

export async function readBuckets(c: AwsCollection, locations: BucketLocations): Promise<S3Facts> {
  const s3 = c.clients.s3();
  const listBuckets = async (): Promise<Bucket[] | undefined> => {
    try {
      return await paginate(async (ContinuationToken) => {
        const r = await s3.send(new ListBucketsCommand({ MaxBuckets: 1000, ...(ContinuationToken ? { ContinuationToken } : {}) }), c.o);
        return { items: r.Buckets ?? [], next: r.ContinuationToken };
      });
    } catch (err) {
      // no bucket list: residency, exposure and encryption of buckets are all unknown
      for (const area of ['resources', 'exposure', 'encryption'] as const) c.gap(area, err, 's3:ListBuckets');
      return undefined;
    }
  };
  const [list, accountBlock] = await Promise.all([listBuckets(), accountPublicAccessBlock(c)]);
  const facts: S3Facts = { resources: [], ownBuckets: new Map(), accountBlock };
  if (!list) return facts;
  for (const b of list) if (b.Name) facts.ownBuckets.set(b.Name, b.BucketRegion);
  await mapLimit(list, c.limits.bucketConcurrency, async (b) => {
    if (b.Name) await readBucket(c, locations, facts, b.Name, b.BucketRegion);
  });
  return facts;
}

async function readBucket(c: AwsCollection, locations: BucketLocations, facts: S3Facts, name: string, listedRegion: string | undefined): Promise<void> {
  let region = listedRegion;
  if (!region) {
    try {
      region = await locations.get(name);
    } catch (err) {
      if (errorCode(err) === 'NoSuchBucket') return; // deleted meanwhile
      c.gap('resources', err, 's3:GetBucketLocation');
    }
    facts.ownBuckets.set(name, region);
  }
  const s3 = c.clients.s3(region);
  const B = { Bucket: name };
  const read = async <T>(area: InventoryArea, op: string, fn: () => Promise<T>, absent: string[]): Promise<T | null | undefined> => {
    try {
      return await fn();
    } catch (err) {
      if (absent.includes(errorCode(err))) return null;
      c.gap(area, err, op);
      return undefined;
    }
  };
  const [enc, pab, pol, acl] = await Promise.all([
    read('encryption', 's3:GetBucketEncryption', () => s3.send(new GetBucketEncryptionCommand(B), c.o), [
      'ServerSideEncryptionConfigurationNotFoundError',
    ]),
    read('exposure', 's3:GetBucketPublicAccessBlock', () => s3.send(new GetPublicAccessBlockCommand(B), c.o), [
      'NoSuchPublicAccessBlockConfiguration',
    ]),
    read('exposure', 's3:GetBucketPolicy', () => s3.send(new GetBucketPolicyCommand(B), c.o), ['NoSuchBucketPolicy']),
    read('exposure', 's3:GetBucketAcl', () => s3.send(new GetBucketAclCommand(B), c.o), []),
  ]);
  // Encryption: "no configuration" is reported as not encrypted. Since January 2023
  // AWS applies SSE-S3 to every new object even without a configuration (and
  // GetBucketEncryption then returns AES256), so on AWS this only happens for
  // legacy answers; moto keeps answering "not found" for unconfigured buckets.
  let encrypted: boolean | undefined;
  let cmk: boolean | undefined;
  if (enc === null) {
    encrypted = false;
    cmk = false;
  } else if (enc) {
    const rules = enc.ServerSideEncryptionConfiguration?.Rules ?? [];
    const def = rules.map((r) => r.ApplyServerSideEncryptionByDefault).find((d) => d?.SSEAlgorithm);
    encrypted = !!def;
    const keyId = def?.KMSMasterKeyID;
    cmk = !!def && def.SSEAlgorithm?.startsWith('aws:kms') === true && !!keyId && !keyId.includes('alias/aws/');
  }
  const policyReason = pol === undefined ? undefined : pol === null ? null : (publicPolicyReason(pol.Policy) ?? null);
  const aclReason = acl === undefined ? undefined : acl === null ? null : (publicAclReason(acl.Grants) ?? null);
  const exposure = bucketExposure({
    policyReason,
    aclReason,
    bucketBlock: pab === undefined ? undefined : pab === null ? null : (pab.PublicAccessBlockConfiguration ?? null),
    accountBlock: facts.accountBlock,
  });
  facts.resources.push({
    id: `arn:${c.partition}:s3:::${name}`,
    kind: 'bucket',
    region: region ?? 'unknown',
    ...(encrypted !== undefined ? { encrypted } : {}),
    ...(cmk !== undefined ? { customerManagedKey: cmk } : {}),
    ...exposure,
  });
}
