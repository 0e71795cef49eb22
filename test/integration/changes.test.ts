// ChangesTracked end to end against moto's S3: CloudTrail log files seeded in the
// documented delivery layout (test/harness/cloudtrail-logs.ts), read incrementally by
// the real reader through the real AWS SDK v3 client, then judged by the pure controls.
// moto does not implement CloudTrail LookupEvents; reading the delivered files is also
// how an off-platform log vault is read.

import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { breakGlassUsed } from '../../operator/src/controls/changes/break-glass-used.js';
import { breakGlassUses, changeStatusEntries } from '../../operator/src/controls/changes/ledger.js';
import { networkChangesTracked } from '../../operator/src/controls/changes/network-changes-tracked.js';
import { changeLogSince, changeRecordsFromStatus, mergeChangeRecords } from '../../operator/src/controller/change-records.js';
import { changeLogLocation, readCloudTrailChanges } from '../../operator/src/providers/aws/cloudtrail-changes.js';
import { assumedRole, consoleLogin, ctEvent, iamUser, seedCloudTrailLogs } from '../harness/cloudtrail-logs.js';
import { kubectl } from '../harness/kube.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../harness/moto.js';
import { admissionNamespace, awsServiceManifest } from '../harness/services.js';
import { aSpec, anInput } from '../unit/builders.js';

const ACCOUNT = '111111111111';
const VAULT = 'org-log-vault-changes';
const NOW = new Date('2026-11-15T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/github-deploy`;

let moto: MotoServer;
let s3: S3Client;

const spec = (acks: Array<{ changeId: string; reference: string; acknowledgedBy: string }> = []) =>
  aSpec({
    logVault: { accountId: '999999999999', bucket: VAULT },
    breakGlassIdentities: ['breakglass-admin'],
    changeManagement: { deployerPrincipals: [DEPLOYER], acknowledgements: acks },
  });

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client({ endpoint: moto.endpoint, region: 'eu-west-2', credentials: MOTO_CREDENTIALS, forcePathStyle: true });
  await seedCloudTrailLogs(s3, {
    bucket: VAULT,
    createBucket: true,
    bucketRegion: 'eu-west-2',
    accountId: ACCOUNT,
    files: [
      // Older than the 24h lookback: never read.
      {
        region: 'eu-west-1',
        at: minutesAgo(26 * 60),
        records: [ctEvent({ eventName: 'DeleteVpc', identity: iamUser(ACCOUNT, 'alice'), at: minutesAgo(26 * 60 + 3), requestParameters: { vpcId: 'vpc-old' }, eventID: 'old-1' })],
      },
      {
        region: 'eu-west-1',
        at: minutesAgo(180),
        records: [
          ctEvent({ eventName: 'AuthorizeSecurityGroupIngress', identity: assumedRole(ACCOUNT, 'github-deploy', 'run-7'), at: minutesAgo(184), requestParameters: { groupId: 'sg-app' }, eventID: 'deploy-1' }),
          ctEvent({ eventName: 'DescribeInstances', identity: iamUser(ACCOUNT, 'alice'), at: minutesAgo(183), eventID: 'read-1' }),
        ],
      },
      {
        region: 'eu-west-1',
        at: minutesAgo(120),
        records: [
          ctEvent({ eventName: 'AuthorizeSecurityGroupIngress', identity: iamUser(ACCOUNT, 'alice'), at: minutesAgo(124), requestParameters: { groupId: 'sg-db', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] } }, eventID: 'manual-1' }),
          ctEvent({ eventName: 'DeleteRoute', identity: iamUser(ACCOUNT, 'mallory'), at: minutesAgo(122), requestParameters: { routeTableId: 'rtb-1' }, errorCode: 'Client.UnauthorizedOperation', eventID: 'refused-1' }),
        ],
      },
      {
        region: 'us-east-1',
        at: minutesAgo(60),
        records: [consoleLogin(iamUser(ACCOUNT, 'breakglass-admin'), minutesAgo(62), true, 'bg-login-1')],
      },
      {
        region: 'eu-central-1',
        at: minutesAgo(30),
        records: [ctEvent({ eventName: 'CreateVpc', identity: assumedRole(ACCOUNT, 'github-deploy', 'run-8'), at: minutesAgo(33), region: 'eu-central-1', requestParameters: { cidrBlock: '10.1.0.0/16' }, responseElements: { vpc: { vpcId: 'vpc-new' } }, eventID: 'deploy-2' })],
      },
    ],
  });
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

