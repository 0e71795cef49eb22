// Azure RBAC privilege against the local Resource Manager / Graph server, through the
// real @azure/arm-authorization client and a real fetch to Graph: an Owner assigned
// directly, an Owner through a (nested) group inherited from a management group, a
// Reader only, a custom role with */write known only by id; paging; and reads that fail.

import type { Identity, Inventory } from '../../operator/src/inventory/types.js';
import {
  AZURE_ROLE,
  azureRoleAssignment,
  azureRoleDefinition,
  group,
  user,
  uuidFor,
  type AzureFixture,
} from '../harness/azure-mock/fixture.js';
import { SUBSCRIPTION_ID, compliantFixture } from '../harness/azure-mock/scenarios.js';
import { inventoryOf, useAzureMock } from '../harness/azure-mock/suite.js';

const azure = useAzureMock('rbac');
beforeEach(() => azure.mock.reset());

const SUB = `/subscriptions/${SUBSCRIPTION_ID}`;
const MG = '/providers/Microsoft.Management/managementGroups/mg-platform';
const RG = `${SUB}/resourceGroups/rg-app`;
const CUSTOM = uuidFor('role:app-deployer');

function rbacFixture(): AzureFixture {
  const f = compliantFixture();
  const owner = user('owner@contoso.example', { mfa: false });
  const groupOwner = user('platform-eng@contoso.example', { mfa: false });
  const reader = user('auditor@contoso.example', { mfa: false });
  const deployer = user('deployer@contoso.example', { mfa: false });
  f.users.push(owner, groupOwner, reader, deployer);
  const inner = group('platform-oncall', [String(groupOwner.id)]);
  const outer = group('platform-admins', [String(inner.id)]);
  f.groups = [outer, inner];
  f.rbacDefinitionsById = [
    azureRoleDefinition(CUSTOM, 'App Deployer', [{ actions: ['*/read', '*/write'] }], { custom: true, idPrefix: SUB, assignableScopes: [RG] }),
  ];
  f.rbacAssignments = [
    azureRoleAssignment(SUB, String(owner.id), AZURE_ROLE.owner),
    azureRoleAssignment(MG, String(outer.id), AZURE_ROLE.owner, 'Group'),
    azureRoleAssignment(SUB, String(reader.id), AZURE_ROLE.reader),
    azureRoleAssignment(`${SUB}/resourceGroups/rg-app`, String(deployer.id), CUSTOM),
  ];
  return f;
}

const byName = (inv: Inventory, name: string): Identity | undefined => inv.identities.find((i) => i.name === name);

describe('Azure RBAC privilege', () => {
  let inv: Inventory;
  let outerGroup: string;
  beforeAll(async () => {
    const f = rbacFixture();
    outerGroup = String(f.groups[0]!.id);
    azure.mock.setFixture(f);
    inv = await inventoryOf(azure.collector());
  });

  it('counts a direct Owner of the subscription', () => {
    expect(byName(inv, 'owner@contoso.example')).toMatchObject({
      privileged: true,
      mfaEnabled: false,
      privilegeSource: `Azure RBAC: Owner at ${SUB} (allows *)`,
    });
  });

  it('counts an Owner through a nested group assigned at a management group', () => {
    expect(byName(inv, 'platform-eng@contoso.example')).toMatchObject({
      privileged: true,
      privilegeSource: `Azure RBAC: Owner at ${MG} (allows *) via group ${outerGroup}`,
    });
  });

  it('does not count a Reader', () => {
    expect(byName(inv, 'auditor@contoso.example')).toMatchObject({
      privileged: false,
      privilegeSource: `no directory role; read-only Azure roles: Reader at ${SUB}`,
    });
  });

  it('counts a custom role with */write, read by id when the subscription list lacks it', () => {
    expect(byName(inv, 'deployer@contoso.example')).toMatchObject({
      privileged: true,
      privilegeSource: `Azure RBAC: App Deployer at ${RG} (allows */write)`,
    });
  });

  it('keeps Entra directory roles as they were', () => {
    expect(byName(inv, 'admin@contoso.example')).toMatchObject({ privileged: true, privilegeSource: 'Entra roles: Global Administrator' });
    expect(inv.gaps).toEqual([]);
  });
});

