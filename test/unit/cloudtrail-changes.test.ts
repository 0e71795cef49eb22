// Reading CloudTrail's delivered log format into ChangeRecords
// (providers/aws/cloudtrail-changes.ts), and where the log is read from.

import { gzipSync } from 'node:zlib';
import {
  type ChangeLogTarget,
  changeLogLocation,
  cloudTrailBase,
  fileStamp,
  fileTime,
  parseCloudTrailLogFile,
  parseCloudTrailRecord,
  resourceOf,
} from '../../operator/src/providers/aws/cloudtrail-changes.js';
import { assumedRole, consoleLogin, ctEvent, iamUser, logFileKey, rootUser } from '../harness/cloudtrail-logs.js';
import { ACCOUNT_ID, aSpec } from './builders.js';
import { DEPLOY_ROLE, at } from './controls/changes/builders.js';

describe('parsing CloudTrail log records', () => {
  it('keeps network changes with actor, resource, region; role sessions carry the role ARN', () => {
    const r = parseCloudTrailRecord(
      ctEvent({
        eventName: 'AuthorizeSecurityGroupIngress',
        identity: assumedRole(ACCOUNT_ID, 'github-deploy', 'run-42'),
        at: at(3),
        region: 'eu-west-2',
        requestParameters: { groupId: 'sg-0abc', ipPermissions: { items: [] } },
        eventID: 'evt-1',
      }),
    );
    expect(r).toEqual({
      id: 'evt-1',
      time: at(3).toISOString().replace('.000Z', 'Z'),
      actor: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/github-deploy/run-42`,
      principal: DEPLOY_ROLE,
      userName: 'github-deploy',
      action: 'AuthorizeSecurityGroupIngress',
      source: 'ec2.amazonaws.com',
      resource: 'sg-0abc',
      region: 'eu-west-2',
      kind: 'network-change',
    });
  });

  it.each([
    ['CreateSecurityGroup', { groupName: 'web', vpcId: 'vpc-1' }, { groupId: 'sg-new' }, 'sg-new'],
    ['ModifySecurityGroupRules', { ModifySecurityGroupRulesRequest: { GroupId: 'sg-9', SecurityGroupRule: {} } }, null, 'sg-9'],
    ['CreateNetworkAclEntry', { networkAclId: 'acl-1', ruleNumber: 100 }, null, 'acl-1'],
    ['ReplaceRoute', { routeTableId: 'rtb-1', destinationCidrBlock: '0.0.0.0/0' }, null, 'rtb-1'],
    ['CreateRouteTable', { vpcId: 'vpc-1' }, { routeTable: { routeTableId: 'rtb-new' } }, 'rtb-new'],
    ['CreateVpc', { cidrBlock: '10.0.0.0/16' }, { vpc: { vpcId: 'vpc-new' } }, 'vpc-new'],
    ['ModifyVpcAttribute', { vpcId: 'vpc-2', enableDnsSupport: { value: true } }, null, 'vpc-2'],
  ])('%s names its resource', (eventName, requestParameters, responseElements, expected) => {
    const raw = ctEvent({ eventName, identity: iamUser(ACCOUNT_ID, 'alice'), at: at(1), requestParameters, responseElements });
    expect(resourceOf(raw as unknown as Record<string, unknown>)).toBe(expected);
    expect(parseCloudTrailRecord(raw)?.kind).toBe('network-change');
  });

  it('drops reads and non-network calls unless the caller is a watched identity', () => {
    const describe = ctEvent({ eventName: 'DescribeSecurityGroups', identity: iamUser(ACCOUNT_ID, 'alice'), at: at(1) });
    const s3 = ctEvent({ eventName: 'PutBucketPolicy', eventSource: 's3.amazonaws.com', identity: iamUser(ACCOUNT_ID, 'breakglass-admin'), at: at(1), requestParameters: { bucketName: 'b' } });
    expect(parseCloudTrailRecord(describe)).toBeUndefined();
    expect(parseCloudTrailRecord(s3)).toBeUndefined();
    expect(parseCloudTrailRecord(s3, ['breakglass-admin'])).toMatchObject({ kind: 'activity', action: 'PutBucketPolicy', userName: 'breakglass-admin' });
  });

  it('reads console sign-ins of watched identities, failed ones flagged', () => {
    const ok = parseCloudTrailRecord(consoleLogin(rootUser(ACCOUNT_ID), at(1)), ['root']);
    expect(ok).toMatchObject({ kind: 'sign-in', resource: 'console', actor: `arn:aws:iam::${ACCOUNT_ID}:root`, region: 'us-east-1' });
    expect(ok?.errorCode).toBeUndefined();
    const failed = parseCloudTrailRecord(consoleLogin(iamUser(ACCOUNT_ID, 'breakglass-admin'), at(1), false), ['breakglass-admin']);
    expect(failed?.errorCode).toBe('ConsoleLoginFailure');
  });

  it('a failed sign-in names the user without an arn: an identity declared by ARN (with a path) still matches', () => {
    // AWS's userIdentity for a failed console sign-in of an IAM user: no arn, only these.
    const raw = consoleLogin(iamUser(ACCOUNT_ID, 'breakglass-admin'), at(1), false);
    raw.userIdentity = { type: 'IAMUser', principalId: 'AIDAEXAMPLE', accountId: ACCOUNT_ID, userName: 'breakglass-admin' };
    const declared = `arn:aws:iam::${ACCOUNT_ID}:user/emergency/breakglass-admin`;
    const failed = parseCloudTrailRecord(raw, [declared]);
    expect(failed).toMatchObject({ kind: 'sign-in', actor: `arn:aws:iam::${ACCOUNT_ID}:user/breakglass-admin`, errorCode: 'ConsoleLoginFailure' });
    // another account's user of the same name is someone else
    expect(parseCloudTrailRecord(raw, [`arn:aws:iam::999999999999:user/breakglass-admin`])).toBeUndefined();
  });

  it('assuming a declared break-glass role is its use, whoever called AssumeRole', () => {
    const role = `arn:aws:iam::${ACCOUNT_ID}:role/BreakGlass`;
    const raw = ctEvent({
      eventName: 'AssumeRole',
      eventSource: 'sts.amazonaws.com',
      identity: iamUser(ACCOUNT_ID, 'alice'),
      at: at(1),
      requestParameters: { roleArn: role, roleSessionName: 'incident-42' },
    });
    expect(parseCloudTrailRecord(raw, [role])).toMatchObject({ kind: 'activity', action: 'AssumeRole', principal: role, actor: `arn:aws:iam::${ACCOUNT_ID}:user/alice` });
    expect(parseCloudTrailRecord(raw, ['BreakGlass'])).toMatchObject({ principal: role });
    expect(parseCloudTrailRecord(raw, [`arn:aws:iam::${ACCOUNT_ID}:role/Other`])).toBeUndefined();
  });

  it('keeps refused network calls with their error code (the controls ignore them)', () => {
    const r = parseCloudTrailRecord(
      ctEvent({ eventName: 'DeleteVpc', identity: iamUser(ACCOUNT_ID, 'mallory'), at: at(1), requestParameters: { vpcId: 'vpc-1' }, errorCode: 'Client.UnauthorizedOperation' }),
    );
    expect(r?.errorCode).toBe('Client.UnauthorizedOperation');
  });

  it('parses a gzip log file and tolerates records without the required fields', () => {
    const body = gzipSync(
      Buffer.from(
        JSON.stringify({
          Records: [
            ctEvent({ eventName: 'CreateRoute', identity: iamUser(ACCOUNT_ID, 'bob'), at: at(1), requestParameters: { routeTableId: 'rtb-9' } }),
            { eventName: 'CreateRoute' },
            'garbage',
          ],
        }),
      ),
    );
    expect(parseCloudTrailLogFile(body).map((r) => r.resource)).toEqual(['rtb-9']);
    expect(parseCloudTrailLogFile(Buffer.from('{"Records":[]}'))).toEqual([]);
  });

  it('file names follow the documented layout and carry their creation time', () => {
    const when = new Date('2026-11-15T09:05:00Z');
    const key = logFileKey({ accountId: ACCOUNT_ID, keyPrefix: 'trail/' }, 'eu-west-1', when);
    expect(key).toMatch(
      new RegExp(`^trail/AWSLogs/${ACCOUNT_ID}/CloudTrail/eu-west-1/2026/11/15/${ACCOUNT_ID}_CloudTrail_eu-west-1_20261115T0905Z_[0-9A-F]{16}\\.json\\.gz$`),
    );
    expect(fileTime(key)).toEqual(when);
    expect(fileStamp(when)).toBe('20261115T0905Z');
    expect(fileTime(`AWSLogs/${ACCOUNT_ID}/CloudTrail-Digest/x.json.gz`)).toBeUndefined();
    expect(cloudTrailBase({ bucket: 'b', accountId: ACCOUNT_ID, organizationId: 'o-abcdefghij', keyPrefix: '/p/' })).toBe(
      `p/AWSLogs/o-abcdefghij/${ACCOUNT_ID}/CloudTrail/`,
    );
  });
});

describe('where and from when the log is read', () => {
  // The collect target of aSpec() on an account ACCOUNT_ID: its log vault, and
  // spec.changeManagement.logSource as changeLogSource when given.
  const aTarget = (overrides: Partial<ChangeLogTarget> = {}): ChangeLogTarget => {
    const { logVault } = aSpec();
    return { provider: 'aws', account: { aws: { accountId: ACCOUNT_ID } }, ...(logVault ? { logVault } : {}), ...overrides };
  };

  it('explicit logSource, else the log vault, else a logging trail destination', () => {
    const explicit = aTarget({ changeLogSource: { bucket: 'ct-logs', keyPrefix: 'org', region: 'eu-west-2' } });
    expect(changeLogLocation(explicit)).toEqual({ bucket: 'ct-logs', keyPrefix: 'org', region: 'eu-west-2', accountId: ACCOUNT_ID });
    expect(changeLogLocation(aTarget(), [{ destination: 'org-log-vault', destinationRegion: 'eu-west-2', logging: true, multiRegion: true }])).toEqual({
      bucket: 'org-log-vault',
      region: 'eu-west-2',
      accountId: ACCOUNT_ID,
    });
    const noVault = aTarget({ logVault: undefined });
    expect(changeLogLocation(noVault, [{ destination: 'trail-bucket', logging: true, multiRegion: false }])).toEqual({ bucket: 'trail-bucket', accountId: ACCOUNT_ID });
    expect(changeLogLocation(noVault, [])).toBeUndefined();
  });
});
