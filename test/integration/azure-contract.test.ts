// Contract tests: response bodies written in the documented shapes of the Azure REST
// API spec examples and the Microsoft Graph reference (test/fixtures/azure/, fields
// real responses leave out left out) served verbatim by the local server and read by
// the real SDK clients and the collector, nextLink followed.

import { diskExportNetwork } from '../../operator/src/controls/exposure/disk-export-network.js';
import { noPublicResources } from '../../operator/src/controls/exposure/no-public-resources.js';
import type { Inventory } from '../../operator/src/inventory/types.js';
import { exampleBody } from '../harness/azure-mock/contract.js';
import { AZURE_ROLE, activityLogSetting, azureRoleAssignment, group, user, type Json } from '../harness/azure-mock/fixture.js';
import { SUBSCRIPTION_ID, compliantFixture } from '../harness/azure-mock/scenarios.js';
import type { MockRoute } from '../harness/azure-mock/server.js';
import { inventoryOf, useAzureMock } from '../harness/azure-mock/suite.js';
import { anInput } from '../unit/builders.js';

const azure = useAzureMock('contract');
beforeEach(() => azure.mock.reset());

const GROUP_ID = '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const OWNER_ID = 'ce2ce14e-85d7-4629-bdbc-454d0519d987';
const READER_ID = '9f1a2d33-7b7a-4d5e-9a60-1c9f0a3c2b11';
const SUB = `/subscriptions/${SUBSCRIPTION_ID}`;

/** The example's 200 body with placeholders filled; its next link pointed at page 1 of the local server. */
const example = (file: string, service: 'arm' | 'graph', path: string): Json =>
  exampleBody(file, azure.mock, service, path, { subscriptionId: SUBSCRIPTION_ID, groupId: GROUP_ID });

function serve(route: MockRoute, body: Json): void {
  azure.mock.setPages(route, [body]); // page 1 (and later): `{ value: [] }`
}

const resource = (inv: Inventory, name: string) => inv.resources.find((r) => r.id.endsWith(`/${name}`));

describe('Disks_List and Snapshots_List as documented (network fields left out)', () => {
  let inv: Inventory;
  let diskPages: Array<string | null> = [];
  let snapshotRequests = 0;
  beforeAll(async () => {
    azure.mock.setFixture(compliantFixture());
    azure.mock.reset();
    serve('arm.disks', example('disks-list.json', 'arm', `${SUB}/providers/Microsoft.Compute/disks`));
    serve('arm.snapshots', example('snapshots-list.json', 'arm', `${SUB}/providers/Microsoft.Compute/snapshots`));
    inv = await inventoryOf(azure.collector());
    diskPages = azure.mock.requests.filter((r) => r.route === 'arm.disks').map((r) => new URLSearchParams(r.query).get('$skiptoken'));
    snapshotRequests = azure.mock.count('arm.snapshots');
  });

  it('follows the nextLink of each list', () => {
    expect(diskPages).toEqual([null, '1']);
    expect(snapshotRequests).toBe(2);
  });

  it('reads a default disk as exportable from any network, not public', () => {
    expect(resource(inv, 'myManagedDisk2')).toMatchObject({ kind: 'volume', region: 'westus', public: false, exportFromAnyNetwork: true, encrypted: true, customerManagedKey: false });
    expect(resource(inv, 'myHardenedDisk')).toMatchObject({ public: false, exportFromAnyNetwork: false, customerManagedKey: true });
  });

  it('reads only a live export as public', () => {
    expect(resource(inv, 'mySnapshot1')).toMatchObject({ kind: 'snapshot', public: false, exportFromAnyNetwork: true });
    expect(resource(inv, 'myExportedSnapshot')).toMatchObject({ public: true, exportFromAnyNetwork: true, publicReason: expect.stringMatching(/ActiveSAS/) });
  });

  it('reports the live export as critical and the default ones as the hardening control', () => {
    const input = anInput({ inventory: { ok: true, inventory: inv } });
    const critical = noPublicResources.evaluate(input);
    expect(critical.findings.map((f) => f.resource?.split('/').pop())).toEqual(['myExportedSnapshot']);
    const hardening = diskExportNetwork.evaluate(input);
    expect(hardening.findings.map((f) => f.resource?.split('/').pop())).toEqual(['myManagedDisk1', 'myManagedDisk2', 'myExportedSnapshot', 'mySnapshot1']);
    expect(hardening.findings.find((f) => f.resource?.endsWith('/myManagedDisk1'))?.message).toMatch(/no export is active/);
    expect(hardening.findings.find((f) => f.resource?.endsWith('/myExportedSnapshot'))?.message).toMatch(/live SAS export/);
  });
});

