// What the Pulumi type tokens of @pulumi/aws (v6/v7) and @pulumi/azure-native (v2/v3)
// mean for the posture checks. Shared by the state parser (checkpoint.ts and
// declared-facts.ts, which read the outputs of deployed resources) and the hardening
// gate (gate*.ts, which reads the inputs a program declares under mocks): one place
// knows that a bucket's public access block is a separate resource linked by bucket name.

import type { ResourceKind } from '../inventory/types.js';

export type Cloud = 'aws' | 'azure';

export const AWS_PROVIDER_TYPE = 'pulumi:providers:aws';
export const AZURE_PROVIDER_TYPE = 'pulumi:providers:azure-native';

export const AWS_BUCKET_TYPES: readonly string[] = ['aws:s3/bucket:Bucket', 'aws:s3/bucketV2:BucketV2'];
export const AWS_BUCKET_SSE_TYPES: readonly string[] = [
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  'aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2',
];
export const AWS_BUCKET_PUBLIC_ACCESS_BLOCK_TYPE = 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock';
export const AWS_ACCOUNT_PUBLIC_ACCESS_BLOCK_TYPE = 'aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock';
export const AWS_BUCKET_ACL_TYPES: readonly string[] = ['aws:s3/bucketAcl:BucketAcl', 'aws:s3/bucketAclV2:BucketAclV2'];
export const AWS_BUCKET_POLICY_TYPE = 'aws:s3/bucketPolicy:BucketPolicy';
export const AWS_VOLUME_TYPE = 'aws:ebs/volume:Volume';
export const AWS_INSTANCE_TYPE = 'aws:ec2/instance:Instance';
export const AWS_DB_INSTANCE_TYPE = 'aws:rds/instance:Instance';
export const AWS_DB_CLUSTER_TYPE = 'aws:rds/cluster:Cluster';
export const AZURE_RESOURCE_GROUP_TYPE = 'azure-native:resources:ResourceGroup';
export const AZURE_STORAGE_ACCOUNT_TYPE = 'azure-native:storage:StorageAccount';
export const AZURE_BLOB_CONTAINER_TYPE = 'azure-native:storage:BlobContainer';
export const AZURE_DISK_TYPE = 'azure-native:compute:Disk';
export const AZURE_VM_TYPE = 'azure-native:compute:VirtualMachine';

/**
 * Type tokens compared with the live inventory, by the inventory kind the collectors
 * report them as. RDS clusters are not listed: the collectors list DB instances (a
 * cluster's instances are declared as `aws:rds/clusterInstance`, not compared either).
 */
const KIND_BY_TYPE: Readonly<Record<string, ResourceKind>> = {
  'aws:s3/bucket:Bucket': 'bucket',
  'aws:s3/bucketV2:BucketV2': 'bucket',
  [AWS_VOLUME_TYPE]: 'volume',
  [AWS_INSTANCE_TYPE]: 'compute-instance',
  [AWS_DB_INSTANCE_TYPE]: 'database',
  [AZURE_STORAGE_ACCOUNT_TYPE]: 'storage-account',
  [AZURE_DISK_TYPE]: 'volume',
  [AZURE_VM_TYPE]: 'compute-instance',
};

export function kindOfType(type: string): ResourceKind | undefined {
  return KIND_BY_TYPE[type];
}

export function isProviderType(type: string): boolean {
  return type.startsWith('pulumi:providers:');
}

/** The cloud a type token (or provider type) belongs to. */
export function cloudOfType(type: string): Cloud | undefined {
  if (type.startsWith('aws:') || type === AWS_PROVIDER_TYPE) return 'aws';
  if (type.startsWith('azure-native:') || type === AZURE_PROVIDER_TYPE) return 'azure';
  return undefined;
}

/**
 * AWS modules whose resources have no region (or are global control-plane objects):
 * the region rules skip them.
 */
const AWS_GLOBAL_MODULES = new Set([
  'iam',
  'organizations',
  'route53',
  'route53domains',
  'cloudfront',
  'budgets',
  'globalaccelerator',
  'shield',
  'waf',
  'costexplorer',
  'account',
]);

/** "aws:iam/role:Role" -> "iam". */
export function moduleOfType(type: string): string {
  const parts = type.split(':');
  return (parts[1] ?? '').split('/')[0] ?? '';
}

export function isRegionalType(type: string): boolean {
  const cloud = cloudOfType(type);
  if (cloud === 'aws') return !AWS_GLOBAL_MODULES.has(moduleOfType(type));
  return cloud === 'azure';
}

// ---- plain value helpers (inputs and outputs are untyped JSON) ----

export type Props = Record<string, unknown>;

export function isRecord(value: unknown): value is Props {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * A boolean, also from the string form: provider inputs (and some state files) carry
 * non-string values as strings ("true").
 */
export function asBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** An object, also when it arrives JSON-encoded (provider inputs such as `defaultTags`). */
export function asRecord(value: unknown): Props | undefined {
  if (isRecord(value)) return value;
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(value);
      return isRecord(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function asArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(value);
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return [];
    }
  }
  return [];
}

/** A JSON document given as text (a bucket policy) parsed; other values as they are, unparseable text undefined. */
export function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

/** String-valued tags from a `tags` map. */
export function asTags(value: unknown): Record<string, string> {
  const record = asRecord(value);
  const tags: Record<string, string> = {};
  if (!record) return tags;
  for (const [k, v] of Object.entries(record)) {
    if (typeof v === 'string') tags[k] = v;
  }
  return tags;
}

// ---- S3 exposure ----

export const PUBLIC_CANNED_ACLS: readonly string[] = ['public-read', 'public-read-write', 'authenticated-read'];

