// Seeds moto accounts with the real AWS SDK v3: a compliant account, a non-compliant
// one and the demo account. moto keeps accounts apart by access key: the seed writes
// into an account with moto's `x-moto-account-id` header, and the collector reaches
// it the way it reaches a real account, by assuming a read-only role there (moto
// hands out temporary credentials that belong to the role's account).
import { readFileSync } from 'node:fs';

import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  EC2Client,
  EnableEbsEncryptionByDefaultCommand,
  ModifySnapshotAttributeCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  IAMClient,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AttachPolicyCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand as CreateOrgPolicyCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBSnapshotCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  CreateBucketCommand,
  PutBucketAclCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { PutPublicAccessBlockCommand as PutAccountPublicAccessBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';

import type { LogVault } from '../../operator/src/api/types.js';
import type { AccountTarget, StaticCredentials } from '../../operator/src/providers/types.js';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_ACCOUNT_ID } from './moto.js';

export const COMPLIANT_ACCOUNT_ID = '111111111111';
export const LOG_VAULT_ACCOUNT_ID = '222222222222';
export const NONCOMPLIANT_ACCOUNT_ID = '333333333333';
export const DEMO_ACCOUNT_ID = MOTO_DEFAULT_ACCOUNT_ID;
/** The operator's own account (where its base credentials live in moto). */
export const OPERATOR_ACCOUNT_ID = MOTO_DEFAULT_ACCOUNT_ID;
export const READ_ROLE_NAME = 'cloudposture-readonly';
export const EXTERNAL_ID = 'cloudposture-test';

/** The least-privilege read policy shipped with the chart. */
export const READONLY_POLICY_PATH = new URL('../../charts/cloud-posture-operator/files/aws-readonly-policy.json', import.meta.url);
export function readonlyPolicyDocument(): string {
  return readFileSync(READONLY_POLICY_PATH, 'utf8');
}

/** What a CloudService and the collector need to reach a seeded account. */
export interface SeededAccount {
  accountId: string;
  account: AccountTarget;
  /** The operator's base credentials (moto dummy keys; resolved "Secret"). */
  credentials: StaticCredentials;
  allowedRegions: string[];
  logVault?: LogVault;
  /** Names of what was seeded, for assertions. */
  names: Record<string, string>;
}


