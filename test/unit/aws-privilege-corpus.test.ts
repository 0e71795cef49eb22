// Privilege over AWS's own managed policies (the documents moto bundles, a copy of
// AWS's): the read-only job-function policies are not privileged, the usual write
// policies are, and the reviewed list of AWS-labelled writes in the read-only
// policies (read-only-exceptions.ts) matches what the pinned iam-data says exactly:
// a new data version that labels another of their actions Write fails here.
import { execFileSync } from 'node:child_process';

import { ActionCatalog, expandActionPatterns } from '../../operator/src/providers/aws/action-levels.js';
import { decidePrivileges, type AuthorizationDetails } from '../../operator/src/providers/aws/privilege.js';
import { JOB_FUNCTION_POLICIES, MISLABELLED_READS } from '../../operator/src/providers/aws/read-only-exceptions.js';

type Doc = { Statement: { Effect: string; Action?: string | string[]; NotAction?: string | string[] }[] };

const READ = `import json; from moto.iam.aws_managed_policies import aws_managed_policies_data as d; p = json.loads(d); print(json.dumps({k: p[k]['Document'] for k in ${JSON.stringify([
  ...JOB_FUNCTION_POLICIES,
  'AdministratorAccess',
  'PowerUserAccess',
  'IAMFullAccess',
  'AmazonS3FullAccess',
])}}))`;
const managed = JSON.parse(execFileSync(process.env.PYTHON ?? 'python3', ['-c', READ], { maxBuffer: 1 << 26 }).toString()) as Record<string, Doc>;

const ACCOUNT = '123456789012';
function details(names: string[]): AuthorizationDetails {
  return {
    policies: names.map((n) => ({
      Arn: `arn:aws:iam::aws:policy/${n}`,
      PolicyName: n,
      DefaultVersionId: 'v1',
      PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: encodeURIComponent(JSON.stringify(managed[n])) }],
    })),
    groups: [],
    users: names.map((n) => ({ UserName: n, Arn: `arn:aws:iam::${ACCOUNT}:user/${n}`, AttachedManagedPolicies: [{ PolicyArn: `arn:aws:iam::aws:policy/${n}` }] })),
  };
}
const ctx = { accountId: ACCOUNT, partition: 'aws', scps: { state: 'none' as const, reason: 'no organization' }, hasAccessKey: () => true };

describe('AWS managed policies (moto bundle)', () => {
  it.each(['ReadOnlyAccess', 'ViewOnlyAccess', 'SecurityAudit'])('%s is not privileged', async (name) => {
    const d = (await decidePrivileges(details([name]), ctx)).get(`arn:aws:iam::${ACCOUNT}:user/${name}`);
    expect(d?.write).toBe('no');
    expect(d?.grant).toBeUndefined();
    expect(d?.source).toMatch(/^cannot write or delete: the policies grant only List \/ Read actions/);
    expect(d?.source).toMatch(/access levels: @cloud-copilot\/iam-data 0\.21\.\d+/);
  });

  it.each([
    ['AdministratorAccess', 'AdministratorAccess allows iam:CreateUser'],
    ['PowerUserAccess', 'PowerUserAccess allows s3:PutObject'],
    ['IAMFullAccess', 'IAMFullAccess allows iam:CreateUser'],
    ['AmazonS3FullAccess', 'AmazonS3FullAccess allows s3:PutObject'],
  ])('%s is privileged: %s', async (name, grant) => {
    const d = (await decidePrivileges(details([name]), ctx)).get(`arn:aws:iam::${ACCOUNT}:user/${name}`);
    expect(d).toMatchObject({ write: 'yes', grant });
    expect(d?.source).toContain(`${grant} (Write)`);
  });
});

describe('reviewed list of AWS-labelled writes in the read-only job-function policies', () => {
  async function labelledWrites(name: string): Promise<{ total: number; writes: string[] }> {
    const catalog = await ActionCatalog.load();
    const patterns = managed[name]!.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action ?? []].flat());
    const set = await expandActionPatterns(patterns);
    expect(set.universal).toBe(false);
    expect(set.services.size).toBe(0);
    const writes = [...set.actions].map((a) => catalog.info(a)).filter((i) => i?.writes).map((i) => i!.name);
    return { total: set.actions.size, writes: writes.sort() };
  }

  it('ReadOnlyAccess: 6,745 actions, 8 labelled Write / Permissions management (iam-data 0.21)', async () => {
    const { total, writes } = await labelledWrites('ReadOnlyAccess');
    expect(total).toBe(6745);
    expect(writes).toEqual([
      'athena:GetSessionEndpoint',
      'backup:ListIndexedRecoveryPointsForSearch',
      'billing:GetResourcePolicy',
      'cognito-idp:GetTokensFromRefreshToken',
      'iot:GetConnection',
      'iot:ListSubscriptions',
      's3express:CreateSession',
      'ssm-sap:GetResourcePermission',
    ]);
  });

  it('SecurityAudit: 4; ViewOnlyAccess: 1', async () => {
    expect((await labelledWrites('SecurityAudit')).writes).toHaveLength(4);
    expect((await labelledWrites('ViewOnlyAccess')).writes).toEqual(['iot:ListSubscriptions']);
  });

  it('the list holds exactly the labelled writes of those policies, each with a reason', async () => {
    const all = new Set<string>();
    for (const name of JOB_FUNCTION_POLICIES) for (const w of (await labelledWrites(name)).writes) all.add(w);
    // fails when a new data version labels another of their actions Write (review it and
    // add it with a reason) or stops labelling a listed one (remove it)
    expect(Object.keys(MISLABELLED_READS).sort()).toEqual([...all].sort());
    for (const reason of Object.values(MISLABELLED_READS)) expect(reason.length).toBeGreaterThan(20);
  });
});
