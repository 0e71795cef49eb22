// Azure RBAC privilege against the local Resource Manager / Graph server, through the
// real @azure/arm-authorization client and a real fetch to Graph: an Owner assigned
// directly, an Owner through a (nested) group inherited from a management group, a
// Reader only, a custom role with */write known only by id; service principals,
// managed identities and disabled users holding a role, resolved with getByIds; paging;
// and reads that fail.

import { mfaSummary } from '../../operator/src/controls/mfa/mfa-summary.js';
import type { Identity, Inventory } from '../../operator/src/inventory/types.js';
import {
  AZURE_ROLE,
  ROLE,
  azureRoleAssignment,
  azureRoleDefinition,
  disabledUser,
  group,
  servicePrincipal,
  servicePrincipalRoleAssignment,
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

describe('principals with an Azure role outside the registration report (getByIds)', () => {
  const SECRET = { startDateTime: '2026-01-05T00:00:00Z', endDateTime: '2099-01-05T00:00:00Z' };
  const deploy = servicePrincipal('deploy-pipeline', { secret: SECRET });
  const managed = servicePrincipal('mi-automation', { type: 'ManagedIdentity' });
  const auditor = servicePrincipal('cost-exporter');
  const leaver = disabledUser('leaver@contoso.example');
  const directorySync = servicePrincipalRoleAssignment('directory-sync', ROLE.applicationAdministrator);
  const automation = group('automation-identities', [String(managed.id)]);
  const DELETED = uuidFor('sp:deleted-long-ago');

  function principalsFixture(): AzureFixture {
    const f = rbacFixture();
    f.directoryObjects = [deploy, managed, auditor, leaver];
    f.groups.push(automation);
    f.roleAssignments.push(directorySync);
    f.rbacAssignments.push(
      azureRoleAssignment(SUB, String(deploy.id), AZURE_ROLE.owner, 'ServicePrincipal'),
      azureRoleAssignment(SUB, String(automation.id), AZURE_ROLE.contributor, 'Group'),
      azureRoleAssignment(SUB, String(auditor.id), AZURE_ROLE.reader, 'ServicePrincipal'),
      azureRoleAssignment(SUB, String(leaver.id), AZURE_ROLE.owner),
      azureRoleAssignment(SUB, String(directorySync.principalId), AZURE_ROLE.owner, 'ServicePrincipal'),
      azureRoleAssignment(SUB, DELETED, AZURE_ROLE.owner, 'ServicePrincipal'),
    );
    return f;
  }

  let inv: Inventory;
  let calls: string[];
  let asked: unknown[];
  beforeAll(async () => {
    azure.mock.reset();
    azure.mock.setFixture(principalsFixture());
    calls = [];
    inv = await inventoryOf(azure.collector({ onApiCall: (_p, op, code) => calls.push(`${op} ${code}`) }));
    asked = azure.mock.requests.filter((r) => r.route === 'graph.directoryObjectsGetByIds').map((r) => JSON.parse(r.body ?? 'null') as unknown);
  });
  const byId = (id: unknown): Identity | undefined => inv.identities.find((i) => i.id.toLowerCase() === String(id).toLowerCase());

  it('resolves them in one getByIds request, leaving out those the report or a directory role names', () => {
    expect(calls.filter((c) => c.startsWith('Graph:directoryObjects.getByIds'))).toEqual(['Graph:directoryObjects.getByIds OK']);
    const ids = [deploy.id, leaver.id, automation.members, DELETED].flat().map((id) => String(id).toLowerCase()).sort();
    expect(asked).toEqual([{ ids, types: ['user', 'servicePrincipal'] }]);
    expect(inv.gaps).toEqual([]);
  });

  it('lists an Owner service principal with no directory role as a privileged, non-interactive workload with its secret', () => {
    expect(byId(deploy.id)).toEqual({
      id: String(deploy.id),
      name: 'deploy-pipeline',
      kind: 'service-principal',
      mfaEnabled: false,
      privileged: true,
      interactive: false,
      accessKeys: [{ id: expect.stringMatching(/^.{4}….{4}$/), active: true, createdAt: SECRET.startDateTime }],
      privilegeSource: `Azure RBAC: Owner at ${SUB} (allows *)`,
    });
  });

  it('lists a managed identity that is Contributor through a group, and a disabled Owner who cannot sign in', () => {
    expect(byId(managed.id)).toMatchObject({
      kind: 'service-principal',
      privileged: true,
      privilegeSource: `Azure RBAC: Contributor at ${SUB} (allows *) via group ${String(automation.id)}; managed identity`,
    });
    expect(byId(leaver.id)).toMatchObject({ kind: 'user', name: 'leaver@contoso.example', privileged: true, interactive: false });
  });

  it('lists a directory-role service principal once, with both grants; a Reader or a deleted principal not at all', () => {
    expect(inv.identities.filter((i) => i.id.toLowerCase() === String(directorySync.principalId).toLowerCase())).toHaveLength(1);
    expect(byId(directorySync.principalId)?.privilegeSource).toBe(`Entra roles: Application Administrator; Azure RBAC: Owner at ${SUB} (allows *)`);
    expect(byId(auditor.id)).toBeUndefined();
    expect(byId(DELETED)).toBeUndefined();
  });

  it('keeps workloads and accounts that cannot sign in out of MFA coverage', () => {
    const summary = mfaSummary(inv, 'privileged');
    // owner, platform-eng and deployer (rbacFixture) sign in without MFA; the service principals and the disabled user are not subjects
    expect(summary.privilegedWithoutMFA).toBe(3);
    const subjects = inv.identities.filter((i) => i.kind === 'user' && i.interactive && i.privileged).length;
    expect(summary.privileged).toBe(subjects);
    expect(inv.identities.filter((i) => i.kind === 'service-principal' && i.privileged)).toHaveLength(3);
  });

  it('an unreadable getByIds (no Directory.Read.All) or more principals than the bound is an identities gap', async () => {
    azure.mock.reset();
    azure.mock.setFixture(principalsFixture());
    azure.mock.fault('graph.directoryObjectsGetByIds', { status: 403, code: 'Authorization_RequestDenied' });
    const denied = await inventoryOf(azure.collector());
    expect(denied.gaps).toEqual([
      { area: 'identities', reason: 'AccessDenied', message: 'Graph:directoryObjects.getByIds (Azure RBAC privilege): Authorization_RequestDenied' },
    ]);
    expect(denied.identities.find((i) => i.id === String(deploy.id))).toBeUndefined();

    azure.mock.reset();
    const bounded = await inventoryOf(azure.collector({ maxPrincipalLookups: 3 }));
    expect(bounded.gaps).toEqual([
      { area: 'identities', reason: 'CollectionError', message: 'Graph:directoryObjects.getByIds (Azure RBAC privilege): TooManyUnresolvedPrincipals' },
    ]);
    expect(azure.mock.count('graph.directoryObjectsGetByIds')).toBe(0);
  });
});