/** Route every request of a client into `accountId` (moto's x-moto-account-id header). */
function inAccount<T extends { middlewareStack: unknown }>(client: T, accountId: string): T {
  if (accountId === MOTO_DEFAULT_ACCOUNT_ID) return client;
  (client.middlewareStack as { add(mw: unknown, opts: unknown): void }).add(
    (next: (a: unknown) => Promise<unknown>) => async (args: { request?: { headers?: Record<string, string> } }) => {
      if (args.request?.headers) args.request.headers['x-moto-account-id'] = accountId;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  return client;
}

export class SeedClients {
  constructor(
    readonly endpoint: string,
    readonly accountId: string,
  ) {}

  private cfg(region: string): { endpoint: string; region: string; credentials: StaticCredentials } {
    return { endpoint: this.endpoint, region, credentials: { ...MOTO_CREDENTIALS } };
  }

  iam(): IAMClient {
    return inAccount(new IAMClient(this.cfg('us-east-1')), this.accountId);
  }
  ec2(region: string): EC2Client {
    return inAccount(new EC2Client(this.cfg(region)), this.accountId);
  }
  rds(region: string): RDSClient {
    return inAccount(new RDSClient(this.cfg(region)), this.accountId);
  }
  s3(region = 'us-east-1'): S3Client {
    return inAccount(new S3Client({ ...this.cfg(region), forcePathStyle: true }), this.accountId);
  }
  s3control(): S3ControlClient {
    const url = new URL(this.endpoint);
    return inAccount(
      new S3ControlClient({ ...this.cfg('us-east-1'), endpointProvider: () => ({ url }), disableHostPrefix: true }),
      this.accountId,
    );
  }
  cloudtrail(region: string): CloudTrailClient {
    return inAccount(new CloudTrailClient(this.cfg(region)), this.accountId);
  }
  organizations(): OrganizationsClient {
    return inAccount(new OrganizationsClient(this.cfg('us-east-1')), this.accountId);
  }
}

// ------------------------------------------------------------------ building blocks

const ADMIN_POLICY_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';

export async function createUser(
  c: SeedClients,
  name: string,
  opts: {
    password?: boolean;
    mfa?: 'virtual' | 'hardware';
    accessKey?: boolean;
    managedPolicies?: string[];
    inlinePolicy?: object;
    groups?: string[];
  } = {},
): Promise<{ accessKeyId?: string; secretAccessKey?: string }> {
  const iam = c.iam();
  await iam.send(new CreateUserCommand({ UserName: name }));
  if (opts.password) {
    await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: 'Ch4nge-me-now!', PasswordResetRequired: false }));
  }
  for (const arn of opts.managedPolicies ?? []) await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: arn }));
  if (opts.inlinePolicy) {
    await iam.send(
      new PutUserPolicyCommand({ UserName: name, PolicyName: `${name}-inline`, PolicyDocument: JSON.stringify(opts.inlinePolicy) }),
    );
  }
  for (const g of opts.groups ?? []) await iam.send(new AddUserToGroupCommand({ UserName: name, GroupName: g }));
  if (opts.mfa === 'virtual') {
    const d = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `${name}-mfa` }));
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: name,
        SerialNumber: d.VirtualMFADevice?.SerialNumber,
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    );
  } else if (opts.mfa === 'hardware') {
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: name,
        SerialNumber: `GAHT${name.padEnd(8, '0').slice(0, 8).toUpperCase()}`,
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    );
  }
  if (opts.accessKey) {
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
    return {
      ...(k.AccessKey?.AccessKeyId ? { accessKeyId: k.AccessKey.AccessKeyId } : {}),
      ...(k.AccessKey?.SecretAccessKey ? { secretAccessKey: k.AccessKey.SecretAccessKey } : {}),
    };
  }
  return {};
}

export async function createGroup(c: SeedClients, name: string, opts: { managedPolicies?: string[]; inlinePolicy?: object }): Promise<void> {
  const iam = c.iam();
  await iam.send(new CreateGroupCommand({ GroupName: name }));
  for (const arn of opts.managedPolicies ?? []) await iam.send(new AttachGroupPolicyCommand({ GroupName: name, PolicyArn: arn }));
  if (opts.inlinePolicy) {
    await iam.send(
      new PutGroupPolicyCommand({ GroupName: name, PolicyName: `${name}-inline`, PolicyDocument: JSON.stringify(opts.inlinePolicy) }),
    );
  }
}

/** A customer-managed read-only policy; returns its ARN. */
export async function createReadOnlyManagedPolicy(c: SeedClients, name: string): Promise<string> {
  const r = await c.iam().send(
    new CreatePolicyCommand({
      PolicyName: name,
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*', 'ec2:Describe*', 'cloudwatch:GetMetricData'], Resource: '*' }],
      }),
    }),
  );
  return r.Policy?.Arn as string;
}

/**
 * The role the operator assumes: trusted by the operator's account with an external
 * id, carrying the chart's read-only policy (or `policy` when given).
 */
export async function createReadRole(
  c: SeedClients,
  opts: {
    /** Permission policy (default: the chart's read-only policy). */
    policy?: string;
    roleName?: string;
    /** Who may assume it (default: the operator's account). */
    trustedPrincipal?: string;
    externalId?: string;
  } = {},
): Promise<string> {
  const policy = opts.policy ?? readonlyPolicyDocument();
  const roleName = opts.roleName ?? READ_ROLE_NAME;
  const trustedPrincipal = opts.trustedPrincipal ?? `arn:aws:iam::${OPERATOR_ACCOUNT_ID}:root`;
  const iam = c.iam();
  const r = await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: trustedPrincipal },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': opts.externalId ?? EXTERNAL_ID } },
          },
        ],
      }),
    }),
  );
  await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: 'cloudposture-readonly', PolicyDocument: policy }));
  return r.Role?.Arn as string;
}

