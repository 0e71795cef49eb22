import {
  allFlags,
  bucketExposure,
  publicAclReason,
  publicPolicyReason,
} from '../../operator/src/providers/aws/s3-exposure.js';
import { intersectRegions, regionRestrictionOf } from '../../operator/src/providers/aws/scp.js';

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const ALL = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

describe('bucket policy', () => {
  it.each([
    ['"*"', '*'],
    ['{"AWS":"*"}', { AWS: '*' }],
    ['{"AWS":["*"]}', { AWS: ['*'] }],
  ])('Principal %s is public', (_label, principal) => {
    expect(publicPolicyReason(policy({ Sid: 'S', Effect: 'Allow', Principal: principal, Action: 's3:GetObject', Resource: '*' }))).toBe(
      'bucket policy allows s3:GetObject to Principal "*" (statement S)',
    );
  });

  it('is not public for named principals, Deny, or pinning conditions', () => {
    expect(publicPolicyReason(policy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: '*', Resource: '*' }))).toBeUndefined();
    expect(publicPolicyReason(policy({ Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: '*', Resource: '*' }))).toBeUndefined();
    expect(publicPolicyReason(policy({ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }))).toBeUndefined();
    expect(
      publicPolicyReason(
        policy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } } }),
      ),
    ).toBeUndefined();
    expect(
      publicPolicyReason(
        policy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }),
      ),
    ).toBeUndefined();
  });

  it('stays public when the condition pins nothing', () => {
    for (const Condition of [
      { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } },
      { StringLike: { 'aws:PrincipalOrgID': 'o-*' } },
      { Bool: { 'aws:SecureTransport': 'true' } },
      { StringNotEquals: { 'aws:SourceAccount': '111111111111' } },
    ]) {
      expect(publicPolicyReason(policy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*', Condition }))).toBeDefined();
    }
  });

  it('counts NotPrincipal with Allow as public and ignores garbage', () => {
    expect(publicPolicyReason(policy({ Effect: 'Allow', NotPrincipal: { AWS: 'arn:x' }, Action: 's3:*', Resource: '*' }))).toBeDefined();
    expect(publicPolicyReason('not json')).toBeUndefined();
    expect(publicPolicyReason(undefined)).toBeUndefined();
  });
});

describe('bucket ACL', () => {
  it('flags AllUsers and AuthenticatedUsers grants', () => {
    expect(publicAclReason([{ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' }])).toBe(
      'ACL grants READ to AllUsers',
    );
    expect(
      publicAclReason([{ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' }, Permission: 'WRITE' }]),
    ).toBe('ACL grants WRITE to AuthenticatedUsers');
    expect(publicAclReason([{ Grantee: { Type: 'CanonicalUser', ID: 'abc' }, Permission: 'FULL_CONTROL' }])).toBeUndefined();
    expect(publicAclReason(undefined)).toBeUndefined();
  });
});

describe('bucketExposure', () => {
  const pol = 'bucket policy allows s3:GetObject to Principal "*"';
  const acl = 'ACL grants READ to AllUsers';

  it('public when not blocked and the policy or ACL is public', () => {
    expect(bucketExposure({ policyReason: pol, aclReason: null, bucketBlock: null, accountBlock: null })).toEqual({ public: true, publicReason: pol });
    expect(bucketExposure({ policyReason: pol, aclReason: acl, bucketBlock: null, accountBlock: null })).toEqual({
      public: true,
      publicReason: `${pol}; ${acl}`,
    });
  });

  it('RestrictPublicBuckets / IgnorePublicAcls at bucket or account level neutralise them', () => {
    expect(bucketExposure({ policyReason: pol, aclReason: null, bucketBlock: null, accountBlock: ALL })).toEqual({ public: false });
    expect(bucketExposure({ policyReason: pol, aclReason: null, bucketBlock: { RestrictPublicBuckets: true }, accountBlock: null })).toEqual({ public: false });
    expect(bucketExposure({ policyReason: null, aclReason: acl, bucketBlock: { IgnorePublicAcls: true }, accountBlock: null })).toEqual({ public: false });
    // BlockPublicPolicy only stops new public policies; an existing one still counts
    expect(bucketExposure({ policyReason: pol, aclReason: null, bucketBlock: { BlockPublicPolicy: true }, accountBlock: null }).public).toBe(true);
  });

  it('unknown when something unreadable could change the answer', () => {
    expect(bucketExposure({ policyReason: undefined, aclReason: null, bucketBlock: null, accountBlock: null })).toEqual({});
    expect(bucketExposure({ policyReason: pol, aclReason: null, bucketBlock: undefined, accountBlock: null })).toEqual({});
    // unreadable policy does not matter when RestrictPublicBuckets is set
    expect(bucketExposure({ policyReason: undefined, aclReason: null, bucketBlock: ALL, accountBlock: null })).toEqual({ public: false });
  });

  it('allFlags needs all four', () => {
    expect(allFlags(ALL)).toBe(true);
    expect(allFlags({ ...ALL, RestrictPublicBuckets: false })).toBe(false);
    expect(allFlags(null)).toBe(false);
  });
});

describe('SCP region restriction', () => {
  const scp = (condition: object, effect = 'Deny') =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, NotAction: ['iam:*'], Resource: '*', Condition: condition }] });

  it('reads the allowed regions of a Deny on aws:RequestedRegion', () => {
    expect(regionRestrictionOf(scp({ StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1', 'eu-central-1'] } }))).toEqual([
      'eu-west-1',
      'eu-central-1',
    ]);
    expect(regionRestrictionOf(scp({ StringNotLike: { 'aws:requestedregion': 'eu-*' } }))).toEqual(['eu-*']);
    expect(regionRestrictionOf(scp({ StringNotEqualsIfExists: { 'aws:RequestedRegion': 'eu-west-1' } }))).toEqual(['eu-west-1']);
  });

  it('ignores Allow statements, other keys and other operators', () => {
    expect(regionRestrictionOf(scp({ StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1'] } }, 'Allow'))).toBeUndefined();
    expect(regionRestrictionOf(scp({ StringEquals: { 'aws:RequestedRegion': ['us-east-1'] } }))).toBeUndefined();
    expect(regionRestrictionOf(scp({ StringNotEquals: { 'aws:PrincipalTag/team': 'x' } }))).toBeUndefined();
    expect(regionRestrictionOf('{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}')).toBeUndefined();
    expect(regionRestrictionOf('nope')).toBeUndefined();
  });

  it('intersects several restrictions', () => {
    expect(intersectRegions([['eu-west-1', 'eu-central-1', 'us-east-1'], ['eu-central-1', 'eu-west-1']])).toEqual(['eu-central-1', 'eu-west-1']);
    expect(intersectRegions([])).toEqual([]);
  });
});
