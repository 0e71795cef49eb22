// One deployed resource's posture facts from a Pulumi state (pure): its id / ARN, kind,
// region, whether it is encrypted and whether it is public, normalised from the outputs
// (inputs as a fallback). S3 child resources (encryption configuration, public access
// block, ACL, policy) fold into their bucket's facts, linked by bucket name; public blob
// containers into their storage account's.

import type { ResourceKind } from '../inventory/types.js';
import type { DeclaredResource } from '../inventory/declared-state.js';
import {
  AWS_ACCOUNT_PUBLIC_ACCESS_BLOCK_TYPE,
  AWS_BUCKET_ACL_TYPES,
  AWS_BUCKET_POLICY_TYPE,
  AWS_BUCKET_PUBLIC_ACCESS_BLOCK_TYPE,
  AWS_BUCKET_SSE_TYPES,
  AWS_BUCKET_TYPES,
  AWS_DB_CLUSTER_TYPE,
  AWS_DB_INSTANCE_TYPE,
  AWS_VOLUME_TYPE,
  AZURE_BLOB_CONTAINER_TYPE,
  AZURE_DISK_TYPE,
  AZURE_STORAGE_ACCOUNT_TYPE,
  type BucketExposureFacts,
  type Props,
  arnRegion,
  asArray,
  asBool,
  asString,
  availabilityZoneRegion,
  azureStorageEncryptionOff,
  bucketExposure,
  cloudOfType,
  isProviderType,
  isRecord,
  kindOfType,
  parseJsonText,
  publicAccessBlockGaps,
} from './resource-types.js';
import { nameOfUrn, providerUrnOf } from './urn.js';

/** A state resource as read (values made plain), before it becomes a DeclaredResource. */
export interface RawResource {
  urn: string;
  type: string;
  custom: boolean;
  id?: string;
  provider?: string;
  inputs: Props;
  outputs: Props;
  skip: boolean;
}

/** A value from outputs, else from inputs (a failed refresh can leave outputs thin). */
function fact(r: RawResource, key: string): unknown {
  return r.outputs[key] !== undefined ? r.outputs[key] : r.inputs[key];
}

interface BucketChildren {
  encryption: boolean;
  exposure: BucketExposureFacts;
}

function bucketName(r: RawResource): string | undefined {
  return asString(fact(r, 'bucket')) ?? r.id;
}

/** Folds the S3 child resources into per-bucket facts, keyed by bucket name. */
function collectBucketChildren(resources: readonly RawResource[]): { byBucket: Map<string, BucketChildren>; accountBlock?: Props } {
  const byBucket = new Map<string, BucketChildren>();
  const entry = (name: string): BucketChildren => {
    let e = byBucket.get(name);
    if (!e) {
      e = { encryption: false, exposure: { acls: [], policies: [] } };
      byBucket.set(name, e);
    }
    return e;
  };
  let accountBlock: Props | undefined;
  for (const r of resources) {
    if (r.skip || !r.custom) continue;
    if (r.type === AWS_ACCOUNT_PUBLIC_ACCESS_BLOCK_TYPE) {
      accountBlock = { ...r.inputs, ...r.outputs };
      continue;
    }
    const bucket = asString(fact(r, 'bucket'));
    if (!bucket) continue;
    if (AWS_BUCKET_SSE_TYPES.includes(r.type)) {
      if (asArray(fact(r, 'rules')).length > 0) entry(bucket).encryption = true;
    } else if (r.type === AWS_BUCKET_PUBLIC_ACCESS_BLOCK_TYPE) {
      entry(bucket).exposure.publicAccessBlock = { ...r.inputs, ...r.outputs };
    } else if (AWS_BUCKET_ACL_TYPES.includes(r.type)) {
      entry(bucket).exposure.acls.push({ acl: fact(r, 'acl'), accessControlPolicy: fact(r, 'accessControlPolicy') });
    } else if (r.type === AWS_BUCKET_POLICY_TYPE) {
      entry(bucket).exposure.policies.push(parseJsonText(fact(r, 'policy')));
    }
  }
  return accountBlock === undefined ? { byBucket } : { byBucket, accountBlock };
}

/** Public containers of each storage account, keyed by account name. */
function collectPublicContainers(resources: readonly RawResource[]): Set<string> {
  const accounts = new Set<string>();
  for (const r of resources) {
    if (r.skip || r.type !== AZURE_BLOB_CONTAINER_TYPE) continue;
    const access = asString(fact(r, 'publicAccess'));
    const account = asString(r.inputs.accountName);
    if (account && access && access !== 'None') accounts.add(account.toLowerCase());
  }
  return accounts;
}

function hasSseOutput(r: RawResource): boolean {
  // v7 Bucket: serverSideEncryptionConfiguration { rules: [...] }; v6 BucketV2: serverSideEncryptionConfigurations [...]
  const single = r.outputs.serverSideEncryptionConfiguration;
  if (isRecord(single) && asArray(single.rules).length > 0) return true;
  const many = asArray(r.outputs.serverSideEncryptionConfigurations);
  return many.some((c) => isRecord(c) && asArray(c.rules).length > 0);
}

interface Context {
  providers: Map<string, RawResource>;
  buckets: Map<string, BucketChildren>;
  accountBlock?: Props;
  publicContainers: Set<string>;
}