export async function createBucket(
  c: SeedClients,
  name: string,
  region: string,
  opts: {
    encryption?: 'AES256' | { kmsKeyId: string };
    blockPublicAccess?: boolean;
    publicPolicy?: boolean;
    publicAcl?: boolean;
    policy?: object;
  } = {},
): Promise<void> {
  const s3 = c.s3(region);
  await s3.send(
    new CreateBucketCommand({
      Bucket: name,
      ...(region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } } : {}),
    }),
  );
  if (opts.encryption) {
    const def =
      opts.encryption === 'AES256'
        ? { SSEAlgorithm: 'AES256' as const }
        : { SSEAlgorithm: 'aws:kms' as const, KMSMasterKeyID: opts.encryption.kmsKeyId };
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: name,
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: def }] },
      }),
    );
  }
  if (opts.blockPublicAccess) {
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: name,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
  }
  if (opts.publicPolicy) {
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: name,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${name}/*` }],
        }),
      }),
    );
  } else if (opts.policy) {
    await s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: JSON.stringify(opts.policy) }));
  }
  if (opts.publicAcl) await s3.send(new PutBucketAclCommand({ Bucket: name, ACL: 'public-read' }));
}

/** A policy that lets CloudTrail of `sourceAccountId` write into the bucket (pinned: not public). */
export function trailBucketPolicy(bucket: string, sourceAccountId: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AWSCloudTrailWrite',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${bucket}/AWSLogs/${sourceAccountId}/*`,
        Condition: { StringEquals: { 'aws:SourceAccount': sourceAccountId } },
      },
    ],
  };
}

export async function blockAccountPublicAccess(c: SeedClients): Promise<void> {
  await c.s3control().send(
    new PutAccountPublicAccessBlockCommand({
      AccountId: c.accountId,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
}

export async function runInstance(c: SeedClients, region: string, opts: { encryptedRoot: boolean; name: string }): Promise<string> {
  const r = await c.ec2(region).send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      MinCount: 1,
      MaxCount: 1,
      InstanceType: 't3.micro',
      BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 8, Encrypted: opts.encryptedRoot } }],
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: opts.name }] }],
    }),
  );
  return r.Instances?.[0]?.InstanceId as string;
}

export async function createVolume(
  c: SeedClients,
  region: string,
  opts: { encrypted: boolean; kmsKeyId?: string; name: string },
): Promise<string> {
  const v = await c.ec2(region).send(
    new CreateVolumeCommand({
      AvailabilityZone: `${region}a`,
      Size: 10,
      Encrypted: opts.encrypted,
      ...(opts.kmsKeyId ? { KmsKeyId: opts.kmsKeyId } : {}),
      TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'Name', Value: opts.name }] }],
    }),
  );
  return v.VolumeId as string;
}

export async function createSnapshot(c: SeedClients, region: string, volumeId: string, opts: { public?: boolean } = {}): Promise<string> {
  const ec2 = c.ec2(region);
  const s = await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId, Description: `snapshot of ${volumeId}` }));
  const id = s.SnapshotId as string;
  if (opts.public) {
    await ec2.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: id,
        Attribute: 'createVolumePermission',
        OperationType: 'add',
        GroupNames: ['all'],
      }),
    );
  }
  return id;
}