describe('calls, paging and pacing', () => {
  it('follows nextLink on every RBAC list and resolves only writing groups, each through the report gate', async () => {
    azure.mock.setFixture(rbacFixture());
    azure.mock.setPageSize(1);
    const calls: string[] = [];
    try {
      // pages of 1 make the registration report 10 paced requests: a faster gate for this test
      const inv = await inventoryOf(
        azure.collector({ reportRate: { max: 100, windowMs: 1_000 }, onApiCall: (_p, op, code) => calls.push(`${op} ${code}`) }),
      );
      expect(byName(inv, 'platform-eng@contoso.example')?.privileged).toBe(true);
    } finally {
      azure.mock.setPageSize(100);
    }
    expect(azure.mock.count('arm.roleAssignments')).toBe(4); // 4 assignments, 1 per page
    expect(azure.mock.count('arm.roleDefinitions')).toBe(5); // the 5 built-in roles of the fixture
    expect(azure.mock.count('arm.roleDefinition')).toBe(1); // the custom role, by id
    // one group holds a writing role; its 2 transitive members come in 2 pages
    expect(azure.mock.count('graph.groupTransitiveMembers')).toBe(2);
    expect(calls.filter((c) => c.startsWith('ARM:roleAssignments.list'))).toHaveLength(4);
    expect(calls.filter((c) => c.startsWith('ARM:roleDefinitions.get'))).toEqual(['ARM:roleDefinitions.get OK']);
    expect(calls.filter((c) => c.startsWith('Graph:groupTransitiveMembers'))).toHaveLength(2);
    const listed = azure.mock.requests.find((r) => r.route === 'arm.roleAssignments');
    expect(listed?.query).toMatch(/api-version=2022-04-01/);
  });

  it('paces group lookups with the registration report on one per-tenant gate', async () => {
    azure.mock.setFixture(rbacFixture());
    const started = Date.now();
    // 1 report request + 1 group request, 1 per 400 ms: the second waits for the window
    await inventoryOf(azure.collector({ reportRate: { max: 1, windowMs: 400 } }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });
});

describe('reads that fail leave privilege Unknown, never understated', () => {
  it('an unreadable role assignment list is an identities gap', async () => {
    azure.mock.setFixture(rbacFixture());
    azure.mock.fault('arm.roleAssignments', { status: 403, code: 'AuthorizationFailed' });
    const inv = await inventoryOf(azure.collector());
    expect(inv.gaps).toEqual([
      { area: 'identities', reason: 'AccessDenied', message: 'ARM:roleAssignments.list (Azure RBAC privilege): AuthorizationFailed' },
    ]);
  });

  it('an unreadable group is an identities gap; a deleted group grants nobody', async () => {
    azure.mock.setFixture(rbacFixture());
    azure.mock.fault('graph.groupTransitiveMembers', { status: 403, code: 'Authorization_RequestDenied', times: 1 });
    const denied = await inventoryOf(azure.collector());
    expect(denied.gaps).toEqual([
      { area: 'identities', reason: 'AccessDenied', message: 'Graph:groupTransitiveMembers (Azure RBAC privilege): Authorization_RequestDenied' },
    ]);

    const f = rbacFixture();
    f.groups = []; // the assignment outlived its group
    azure.mock.setFixture(f);
    const orphan = await inventoryOf(azure.collector());
    expect(orphan.gaps).toEqual([]);
    expect(byName(orphan, 'platform-eng@contoso.example')).toMatchObject({ privileged: false });
  });

  it('more writing groups than the bound is an identities gap', async () => {
    azure.mock.setFixture(rbacFixture());
    const inv = await inventoryOf(azure.collector({ maxPrivilegedGroups: 0 }));
    expect(inv.gaps).toEqual([
      { area: 'identities', reason: 'CollectionError', message: 'Graph:groupTransitiveMembers (Azure RBAC privilege): TooManyPrivilegedGroups' },
    ]);
  });
});