describe('subscription diagnostic settings with category groups', () => {
  it('reads with api-version 2021-05-01-preview and counts allLogs as logging', async () => {
    azure.mock.setFixture(compliantFixture());
    serve('arm.diagnosticSettings', example('diagnostic-settings-list.json', 'arm', `${SUB}/providers/microsoft.insights/diagnosticSettings`));
    const inv = await inventoryOf(azure.collector());
    expect(azure.mock.requests.find((r) => r.route === 'arm.diagnosticSettings')?.query).toMatch(/api-version=2021-05-01-preview/);
    const byId = Object.fromEntries(inv.auditTrails.map((t) => [t.id.split('/').pop(), t.logging]));
    expect(byId).toEqual({ 'ds4#storage': true, 'ds4#eventhub': true, 'security-only': false });
  });

  it('the local server answers category groups only from that version on, as the service does', async () => {
    const f = compliantFixture();
    f.diagnosticSettings = [activityLogSetting(SUBSCRIPTION_ID, 'all-logs', { storageAccountId: String(f.storageAccounts[0]!.id), categoryGroups: ['allLogs'] })];
    azure.mock.setFixture(f);
    const inv = await inventoryOf(azure.collector());
    expect(inv.auditTrails.map((t) => [t.id.split('/').pop(), t.logging])).toEqual([['all-logs', true]]);
  });
});

describe('role assignments, role definitions and group members as documented', () => {
  it('reads definition ids with and without the subscription prefix, and a missing principalType as User', async () => {
    const f = compliantFixture();
    f.users.push({ ...user('contract-owner@contoso.example', { mfa: false }), id: OWNER_ID }, { ...user('contract-reader@contoso.example'), id: READER_ID });
    azure.mock.setFixture(f);
    serve('arm.roleAssignments', example('role-assignments-list.json', 'arm', `${SUB}/providers/Microsoft.Authorization/roleAssignments`));
    serve('arm.roleDefinitions', example('role-definitions-list.json', 'arm', `${SUB}/providers/Microsoft.Authorization/roleDefinitions`));
    const inv = await inventoryOf(azure.collector());
    expect(inv.identities.find((i) => i.id === OWNER_ID)).toMatchObject({ privileged: true, privilegeSource: `Azure RBAC: Owner at ${SUB} (allows *)` });
    expect(inv.identities.find((i) => i.id === READER_ID)).toMatchObject({
      privileged: false,
      privilegeSource: 'no directory role; read-only Azure roles: Reader at /providers/Microsoft.Management/managementGroups/contoso-root',
    });
    expect(azure.mock.count('arm.roleDefinition')).toBe(0);
  });

  it('resolves a group from transitiveMembers pages of mixed object types', async () => {
    const f = compliantFixture();
    f.users.push({ ...user('contract-owner@contoso.example', { mfa: false }), id: OWNER_ID });
    f.groups = [{ ...group('contract-admins', []), id: GROUP_ID }];
    f.rbacAssignments = [azureRoleAssignment(SUB, GROUP_ID, AZURE_ROLE.contributor, 'Group')];
    azure.mock.setFixture(f);
    serve('graph.groupTransitiveMembers', example('group-transitive-members.json', 'graph', `/v1.0/groups/${GROUP_ID}/transitiveMembers`));
    const inv = await inventoryOf(azure.collector());
    expect(azure.mock.count('graph.groupTransitiveMembers')).toBe(2);
    expect(inv.identities.find((i) => i.id === OWNER_ID)).toMatchObject({
      privileged: true,
      privilegeSource: `Azure RBAC: Contributor at ${SUB} (allows *) via group ${GROUP_ID}`,
    });
  });
});
