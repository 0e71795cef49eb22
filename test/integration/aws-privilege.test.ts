// Privilege on moto with AWS's own managed policies (the harness starts moto with
// MOTO_IAM_LOAD_MANAGED_POLICIES=true): read-only staff with ReadOnlyAccess are not
// privileged, admins are, and the summary, the MFAEnforced findings and the coverage
// metric follow, through the real collector and the pure evaluation. Then the other
// paths moto can hold: through a group, a Deny, the force-MFA policy.
import { CreatePolicyCommand } from '@aws-sdk/client-iam';

import { EXTERNAL_ID, SeedClients, createGroup, createReadRole, createUser, type SeededAccount } from '../harness/aws-seed.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../harness/moto.js';
import { aPolicy, aSpec } from '../unit/builders.js';
import { evaluateService } from '../../operator/src/controls/evaluate.js';
import type { Inventory, InventoryResult } from '../../operator/src/inventory/types.js';
import { AwsInventoryCollector } from '../../operator/src/providers/aws/collector.js';

const ACCOUNT = '444444444444';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

let moto: MotoServer;
let account: SeededAccount;

function collector(calls?: string[]): AwsInventoryCollector {
  return new AwsInventoryCollector({
    endpoint: moto.endpoint,
    reportPollIntervalMs: 50,
    ...(calls ? { onApiCall: (_p: string, op: string, code: string) => void calls.push(`${op} ${code}`) } : {}),
  });
}

async function collect(calls?: string[]): Promise<InventoryResult> {
  return collector(calls).collect({ provider: 'aws', account: account.account, allowedRegions: ['eu-west-1'], credentials: { ...MOTO_CREDENTIALS } });
}

function inventoryOf(r: InventoryResult): Inventory {
  if (!r.ok) throw new Error(`collection failed: ${r.failure.reason}: ${r.failure.message}`);
  return r.inventory;
}

function evaluate(result: InventoryResult) {
  const spec = aSpec({ allowedRegions: ['eu-west-1'] });
  return evaluateService({ spec, policy: aPolicy(), inventory: result, changes: [], now: new Date() });
}

beforeAll(async () => {
  moto = await startMoto();
  const c = new SeedClients(moto.endpoint, ACCOUNT);
  const roleArn = await createReadRole(c);
  for (let i = 0; i < 40; i++) {
    await createUser(c, `reader-${String(i).padStart(2, '0')}`, { password: true, managedPolicies: [READ_ONLY], ...(i % 2 === 0 ? { mfa: 'virtual' as const } : {}) });
  }
  await createUser(c, 'admin-mfa-1', { password: true, mfa: 'virtual', managedPolicies: [ADMIN] });
  await createUser(c, 'admin-mfa-2', { password: true, mfa: 'hardware', managedPolicies: [ADMIN] });
  await createUser(c, 'admin-nomfa-1', { password: true, managedPolicies: [ADMIN] });
  await createUser(c, 'admin-nomfa-2', { password: true, managedPolicies: [ADMIN] });
  account = { accountId: ACCOUNT, account: { aws: { accountId: ACCOUNT, roleArn, externalId: EXTERNAL_ID, regions: ['eu-west-1'] } }, credentials: { ...MOTO_CREDENTIALS }, allowedRegions: ['eu-west-1'], names: {} };
}, 180_000);

afterAll(async () => {
  await moto?.stop();
});