const PUBLIC_GRANTEE_URIS = [
  'http://acs.amazonaws.com/groups/global/AllUsers',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
];

/** An ACL (canned name or `accessControlPolicy` grants) that lets anyone read or write. */
export function aclIsPublic(acl: unknown, accessControlPolicy?: unknown): boolean {
  if (typeof acl === 'string' && PUBLIC_CANNED_ACLS.includes(acl)) return true;
  const acp = asRecord(accessControlPolicy);
  if (!acp) return false;
  return asArray(acp.grants).some((grant) => {
    const grantee = isRecord(grant) ? asRecord(grant.grantee) : undefined;
    return typeof grantee?.uri === 'string' && PUBLIC_GRANTEE_URIS.includes(grantee.uri);
  });
}

function principalIsEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  const p = asRecord(principal);
  if (!p) return false;
  const aws = p.AWS;
  return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
}

/**
 * A bucket policy that allows anyone (Principal "*") without a condition. A condition
 * (source VPC, organisation id, IP range) is taken as restricting the grant: this is a
 * deliberately simple reading, not IAM policy evaluation.
 */
export function policyIsPublic(policy: unknown): boolean {
  const doc = asRecord(policy);
  if (!doc) return false;
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  return statements.some(
    (s) =>
      isRecord(s) &&
      s.Effect === 'Allow' &&
      principalIsEveryone(s.Principal) &&
      (s.Condition === undefined || (isRecord(s.Condition) && Object.keys(s.Condition).length === 0)),
  );
}

export const PUBLIC_ACCESS_BLOCK_FLAGS = ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'] as const;

/** Which of the four public-access-block flags are not on. */
export function publicAccessBlockGaps(props: Props | undefined): string[] {
  if (!props) return [...PUBLIC_ACCESS_BLOCK_FLAGS];
  return PUBLIC_ACCESS_BLOCK_FLAGS.filter((flag) => asBool(props[flag]) !== true);
}

/** The pieces of a bucket's exposure, gathered from the bucket and its child resources. */
export interface BucketExposureFacts {
  /** The bucket's own (deprecated inline) `acl` and grants. */
  acl?: unknown;
  grants?: unknown;
  /** `aws:s3/bucketAcl` resources for this bucket. */
  acls: Array<{ acl?: unknown; accessControlPolicy?: unknown }>;
  /** `aws:s3/bucketPolicy` documents (and the bucket's inline `policy`). */
  policies: unknown[];
  /** The bucket's public access block (or the account's), when declared. */
  publicAccessBlock?: Props;
}

export interface BucketExposure {
  public: boolean;
  /** Why it is public (empty when not). */
  reasons: string[];
}

/**
 * Effective exposure: a public ACL counts unless ACLs are blocked/ignored, a public
 * policy unless public policies are blocked/restricted (S3's own semantics).
 */
export function bucketExposure(facts: BucketExposureFacts): BucketExposure {
  const pab = facts.publicAccessBlock;
  const aclsNeutralised = pab !== undefined && asBool(pab.ignorePublicAcls) === true;
  const policyNeutralised = pab !== undefined && asBool(pab.restrictPublicBuckets) === true;
  const reasons: string[] = [];
  const publicAcl =
    aclIsPublic(facts.acl, facts.grants === undefined ? undefined : { grants: facts.grants }) ||
    facts.acls.some((a) => aclIsPublic(a.acl, a.accessControlPolicy));
  if (publicAcl && !aclsNeutralised) reasons.push('public ACL');
  if (facts.policies.some(policyIsPublic) && !policyNeutralised) reasons.push('bucket policy allows everyone');
  return { public: reasons.length > 0, reasons };
}

// ---- Azure ----

/** Storage account encryption declared off for a service (Azure cannot turn SSE off; the declaration is still wrong). */
export function azureStorageEncryptionOff(encryption: unknown): string[] {
  const enc = asRecord(encryption);
  const services = enc ? asRecord(enc.services) : undefined;
  if (!services) return [];
  return Object.entries(services)
    .filter(([, service]) => isRecord(service) && asBool(service.enabled) === false)
    .map(([name]) => name);
}

/** A storage account's key source is a customer-managed Key Vault key. */
export function azureStorageCustomerKey(encryption: unknown): boolean {
  const enc = asRecord(encryption);
  return typeof enc?.keySource === 'string' && enc.keySource.toLowerCase() === 'microsoft.keyvault';
}

/** A managed disk encrypted with a customer-managed key (disk encryption set). */
export function azureDiskCustomerKey(encryption: unknown): boolean {
  const enc = asRecord(encryption);
  const type = typeof enc?.type === 'string' ? enc.type : '';
  return type === 'EncryptionAtRestWithCustomerKey' || type === 'EncryptionAtRestWithPlatformAndCustomerKeys';
}

/**
 * A managed disk that can be exported (SAS download URL) from any network:
 * `networkAccessPolicy` defaults to AllowAll and `publicNetworkAccess` to Enabled.
 */
export function azureDiskPubliclyExportable(props: Props): boolean {
  const policy = asString(props.networkAccessPolicy);
  const network = asString(props.publicNetworkAccess);
  if (network === 'Disabled') return false;
  return policy === undefined || policy === 'AllowAll';
}

/** The region of an AWS ARN (empty for global ARNs such as S3 buckets). */
export function arnRegion(arn: string | undefined): string | undefined {
  if (!arn?.startsWith('arn:')) return undefined;
  return asString(arn.split(':')[3]);
}

/** eu-west-1a -> eu-west-1; Local / Wavelength zone names are not read (undefined). */
export function availabilityZoneRegion(az: string | undefined): string | undefined {
  return az ? /^([a-z]{2}(?:-[a-z]+)+-\d+)[a-z]$/.exec(az)?.[1] : undefined;
}
