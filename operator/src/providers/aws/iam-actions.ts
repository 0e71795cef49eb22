// SDK operation labels (`<SdkService>:<Operation>`, as counted by the call middleware)
// -> the IAM action that authorises them. Used by the least-privilege policy test.

/**
 * Verbs the operator's own read-only actions start with (the chart policy's naming
 * check). Not a privilege rule: privilege comes from AWS's access levels (privilege.ts).
 */
export const READ_ONLY_VERB =
  /^(Get|List|Describe|View|Lookup|Search|Simulate|Generate|Estimate|Check|Preview|Poll|Query|Scan|Select|Validate|BatchGet|Head)/i;

const PREFIX: Record<string, string> = {
  IAM: 'iam',
  STS: 'sts',
  EC2: 'ec2',
  S3: 's3',
  S3Control: 's3',
  RDS: 'rds',
  CloudTrail: 'cloudtrail',
  Organizations: 'organizations',
};

/** Operations whose IAM action name differs from the API operation name. */
const RENAMED: Record<string, string> = {
  'S3:ListBuckets': 's3:ListAllMyBuckets',
  'S3:GetBucketEncryption': 's3:GetEncryptionConfiguration',
  'S3:GetBucketLocation': 's3:GetBucketLocation',
  'S3:GetPublicAccessBlock': 's3:GetBucketPublicAccessBlock',
  'S3:GetBucketPolicy': 's3:GetBucketPolicy',
  'S3:GetBucketAcl': 's3:GetBucketAcl',
  'S3Control:GetPublicAccessBlock': 's3:GetAccountPublicAccessBlock',
};

/**
 * Operations made by the operator's own identity rather than the read-only role
 * (AssumeRole needs `sts:AssumeRole` on the caller, granted by the role's trust policy
 * and the operator's own IRSA policy), and calls that need no permission.
 */
export const CALLER_SIDE_OPERATIONS = new Set(['STS:AssumeRole', 'STS:AssumeRoleWithWebIdentity']);

export function iamActionFor(operation: string): string {
  const renamed = RENAMED[operation];
  if (renamed) return renamed;
  const [service, op] = operation.split(':');
  const prefix = service ? PREFIX[service] : undefined;
  if (!prefix || !op) throw new Error(`no IAM action mapping for ${operation}`);
  return `${prefix}:${op}`;
}
