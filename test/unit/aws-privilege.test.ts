// "Privileged" on AWS, hand-written edge cases: what applies (inline, attached, group,
// boundary, SCP), Deny over Allow, NotAction, resource scoping, the force-MFA pattern,
// the reviewed exceptions, and the evidence (policy, action, data version).
import { parsePolicyDocument, decidePrivileges, type AuthorizationDetails, type PrivilegeContext, type ScpView } from '../../operator/src/providers/aws/privilege.js';
import { privilegedMfa } from '../../operator/src/controls/mfa/privileged-mfa.js';
import type { UserDetail } from '@aws-sdk/client-iam';
import { ACCOUNT_ID, aUser, anInput, anInventory } from './builders.js';

const ACCOUNT = '123456789012';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const deny = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}) => ({ Effect: 'Deny', Action, Resource, ...extra });

/** AWS's documented "force MFA" policy (IAM user guide, "Allows MFA-authenticated IAM users to manage their own credentials"). */
const FORCE_MFA = doc(
  { Sid: 'AllowViewAccountInfo', Effect: 'Allow', Action: ['iam:GetAccountPasswordPolicy', 'iam:ListVirtualMFADevices'], Resource: '*' },
  { Sid: 'AllowManageOwnPasswords', Effect: 'Allow', Action: ['iam:ChangePassword', 'iam:GetUser'], Resource: 'arn:aws:iam::*:user/${aws:username}' },
  {
    Sid: 'AllowManageOwnAccessKeys',
    Effect: 'Allow',
    Action: ['iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:ListAccessKeys', 'iam:UpdateAccessKey'],
    Resource: 'arn:aws:iam::*:user/${aws:username}',
  },
  { Sid: 'AllowManageOwnVirtualMFADevice', Effect: 'Allow', Action: ['iam:CreateVirtualMFADevice'], Resource: 'arn:aws:iam::*:mfa/*' },
  {
    Sid: 'AllowManageOwnUserMFA',
    Effect: 'Allow',
    Action: ['iam:DeactivateMFADevice', 'iam:EnableMFADevice', 'iam:ListMFADevices', 'iam:ResyncMFADevice'],
    Resource: 'arn:aws:iam::*:user/${aws:username}',
  },
  {
    Sid: 'DenyAllExceptListedIfNoMFA',
    Effect: 'Deny',
    NotAction: ['iam:CreateVirtualMFADevice', 'iam:EnableMFADevice', 'iam:GetUser', 'iam:ChangePassword', 'iam:ListMFADevices', 'iam:ListVirtualMFADevices', 'iam:ResyncMFADevice', 'sts:GetSessionToken'],
    Resource: '*',
    Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
  },
);