describe('reading delivered CloudTrail files from the log vault (moto S3)', () => {
  it('reads every region since the lookback and the controls judge the changes', async () => {
    // The collect target of spec() on account ACCOUNT: its log vault, no explicit log source.
    const location = changeLogLocation({ provider: 'aws', account: { aws: { accountId: ACCOUNT } }, logVault: spec().logVault! });
    expect(location).toEqual({ bucket: VAULT, accountId: ACCOUNT });
    const read = await readCloudTrailChanges({
      s3,
      source: location!,
      since: changeLogSince(spec(), undefined, NOW),
      now: NOW,
      watchedIdentities: spec().breakGlassIdentities,
    });
    if (!read.ok) throw new Error(read.failure.message);
    expect(read).toMatchObject({ filesRead: 4, complete: true, source: `s3://${VAULT}/AWSLogs/${ACCOUNT}/CloudTrail/` });
    expect(read.readUntil).toBe(minutesAgo(15).toISOString());
    expect(read.records.map((r) => [r.id, r.kind, r.resource, r.region])).toEqual([
      ['deploy-1', 'network-change', 'sg-app', 'eu-west-1'],
      ['manual-1', 'network-change', 'sg-db', 'eu-west-1'],
      ['refused-1', 'network-change', 'rtb-1', 'eu-west-1'],
      ['bg-login-1', 'sign-in', 'console', 'us-east-1'],
      ['deploy-2', 'network-change', 'vpc-new', 'eu-central-1'],
    ]);

    const input = { ...anInput({ spec: spec(), now: NOW }), changes: read.records };
    const changes = networkChangesTracked.evaluate(input);
    expect(changes).toMatchObject({ status: 'False', reason: 'OutOfBandChanges' });
    expect(changes.findings.map((f) => f.resource)).toEqual(['sg-db']);
    const bg = breakGlassUsed.evaluate(input);
    expect(bg).toMatchObject({ status: 'False', reason: 'BreakGlassUsed' });
    expect(breakGlassUses(read.records, spec()).map((u) => [u.id, u.identity, u.kind])).toEqual([['bg-login-1', 'breakglass-admin', 'sign-in']]);

    // Acknowledging both closes them; status keeps the record of what happened.
    const acked = spec([
      { changeId: 'manual-1', reference: 'https://jira.example.com/CHG-101', acknowledgedBy: 'bob@example.com' },
      { changeId: 'bg-login-1', reference: 'https://jira.example.com/INC-7', acknowledgedBy: 'ciso@example.com' },
    ]);
    const ackedInput = { ...anInput({ spec: acked, now: NOW }), changes: read.records };
    expect(networkChangesTracked.evaluate(ackedInput).status).toBe('True');
    expect(breakGlassUsed.evaluate(ackedInput).status).toBe('True');
    const { changes: entries } = changeStatusEntries(read.records, acked);
    expect(entries.map((e) => [e.id, e.tracked, e.acknowledged, e.reference ?? null])).toEqual([
      ['deploy-2', true, false, null],
      ['bg-login-1', false, true, 'https://jira.example.com/INC-7'],
      ['manual-1', false, true, 'https://jira.example.com/CHG-101'],
      ['deploy-1', true, false, null],
    ]);
  });

  it('continues from the watermark: late files inside the overlap are read, duplicates merged by event id', async () => {
    const source = { bucket: VAULT, accountId: ACCOUNT };
    const first = await readCloudTrailChanges({ s3, source, since: minutesAgo(24 * 60), now: NOW });
    if (!first.ok) throw new Error(first.failure.message);
    const later = new Date(NOW.getTime() + 10 * 60_000);
    const deploy2 = first.records.find((r) => r.id === 'deploy-2');
    await seedCloudTrailLogs(s3, {
      bucket: VAULT,
      accountId: ACCOUNT,
      files: [
        // Named 11:50 but delivered after the 12:00 read; CloudTrail may also deliver an event twice.
        {
          region: 'eu-west-1',
          at: minutesAgo(10),
          records: [
            ctEvent({ eventName: 'ReplaceNetworkAclEntry', identity: iamUser(ACCOUNT, 'carol'), at: minutesAgo(12), requestParameters: { networkAclId: 'acl-9' }, eventID: 'late-1' }),
            ctEvent({ eventName: 'CreateVpc', identity: assumedRole(ACCOUNT, 'github-deploy', 'run-8'), at: new Date(deploy2!.time), region: 'eu-central-1', responseElements: { vpc: { vpcId: 'vpc-new' } }, eventID: 'deploy-2' }),
          ],
        },
        { region: 'eu-west-1', at: new Date(NOW.getTime() + 5 * 60_000), records: [ctEvent({ eventName: 'DeleteSecurityGroup', identity: iamUser(ACCOUNT, 'carol'), at: NOW, requestParameters: { groupId: 'sg-tmp' }, eventID: 'manual-2' })] },
      ],
    });
    const second = await readCloudTrailChanges({ s3, source, since: new Date(first.readUntil), now: later });
    if (!second.ok) throw new Error(second.failure.message);
    // From readUntil (11:45): the late 11:50 file and the 12:05 one; the 11:30 file is not read again.
    expect(second.records.map((r) => r.id)).toEqual(['late-1', 'deploy-2', 'manual-2']);
    const kept = changeRecordsFromStatus(changeStatusEntries(first.records, spec()).changes);
    const merged = mergeChangeRecords(kept, second.records);
    expect(merged.filter((r) => r.id === 'deploy-2')).toHaveLength(1);
    const outcome = networkChangesTracked.evaluate({ ...anInput({ spec: spec(), now: later }), changes: merged });
    expect(outcome.findings.map((f) => f.resource).sort()).toEqual(['acl-9', 'sg-db', 'sg-tmp']);
  });

  it('stops at maxFiles on a minute boundary and picks up from there without losing a file', async () => {
    const bucket = 'ct-bounded';
    const files = Array.from({ length: 6 }, (_, i) => ({
      region: i % 2 === 0 ? 'eu-west-1' : 'eu-west-2',
      at: minutesAgo(60 - Math.floor(i / 2) * 10), // two files per minute: 11:00, 11:10, 11:20
      records: [ctEvent({ eventName: 'CreateRoute', identity: iamUser(ACCOUNT, 'dave'), at: minutesAgo(61 - i), requestParameters: { routeTableId: `rtb-${i}` }, eventID: `r-${i}` })],
    }));
    await seedCloudTrailLogs(s3, { bucket, createBucket: true, accountId: ACCOUNT, files });
    const ids: string[] = [];
    let since = minutesAgo(120);
    let passes = 0;
    for (;;) {
      const pass = await readCloudTrailChanges({ s3, source: { bucket, accountId: ACCOUNT }, since, now: NOW, maxFiles: 3, overlapMs: 0 });
      if (!pass.ok) throw new Error(pass.failure.message);
      passes++;
      ids.push(...pass.records.map((r) => r.id));
      since = new Date(pass.readUntil);
      if (pass.complete) break;
      expect(pass.filesRead).toBe(2); // 3 would split the 11:10 minute
    }
    expect(passes).toBe(3);
    expect([...new Set(ids)].sort()).toEqual(['r-0', 'r-1', 'r-2', 'r-3', 'r-4', 'r-5']);
  });

  it('supports a trail key prefix and skips what is not a log file', async () => {
    const bucket = 'ct-prefixed';
    await seedCloudTrailLogs(s3, {
      bucket,
      createBucket: true,
      accountId: ACCOUNT,
      keyPrefix: 'security/trail',
      files: [{ region: 'eu-west-1', at: minutesAgo(10), records: [ctEvent({ eventName: 'CreateSecurityGroup', identity: iamUser(ACCOUNT, 'erin'), at: minutesAgo(12), requestParameters: { groupName: 'tmp', vpcId: 'vpc-1' }, responseElements: { _return: true, groupId: 'sg-tmp' }, eventID: 'sg-1' })] }],
    });
    const day = NOW.toISOString().slice(0, 10).replace(/-/g, '/');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `security/trail/AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/${day}/README.txt`, Body: 'not a log' }));
    const read = await readCloudTrailChanges({ s3, source: { bucket, accountId: ACCOUNT, keyPrefix: 'security/trail' }, since: minutesAgo(60), now: NOW });
    expect(read.ok && read.records.map((r) => [r.id, r.resource])).toEqual([['sg-1', 'sg-tmp']]);
  });

  it('an unreadable log is a failure the controls turn into Unknown, not a finding', async () => {
    const read = await readCloudTrailChanges({ s3, source: { bucket: 'no-such-log-bucket', accountId: ACCOUNT }, since: minutesAgo(60), now: NOW });
    expect(read).toMatchObject({ ok: false, failure: { reason: 'LogBucketNotFound' } });
    if (read.ok) return;
    const outcome = networkChangesTracked.evaluate({ ...anInput({ spec: spec(), now: NOW }), changes: read });
    expect(outcome).toMatchObject({ status: 'Unknown', reason: 'LogBucketNotFound' });
  });
});

