// Shadow IT discovery on moto's Organizations (issue 15): the AWS reader lists every
// account of an organisation with its OU path and status, the pure decision finds the
// undeclared active ones, a new account shows up on the next pass, and the calls per
// pass grow with pages and OUs, not with accounts.
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  ListRootsCommand,
  MoveAccountCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';

import { SeedClients } from '../harness/aws-seed.js';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_ACCOUNT_ID, startMoto, type MotoServer } from '../harness/moto.js';
import { undeclaredServices, type UndeclaredItem } from '../../operator/src/controls/undeclared-services.js';
import type { DiscoveredItem, OrganizationListing } from '../../operator/src/inventory/organization.js';
import { AwsInventoryCollector } from '../../operator/src/providers/aws/collector.js';
import type { CollectTarget, StaticCredentials } from '../../operator/src/providers/types.js';

const MANAGEMENT = MOTO_DEFAULT_ACCOUNT_ID;

let moto: MotoServer;
const operations = new Map<string, number>();
let collector: AwsInventoryCollector;

function target(credentials: StaticCredentials = { ...MOTO_CREDENTIALS }): CollectTarget {
  return { provider: 'aws', account: { aws: { accountId: MANAGEMENT } }, allowedRegions: [], credentials };
}

function org(): OrganizationsClient {
  return new SeedClients(moto.endpoint, MANAGEMENT).organizations();
}

async function createAccount(o: OrganizationsClient, name: string): Promise<string> {
  const r = await o.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
  return r.CreateAccountStatus?.AccountId as string;
}

async function ou(o: OrganizationsClient, parent: string, name: string): Promise<string> {
  const r = await o.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: name }));
  return r.OrganizationalUnit?.Id as string;
}

async function move(o: OrganizationsClient, accountId: string, from: string, to: string): Promise<void> {
  await o.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: from, DestinationParentId: to }));
}

/** A fresh organisation managed from moto's default account; its root id. */
async function newOrganization(): Promise<{ o: OrganizationsClient; root: string }> {
  await moto.reset();
  const o = org();
  await o.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const roots = await o.send(new ListRootsCommand({}));
  return { o, root: roots.Roots?.[0]?.Id as string };
}

const byId = (l: OrganizationListing): Map<string, DiscoveredItem> => new Map(l.items.map((i) => [i.id, i]));

