// The AWS collector against moto (server mode, real AWS SDK v3 clients): the Inventory
// facts of a compliant, a non-compliant and the demo account. Facts only: what the
// controls make of them is tested in test/unit/controls.
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

import {
  SeedClients,
  createUser,
  seedCompliantAccount,
  seedDemoAccount,
  seedNonCompliantAccount,
  seedRegionScp,
  type SeededAccount,
} from '../harness/aws-seed.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../harness/moto.js';
import type { Inventory, InventoryResult, Resource } from '../../operator/src/inventory/types.js';
import { AwsInventoryCollector } from '../../operator/src/providers/aws/collector.js';
import type { CollectTarget } from '../../operator/src/providers/types.js';

let moto: MotoServer;
let compliant: SeededAccount;
let noncompliant: SeededAccount;
let demo: SeededAccount;

function targetOf(s: SeededAccount): CollectTarget {
  return {
    provider: 'aws',
    account: s.account,
    allowedRegions: s.allowedRegions,
    credentials: s.credentials,
    ...(s.logVault ? { logVault: s.logVault } : {}),
  };
}

function collector(calls?: string[]): AwsInventoryCollector {
  return new AwsInventoryCollector({
    endpoint: moto.endpoint,
    reportPollIntervalMs: 50,
    ...(calls ? { onApiCall: (_p: string, op: string, code: string) => void calls.push(`${op} ${code}`) } : {}),
  });
}

function inventoryOf(r: InventoryResult): Inventory {
  if (!r.ok) throw new Error(`collection failed: ${r.failure.reason}: ${r.failure.message}`);
  return r.inventory;
}

const byKind = (inv: Inventory, kind: Resource['kind']) => inv.resources.filter((r) => r.kind === kind);
const identity = (inv: Inventory, name: string) => inv.identities.find((i) => i.name === name);