export async function createDatabase(
  c: SeedClients,
  region: string,
  id: string,
  opts: { encrypted: boolean; snapshot?: { id: string; public?: boolean } },
): Promise<string> {
  const rds = c.rds(region);
  const r = await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      DBInstanceClass: 'db.t3.micro',
      Engine: 'postgres',
      AllocatedStorage: 20,
      MasterUsername: 'posture',
      MasterUserPassword: 'not-a-real-password-1',
      StorageEncrypted: opts.encrypted,
    }),
  );
  if (opts.snapshot) {
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: id, DBSnapshotIdentifier: opts.snapshot.id }));
    if (opts.snapshot.public) {
      await rds.send(
        new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: opts.snapshot.id, AttributeName: 'restore', ValuesToAdd: ['all'] }),
      );
    }
  }
  return r.DBInstance?.DBInstanceArn as string;
}

export async function createTrail(
  c: SeedClients,
  region: string,
  name: string,
  bucket: string,
  opts: { multiRegion: boolean; logging: boolean },
): Promise<void> {
  const ct = c.cloudtrail(region);
  await ct.send(new CreateTrailCommand({ Name: name, S3BucketName: bucket, IsMultiRegionTrail: opts.multiRegion }));
  if (opts.logging) await ct.send(new StartLoggingCommand({ Name: name }));
}

/** Operator identity: moto's default account dummy keys (the "Secret" fallback). */
function operatorCredentials(): StaticCredentials {
  return { ...MOTO_CREDENTIALS };
}

// ------------------------------------------------------------------ accounts

/**
 * A compliant account (111111111111) with its log vault (222222222222):
 * - users: alice (admin via group, console, virtual MFA), bob (read-only managed
 *   policy, console, hardware MFA), svc-reports (read-only inline, access key, virtual MFA);
 * - eu-west-1 only: a KMS-encrypted bucket with public access blocked, the account
 *   public access block on, an instance with an encrypted root volume, an encrypted
 *   volume with a private snapshot, an encrypted database with a private snapshot and
 *   an encrypted read replica in eu-central-1, EBS encryption by default in both regions;
 * - a multi-region trail, logging, delivering to the vault account's bucket in eu-central-1.
 */
export async function seedCompliantAccount(endpoint: string): Promise<SeededAccount> {
  const accountId = COMPLIANT_ACCOUNT_ID;
  const c = new SeedClients(endpoint, accountId);
  const vault = new SeedClients(endpoint, LOG_VAULT_ACCOUNT_ID);
  const kmsKey = `arn:aws:kms:eu-west-1:${accountId}:key/0d5b6f1e-3c1a-4f7e-9a55-111111111111`;
  const names = {
    admin: 'alice',
    reader: 'bob',
    service: 'svc-reports',
    bucket: `compliant-data-${accountId}`,
    vaultBucket: `log-vault-${LOG_VAULT_ACCOUNT_ID}`,
    trail: 'org-audit',
    database: 'payments-db',
    replica: 'payments-db-replica',
    dbSnapshot: 'payments-db-daily',
  };

  const roleArn = await createReadRole(c);
  const readOnlyArn = await createReadOnlyManagedPolicy(c, 'posture-readonly');
  await createGroup(c, 'admins', { managedPolicies: [ADMIN_POLICY_ARN] });
  await createUser(c, names.admin, { password: true, mfa: 'virtual', groups: ['admins'] });
  await createUser(c, names.reader, { password: true, mfa: 'hardware', managedPolicies: [readOnlyArn] });
  await createUser(c, names.service, {
    accessKey: true,
    mfa: 'virtual',
    inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: '*' }] },
  });

  await createBucket(vault, names.vaultBucket, 'eu-central-1', {
    encryption: 'AES256',
    blockPublicAccess: true,
    policy: trailBucketPolicy(names.vaultBucket, accountId),
  });
  await createBucket(c, names.bucket, 'eu-west-1', { encryption: { kmsKeyId: kmsKey }, blockPublicAccess: true });
  await blockAccountPublicAccess(c);

  for (const region of ['eu-west-1', 'eu-central-1']) {
    await c.ec2(region).send(new EnableEbsEncryptionByDefaultCommand({}));
  }
  await runInstance(c, 'eu-west-1', { encryptedRoot: true, name: 'payments-api' });
  const vol = await createVolume(c, 'eu-west-1', { encrypted: true, kmsKeyId: kmsKey, name: 'payments-data' });
  await createSnapshot(c, 'eu-west-1', vol);
  const dbArn = await createDatabase(c, 'eu-west-1', names.database, { encrypted: true, snapshot: { id: names.dbSnapshot } });
  await c.rds('eu-central-1').send(
    new CreateDBInstanceReadReplicaCommand({
      DBInstanceIdentifier: names.replica,
      SourceDBInstanceIdentifier: dbArn,
    }),
  );

  await createTrail(c, 'eu-west-1', names.trail, names.vaultBucket, { multiRegion: true, logging: true });

  return {
    accountId,
    account: { aws: { accountId, roleArn, externalId: EXTERNAL_ID, regions: ['eu-west-1', 'eu-central-1', 'us-east-1'] } },
    credentials: operatorCredentials(),
    allowedRegions: ['eu-west-1', 'eu-central-1'],
    logVault: { accountId: LOG_VAULT_ACCOUNT_ID, bucket: names.vaultBucket },
    names,
  };
}