beforeAll(async () => {
  // Without AWS managed policies: moto builds a new IAM backend for every account
  // CreateAccount makes, and loading ~1,300 managed policies into each made an
  // organisation of 200 accounts take minutes to seed.
  moto = await startMoto({ env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' } });
  collector = new AwsInventoryCollector({
    endpoint: moto.endpoint,
    onApiCall: (_p, op) => operations.set(op, (operations.get(op) ?? 0) + 1),
  });
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

describe('an organisation of 10 accounts in 2 OUs (one nested below), one closed', () => {
  const ids: Record<string, string> = {};
  let root = '';
  let workloads = '';
  let sandbox = '';
  let prod = '';
  let first: OrganizationListing;
  let previous: UndeclaredItem[] = [];

  beforeAll(async () => {
    const made = await newOrganization();
    const o = made.o;
    root = made.root;
    workloads = await ou(o, root, 'Workloads');
    sandbox = await ou(o, root, 'Sandbox');
    prod = await ou(o, workloads, 'Prod');
    // nine members + the management account
    for (let i = 1; i <= 9; i++) ids[`a${i}`] = await createAccount(o, `member-${i}`);
    for (const k of ['a1', 'a2', 'a3', 'a4']) await move(o, ids[k] as string, root, workloads);
    for (const k of ['a5', 'a6', 'a7']) await move(o, ids[k] as string, root, sandbox);
    // moved twice: into Workloads, then down into the nested Prod
    await move(o, ids.a8 as string, root, workloads);
    await move(o, ids.a8 as string, workloads, prod);
    await o.send(new CloseAccountCommand({ AccountId: ids.a7 as string }));
    operations.clear();
    first = await collector.listOrganizationAccounts(target());
  }, 120_000);

  it('lists every account with its OU path, status and joined time, and no gap', () => {
    expect(first.gaps).toEqual([]);
    expect(first.organizationId).toMatch(/^o-[a-z0-9]+$/);
    expect(first.items).toHaveLength(10);
    const got = byId(first);
    const at = (id: string | undefined) => got.get(id as string);
    expect(at(MANAGEMENT)).toMatchObject({ kind: 'account', name: 'master', path: root, pathNames: 'Root', status: 'active' });
    for (const k of ['a1', 'a2', 'a3', 'a4']) expect(at(ids[k])).toMatchObject({ path: `${root}/${workloads}`, pathNames: 'Root/Workloads', status: 'active' });
    for (const k of ['a5', 'a6']) expect(at(ids[k])).toMatchObject({ path: `${root}/${sandbox}`, pathNames: 'Root/Sandbox', status: 'active' });
    expect(at(ids.a8)).toMatchObject({ name: 'member-8', path: `${root}/${workloads}/${prod}`, pathNames: 'Root/Workloads/Prod', status: 'active' });
    expect(at(ids.a9)).toMatchObject({ path: root, status: 'active' });
    // moto 5.2.1 closes straight to SUSPENDED (AWS passes through PENDING_CLOSURE) and
    // answers both Status and State
    expect(at(ids.a7)).toMatchObject({ path: `${root}/${sandbox}`, status: 'suspended', providerStatus: 'SUSPENDED' });
    for (const i of first.items) expect(Number.isNaN(Date.parse(i.joinedAt ?? ''))).toBe(false);
  });

  it('reads the hierarchy per OU, never ListParents per account', () => {
    expect(operations.get('Organizations:ListParents')).toBeUndefined();
    // 1 ListAccounts page, 1 ListRoots, and per parent (root, Workloads, Sandbox, Prod) one page of each
    expect(Object.fromEntries(operations)).toEqual({
      'Organizations:ListAccounts': 1,
      'Organizations:ListRoots': 1,
      'Organizations:ListOrganizationalUnitsForParent': 4,
      'Organizations:ListAccountsForParent': 4,
    });
    expect(first.apiCalls).toBe(10);
    console.info(`organization discovery: ${first.items.length} accounts, ${first.apiCalls} API calls per pass`);
  });

  it('with 8 declared, only the undeclared active account is Shadow IT (the closed one is not)', () => {
    const declared = [MANAGEMENT, ids.a1, ids.a2, ids.a3, ids.a4, ids.a5, ids.a6, ids.a8] as string[];
    const out = undeclaredServices({ listing: first, declared: { account: declared }, previous: [], now: new Date('2026-12-10T10:00:00Z') });
    expect(out.undeclared.map((u) => [u.id, u.name, u.path, u.firstSeen])).toEqual([[ids.a9, 'member-9', root, '2026-12-10T10:00:00.000Z']]);
    expect(out.appeared.map((u) => u.id)).toEqual([ids.a9]);
    expect(out.counts).toEqual({ account: 1, subscription: 0, 'saas-app': 0 });
    expect(out.condition).toMatchObject({ status: 'False', reason: 'UndeclaredServices' });
    expect(out.condition.message).toContain(`account ${ids.a9 as string}`);
    expect(out.condition.message).not.toContain(ids.a7 as string);
    previous = out.undeclared;
  });

  it('a newly created account appears on the next pass; the earlier one keeps its first sighting', async () => {
    const created = await createAccount(org(), 'member-10');
    await move(org(), created, root, sandbox);
    const next = await collector.listOrganizationAccounts(target());
    expect(next.gaps).toEqual([]);
    expect(byId(next).get(created)).toMatchObject({ path: `${root}/${sandbox}`, status: 'active' });
    const declared = [MANAGEMENT, ids.a1, ids.a2, ids.a3, ids.a4, ids.a5, ids.a6, ids.a8] as string[];
    const out = undeclaredServices({ listing: next, declared: { account: declared }, previous, now: new Date('2026-12-10T11:00:00Z') });
    expect(out.appeared.map((u) => u.id)).toEqual([created]);
    expect(new Map(out.undeclared.map((u) => [u.id, u.firstSeen]))).toEqual(
      new Map([
        [ids.a9 as string, '2026-12-10T10:00:00.000Z'],
        [created, '2026-12-10T11:00:00.000Z'],
      ]),
    );
    expect(out.condition.message).toMatch(/^2 undeclared: /);
    // declaring both clears the condition
    const cleared = undeclaredServices({ listing: next, declared: { account: [...declared, ids.a9 as string, created] }, previous: out.undeclared, now: new Date('2026-12-10T12:00:00Z') });
    expect(cleared.condition.status).toBe('True');
    expect(cleared.resolved.map((r) => r.id).sort()).toEqual([ids.a9 as string, created].sort());
  });
});

describe('refused reads are gaps, and the decision is Unknown, never False', () => {
  it('an account outside any organisation: OrganizationsNotInUse', async () => {
    await moto.reset();
    const l = await collector.listOrganizationAccounts(target());
    expect(l.items).toEqual([]);
    expect(l.gaps).toEqual([expect.objectContaining({ kind: 'account', area: 'list', reason: 'OrganizationsNotInUse' })]);
    const out = undeclaredServices({ listing: l, declared: {}, previous: [{ kind: 'account', id: '999999999999', firstSeen: '2026-12-01T00:00:00Z' }], now: new Date('2026-12-10T10:00:00Z') });
    expect(out.condition).toMatchObject({ status: 'Unknown', reason: 'OrganizationsNotInUse' });
    expect(out.undeclared.map((u) => u.id)).toEqual(['999999999999']);
  });

  it('credentials without Organizations permissions: AccessDenied', async () => {
    const { o } = await newOrganization();
    await createAccount(o, 'member-1');
    const iam = new SeedClients(moto.endpoint, MANAGEMENT).iam();
    await iam.send(new CreateUserCommand({ UserName: 'no-org-access' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'no-org-access' }))).AccessKey;
    await moto.setAuth(0);
    try {
      const l = await collector.listOrganizationAccounts(target({ accessKeyId: key?.AccessKeyId as string, secretAccessKey: key?.SecretAccessKey as string }));
      expect(l.items).toEqual([]);
      expect(l.gaps).toEqual([expect.objectContaining({ kind: 'account', area: 'list', reason: 'AccessDenied' })]);
      expect(JSON.stringify(l)).not.toContain(key?.SecretAccessKey as string);
      expect(undeclaredServices({ listing: l, declared: {}, previous: [], now: new Date() }).condition).toMatchObject({ status: 'Unknown', reason: 'AccessDenied' });
    } finally {
      await moto.setAuth('off');
    }
  });
});

describe('one of the two reads refused', () => {
  /** Credentials of a user allowed every Organizations read but `denied`, with moto's IAM authorisation on. */
  async function readWithout(denied: string): Promise<OrganizationListing> {
    const iam = new SeedClients(moto.endpoint, MANAGEMENT).iam();
    const name = `org-reader-${denied.replace(/\W/g, '-')}`;
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: name,
        PolicyName: 'read',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['organizations:List*', 'organizations:Describe*'], Resource: '*' },
            { Effect: 'Deny', Action: denied, Resource: '*' },
          ],
        }),
      }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey;
    await moto.setAuth(0);
    try {
      return await collector.listOrganizationAccounts(target({ accessKeyId: key?.AccessKeyId as string, secretAccessKey: key?.SecretAccessKey as string }));
    } finally {
      await moto.setAuth('off');
    }
  }

  let member = '';
  let sandbox = '';
  beforeAll(async () => {
    const { o, root } = await newOrganization();
    sandbox = await ou(o, root, 'Sandbox');
    member = await createAccount(o, 'member-1');
    await move(o, member, root, sandbox);
  });

  it('ListAccounts refused, the walk complete: the same accounts, no list gap', async () => {
    const l = await readWithout('organizations:ListAccounts');
    expect(l.gaps).toEqual([]);
    expect(l.items.map((i) => [i.id, i.pathNames])).toEqual([[MANAGEMENT, 'Root'], [member, 'Root/Sandbox']].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
  });

  it('the walk refused: every account listed without a path, a path gap, and the decision still decides', async () => {
    const l = await readWithout('organizations:ListAccountsForParent');
    expect(l.items.map((i) => i.id).sort()).toEqual([MANAGEMENT, member].sort());
    expect(l.items.every((i) => i.path === undefined)).toBe(true);
    expect(l.gaps).toEqual([expect.objectContaining({ area: 'path', reason: 'AccessDenied' })]);
    const out = undeclaredServices({ listing: l, declared: { account: [MANAGEMENT] }, previous: [], now: new Date() });
    expect(out.condition).toMatchObject({ status: 'False', reason: 'UndeclaredServices' });
    expect(out.undeclared.map((u) => u.id)).toEqual([member]);
  });
});

