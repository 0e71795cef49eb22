import {
  decidePrivileges,
  isReadOnlyAction,
  parsePolicyDocument,
  privilegedGrant,
} from '../../operator/src/providers/aws/privilege.js';

const doc = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('read-only actions', () => {
  it.each([
    ['s3:GetObject', true],
    ['ec2:Describe*', true],
    ['iam:List*', true],
    ['iam:GenerateCredentialReport', true],
    ['dynamodb:BatchGetItem', true],
    ['s3:get*', true],
    ['cloudtrail:LookupEvents', true],
    ['*', false],
    ['s3:*', false],
    ['s3:*Object', false],
    ['ec2:D*', false],
    ['s3:PutObject', false],
    ['iam:PassRole', false],
    ['sts:AssumeRole', false],
    ['s3:DeleteBucket', false],
    ['GetObject', false],
  ])('%s -> %s', (action, expected) => {
    expect(isReadOnlyAction(action)).toBe(expected);
  });
});

describe('policy documents', () => {
  it('decodes URL-encoded documents as IAM returns them', () => {
    const raw = encodeURIComponent(doc({ Effect: 'Allow', Action: '*', Resource: '*' }));
    expect(parsePolicyDocument(raw)).toMatchObject({ Statement: [{ Action: '*' }] });
  });

  it('finds the first non-read-only Allow grant', () => {
    expect(privilegedGrant(doc({ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' }))).toBe('s3:PutObject');
    expect(privilegedGrant(doc({ Effect: 'Allow', Action: ['s3:Get*', 'ec2:Describe*'], Resource: '*' }))).toBeUndefined();
  });

  it('ignores Deny statements and conditions (conservative)', () => {
    expect(privilegedGrant(doc({ Effect: 'Deny', Action: '*', Resource: '*' }))).toBeUndefined();
    expect(
      privilegedGrant(
        doc(
          { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::one/*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
          { Effect: 'Deny', Action: 's3:PutObject', Resource: '*' },
        ),
      ),
    ).toBe('s3:PutObject');
  });

  it('treats Allow + NotAction and unparseable documents as privileged', () => {
    expect(privilegedGrant(doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }))).toMatch(/^NotAction/);
    expect(privilegedGrant('%7Bnot json')).toBe('unparseable policy');
  });

  it('accepts a single statement object', () => {
    expect(privilegedGrant(JSON.stringify({ Statement: { Effect: 'Allow', Action: 'ec2:TerminateInstances', Resource: '*' } }))).toBe(
      'ec2:TerminateInstances',
    );
  });
});

describe('decidePrivileges', () => {
  const admin = 'arn:aws:iam::aws:policy/AdministratorAccess';
  const readOnly = 'arn:aws:iam::123456789012:policy/readonly';
  const details = {
    policies: [
      {
        Arn: admin,
        PolicyName: 'AdministratorAccess',
        DefaultVersionId: 'v1',
        PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }],
      },
      {
        Arn: readOnly,
        PolicyName: 'readonly',
        DefaultVersionId: 'v2',
        PolicyVersionList: [
          { VersionId: 'v1', IsDefaultVersion: false, Document: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) },
          { VersionId: 'v2', IsDefaultVersion: true, Document: doc({ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }) },
        ],
      },
    ],
    groups: [
      { GroupName: 'admins', AttachedManagedPolicies: [{ PolicyArn: admin }] },
      { GroupName: 'ops', GroupPolicyList: [{ PolicyName: 'ops', PolicyDocument: doc({ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }) }] },
      { GroupName: 'viewers', AttachedManagedPolicies: [{ PolicyArn: readOnly }] },
    ],
    users: [
      { UserName: 'a', Arn: 'arn:a', GroupList: ['admins'] },
      { UserName: 'b', Arn: 'arn:b', GroupList: ['ops'] },
      { UserName: 'c', Arn: 'arn:c', GroupList: ['viewers'], AttachedManagedPolicies: [{ PolicyArn: readOnly }] },
      { UserName: 'd', Arn: 'arn:d', UserPolicyList: [{ PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:CreateUser', Resource: '*' }) }] },
      { UserName: 'e', Arn: 'arn:e', AttachedManagedPolicies: [{ PolicyArn: 'arn:aws:iam::aws:policy/Unknown' }] },
      { UserName: 'f', Arn: 'arn:f' },
    ],
  };

  it('decides from inline, attached and group policies (default version only)', () => {
    const d = decidePrivileges(details);
    expect(d.get('arn:a')).toEqual({ privileged: true, source: `group admins policy ${admin} allows *` });
    expect(d.get('arn:b')).toEqual({ privileged: true, source: 'group ops inline policy ops allows ec2:*' });
    expect(d.get('arn:c')?.privileged).toBe(false);
    expect(d.get('arn:d')).toEqual({ privileged: true, source: 'inline policy p allows iam:CreateUser' });
    // a policy we could not read counts as privileged (conservative)
    expect(d.get('arn:e')?.privileged).toBe(true);
    expect(d.get('arn:f')).toEqual({ privileged: false, source: 'only read-only grants' });
  });
});