describe('spec.changeManagement and status.changes at admission (real kube-apiserver)', () => {
  const { namespace, apply } = admissionNamespace('changes-admission');
  const service = (name: string, changeManagement: Record<string, unknown>) =>
    awsServiceManifest(name, { breakGlassIdentities: ['breakglass-admin'], changeManagement }, ACCOUNT);

  it('accepts deployers and acknowledgements, defaults lookback, and stores status.changes as the operator writes it', async () => {
    const r = await apply(
      service('cm-ok', {
        deployerPrincipals: [DEPLOYER, `arn:aws:iam::*:role/aws-service-role/*`],
        acknowledgements: [{ changeId: 'manual-1', reference: 'https://jira.example.com/CHG-101', acknowledgedBy: 'bob@example.com' }],
      }),
    );
    expect(r.stderr).toBe('');
    const created = JSON.parse(r.stdout) as { spec: { changeManagement: { lookback: string } }; metadata: { resourceVersion: string } };
    expect(created.spec.changeManagement.lookback).toBe('24h');
    // status.changes round-trips through the status subresource (list-map keyed by id).
    const records = [
      { id: 'manual-1', time: '2026-11-15T10:00:00Z', actor: `arn:aws:iam::${ACCOUNT}:user/alice`, action: 'AuthorizeSecurityGroupIngress', resource: 'sg-db', region: 'eu-west-1', kind: 'network-change' as const },
      { id: 'bg-1', time: '2026-11-15T11:00:00Z', actor: `arn:aws:iam::${ACCOUNT}:user/breakglass-admin`, action: 'ConsoleLogin', resource: 'console', region: 'us-east-1', kind: 'sign-in' as const },
    ];
    const { changes } = changeStatusEntries(records, spec([{ changeId: 'manual-1', reference: 'CHG-101', acknowledgedBy: 'bob' }]));
    const status = {
      changes,
      changeLog: { source: `s3://${VAULT}/AWSLogs/${ACCOUNT}/CloudTrail/`, readUntil: '2026-11-15T11:45:00Z', lastReadAt: '2026-11-15T12:00:00Z', filesRead: 4, complete: true },
    };
    const patched = await kubectl(['patch', 'cloudservice', 'cm-ok', '-n', namespace(), '--subresource=status', '--type=merge', '-p', JSON.stringify({ status }), '-o', 'json']);
    expect(patched.stderr).toBe('');
    expect((JSON.parse(patched.stdout) as { status: typeof status }).status).toEqual(status);
  });

  it.each([
    [{ lookback: '3000h' }, 'spec.changeManagement.lookback must be between 1h and 2160h'],
    [{ acknowledgements: [{ changeId: 'x', reference: 'CHG-1' }] }, 'acknowledgedBy: Required value'],
    [{ acknowledgements: [{ changeId: 'x', reference: 'a', acknowledgedBy: 'b' }, { changeId: 'x', reference: 'c', acknowledgedBy: 'd' }] }, 'Duplicate value'],
    [{ logSource: { bucket: 'ct-logs', organizationId: 'org-1' } }, 'spec.changeManagement.logSource.organizationId'],
  ])('refuses %j', async (cm, message) => {
    const r = await apply(service(`cm-bad-${Math.random().toString(36).slice(2, 8)}`, cm));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
  });
});