/**
 * A non-compliant account (333333333333):
 * - dave: AdministratorAccess, console, no MFA (privileged without MFA);
 * - frank: privileged through a group inline policy (ec2:*), console, no MFA;
 * - erin: read-only, console, no MFA; ci-bot: access key, s3:PutObject, no console;
 * - a bucket in us-east-1 (allowed: eu-*) without encryption and with a public policy;
 *   a bucket in eu-west-1 with a public-read ACL; no account public access block;
 * - eu-west-1: an unencrypted volume with a public snapshot, an unencrypted database
 *   with a public manual snapshot, no EBS encryption by default;
 * - a single-region trail delivering to a bucket of the same account.
 */
export async function seedNonCompliantAccount(endpoint: string): Promise<SeededAccount> {
  const accountId = NONCOMPLIANT_ACCOUNT_ID;
  const c = new SeedClients(endpoint, accountId);
  const names = {
    admin: 'dave',
    groupAdmin: 'frank',
    reader: 'erin',
    bot: 'ci-bot',
    publicBucket: `public-exports-${accountId}`,
    aclBucket: `public-acl-${accountId}`,
    trailBucket: `local-trail-logs-${accountId}`,
    trail: 'local-trail',
    database: 'legacy-db',
    dbSnapshot: 'legacy-db-shared',
    volume: '',
    snapshot: '',
  };
  const roleArn = await createReadRole(c);
  const readOnlyArn = await createReadOnlyManagedPolicy(c, 'posture-readonly');
  await createGroup(c, 'ops', {
    inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] },
  });
  await createUser(c, names.admin, { password: true, managedPolicies: [ADMIN_POLICY_ARN] });
  await createUser(c, names.groupAdmin, { password: true, groups: ['ops'] });
  await createUser(c, names.reader, { password: true, managedPolicies: [readOnlyArn] });
  await createUser(c, names.bot, {
    accessKey: true,
    inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: '*' }] },
  });

  await createBucket(c, names.publicBucket, 'us-east-1', { publicPolicy: true });
  await createBucket(c, names.aclBucket, 'eu-west-1', { encryption: 'AES256', publicAcl: true });
  await createBucket(c, names.trailBucket, 'eu-west-1', {
    encryption: 'AES256',
    blockPublicAccess: true,
    policy: trailBucketPolicy(names.trailBucket, accountId),
  });

  names.volume = await createVolume(c, 'eu-west-1', { encrypted: false, name: 'legacy-data' });
  names.snapshot = await createSnapshot(c, 'eu-west-1', names.volume, { public: true });
  await createDatabase(c, 'eu-west-1', names.database, { encrypted: false, snapshot: { id: names.dbSnapshot, public: true } });
  await createTrail(c, 'eu-west-1', names.trail, names.trailBucket, { multiRegion: false, logging: true });

  return {
    accountId,
    account: { aws: { accountId, roleArn, externalId: EXTERNAL_ID, regions: ['eu-west-1', 'eu-central-1', 'us-east-1'] } },
    credentials: operatorCredentials(),
    allowedRegions: ['eu-west-1', 'eu-central-1'],
    names,
  };
}

