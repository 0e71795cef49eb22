// ChangesTracked (step 10) and break-glass use (step 8): parsing CloudTrail's delivered
// log format into ChangeRecords, and the pure controls over them.

import { gzipSync } from 'node:zlib';

import { arnPatternMatches, type ChangeRecord } from '../../operator/src/inventory/changes.js';
import {
  breakGlassIdentityOf,
  breakGlassUsed,
  breakGlassUses,
  changeStatusEntries,
  networkChangesTracked,
  newBreakGlassUses,
} from '../../operator/src/controls/changes.js';
import { changeLogSince, changeRecordsFromStatus, mergeChangeRecords } from '../../operator/src/controller/change-records.js';
import { evaluateService } from '../../operator/src/controls/evaluate.js';
import { CATALOG } from '../../operator/src/controls/catalog.js';
import {
  changeLogLocation,
  cloudTrailBase,
  fileStamp,
  fileTime,
  parseCloudTrailLogFile,
  parseCloudTrailRecord,
  resourceOf,
} from '../../operator/src/providers/aws/cloudtrail-changes.js';
import { assumedRole, consoleLogin, ctEvent, iamUser, logFileKey, rootUser } from '../harness/cloudtrail-logs.js';
import { ACCOUNT_ID, NOW, aSpec, anInput, hoursAgo } from './builders.js';

const DEPLOY_ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/github-deploy`;
const at = (h: number) => new Date(hoursAgo(h));

function record(overrides: Partial<ChangeRecord> = {}): ChangeRecord {
  return {
    id: 'e-1',
    time: hoursAgo(2),
    actor: `arn:aws:iam::${ACCOUNT_ID}:user/alice`,
    action: 'AuthorizeSecurityGroupIngress',
    resource: 'sg-0123',
    region: 'eu-west-1',
    kind: 'network-change',
    ...overrides,
  };
}

const specWith = (changeManagement = {}, breakGlassIdentities = ['breakglass-admin']) =>
  aSpec({ changeManagement: { deployerPrincipals: [DEPLOY_ROLE], ...changeManagement }, breakGlassIdentities });

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
  it('explicit logSource, else the log vault, else a logging trail destination', () => {
    const explicit = aSpec({ changeManagement: { logSource: { bucket: 'ct-logs', keyPrefix: 'org', region: 'eu-west-2' } } });
    expect(changeLogLocation(explicit)).toEqual({ bucket: 'ct-logs', keyPrefix: 'org', region: 'eu-west-2', accountId: ACCOUNT_ID });
    expect(changeLogLocation(aSpec(), [{ destination: 'org-log-vault', destinationRegion: 'eu-west-2', logging: true, multiRegion: true }])).toEqual({
      bucket: 'org-log-vault',
      region: 'eu-west-2',
      accountId: ACCOUNT_ID,
    });
    const noVault = aSpec({ logVault: undefined });
    expect(changeLogLocation(noVault, [{ destination: 'trail-bucket', logging: true, multiRegion: false }])).toEqual({ bucket: 'trail-bucket', accountId: ACCOUNT_ID });
    expect(changeLogLocation(noVault, [])).toBeUndefined();
  });

  it('starts at the watermark, else lookback before now (default 24h)', () => {
    expect(changeLogSince(aSpec(), hoursAgo(1), NOW)).toEqual(at(1));
    expect(changeLogSince(aSpec(), undefined, NOW)).toEqual(at(24));
    expect(changeLogSince(aSpec({ changeManagement: { lookback: '72h' } }), undefined, NOW)).toEqual(at(72));
  });
});

describe('matching principals', () => {
  it('ARN patterns: exact, or * for any run of characters', () => {
    expect(arnPatternMatches(DEPLOY_ROLE, DEPLOY_ROLE)).toBe(true);
    expect(arnPatternMatches('arn:aws:iam::*:role/gitops-*', `arn:aws:iam::${ACCOUNT_ID}:role/gitops-prod`)).toBe(true);
    expect(arnPatternMatches('arn:aws:iam::*:role/gitops-*', `arn:aws:iam::${ACCOUNT_ID}:role/other`)).toBe(false);
    expect(arnPatternMatches('arn:aws:iam::1.1:role/x', 'arn:aws:iam::111:role/x')).toBe(false); // dots are literal
    expect(arnPatternMatches('x', undefined)).toBe(false);
  });

  it('break-glass identities match by user name, ARN, role name of a session, or root', () => {
    const session = record({ actor: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/BreakGlass/jane`, principal: `arn:aws:iam::${ACCOUNT_ID}:role/BreakGlass` });
    expect(breakGlassIdentityOf(session, ['BreakGlass'])).toBe('BreakGlass');
    expect(breakGlassIdentityOf(session, [`arn:aws:iam::${ACCOUNT_ID}:role/BreakGlass`])).toBeDefined();
    expect(breakGlassIdentityOf(record({ actor: `arn:aws:iam::${ACCOUNT_ID}:user/ops/breakglass-admin` }), ['breakglass-admin'])).toBe('breakglass-admin');
    expect(breakGlassIdentityOf(record({ actor: `arn:aws:iam::${ACCOUNT_ID}:root` }), ['root'])).toBe('root');
    expect(breakGlassIdentityOf(record(), ['breakglass-admin'])).toBeUndefined();
  });
});