function awsRegion(r: RawResource, ctx: Context, arn: string | undefined): string | undefined {
  const own = asString(r.outputs.region) ?? asString(r.inputs.region);
  if (own) return own;
  const providerUrn = providerUrnOf(r.provider);
  const provider = providerUrn ? ctx.providers.get(providerUrn) : undefined;
  const fromProvider = provider ? asString(provider.inputs.region) ?? asString(provider.outputs.region) : undefined;
  if (fromProvider) return fromProvider;
  return arnRegion(arn) ?? availabilityZoneRegion(asString(fact(r, 'availabilityZone')));
}

function azureLocation(r: RawResource): string | undefined {
  const location = asString(fact(r, 'location'));
  return location?.toLowerCase().replace(/\s+/g, '');
}

function encryptedOf(r: RawResource, ctx: Context): boolean | undefined {
  if (r.type === AWS_VOLUME_TYPE) return asBool(fact(r, 'encrypted'));
  if (r.type === AWS_DB_INSTANCE_TYPE || r.type === AWS_DB_CLUSTER_TYPE) return asBool(fact(r, 'storageEncrypted'));
  if (AWS_BUCKET_TYPES.includes(r.type)) {
    const name = bucketName(r);
    const declared = (name !== undefined && ctx.buckets.get(name)?.encryption === true) || hasSseOutput(r);
    // Undeclared is not "unencrypted": S3 encrypts every new object (SSE-S3) since January 2023.
    return declared ? true : undefined;
  }
  if (r.type === AZURE_STORAGE_ACCOUNT_TYPE) {
    const encryption = fact(r, 'encryption');
    if (!isRecord(encryption)) return undefined;
    return azureStorageEncryptionOff(encryption).length === 0;
  }
  if (r.type === AZURE_DISK_TYPE) {
    // Managed disks are always encrypted at rest (platform key unless a customer key is set).
    return isRecord(fact(r, 'encryption')) ? true : undefined;
  }
  return undefined;
}

function publicOf(r: RawResource, ctx: Context): boolean | undefined {
  if (AWS_BUCKET_TYPES.includes(r.type)) {
    const name = bucketName(r);
    const children = name !== undefined ? ctx.buckets.get(name) : undefined;
    const facts: BucketExposureFacts = {
      acl: fact(r, 'acl'),
      grants: r.outputs.grants ?? r.inputs.grants,
      acls: children?.exposure.acls ?? [],
      policies: [...(children?.exposure.policies ?? []), parseJsonText(fact(r, 'policy'))],
    };
    const block = children?.exposure.publicAccessBlock ?? ctx.accountBlock;
    if (block !== undefined) facts.publicAccessBlock = block;
    if (block !== undefined && publicAccessBlockGaps(block).length === 0) return false;
    return bucketExposure(facts).public;
  }
  if (r.type === AWS_DB_INSTANCE_TYPE) return asBool(fact(r, 'publiclyAccessible')) ?? false;
  if (r.type === AZURE_STORAGE_ACCOUNT_TYPE) {
    // Anonymous blob access allowed on the account (what the collectors report as public),
    // or a container declared public.
    const name = asString(fact(r, 'name')) ?? asString(r.inputs.accountName);
    if (name !== undefined && ctx.publicContainers.has(name.toLowerCase())) return true;
    return asBool(fact(r, 'allowBlobPublicAccess'));
  }
  return undefined;
}

function declaredResource(r: RawResource, ctx: Context): DeclaredResource {
  const cloud = cloudOfType(r.type);
  const kind: ResourceKind | undefined = kindOfType(r.type);
  let arn = asString(r.outputs.arn);
  if (!arn && AWS_BUCKET_TYPES.includes(r.type)) {
    const name = bucketName(r);
    if (name) arn = `arn:aws:s3:::${name}`;
  }
  const d: DeclaredResource = { urn: r.urn, type: r.type, name: nameOfUrn(r.urn) };
  const id = r.id ?? (cloud === 'azure' ? asString(r.outputs.id) : undefined);
  if (id !== undefined) d.id = id;
  if (kind !== undefined) d.kind = kind;
  if (arn !== undefined) d.arn = arn;
  const region = cloud === 'aws' ? awsRegion(r, ctx, arn) : cloud === 'azure' ? azureLocation(r) : undefined;
  if (region !== undefined) d.region = region;
  const encrypted = encryptedOf(r, ctx);
  if (encrypted !== undefined) d.encrypted = encrypted;
  const isPublic = publicOf(r, ctx);
  if (isPublic !== undefined) d.public = isPublic;
  return d;
}

/** The DeclaredResources of a state: its managed custom resources, with their facts. */
export function declaredResources(all: readonly RawResource[]): DeclaredResource[] {
  const { byBucket, accountBlock } = collectBucketChildren(all);
  const ctx: Context = {
    providers: new Map(all.filter((r) => isProviderType(r.type)).map((r) => [r.urn, r])),
    buckets: byBucket,
    publicContainers: collectPublicContainers(all),
  };
  if (accountBlock !== undefined) ctx.accountBlock = accountBlock;
  return all.filter((r) => r.custom && !r.skip && !isProviderType(r.type)).map((r) => declaredResource(r, ctx));
}