/**
 * An organization managed from `accountId` with a region-restricting SCP attached to
 * its root. (moto cannot act as a member account for Organizations reads; for the
 * management account itself SCPs never apply.)
 */
export async function seedRegionScp(endpoint: string, accountId: string, regions: string[]): Promise<string> {
  const org = new SeedClients(endpoint, accountId).organizations();
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const p = await org.send(
    new CreateOrgPolicyCommand({
      Name: 'deny-outside-eu',
      Description: 'Deny requests outside the allowed regions',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyOutsideAllowedRegions',
            Effect: 'Deny',
            NotAction: ['iam:*', 'organizations:*', 'sts:*', 'support:*', 'cloudfront:*'],
            Resource: '*',
            Condition: { StringNotEquals: { 'aws:RequestedRegion': regions } },
          },
        ],
      }),
    }),
  );
  const roots = await org.send(new ListRootsCommand({}));
  const policyId = p.Policy?.PolicySummary?.Id as string;
  await org.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: roots.Roots?.[0]?.Id as string }));
  return policyId;
}

/** What the sample services in crds/samples/ declare for the demo accounts. */
export const DEMO_SAMPLES = {
  /** crds/samples/aws-compliant.yaml (CloudService aws-payments-prod). */
  paymentsProd: { accountId: DEMO_ACCOUNT_ID, externalId: 'cloudposture-payments-prod' },
  /** crds/samples/aws-noncompliant.yaml (CloudService aws-marketing-sandbox). */
  marketingSandbox: { accountId: '210987654321' },
} as const;

/**
 * The demo account behind the sample `aws-payments-prod`: moto's default account
 * 123456789012 (role cloudposture-readonly, external id cloudposture-payments-prod,
 * allowed regions eu-west-1 / eu-central-1). On paper the service is compliant; live
 * it is not quite:
 * - users: ops-admin (admin via group, console, virtual MFA), break-glass-admin (admin,
 *   console, hardware MFA; the sample's break-glass identity), jane.doe and
 *   max.mustermann (console, read-only, no MFA), deploy-bot (key, s3:PutObject, no
 *   MFA), contractor-admin (admin, console, no MFA);
 * - buckets: demo-invoices-eu (eu-west-1, KMS, blocked), demo-marketing-assets
 *   (us-east-1: outside the allowed regions, no encryption), demo-cloudtrail-logs
 *   (eu-west-1, same account: the trail's destination, not the declared log vault);
 * - eu-west-1: an instance with an encrypted root volume, an unencrypted volume
 *   "scratch-data", an encrypted database; eu-central-1: EBS encryption by default;
 * - a multi-region trail delivering to demo-cloudtrail-logs (same account).
 * Seed it once into a fresh moto (names are fixed).
 */