describe('A523-10-NETWORK-CHANGES-TRACKED', () => {
  const evaluate = (changes: ChangeRecord[] | undefined | { failure: { reason: string; message: string } }, spec = specWith()) =>
    networkChangesTracked.evaluate({ ...anInput({ spec }), changes });

  it('is Unknown, not False, when the log was not read or could not be read', () => {
    expect(evaluate(undefined)).toMatchObject({ status: 'Unknown', reason: 'ChangeLogNotRead' });
    expect(evaluate({ failure: { reason: 'AccessDenied', message: 'no s3:GetObject' } })).toMatchObject({ status: 'Unknown', reason: 'AccessDenied' });
  });

  it('passes with no changes, or only deployer changes (a role session matches through its role ARN)', () => {
    expect(evaluate([])).toMatchObject({ status: 'True', reason: 'NoNetworkChanges' });
    const deploy = record({ actor: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/github-deploy/run-1`, principal: DEPLOY_ROLE });
    expect(evaluate([deploy])).toMatchObject({ status: 'True', reason: 'ChangesTracked', message: '1 network change: 1 by the declared deployer, 0 acknowledged with a change record.' });
  });

  it('fails on an out-of-band change until it is acknowledged', () => {
    const manual = record({ id: 'evt-manual' });
    const failed = evaluate([manual]);
    expect(failed).toMatchObject({ status: 'False', reason: 'OutOfBandChanges' });
    expect(failed.findings).toEqual([
      {
        resource: 'sg-0123',
        message: `Out-of-band change: AuthorizeSecurityGroupIngress on sg-0123 in eu-west-1 by arn:aws:iam::${ACCOUNT_ID}:user/alice at ${manual.time} (change evt-manual); not made by a declared deployer and not acknowledged`,
      },
    ]);
    const acked = specWith({ acknowledgements: [{ changeId: 'evt-manual', reference: 'https://jira.example.com/CHG-7', acknowledgedBy: 'bob' }] });
    expect(evaluate([manual], acked)).toMatchObject({ status: 'True', reason: 'ChangesTracked' });
  });

  it('without declared deployers every change is out-of-band', () => {
    const deploy = record({ principal: DEPLOY_ROLE });
    expect(evaluate([deploy], aSpec()).status).toBe('False');
  });

  it('ignores refused calls and break-glass records (they have their own control)', () => {
    expect(evaluate([record({ errorCode: 'Client.UnauthorizedOperation' })]).status).toBe('True');
    expect(evaluate([record({ actor: `arn:aws:iam::${ACCOUNT_ID}:user/breakglass-admin` })]).status).toBe('True');
  });

  it('counts one change once however often it was read', () => {
    const deploy = record({ principal: DEPLOY_ROLE });
    expect(evaluate([deploy, deploy, { ...deploy }]).message).toMatch(/^1 network change/);
  });
});

describe('A523-08-BREAK-GLASS-USED and the uses the reconciler reports', () => {
  const use = record({ id: 'bg-1', actor: `arn:aws:iam::${ACCOUNT_ID}:user/breakglass-admin`, action: 'ConsoleLogin', kind: 'sign-in', resource: 'console', region: 'us-east-1' });
  const evaluate = (changes: ChangeRecord[] | undefined, spec = specWith()) =>
    breakGlassUsed.evaluate({ ...anInput({ spec }), changes });

  it('passes when no break-glass identity is declared, whatever the log says', () => {
    expect(evaluate(undefined, aSpec({ breakGlassIdentities: [] }))).toMatchObject({ status: 'True', reason: 'NoBreakGlassDeclared' });
  });

  it('is Unknown without the log, True without uses, False on a use until reviewed', () => {
    expect(evaluate(undefined).status).toBe('Unknown');
    expect(evaluate([record()])).toMatchObject({ status: 'True', reason: 'NoBreakGlassUse' });
    const failed = evaluate([use]);
    expect(failed).toMatchObject({ status: 'False', reason: 'BreakGlassUsed' });
    expect(failed.findings[0]?.resource).toBe(use.actor);
    expect(failed.message).toContain(`breakglass-admin signed in at ${use.time}`);
    const reviewed = specWith({ acknowledgements: [{ changeId: 'bg-1', reference: 'INC-12', acknowledgedBy: 'ciso' }] });
    expect(evaluate([use], reviewed)).toMatchObject({ status: 'True', reason: 'BreakGlassUseReviewed' });
  });

  it('a refused call by a break-glass identity is still a use (someone tried)', () => {
    expect(evaluate([{ ...use, errorCode: 'ConsoleLoginFailure' }]).status).toBe('False');
  });

  it('breakGlassUses returns each use once with an Event message; newBreakGlassUses skips those already in status', () => {
    const uses = breakGlassUses([use, use, record()], specWith());
    expect(uses).toEqual([
      {
        id: 'bg-1',
        identity: 'breakglass-admin',
        actor: use.actor,
        action: 'ConsoleLogin',
        kind: 'sign-in',
        time: use.time,
        region: 'us-east-1',
        failed: false,
        acknowledged: false,
        message: `Break-glass identity breakglass-admin used: console sign-in in us-east-1 by ${use.actor} at ${use.time} (change bg-1)`,
      },
    ]);
    const { changes } = changeStatusEntries([use], specWith());
    expect(newBreakGlassUses(uses, undefined)).toHaveLength(1);
    expect(newBreakGlassUses(uses, changes)).toEqual([]);
  });
});

describe('status.changes', () => {
  it('keeps open changes first, newest first, bounded, and round-trips through status', () => {
    const deploys = Array.from({ length: 60 }, (_, i) =>
      record({ id: `d-${String(i).padStart(2, '0')}`, time: hoursAgo(1 + i / 100), principal: DEPLOY_ROLE }),
    );
    const manual = record({ id: 'm-old', time: hoursAgo(48) });
    const bg = record({ id: 'bg', time: hoursAgo(30), actor: `arn:aws:iam::${ACCOUNT_ID}:user/breakglass-admin`, kind: 'activity', action: 'PutBucketPolicy', errorCode: 'AccessDenied' });
    const { changes, changesOmitted } = changeStatusEntries([...deploys, manual, bg], specWith(), 50);
    expect(changes).toHaveLength(50);
    expect(changesOmitted).toBe(12);
    expect(changes.map((c) => c.id)).toContain('m-old');
    expect(changes.find((c) => c.id === 'bg')).toMatchObject({ breakGlass: true, failed: true, tracked: false, acknowledged: false, kind: 'activity' });
    expect(changes.find((c) => c.id === 'd-00')).toMatchObject({ tracked: true, principal: DEPLOY_ROLE });
    expect(changes.map((c) => c.time)).toEqual([...changes.map((c) => c.time)].sort().reverse());

    // Back from status, the verdicts are recomputed from the current spec.
    const back = changeRecordsFromStatus(changes);
    const acked = specWith({ acknowledgements: [{ changeId: 'm-old', reference: 'CHG-1', acknowledgedBy: 'bob' }] });
    expect(changeStatusEntries(back, acked).changes.find((c) => c.id === 'm-old')).toMatchObject({ acknowledged: true, reference: 'CHG-1' });
    expect(networkChangesTracked.evaluate({ ...anInput({ spec: specWith() }), changes: back }).status).toBe('False');
    expect(networkChangesTracked.evaluate({ ...anInput({ spec: acked }), changes: back }).status).toBe('True');
  });

  it('merges kept and fresh records by id', () => {
    const merged = mergeChangeRecords([record({ id: 'a' }), record({ id: 'b' })], [record({ id: 'b', resource: 'sg-new' }), record({ id: 'c' })]);
    expect(merged.map((r) => [r.id, r.resource])).toEqual([
      ['a', 'sg-0123'],
      ['b', 'sg-new'],
      ['c', 'sg-0123'],
    ]);
  });
});

describe('evaluation with the change controls', () => {
  it('publishes ChangesTracked once the controls are in the catalog it evaluates', () => {
    const catalog = CATALOG; // the change controls are part of it
    const spec = specWith();
    const clean = evaluateService({ ...anInput({ spec }), changes: [record({ principal: DEPLOY_ROLE })] }, catalog);
    expect(clean.families.find((f) => f.type === 'ChangesTracked')).toMatchObject({ status: 'True' });
    const dirty = evaluateService({ ...anInput({ spec }), changes: [record()] }, catalog);
    expect(dirty.families.find((f) => f.type === 'ChangesTracked')).toMatchObject({ status: 'False', reason: 'OutOfBandChanges' });
    expect(dirty.findings.map((f) => f.control)).toEqual(['A523-10-NETWORK-CHANGES-TRACKED']);
    expect(dirty.compliant.status).toBe('False');
  });
});