describe('calls per pass stay paged', () => {
  it('an organisation of 200 accounts in 3 OUs costs pages, not accounts', async () => {
    const { o, root } = await newOrganization();
    const a = await ou(o, root, 'Workloads');
    const b = await ou(o, root, 'Sandbox');
    const c = await ou(o, a, 'Prod');
    const created: string[] = [];
    for (let batch = 0; batch < 199; batch += 20) {
      const names = Array.from({ length: Math.min(20, 199 - batch) }, (_, i) => `bulk-${batch + i}`);
      created.push(...(await Promise.all(names.map((n) => createAccount(o, n)))));
    }
    // 80 in Workloads, 60 in Sandbox, 40 in Prod, 19 + management at the root
    const plan: [string[], string][] = [
      [created.slice(0, 80), a],
      [created.slice(80, 140), b],
      [created.slice(140, 180), c],
    ];
    for (const [accounts, to] of plan) await Promise.all(accounts.map((id) => move(o, id, root, to)));

    operations.clear();
    const l = await collector.listOrganizationAccounts(target());
    expect(l.gaps).toEqual([]);
    expect(l.items).toHaveLength(200);
    const places = new Map<string, number>();
    for (const i of l.items) places.set(i.pathNames ?? 'none', (places.get(i.pathNames ?? 'none') ?? 0) + 1);
    expect(Object.fromEntries(places)).toEqual({ Root: 20, 'Root/Workloads': 80, 'Root/Sandbox': 60, 'Root/Workloads/Prod': 40 });
    expect(operations.get('Organizations:ListParents')).toBeUndefined();
    // 10 ListAccounts pages + 1 ListRoots + 4 ListOrganizationalUnitsForParent + (1 + 4 + 3 + 2) ListAccountsForParent pages
    expect(l.apiCalls).toBe(25);
    expect(l.apiCalls).toBeLessThan(200 / 4);
    console.info(`organization discovery: ${l.items.length} accounts, ${l.apiCalls} API calls per pass (${JSON.stringify(Object.fromEntries(operations))})`);
  }, 120_000);
});
