// CloudTrail records of calls AWS itself made in the account (the landlord's access):
// kept as change records of kind provider-access, whatever they did, with the ARN (else
// invokedBy) as actor. Record shapes from the CloudTrail userIdentity reference.
import { changeRecordsFromStatus } from '../../operator/src/controller/change-records.js';
import { isProviderAccess, parseCloudTrailRecord } from '../../operator/src/providers/aws/cloudtrail-records.js';
import { assumedRole, ctEvent, iamUser, type CloudTrailUserIdentity } from '../harness/cloudtrail-logs.js';
import { ACCOUNT_ID } from './builders.js';
import { at } from './controls/changes/builders.js';

const SUPPORT_ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport`;

/** A call AWS makes itself: `{ type: 'AWSService', invokedBy: 'AWS Internal' }` (no ARN). */
function awsInternal(): CloudTrailUserIdentity {
  return { type: 'AWSService', invokedBy: 'AWS Internal' };
}

/** A session of the AWS Support service-linked role (an AWS Support engineer's read). */
function supportSession(): CloudTrailUserIdentity {
  const roleId = 'AROAEXAMPLESUPPORT01';
  return {
    type: 'AssumedRole',
    principalId: `${roleId}:SupportSession`,
    arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/AWSServiceRoleForSupport/SupportSession`,
    accountId: ACCOUNT_ID,
    invokedBy: 'support.amazonaws.com',
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: roleId, arn: SUPPORT_ROLE, accountId: ACCOUNT_ID, userName: 'AWSServiceRoleForSupport' },
      attributes: { creationDate: at(0).toISOString(), mfaAuthenticated: 'false' },
    },
  };
}

describe('calls by the provider itself', () => {
  it('keeps an "AWS Internal" call as provider-access, its actor the invokedBy value', () => {
    const r = parseCloudTrailRecord(ctEvent({ eventName: 'GetBucketAcl', eventSource: 's3.amazonaws.com', identity: awsInternal(), at: at(2), eventID: 'evt-internal', requestParameters: { bucketName: 'data' } }));
    expect(r).toMatchObject({ id: 'evt-internal', kind: 'provider-access', actor: 'AWS Internal', action: 'GetBucketAcl', source: 's3.amazonaws.com' });
  });

  it('keeps an AWS Support session’s call, its actor the session ARN and its principal the Support role', () => {
    const r = parseCloudTrailRecord(ctEvent({ eventName: 'DescribeInstances', identity: supportSession(), at: at(3) }));
    expect(r).toMatchObject({
      kind: 'provider-access',
      actor: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/AWSServiceRoleForSupport/SupportSession`,
      principal: SUPPORT_ROLE,
      action: 'DescribeInstances',
      source: 'ec2.amazonaws.com',
    });
  });

  it('recognises the Support role by its issuer ARN, its session ARN or invokedBy alone', () => {
    const { invokedBy: _omitted, ...noInvoker } = supportSession();
    expect(isProviderAccess(noInvoker as unknown as Record<string, unknown>)).toBe(true);
    const { sessionContext: _ctx, ...sessionOnly } = noInvoker;
    expect(isProviderAccess(sessionOnly as unknown as Record<string, unknown>)).toBe(true);
    expect(isProviderAccess({ type: 'AWSService', invokedBy: 'support.amazonaws.com' })).toBe(true);
  });

  it('a provider call that changes the network is provider-access (the landlord’s access first)', () => {
    const r = parseCloudTrailRecord(ctEvent({ eventName: 'AuthorizeSecurityGroupIngress', identity: awsInternal(), at: at(1), requestParameters: { groupId: 'sg-1' } }));
    expect(r).toMatchObject({ kind: 'provider-access', resource: 'sg-1' });
  });

  it('services acting for a customer and customers’ own roles are not the provider', () => {
    // a service calling on the customer's behalf (invokedBy a service host) stays a customer's call
    const viaService: CloudTrailUserIdentity = { ...iamUser(ACCOUNT_ID, 'alice'), invokedBy: 'cloudformation.amazonaws.com' };
    expect(parseCloudTrailRecord(ctEvent({ eventName: 'PutBucketPolicy', eventSource: 's3.amazonaws.com', identity: viaService, at: at(1) }))).toBeUndefined();
    expect(parseCloudTrailRecord(ctEvent({ eventName: 'PutBucketPolicy', eventSource: 's3.amazonaws.com', identity: assumedRole(ACCOUNT_ID, 'SupportTeam'), at: at(1) }))).toBeUndefined();
    expect(parseCloudTrailRecord(ctEvent({ eventName: 'PutBucketPolicy', eventSource: 's3.amazonaws.com', identity: { type: 'AWSService', invokedBy: 'config.amazonaws.com' }, at: at(1) }))).toBeUndefined();
  });

  it('comes back from status as provider-access', () => {
    const [r] = changeRecordsFromStatus([{ id: 'e', time: at(1).toISOString(), actor: 'AWS Internal', action: 'GetBucketAcl', kind: 'provider-access', tracked: true, acknowledged: false }]);
    expect(r?.kind).toBe('provider-access');
  });
});