export async function seedDemoAccount(endpoint: string): Promise<SeededAccount> {
  const accountId = DEMO_ACCOUNT_ID;
  const c = new SeedClients(endpoint, accountId);
  const kmsKey = `arn:aws:kms:eu-west-1:${accountId}:key/8f1c2d3e-4b5a-6978-8a9b-123456789012`;
  const names = {
    admin: 'ops-admin',
    breakGlass: 'break-glass-admin',
    contractor: 'contractor-admin',
    invoices: 'demo-invoices-eu',
    marketing: 'demo-marketing-assets',
    trailBucket: 'demo-cloudtrail-logs',
    trail: 'demo-audit',
    volume: '',
  };
  const roleArn = await createReadRole(c, { externalId: DEMO_SAMPLES.paymentsProd.externalId });
  const readOnlyArn = await createReadOnlyManagedPolicy(c, 'posture-readonly');
  await createGroup(c, 'platform-admins', { managedPolicies: [ADMIN_POLICY_ARN] });
  await createUser(c, names.admin, { password: true, mfa: 'virtual', groups: ['platform-admins'] });
  await createUser(c, names.breakGlass, { password: true, mfa: 'hardware', managedPolicies: [ADMIN_POLICY_ARN] });
  await createUser(c, 'jane.doe', { password: true, managedPolicies: [readOnlyArn] });
  await createUser(c, 'max.mustermann', { password: true, managedPolicies: [readOnlyArn] });
  await createUser(c, 'deploy-bot', {
    accessKey: true,
    inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: '*' }] },
  });
  await createUser(c, names.contractor, { password: true, managedPolicies: [ADMIN_POLICY_ARN] });

  await createBucket(c, names.invoices, 'eu-west-1', { encryption: { kmsKeyId: kmsKey }, blockPublicAccess: true });
  await createBucket(c, names.marketing, 'us-east-1');
  await createBucket(c, names.trailBucket, 'eu-west-1', {
    encryption: 'AES256',
    blockPublicAccess: true,
    policy: trailBucketPolicy(names.trailBucket, accountId),
  });

  await c.ec2('eu-central-1').send(new EnableEbsEncryptionByDefaultCommand({}));
  await runInstance(c, 'eu-west-1', { encryptedRoot: true, name: 'invoice-api' });
  names.volume = await createVolume(c, 'eu-west-1', { encrypted: false, name: 'scratch-data' });
  await createDatabase(c, 'eu-west-1', 'invoices-db', { encrypted: true });
  await createTrail(c, 'eu-west-1', names.trail, names.trailBucket, { multiRegion: true, logging: true });

  return {
    accountId,
    account: {
      aws: {
        accountId,
        roleArn,
        externalId: DEMO_SAMPLES.paymentsProd.externalId,
        regions: ['eu-west-1', 'eu-central-1', 'us-east-1'],
      },
    },
    credentials: operatorCredentials(),
    allowedRegions: ['eu-west-1', 'eu-central-1'],
    logVault: { accountId: '999988887777', bucket: 'acme-org-audit-log-vault' },
    names,
  };
}

/**
 * The account behind the sample `aws-marketing-sandbox` (210987654321, role
 * cloudposture-readonly, allowed region eu-west-1): an analyst without MFA who is
 * privileged, a campaign bucket in us-east-1 with a public-read ACL and no
 * encryption, an unencrypted volume in us-east-1, and no trail at all.
 */
export async function seedMarketingSandboxAccount(endpoint: string): Promise<SeededAccount> {
  const accountId = DEMO_SAMPLES.marketingSandbox.accountId;
  const c = new SeedClients(endpoint, accountId);
  const names = { analyst: 'marketing-analyst', bucket: 'acme-campaign-assets', volume: '' };
  const roleArn = await createReadRole(c);
  await createUser(c, names.analyst, {
    password: true,
    inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*'], Resource: '*' }] },
  });
  await createBucket(c, names.bucket, 'us-east-1', { publicAcl: true });
  names.volume = await createVolume(c, 'us-east-1', { encrypted: false, name: 'campaign-render-cache' });
  return {
    accountId,
    account: { aws: { accountId, roleArn, regions: ['eu-west-1', 'us-east-1'] } },
    credentials: operatorCredentials(),
    allowedRegions: ['eu-west-1'],
    names,
  };
}

/** Both demo accounts (sample services aws-payments-prod and aws-marketing-sandbox). */
export async function seedDemoAccounts(endpoint: string): Promise<{ paymentsProd: SeededAccount; marketingSandbox: SeededAccount }> {
  return { paymentsProd: await seedDemoAccount(endpoint), marketingSandbox: await seedMarketingSandboxAccount(endpoint) };
}