const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const managed = (arn: string, document: string) => ({
  Arn: arn,
  PolicyName: arn.slice(arn.lastIndexOf('/') + 1),
  DefaultVersionId: 'v2',
  PolicyVersionList: [
    { VersionId: 'v1', IsDefaultVersion: false, Document: doc(allow('*')) },
    { VersionId: 'v2', IsDefaultVersion: true, Document: encodeURIComponent(document) },
  ],
});
const POLICIES = [
  managed(ADMIN, doc(allow('*'))),
  // a stand-in with the shape of AWS's: reads plus two of the reviewed AWS-labelled writes
  managed(READ_ONLY, doc(allow(['s3:Get*', 's3:List*', 'ec2:Describe*', 'athena:GetSessionEndpoint', 's3express:CreateSession']))),
  managed('arn:aws:iam::123456789012:policy/force-mfa', FORCE_MFA),
  managed('arn:aws:iam::123456789012:policy/read-boundary', doc(allow(['s3:Get*', 's3:List*']))),
];
const user = (name: string, u: Partial<UserDetail> = {}): UserDetail => ({ UserName: name, UserId: `AIDA${name.toUpperCase()}`, Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`, ...u });
const inline = (name: string, document: string) => ({ UserPolicyList: [{ PolicyName: name, PolicyDocument: encodeURIComponent(document) }] });
const attached = (...arns: string[]) => ({ AttachedManagedPolicies: arns.map((PolicyArn) => ({ PolicyArn })) });

async function decide(users: UserDetail[], opts: { scps?: ScpView; keys?: boolean; groups?: AuthorizationDetails['groups'] } = {}) {
  const ctx: PrivilegeContext = {
    accountId: ACCOUNT,
    partition: 'aws',
    scps: opts.scps ?? { state: 'none', reason: 'no organization' },
    hasAccessKey: () => opts.keys ?? false,
  };
  const d = await decidePrivileges({ users, groups: opts.groups ?? [], policies: POLICIES }, ctx);
  return (name: string) => d.get(`arn:aws:iam::${ACCOUNT}:user/${name}`);
}

describe('policy documents', () => {
  it('decodes URL-encoded documents as IAM returns them', () => {
    const raw = encodeURIComponent(doc(allow('*')));
    expect(parsePolicyDocument(raw)).toMatchObject({ Statement: [{ Action: '*' }] });
  });
});

describe('what applies', () => {
  it('inline, attached (default version), group inline and group attached policies', async () => {
    const get = await decide(
      [
        user('direct', attached(ADMIN)),
        user('inline', inline('deploy', doc(allow('s3:PutObject')))),
        user('via-group', { GroupList: ['ops'] }),
        user('via-group-managed', { GroupList: ['admins'] }),
        user('nothing'),
      ],
      {
        groups: [
          { GroupName: 'ops', GroupPolicyList: [{ PolicyName: 'ops-inline', PolicyDocument: doc(allow('ec2:*')) }] },
          { GroupName: 'admins', AttachedManagedPolicies: [{ PolicyArn: ADMIN }] },
        ],
      },
    );
    expect(get('direct')).toMatchObject({ write: 'yes', grant: 'AdministratorAccess allows iam:CreateUser' });
    expect(get('inline')).toMatchObject({ write: 'yes', grant: 'inline policy deploy allows s3:PutObject' });
    expect(get('via-group')).toMatchObject({ write: 'yes', grant: 'inline policy ops-inline of group ops allows ec2:RunInstances' });
    expect(get('via-group-managed')).toMatchObject({ write: 'yes', grant: 'AdministratorAccess (group admins) allows iam:CreateUser' });
    expect(get('nothing')).toMatchObject({ write: 'no' });
  });

  it('an attached policy whose document is not in the details is counted as able to write, and says so', async () => {
    const get = await decide([user('x', attached('arn:aws:iam::aws:policy/Unknown'))]);
    expect(get('x')).toMatchObject({ write: 'yes', grant: 'Unknown could not be read' });
    expect(get('x')?.source).toMatch(/not in the authorization details/);
  });
});

describe('edge cases', () => {
  it('* and service:* are privileged; reads with wildcards are not', async () => {
    const get = await decide([
      user('star', inline('p', doc(allow('*')))),
      user('svc', inline('p', doc(allow('dynamodb:*')))),
      user('reads', inline('p', doc(allow(['s3:Get*', 'ec2:Describe*', 'iam:List*', 'dynamodb:BatchGetItem', 'logs:StartQuery'])))),
    ]);
    expect(get('star')).toMatchObject({ write: 'yes', grant: 'inline policy p allows iam:CreateUser' });
    expect(get('svc')).toMatchObject({ write: 'yes', grant: 'inline policy p allows dynamodb:PutItem' });
    // logs:StartQuery was a "write" under the old verb rule; AWS labels it Read
    expect(get('reads')).toMatchObject({ write: 'no' });
  });

  it('a Deny overrides the Allow', async () => {
    const get = await decide([
      user('all-denied', inline('p', doc(allow('s3:*'), deny('s3:*')))),
      user('part-denied', inline('p', doc(allow('s3:*'), deny(['s3:Put*', 's3:Delete*'])))),
    ]);
    expect(get('all-denied')).toMatchObject({ write: 'no' });
    expect(get('all-denied')?.source).toMatch(/^cannot write or delete: the writes the identity policies allow are denied \(inline policy p\)/);
    // other s3 writes stay allowed
    expect(get('part-denied')).toMatchObject({ write: 'yes', grant: expect.stringMatching(/^inline policy p allows s3:(?!Put|Delete)/) });
  });

  it('NotAction: Allow everything but IAM is privileged; Allow everything but writes of one service is too', async () => {
    const get = await decide([
      user('not-iam', inline('p', doc({ Effect: 'Allow', NotAction: ['iam:*'], Resource: '*' }))),
      user('not-all', inline('p', doc({ Effect: 'Allow', NotAction: '*', Resource: '*' }))),
      user('deny-not-reads', inline('p', doc(allow('*'), { Effect: 'Deny', NotAction: ['s3:Get*', 's3:List*'], Resource: '*' }))),
    ]);
    expect(get('not-iam')).toMatchObject({ write: 'yes', grant: 'inline policy p allows s3:PutObject' });
    expect(get('not-all')).toMatchObject({ write: 'no' });
    expect(get('deny-not-reads')).toMatchObject({ write: 'no' });
  });

  it('a permissions boundary that removes write', async () => {
    const boundary = { PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy' as const, PermissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/read-boundary' } };
    const get = await decide([
      user('bounded', { ...attached(ADMIN), ...boundary }),
      user('missing-boundary', { ...attached(ADMIN), PermissionsBoundary: { PermissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/gone' } }),
    ]);
    expect(get('bounded')).toMatchObject({ write: 'no' });
    expect(get('bounded')?.source).toContain('permissions boundary read-boundary evaluated');
    expect(get('missing-boundary')).toMatchObject({ write: 'yes' });
    expect(get('missing-boundary')?.source).toMatch(/permissions boundary gone.*not in the authorization details.*evaluated without it/);
  });

  it('a resource-scoped write is a write, on the resource types it can reach', async () => {
    const get = await decide([
      user('one-bucket', inline('p', doc(allow(['s3:GetObject', 's3:PutObject'], 'arn:aws:s3:::reports/*')))),
      user('wrong-type', inline('p', doc(allow('s3:CreateBucket', 'arn:aws:s3:::reports/*')))),
    ]);
    expect(get('one-bucket')).toMatchObject({ write: 'yes', grant: 'inline policy p allows s3:PutObject' });
    // CreateBucket acts on a bucket, the policy names objects only: nothing it can do
    expect(get('wrong-type')).toMatchObject({ write: 'no' });
  });

  it('a conditional Allow counts (the operator cannot know the source IP), and says what it depends on', async () => {
    const get = await decide([user('ip', inline('p', doc(allow('s3:PutObject', '*', { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }))))]);
    expect(get('ip')).toMatchObject({ write: 'yes' });
    expect(get('ip')?.source).toContain('depends on aws:SourceIp');
  });
});

describe('the force-MFA pattern', () => {
  it('write denied unless aws:MultiFactorAuthPresent: with-mfa, and the evidence says why', async () => {
    const get = await decide([
      user('forced-admin', attached(ADMIN, 'arn:aws:iam::123456789012:policy/force-mfa')),
      user('forced-only', attached('arn:aws:iam::123456789012:policy/force-mfa')),
    ]);
    expect(get('forced-admin')).toMatchObject({ write: 'with-mfa', grant: 'AdministratorAccess allows iam:CreateUser' });
    expect(get('forced-admin')?.source).toMatch(/only with MFA: without aws:MultiFactorAuthPresent it is denied by force-mfa \(force-MFA\), so not privileged without MFA/);
    // its own credentials and an unassigned MFA device are all it may write: not privileged
    expect(get('forced-only')).toMatchObject({ write: 'no' });
  });

  it('with Bool instead of BoolIfExists, a long-term access key (no MFA key at all) still writes', async () => {
    const bool = doc(allow('*'), { Effect: 'Deny', NotAction: 'iam:EnableMFADevice', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } });
    const withKey = await decide([user('k', inline('p', bool))], { keys: true });
    const noKey = await decide([user('k', inline('p', bool))], { keys: false });
    expect(withKey('k')).toMatchObject({ write: 'yes' });
    expect(noKey('k')).toMatchObject({ write: 'with-mfa' });
  });

  it('self-service credential writes on another user are privileged', async () => {
    const get = await decide([user('helpdesk', inline('p', doc(allow(['iam:CreateAccessKey', 'iam:GetUser'], 'arn:aws:iam::*:user/*'))))]);
    expect(get('helpdesk')).toMatchObject({ write: 'yes', grant: 'inline policy p allows iam:CreateAccessKey' });
  });
});

describe('SCPs', () => {
  const scps = (...content: string[]): ScpView => ({
    state: 'applies',
    levels: [
      { id: 'r-root', policies: [{ name: 'FullAWSAccess (p-FullAWSAccess)', content: doc(allow('*')) }, ...content.map((c, i) => ({ name: `guard-${i}`, content: c }))] },
      { id: 'ou-prod', policies: [{ name: 'FullAWSAccess (p-FullAWSAccess)', content: doc(allow('*')) }] },
      { id: ACCOUNT, policies: [{ name: 'FullAWSAccess (p-FullAWSAccess)', content: doc(allow('*')) }] },
    ],
  });

  it('an SCP that denies the writes removes them; the evidence names the OU path', async () => {
    const get = await decide([user('dev', inline('p', doc(allow('s3:*'))))], { scps: scps(doc(deny('s3:*'))) });
    expect(get('dev')).toMatchObject({ write: 'no' });
    expect(get('dev')?.source).toContain(`SCPs of r-root > ou-prod > ${ACCOUNT} evaluated`);
  });

  it('a region guardrail leaves write in the allowed regions: privileged, depending on aws:RequestedRegion', async () => {
    const region = doc({ Effect: 'Deny', NotAction: ['iam:*', 'sts:*'], Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1'] } } });
    const get = await decide([user('dev', inline('p', doc(allow('ec2:*'))))], { scps: scps(region) });
    expect(get('dev')).toMatchObject({ write: 'yes', grant: 'inline policy p allows ec2:RunInstances' });
    expect(get('dev')?.source).toContain('depends on aws:RequestedRegion');
  });

  it('SCPs not readable: evaluated without them, and the evidence says so', async () => {
    const get = await decide([user('dev', inline('p', doc(allow('s3:*'))))], { scps: { state: 'unreadable', reason: 'organizations: AccessDeniedException' } });
    expect(get('dev')).toMatchObject({ write: 'yes' });
    expect(get('dev')?.source).toContain('SCPs not readable (organizations: AccessDeniedException): evaluated without them, which can only over-report');
  });
});

describe('reviewed exceptions', () => {
  it('AWS-labelled writes count as reads only when a read-only job-function policy grants them', async () => {
    const get = await decide([
      user('reader', attached(READ_ONLY)),
      user('custom', inline('p', doc(allow('athena:GetSessionEndpoint')))),
      user('both', { ...attached(READ_ONLY), ...inline('p', doc(allow('s3express:CreateSession'))) }),
    ]);
    expect(get('reader')).toMatchObject({ write: 'no' });
    expect(get('reader')?.source).toContain('2 AWS-labelled write(s) of read-only job-function policies counted as reads');
    expect(get('custom')).toMatchObject({ write: 'yes', grant: 'inline policy p allows athena:GetSessionEndpoint' });
    expect(get('both')).toMatchObject({ write: 'yes', grant: 'inline policy p allows s3express:CreateSession' });
  });
});

describe('evidence', () => {
  it('names the data version in every decision', async () => {
    const get = await decide([user('a', attached(ADMIN)), user('r', attached(READ_ONLY))]);
    for (const n of ['a', 'r']) expect(get(n)?.source).toMatch(/access levels: @cloud-copilot\/iam-data 0\.21\.\d+ \(\d{4}-\d{2}-\d{2}\)$/);
  });

  it('the MFAEnforced finding names the policy and the action', () => {
    const inventory = anInventory({ identities: [aUser('amy', { mfaEnabled: false, privilegeGrant: 'AmazonS3FullAccess allows s3:PutObject' })] });
    const outcome = privilegedMfa.evaluate(anInput({ inventory }));
    expect(outcome.findings).toEqual([
      { resource: `arn:aws:iam::${ACCOUNT_ID}:user/amy`, message: 'amy can write or delete without MFA (AmazonS3FullAccess allows s3:PutObject)' },
    ]);
  });
});