beforeAll(async () => {
  moto = await startMoto();
  compliant = await seedCompliantAccount(moto.endpoint);
  noncompliant = await seedNonCompliantAccount(moto.endpoint);
  demo = await seedDemoAccount(moto.endpoint);
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

describe('compliant account (assumed role, log vault in another account)', () => {
  let inv: Inventory;
  const calls: string[] = [];
  beforeAll(async () => {
    inv = inventoryOf(await collector(calls).collect(targetOf(compliant)));
  });

  it('reads the right account with no gaps', () => {
    expect(inv.accountId).toBe(compliant.accountId);
    expect(inv.provider).toBe('aws');
    expect(inv.gaps).toEqual([]);
    // moto fixes the credential report time at 2015
    expect(inv.evidenceTimes.identities).toMatch(/^2015-/);
    expect(calls).toContain('STS:AssumeRole OK');
    expect(calls.filter((c) => c.startsWith('STS:AssumeRole'))).toHaveLength(1);
    // The role session is the collector's, shared by every read of the account: its
    // AssumeRole is counted in the metric, not in this collection's own calls.
    expect(inv.apiCalls).toBe(calls.length - 1);
  });

  it('keeps the role session between reads: a second collection, a change-log read and an object store assume no role again; the Ready check does', async () => {
    const seen: string[] = [];
    const aws = collector(seen);
    const target = targetOf(compliant);
    expect(inventoryOf(await aws.collect(target)).accountId).toBe(compliant.accountId);
    expect(inventoryOf(await aws.collect(target)).accountId).toBe(compliant.accountId);
    await aws.readChanges(target, { since: new Date(Date.now() - 3_600_000), now: new Date(), auditTrails: [] });
    const store = aws.openObjectStore(target);
    store.destroy();
    expect(seen.filter((c) => c.startsWith('STS:AssumeRole'))).toEqual(['STS:AssumeRole OK']);
    expect(seen.filter((c) => c.startsWith('STS:GetCallerIdentity'))).toHaveLength(2);
    // Another session name is another session (the reading namespace shows in CloudTrail).
    const other = { ...target, account: { ...target.account, aws: { ...target.account.aws!, sessionName: 'cloudposture.team-b' } } };
    await aws.collect(other);
    expect(seen.filter((c) => c.startsWith('STS:AssumeRole'))).toHaveLength(2);
    expect((await aws.probe(target)).ok).toBe(true);
    expect(seen.filter((c) => c.startsWith('STS:AssumeRole'))).toHaveLength(3);
  });

  it('identities: every user has MFA; admin privileged through its group', () => {
    const users = inv.identities.filter((i) => i.kind === 'user');
    expect(users.map((u) => u.name).sort()).toEqual(['alice', 'bob', 'svc-reports']);
    expect(users.every((u) => u.mfaEnabled)).toBe(true);
    expect(identity(inv, 'alice')).toMatchObject({
      privileged: true,
      interactive: true,
      privilegeSource: expect.stringContaining('AdministratorAccess'),
    });
    expect(identity(inv, 'bob')).toMatchObject({ privileged: false, interactive: true });
    expect(identity(inv, 'svc-reports')).toMatchObject({ privileged: false, interactive: false });
    expect(identity(inv, 'svc-reports')?.accessKeys).toEqual([
      expect.objectContaining({ id: 'access_key_1', active: true, createdAt: expect.any(String) }),
    ]);
    // roles are not identities (the read role exists in this account)
    expect(inv.identities.some((i) => i.kind === 'role')).toBe(false);
    // moto cannot enable root MFA: the fact is read as false
    expect(inv.rootMfaEnabled).toBe(false);
    expect(identity(inv, 'root')).toMatchObject({ kind: 'root', privileged: true, id: `arn:aws:iam::${compliant.accountId}:root` });
    // freshness: only the privileged user's MFA was confirmed directly
    expect(calls.filter((c) => c.startsWith('IAM:ListMFADevices'))).toHaveLength(1);
  });

  it('resources: everything in the EU, encrypted, nothing public', () => {
    const regions = new Set(inv.resources.map((r) => r.region));
    expect([...regions].sort()).toEqual(['eu-central-1', 'eu-west-1']);
    const bucket = byKind(inv, 'bucket');
    expect(bucket).toEqual([
      {
        id: `arn:aws:s3:::${compliant.names.bucket}`,
        kind: 'bucket',
        region: 'eu-west-1',
        encrypted: true,
        customerManagedKey: true,
        public: false,
      },
    ]);
    expect(byKind(inv, 'volume')).toHaveLength(2); // the instance's root volume + payments-data
    expect(byKind(inv, 'volume').every((v) => v.encrypted === true)).toBe(true);
    expect(byKind(inv, 'snapshot')).toEqual([expect.objectContaining({ encrypted: true, public: false, sourceId: expect.stringContaining(':volume/') })]);
    expect(byKind(inv, 'compute-instance')).toEqual([expect.objectContaining({ region: 'eu-west-1', tags: { Name: 'payments-api' } })]);
    expect(byKind(inv, 'database')).toEqual([
      expect.objectContaining({ id: `arn:aws:rds:eu-west-1:${compliant.accountId}:db:${compliant.names.database}`, encrypted: true }),
    ]);
    expect(byKind(inv, 'database-replica')).toEqual([
      expect.objectContaining({
        region: 'eu-central-1',
        encrypted: true,
        sourceId: `arn:aws:rds:eu-west-1:${compliant.accountId}:db:${compliant.names.database}`,
      }),
    ]);
    const manual = byKind(inv, 'database-snapshot').find((s) => s.id.endsWith(`:snapshot:${compliant.names.dbSnapshot}`));
    expect(manual).toMatchObject({ encrypted: true, public: false });
  });

  it('guardrails: account public access block, EBS default encryption, no organization', () => {
    expect(inv.guardrails.accountPublicAccessBlock).toBe(true);
    expect(inv.guardrails.defaultVolumeEncryption).toEqual({ 'eu-west-1': true, 'eu-central-1': true, 'us-east-1': false });
    expect(inv.guardrails.regionRestriction).toBeNull();
  });

  it('audit trail: multi-region, logging, delivered to the vault account in eu-central-1', () => {
    expect(inv.auditTrails).toEqual([
      {
        id: `arn:aws:cloudtrail:eu-west-1:${compliant.accountId}:trail/${compliant.names.trail}`,
        region: 'eu-west-1',
        multiRegion: true,
        logging: true,
        destination: compliant.names.vaultBucket,
        destinationAccountId: compliant.logVault?.accountId,
        destinationRegion: 'eu-central-1',
        lastDeliveryAt: expect.any(String),
      },
    ]);
    expect(byKind(inv, 'log-destination')).toEqual([
      { id: `arn:aws:s3:::${compliant.names.vaultBucket}`, kind: 'log-destination', region: 'eu-central-1' },
    ]);
  });

  it('without the declared log vault the destination owner stays unknown', async () => {
    const { logVault: _ignored, ...rest } = targetOf(compliant);
    const inv2 = inventoryOf(await collector().collect(rest));
    expect(inv2.auditTrails[0]?.destinationAccountId).toBeUndefined();
    expect(inv2.auditTrails[0]?.destinationRegion).toBe('eu-central-1');
  });
});

describe('non-compliant account', () => {
  let inv: Inventory;
  beforeAll(async () => {
    inv = inventoryOf(await collector().collect(targetOf(noncompliant)));
  });

  it('identities: privileged users without MFA, directly and through a group', () => {
    expect(inv.gaps).toEqual([]);
    expect(identity(inv, 'dave')).toMatchObject({ privileged: true, mfaEnabled: false, interactive: true });
    expect(identity(inv, 'frank')).toMatchObject({
      privileged: true,
      mfaEnabled: false,
      privilegeGrant: 'inline policy ops-inline of group ops allows ec2:RunInstances',
      privilegeSource: expect.stringMatching(/^inline policy ops-inline of group ops allows ec2:RunInstances \(Write\);.*access levels: @cloud-copilot\/iam-data 0\.21\./),
    });
    expect(identity(inv, 'erin')).toMatchObject({ privileged: false, mfaEnabled: false, interactive: true });
    expect(identity(inv, 'ci-bot')).toMatchObject({ privileged: true, mfaEnabled: false, interactive: false });
    expect(identity(inv, 'ci-bot')?.accessKeys).toHaveLength(1);
  });

  it('resources: a bucket outside the EU, unencrypted and public by policy; a public-ACL bucket', () => {
    const buckets = Object.fromEntries(byKind(inv, 'bucket').map((b) => [b.id.replace('arn:aws:s3:::', ''), b]));
    expect(buckets[noncompliant.names.publicBucket as string]).toMatchObject({
      region: 'us-east-1',
      encrypted: false,
      public: true,
      publicReason: expect.stringContaining('Principal "*"'),
    });
    expect(buckets[noncompliant.names.aclBucket as string]).toMatchObject({
      region: 'eu-west-1',
      encrypted: true,
      public: true,
      publicReason: 'ACL grants READ to AllUsers',
    });
    expect(buckets[noncompliant.names.trailBucket as string]).toMatchObject({ public: false, encrypted: true });
    expect(inv.guardrails.accountPublicAccessBlock).toBe(false);
  });

  it('resources: an unencrypted volume with a public snapshot, an unencrypted database with a public snapshot', () => {
    expect(byKind(inv, 'volume')).toEqual([
      expect.objectContaining({ id: expect.stringContaining(noncompliant.names.volume as string), encrypted: false, customerManagedKey: false }),
    ]);
    expect(byKind(inv, 'snapshot')).toEqual([
      expect.objectContaining({
        id: expect.stringContaining(noncompliant.names.snapshot as string),
        encrypted: false,
        public: true,
        publicReason: expect.stringContaining('all'),
      }),
    ]);
    expect(byKind(inv, 'database')).toEqual([expect.objectContaining({ encrypted: false })]);
    const shared = byKind(inv, 'database-snapshot').find((s) => s.id.endsWith(`:snapshot:${noncompliant.names.dbSnapshot}`));
    expect(shared).toMatchObject({ public: true, encrypted: false });
    expect(Object.values(inv.guardrails.defaultVolumeEncryption ?? {}).some(Boolean)).toBe(false);
  });

  it('audit trail: single-region, delivering to a bucket of the same account', () => {
    expect(inv.auditTrails).toEqual([
      expect.objectContaining({
        multiRegion: false,
        logging: true,
        destination: noncompliant.names.trailBucket,
        destinationAccountId: noncompliant.accountId,
        destinationRegion: 'eu-west-1',
      }),
    ]);
  });
});

describe('demo account (default credential path, every enabled region)', () => {
  let inv: Inventory;
  const calls: string[] = [];
  beforeAll(async () => {
    // the sample service names a role and three regions; here: the plain credential
    // chain (moto's default account keys) and every enabled region
    inv = inventoryOf(await collector(calls).collect({ ...targetOf(demo), account: { aws: { accountId: demo.accountId } } }));
  }, 120_000);

  it('scans every enabled region of the aws partition', () => {
    const describeInstances = calls.filter((c) => c.startsWith('EC2:DescribeInstances'));
    expect(describeInstances.length).toBeGreaterThan(10);
    expect(calls).toContain('EC2:DescribeRegions OK');
    expect(Object.keys(inv.guardrails.defaultVolumeEncryption ?? {}).some((r) => r.startsWith('cn-') || r.startsWith('us-gov-'))).toBe(false);
    expect(Object.keys(inv.guardrails.defaultVolumeEncryption ?? {})).toHaveLength(describeInstances.length);
  });

  it('shows the demo findings as facts', () => {
    expect(inv.gaps).toEqual([]);
    expect(inv.identities.filter((i) => i.kind === 'user' && !i.mfaEnabled).map((i) => i.name).sort()).toEqual([
      'contractor-admin',
      'deploy-bot',
      'jane.doe',
      'max.mustermann',
    ]);
    expect(byKind(inv, 'bucket').find((b) => b.id.endsWith(`:::${demo.names.marketing}`))).toMatchObject({ region: 'us-east-1', encrypted: false });
    expect(byKind(inv, 'volume').filter((v) => v.encrypted === false)).toEqual([expect.objectContaining({ tags: { Name: 'scratch-data' } })]);
    expect(inv.auditTrails).toEqual([expect.objectContaining({ destinationAccountId: demo.accountId, destination: demo.names.trailBucket })]);
    expect(identity(inv, 'break-glass-admin')).toMatchObject({ privileged: true, mfaEnabled: true });
    expect(calls.some((c) => c.startsWith('STS:AssumeRole'))).toBe(false);
  });

  it('the sample service aws-payments-prod reaches it through its role', async () => {
    const inv2 = inventoryOf(await collector().collect(targetOf(demo)));
    expect(inv2.accountId).toBe('123456789012');
    expect(Object.keys(inv2.guardrails.defaultVolumeEncryption ?? {}).sort()).toEqual(['eu-central-1', 'eu-west-1', 'us-east-1']);
    expect(inv2.identities.map((i) => i.name).sort()).toEqual(inv.identities.map((i) => i.name).sort());
  });
});

describe('the AWS Support role (providerAccess)', () => {
  const SUPPORT_PATH = '/aws-service-role/support.amazonaws.com/';

  it('a fresh account has none: supportRole null, read with one GetRole kept as evidence', async () => {
    const calls: string[] = [];
    const inv = inventoryOf(await collector(calls).collect(targetOf(noncompliant)));
    expect(inv.providerAccess).toEqual({ supportRole: null });
    expect(inv.evidenceTimes.providerAccess).toBe(inv.evidenceTimes.resources);
    expect(calls.filter((c) => c.startsWith('IAM:GetRole'))).toEqual(['IAM:GetRole NoSuchEntity']);
    expect((inv.answers ?? []).filter((a) => a.operation === 'IAM:GetRole')).toEqual([expect.objectContaining({ area: 'providerAccess', status: 404 })]);
  });

  it('once the role exists: its ARN and no use since its creation; after a session, its last use', async () => {
    // moto's CreateServiceLinkedRole names it AWSServiceRoleForsupport (lower-case s), so
    // the role is made as AWS makes it: AWSServiceRoleForSupport under the service path.
    const iam = new SeedClients(moto.endpoint, noncompliant.accountId).iam();
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: 'AWSServiceRoleForSupport',
        Path: SUPPORT_PATH,
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${noncompliant.accountId}:root` }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    const arn = `arn:aws:iam::${noncompliant.accountId}:role${SUPPORT_PATH}AWSServiceRoleForSupport`;
    expect(created.Role?.Arn).toBe(arn);
    const unused = inventoryOf(await collector().collect(targetOf(noncompliant)));
    expect(unused.providerAccess).toEqual({ supportRole: { arn, lastUse: { noUseSince: created.Role?.CreateDate?.toISOString() } } });
    expect(unused.gaps).toEqual([]);

    // a session of the role makes a call: moto records RoleLastUsed.LastUsedDate
    const sts = new STSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { ...MOTO_CREDENTIALS } });
    const session = (await sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'support-case-42' }))).Credentials;
    const asSupport = new STSClient({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: session?.AccessKeyId ?? '', secretAccessKey: session?.SecretAccessKey ?? '', sessionToken: session?.SessionToken ?? '' },
    });
    const before = Date.now();
    await asSupport.send(new GetCallerIdentityCommand({}));
    const used = inventoryOf(await collector().collect(targetOf(noncompliant)));
    expect(used.providerAccess?.supportRole?.arn).toBe(arn);
    expect(Date.parse(used.providerAccess?.supportRole?.lastUse.at ?? '')).toBeGreaterThanOrEqual(before - 1_000);
    expect(used.providerAccess?.supportRole?.lastUse.noUseSince).toBeUndefined();
  });
});

describe('efficiency and guards', () => {
  it('API calls do not grow with users: 40 more users cost one call (the one privileged user)', async () => {
    // moto answers the first GenerateCredentialReport with STARTED, later ones with
    // COMPLETE: compare without those polls
    const count = (calls: string[]) => calls.filter((c) => !c.startsWith('IAM:GenerateCredentialReport')).length;
    const callsBefore: string[] = [];
    const before = inventoryOf(await collector(callsBefore).collect(targetOf(noncompliant)));
    const c = new SeedClients(moto.endpoint, noncompliant.accountId);
    for (let i = 0; i < 39; i++) await createUser(c, `extra-${i}`, { password: i % 2 === 0, mfa: i % 3 === 0 ? 'virtual' : undefined });
    await createUser(c, 'extra-admin', { password: true, managedPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'] });
    const callsAfter: string[] = [];
    const after = inventoryOf(await collector(callsAfter).collect(targetOf(noncompliant)));
    expect(after.identities.length - before.identities.length).toBe(40);
    expect(count(callsAfter) - count(callsBefore)).toBe(1);
    expect(callsAfter.filter((x) => x.startsWith('IAM:ListMFADevices')).length).toBe(
      callsBefore.filter((x) => x.startsWith('IAM:ListMFADevices')).length + 1,
    );
    expect(after.identities.filter((i) => i.name.startsWith('extra-') && i.mfaEnabled)).toHaveLength(13);
  });

  it('fails with AccountMismatch when the credentials belong to another account', async () => {
    const t = targetOf(compliant);
    const r = await collector().collect({ ...t, account: { aws: { ...t.account.aws!, accountId: '999999999999' } } });
    expect(r).toEqual({ ok: false, failure: { reason: 'AccountMismatch', message: expect.stringContaining('999999999999') } });
  });

  it('rejects a non-AWS target without calling anything', async () => {
    const calls: string[] = [];
    const r = await collector(calls).collect({ provider: 'azure', account: { azure: { tenantId: 't', subscriptionId: 's' } }, allowedRegions: [] });
    expect(r.ok).toBe(false);
    expect(calls).toEqual([]);
  });

  it('SCPs do not apply to the management account: regionRestriction is null there', async () => {
    // (runs last: makes the compliant account an organization's management account;
    // a fresh account would cost moto seconds of loading the AWS managed policies)
    await seedRegionScp(moto.endpoint, compliant.accountId, ['eu-west-1', 'eu-central-1']);
    const calls: string[] = [];
    const inv = inventoryOf(
      await collector(calls).collect({
        ...targetOf(compliant),
        account: { aws: { ...compliant.account.aws!, regions: ['eu-west-1'] } },
      }),
    );
    expect(calls).toContain('Organizations:DescribeOrganization OK');
    expect(inv.guardrails.regionRestriction).toBeNull();
    expect(inv.gaps).toEqual([]);
  });
});
