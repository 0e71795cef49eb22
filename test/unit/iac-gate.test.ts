// The hardening gate over captured resources (what `pulumi.runtime.setMocks` hands the
// mocks: type tokens and resolved inputs; provider inputs arrive as strings).
// The real programs under test/fixtures/pulumi are run by test/integration/iac-check-cli.test.ts.
import { checkProgram } from '../../operator/src/iac/gate.js';
import { formatGateText } from '../../operator/src/iac/gate-text.js';
import type { CapturedProgram, CapturedResource, GateOptions } from '../../operator/src/iac/gate-types.js';

const STACK = 'ci';
const PROJECT = 'payments';
const urn = (type: string, name: string) => `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;

function r(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<CapturedResource> = {}): CapturedResource {
  return { urn: urn(type, name), type, name, custom: true, id: `${name}-id`, inputs, ...extra };
}

function awsProvider(name: string, inputs: Record<string, unknown>): CapturedResource {
  return r('pulumi:providers:aws', name, inputs, { id: `provider-${name}` });
}

const on = (provider: CapturedResource) => ({ provider: provider.urn });
const TAGS = { tags: { classification: 'confidential' } };
const PAB = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };

function bucket(name: string, inputs: Record<string, unknown> = {}, extra: Partial<CapturedResource> = {}): CapturedResource[] {
  return [
    r('aws:s3/bucket:Bucket', name, { bucket: name, ...TAGS, ...inputs }, { id: name, ...extra }),
    r('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', `${name}-pab`, { bucket: name, ...PAB }, extra),
  ];
}

function program(resources: CapturedResource[], config: Record<string, unknown> = { 'aws:region': 'eu-west-1' }): CapturedProgram {
  return { project: PROJECT, stack: STACK, config, resources };
}

const OPTIONS: GateOptions = { classification: 'confidential', allowedRegions: ['eu-west-1', 'westeurope'] };

function violations(p: CapturedProgram, options: Partial<GateOptions> = {}): string[] {
  return checkProgram(p, { ...OPTIONS, ...options }).violations.map((v) => `${v.rule} ${v.name}: ${v.message}`);
}

describe('encryption-at-rest', () => {
  it('EBS volumes, RDS instances and clusters, EC2 block devices', () => {
    const p = program([
      r('aws:ebs/volume:Volume', 'plain', { availabilityZone: 'eu-west-1a', size: 10, ...TAGS }),
      r('aws:ebs/volume:Volume', 'good', { availabilityZone: 'eu-west-1a', size: 10, encrypted: true, ...TAGS }),
      r('aws:rds/instance:Instance', 'db', { storageEncrypted: false, ...TAGS }),
      r('aws:rds/cluster:Cluster', 'aurora', { ...TAGS }),
      r('aws:ec2/instance:Instance', 'web', { rootBlockDevice: { encrypted: true }, ebsBlockDevices: [{ deviceName: '/dev/sdf' }], ...TAGS }),
    ]);
    expect(violations(p)).toEqual([
      'encryption-at-rest aurora: database storage is not encrypted (storageEncrypted: true missing)',
      'encryption-at-rest db: database storage is not encrypted (storageEncrypted: true missing)',
      'encryption-at-rest plain: EBS volume is not encrypted (encrypted: true missing)',
      'encryption-at-rest web: 1 block device(s) are not encrypted (rootBlockDevice / ebsBlockDevices encrypted: true missing)',
    ]);
  });

  it('a bucket without SSE configuration relies on S3 default encryption: a note, not a violation', () => {
    const result = checkProgram(program(bucket('data')), OPTIONS);
    expect(result.passed).toBe(true);
    expect(result.notes.map((n) => `${n.rule} ${n.name}`)).toEqual(['encryption-at-rest data']);
  });

  it('an SSE configuration must name a real algorithm', () => {
    const p = program([
      ...bucket('data'),
      r('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', 'data-sse', {
        bucket: 'data',
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'none' } }],
      }),
    ]);
    expect(violations(p)).toEqual(['encryption-at-rest data: SSE configuration has algorithm none, not one of AES256, aws:kms, aws:kms:dsse']);
  });

  it('Azure storage accounts: a service declared unencrypted', () => {
    const p = program([
      r('azure-native:storage:StorageAccount', 'sa', {
        accountName: 'sa',
        location: 'westeurope',
        allowBlobPublicAccess: false,
        encryption: { keySource: 'Microsoft.Storage', services: { blob: { enabled: true }, file: { enabled: false } } },
        tags: { 'data-classification': 'confidential' },
      }),
    ]);
    expect(violations(p)).toEqual(['encryption-at-rest sa: storage account declares encryption off for file']);
  });
});

describe('customer-managed-key (strictly-confidential by default, or when asked)', () => {
  const strict = { classification: 'strictly-confidential' as const };
  const tags = { tags: { classification: 'strictly-confidential' } };

  it('KMS keys on volumes, databases and bucket SSE; Key Vault on Azure storage; disk encryption sets', () => {
    const p = program([
      r('aws:ebs/volume:Volume', 'aws-key', { encrypted: true, ...tags }),
      r('aws:ebs/volume:Volume', 'own-key', { encrypted: true, kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/k', ...tags }),
      r('aws:rds/instance:Instance', 'db', { storageEncrypted: true, ...tags }),
      r('aws:s3/bucket:Bucket', 's3-managed', { bucket: 's3-managed', ...tags }, { id: 's3-managed' }),
      r('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'p1', { bucket: 's3-managed', ...PAB }),
      r('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', 's1', {
        bucket: 's3-managed',
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
      }),
      r('aws:s3/bucket:Bucket', 'kms', { bucket: 'kms', ...tags }, { id: 'kms' }),
      r('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'p2', { bucket: 'kms', ...PAB }),
      r('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', 's2', {
        bucket: 'kms',
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'arn:aws:kms:eu-west-1:1:key/k' } }],
      }),
      r('azure-native:storage:StorageAccount', 'sa', { location: 'westeurope', allowBlobPublicAccess: false, ...tags }),
      r('azure-native:compute:Disk', 'disk', { location: 'westeurope', networkAccessPolicy: 'DenyAll', encryption: { type: 'EncryptionAtRestWithCustomerKey', diskEncryptionSetId: 'des' }, ...tags }),
    ]);
    expect(violations(p, strict)).toEqual([
      'customer-managed-key aws-key: EBS volume is encrypted with the AWS managed key (no kmsKeyId)',
      'customer-managed-key db: database storage uses the AWS managed key (no kmsKeyId)',
      'customer-managed-key s3-managed: SSE configuration uses S3-managed keys (AES256)',
      'customer-managed-key sa: storage account uses Microsoft-managed keys (encryption.keySource is not Microsoft.Keyvault)',
    ]);
    expect(checkProgram(p, { ...OPTIONS, ...strict, customerManagedKeys: false }).counts['customer-managed-key']).toBe(0);
    expect(checkProgram(p, { ...OPTIONS, customerManagedKeys: true }).customerManagedKeys).toBe(true);
  });
});

describe('no-public-access', () => {
  it('buckets: a complete public access block (its own or the account one), no public ACL, no "*" policy', () => {
    const everyone = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ['*'] }, Action: 's3:GetObject', Resource: '*' }] });
    const org = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } } }] });
    const p = program([
      r('aws:s3/bucket:Bucket', 'none', { bucket: 'none', ...TAGS }, { id: 'none' }),
      r('aws:s3/bucket:Bucket', 'partial', { bucket: 'partial', ...TAGS }, { id: 'partial' }),
      r('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'partial-pab', { bucket: 'partial', blockPublicAcls: true, blockPublicPolicy: true }),
      ...bucket('acl'),
      r('aws:s3/bucketAcl:BucketAcl', 'acl-acl', { bucket: 'acl', accessControlPolicy: { grants: [{ grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/global/AllUsers' }, permission: 'READ' }], owner: { id: 'o' } } }),
      ...bucket('policy'),
      r('aws:s3/bucketPolicy:BucketPolicy', 'policy-p', { bucket: 'policy', policy: everyone }),
      ...bucket('org-only'),
      r('aws:s3/bucketPolicy:BucketPolicy', 'org-p', { bucket: 'org-only', policy: org }),
      ...bucket('inline', { acl: 'public-read' }),
    ]);
    expect(violations(p)).toEqual([
      'no-public-access acl: ACL grants public access (grant to AllUsers / AuthenticatedUsers)',
      'no-public-access inline: ACL grants public access (public-read)',
      'no-public-access none: no public access block (aws.s3.BucketPublicAccessBlock with all four flags true)',
      'no-public-access partial: public access block leaves ignorePublicAcls, restrictPublicBuckets off (all of blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets must be true)',
      'no-public-access policy: bucket policy allows everyone (Principal "*" without a condition)',
    ]);
    const withAccountBlock = program([r('aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock', 'account', PAB), r('aws:s3/bucket:Bucket', 'none', { bucket: 'none', ...TAGS }, { id: 'none' })]);
    expect(violations(withAccountBlock)).toEqual([]);
  });

  it('databases, Azure storage, blob containers and disks', () => {
    const tags = { tags: { 'data-classification': 'confidential' } };
    const p = program([
      r('aws:rds/instance:Instance', 'db', { storageEncrypted: true, publiclyAccessible: true, ...TAGS }),
      r('azure-native:storage:StorageAccount', 'unset', { accountName: 'unset', location: 'westeurope', ...tags }),
      r('azure-native:storage:StorageAccount', 'open', { accountName: 'open', location: 'westeurope', allowBlobPublicAccess: true, ...tags }),
      r('azure-native:storage:BlobContainer', 'www', { accountName: 'open', containerName: 'www', publicAccess: 'Blob' }),
      r('azure-native:storage:BlobContainer', 'private', { accountName: 'open', containerName: 'p', publicAccess: 'None' }),
      r('azure-native:compute:Disk', 'default-disk', { location: 'westeurope', ...tags }),
      r('azure-native:compute:Disk', 'private-disk', { location: 'westeurope', networkAccessPolicy: 'AllowPrivate', ...tags }),
      r('azure-native:compute:Disk', 'no-network', { location: 'westeurope', publicNetworkAccess: 'Disabled', ...tags }),
    ]);
    expect(violations(p)).toEqual([
      'no-public-access db: database is publicly accessible (publiclyAccessible: true)',
      'no-public-access default-disk: disk can be exported from any network (set networkAccessPolicy DenyAll / AllowPrivate or publicNetworkAccess Disabled)',
      'no-public-access open: anonymous blob access is allowed (allowBlobPublicAccess: true)',
      'no-public-access unset: allowBlobPublicAccess is not set to false explicitly',
      'no-public-access www: blob container in storage account "open" is public (publicAccess: Blob)',
    ]);
  });
});

describe('regions', () => {
  it('own region input, else the explicit provider, else aws:region; global services skipped', () => {
    const virginia = awsProvider('virginia', { region: 'us-east-1', skipCredentialsValidation: 'false' });
    const p = program([
      virginia,
      r('aws:ebs/volume:Volume', 'on-virginia', { encrypted: true, ...TAGS }, on(virginia)),
      r('aws:ebs/volume:Volume', 'own-region', { encrypted: true, region: 'eu-west-1', ...TAGS }, on(virginia)),
      r('aws:ebs/volume:Volume', 'on-default', { encrypted: true, ...TAGS }),
      r('aws:iam/role:Role', 'deployer', { assumeRolePolicy: '{}' }, on(virginia)),
    ]);
    expect(violations(p)).toEqual(['allowed-region on-virginia: in us-east-1 (from provider "virginia"), outside the allowed regions eu-west-1, westeurope']);
    expect(violations(program(p.resources, { 'aws:region': 'eu-central-1' }))).toEqual([
      'allowed-region on-default: in eu-central-1 (from aws:region), outside the allowed regions eu-west-1, westeurope',
      'allowed-region on-virginia: in us-east-1 (from provider "virginia"), outside the allowed regions eu-west-1, westeurope',
    ]);
  });

  it('no region anywhere: one region-declared violation per provider', () => {
    const bare = awsProvider('bare', {});
    const p = program(
      [
        bare,
        r('aws:ebs/volume:Volume', 'a', { encrypted: true, ...TAGS }),
        r('aws:ebs/volume:Volume', 'b', { encrypted: true, ...TAGS }),
        r('aws:ebs/volume:Volume', 'c', { encrypted: true, ...TAGS }, on(bare)),
      ],
      {},
    );
    const result = checkProgram(p, OPTIONS);
    expect(result.violations.map((v) => [v.rule, v.resource, v.message])).toEqual([
      ['region-declared', urn('pulumi:providers:aws', 'bare'), 'aws provider "bare" has no region on the provider: the deployment region of "c" depends on the environment'],
      [
        'region-declared',
        urn('pulumi:providers:aws', 'default'),
        'default aws provider has no aws:region in the stack config: the deployment region of "a", "b" depends on the environment',
      ],
    ]);
  });

  it('Azure: own location, else the resource group (declared in the program), else the provider location for groups', () => {
    const tags = { tags: { classification: 'confidential' } };
    const p = program(
      [
        r('azure-native:resources:ResourceGroup', 'rg', { resourceGroupName: 'rg-main' }),
        r('azure-native:storage:StorageAccount', 'in-group', { resourceGroupName: 'rg-main', allowBlobPublicAccess: false, ...tags }),
        r('azure-native:storage:StorageAccount', 'elsewhere', { resourceGroupName: 'rg-main', location: 'East US', allowBlobPublicAccess: false, ...tags }),
        r('azure-native:storage:StorageAccount', 'external', { resourceGroupName: 'rg-shared', allowBlobPublicAccess: false, ...tags }),
        r('azure-native:storage:BlobContainer', 'child', { resourceGroupName: 'rg-main', accountName: 'in-group' }),
      ],
      { 'azure-native:location': 'West Europe' },
    );
    const result = checkProgram(p, OPTIONS);
    expect(result.violations.map((v) => `${v.name}: ${v.message}`)).toEqual([
      'elsewhere: in East US (from its location), outside the allowed regions eu-west-1, westeurope',
    ]);
    expect(result.notes.map((n) => `${n.name}: ${n.message}`)).toEqual([
      'external: no location: takes the location of a resource group this program does not declare (not checked)',
    ]);
    expect(violations(program(p.resources, {}))).toEqual([
      'allowed-region elsewhere: in East US (from its location), outside the allowed regions eu-west-1, westeurope',
      'region-declared default: default azure-native provider has no azure-native:location in the stack config: the deployment region of "rg", "in-group" depends on the environment',
    ]);
  });
});

describe('classification-tag', () => {
  it('tags, provider defaultTags (JSON text, as mocks deliver them) and aws:defaultTags config count', () => {
    const tagged = awsProvider('tagged', { region: 'eu-west-1', defaultTags: '{"tags":{"data-classification":"Confidential"}}' });
    const p = program(
      [
        tagged,
        r('aws:ebs/volume:Volume', 'by-provider', { encrypted: true }, on(tagged)),
        r('aws:ebs/volume:Volume', 'by-config', { encrypted: true }),
        r('aws:ebs/volume:Volume', 'wrong', { encrypted: true, tags: { classification: 'public' } }, on(tagged)),
        r('aws:kms/key:Key', 'not-a-data-store', {}),
      ],
      { 'aws:region': 'eu-west-1', 'aws:defaultTags': { tags: { classification: 'confidential' } } },
    );
    // "wrong": its own tag says public, the provider default says confidential: one matching tag is enough.
    expect(violations(p)).toEqual([]);
    const untagged = program([r('aws:ebs/volume:Volume', 'v', { encrypted: true, tags: { classification: 'internal' } })]);
    expect(violations(untagged)).toEqual(['classification-tag v: tagged classification=internal, the service is classified confidential']);
    expect(violations(program([r('aws:ebs/volume:Volume', 'v', { encrypted: true })]))).toEqual([
      'classification-tag v: no classification tag (classification or data-classification = confidential)',
    ]);
  });
});

describe('the result', () => {
  it('counts per rule, resources declared and checked; a text report with one fix per rule', () => {
    const p = program([
      awsProvider('eu', { region: 'eu-west-1' }),
      r('aws:ebs/volume:Volume', 'plain', {}),
      r('aws:kms/key:Key', 'k', {}),
      r('aws:ebs/volume:Volume', 'component-child', {}, { custom: false }),
    ]);
    const result = checkProgram(p, OPTIONS);
    expect(result).toMatchObject({
      passed: false,
      declared: 2,
      checked: 2,
      counts: { 'encryption-at-rest': 1, 'classification-tag': 1, 'no-public-access': 0 },
    });
    const text = formatGateText(result, 1234);
    expect(text).toContain('2 resources declared, 2 checked in 1.2 s.');
    expect(text).toContain('encryption-at-rest (1):\n  ✗ aws:ebs/volume:Volume "plain": EBS volume is not encrypted (encrypted: true missing)\n  fix: Set encrypted: true');
    expect(text.trimEnd().endsWith('FAIL: 2 violations.')).toBe(true);
    expect(formatGateText(checkProgram(program([]), OPTIONS))).toContain('PASS: no violations.');
  });
});