describe('40 read-only users (ReadOnlyAccess, half with MFA), 2 admins with MFA, 2 without', () => {
  let result: InventoryResult;
  let inv: Inventory;
  const calls: string[] = [];
  beforeAll(async () => {
    result = await collect(calls);
    inv = inventoryOf(result);
  }, 120_000);

  it('no read-only user is privileged; the evidence names the policy decision and the data version', () => {
    const readers = inv.identities.filter((i) => i.name.startsWith('reader-'));
    expect(readers).toHaveLength(40);
    for (const r of readers) {
      expect(r.privileged).toBe(false);
      expect(r.privilegeGrant).toBeUndefined();
      expect(r.privilegeSource).toMatch(/^cannot write or delete: the policies grant only List \/ Read actions; 8 AWS-labelled write\(s\)/);
      expect(r.privilegeSource).toMatch(/access levels: @cloud-copilot\/iam-data 0\.21\.\d+/);
    }
    expect(readers.filter((r) => r.mfaEnabled)).toHaveLength(20);
  });

  it('admins are privileged, naming AdministratorAccess and an action', () => {
    const admins = inv.identities.filter((i) => i.name.startsWith('admin-'));
    expect(admins.map((a) => [a.name, a.privileged, a.mfaEnabled, a.privilegeGrant]).sort()).toEqual([
      ['admin-mfa-1', true, true, 'AdministratorAccess allows iam:CreateUser'],
      ['admin-mfa-2', true, true, 'AdministratorAccess allows iam:CreateUser'],
      ['admin-nomfa-1', true, false, 'AdministratorAccess allows iam:CreateUser'],
      ['admin-nomfa-2', true, false, 'AdministratorAccess allows iam:CreateUser'],
    ]);
  });

  it('summary.privilegedWithoutMFA is exactly 2, no read-only user in the findings, the coverage metric matches', () => {
    const e = evaluate(result);
    expect(e.summary).toMatchObject({ privilegedWithoutMFA: 2, mfaCoverage: 0.5 });
    expect(e.metrics.mfaCoverage).toEqual([{ scope: 'privileged', ratio: 0.5 }]);
    const mfa = e.findings.filter((f) => f.control === 'A523-08-PRIVILEGED-MFA');
    expect(mfa.map((f) => f.message).sort()).toEqual([
      'admin-nomfa-1 can write or delete without MFA (AdministratorAccess allows iam:CreateUser)',
      'admin-nomfa-2 can write or delete without MFA (AdministratorAccess allows iam:CreateUser)',
    ]);
    expect(JSON.stringify(e.findings)).not.toMatch(/reader-\d\d/);
  });

  it('calls stay flat in users: ListMFADevices only for the 4 who can write, no per-user simulation call', () => {
    expect(calls.filter((c) => c.startsWith('IAM:ListMFADevices'))).toHaveLength(4);
    expect(calls.some((c) => /Simulate/.test(c))).toBe(false);
    expect(calls.filter((c) => c.startsWith('IAM:GetAccountAuthorizationDetails'))).toHaveLength(1);
  });
});

describe('other paths: group, Deny, force MFA', () => {
  let inv: Inventory;
  let result: InventoryResult;
  beforeAll(async () => {
    const c = new SeedClients(moto.endpoint, ACCOUNT);
    await createGroup(c, 'deployers', { inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } });
    await createUser(c, 'via-group', { password: true, groups: ['deployers'] });
    await createUser(c, 'denied', {
      password: true,
      inlinePolicy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:*', Resource: '*' },
          { Effect: 'Deny', NotAction: ['s3:Get*', 's3:List*'], Resource: '*' },
        ],
      },
    });
    const force = await c.iam().send(
      new CreatePolicyCommand({
        PolicyName: 'force-mfa',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['iam:EnableMFADevice', 'iam:ResyncMFADevice'], Resource: 'arn:aws:iam::*:user/${aws:username}' },
            { Effect: 'Allow', Action: 'iam:CreateVirtualMFADevice', Resource: 'arn:aws:iam::*:mfa/*' },
            {
              Effect: 'Deny',
              NotAction: ['iam:CreateVirtualMFADevice', 'iam:EnableMFADevice', 'iam:ResyncMFADevice', 'iam:ListMFADevices', 'sts:GetSessionToken'],
              Resource: '*',
              Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
            },
          ],
        }),
      }),
    );
    await createUser(c, 'forced-admin', { password: true, managedPolicies: [ADMIN, force.Policy?.Arn as string] });
    await createUser(c, 'forced-admin-mfa', { password: true, mfa: 'virtual', managedPolicies: [ADMIN, force.Policy?.Arn as string] });
    result = await collect();
    inv = inventoryOf(result);
  }, 120_000);

  const identity = (name: string) => inv.identities.find((i) => i.name === name);

  it('through a group inline policy', () => {
    expect(identity('via-group')).toMatchObject({ privileged: true, privilegeGrant: 'inline policy deployers-inline of group deployers allows s3:PutObject' });
  });

  it('a Deny that leaves only reads', () => {
    expect(identity('denied')).toMatchObject({ privileged: false });
    expect(identity('denied')?.privilegeSource).toMatch(/^cannot write or delete: the writes the identity policies allow are denied \(inline policy denied-inline\)/);
  });

  it('force MFA: not privileged without MFA, privileged with it, and the evidence says so', () => {
    expect(identity('forced-admin')).toMatchObject({ privileged: false, mfaEnabled: false });
    expect(identity('forced-admin')?.privilegeSource).toMatch(/only with MFA: without aws:MultiFactorAuthPresent it is denied by force-mfa \(force-MFA\), so not privileged without MFA.*no MFA device, so it cannot write now$/);
    expect(identity('forced-admin-mfa')).toMatchObject({ privileged: true, mfaEnabled: true, privilegeGrant: 'AdministratorAccess allows iam:CreateUser' });
  });

  it('still exactly the two admins without MFA (+ the group user)', () => {
    const e = evaluate(result);
    expect(e.summary.privilegedWithoutMFA).toBe(3);
    const names = e.findings.filter((f) => f.control === 'A523-08-PRIVILEGED-MFA').map((f) => f.message.split(' ')[0]).sort();
    expect(names).toEqual(['admin-nomfa-1', 'admin-nomfa-2', 'via-group']);
  });
});
