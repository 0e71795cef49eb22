// Azure RBAC privilege: which role definitions write (role-actions.ts), grants per
// principal with groups expanded (rbac.ts), and how they combine with Entra directory
// roles in the identities (identities.ts).

import { identitiesFromGraph, type UserRegistrationDetails } from '../../operator/src/providers/azure/identities.js';
import { definitionKey, describeGrants, rbacGrants, type ArmRoleDefinition } from '../../operator/src/providers/azure/rbac.js';
import { READ_EQUIVALENT_ACTIONS, nonReadWitnesses, writeGrantOf, type RolePermission } from '../../operator/src/providers/azure/role-actions.js';

const NOW = new Date('2026-11-15T12:00:00Z');
const SUB = '/subscriptions/11111111-2222-4333-a444-555555555555';

const CONTRIBUTOR: RolePermission = {
  actions: ['*'],
  notActions: [
    'Microsoft.Authorization/*/Delete',
    'Microsoft.Authorization/*/Write',
    'Microsoft.Authorization/elevateAccess/Action',
    'Microsoft.Blueprint/blueprintAssignments/write',
    'Microsoft.Blueprint/blueprintAssignments/delete',
  ],
  dataActions: [],
  notDataActions: [],
};

describe('which roles write (actions minus notActions, dataActions minus notDataActions)', () => {
  it.each<[string, RolePermission[], string | undefined]>([
    ['Owner', [{ actions: ['*'], notActions: [] }], '*'],
    ['Contributor', [CONTRIBUTOR], '*'],
    ['User Access Administrator', [{ actions: ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'] }], 'Microsoft.Authorization/*'],
    ['Reader', [{ actions: ['*/read'], notActions: [] }], undefined],
    ['Reader without dataActions (2015-07-01 shape)', [{ actions: ['*/read'] }], undefined],
    ['Monitoring Reader', [{ actions: ['*/read', 'Microsoft.OperationalInsights/workspaces/search/action', 'Microsoft.Support/*'] }], undefined],
    [
      'Storage Blob Data Reader',
      [
        {
          actions: ['Microsoft.Storage/storageAccounts/blobServices/containers/read', 'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action'],
          dataActions: ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'],
        },
      ],
      undefined,
    ],
    ['Storage Blob Data Contributor (data plane)', [{ actions: ['Microsoft.Storage/storageAccounts/blobServices/containers/read'], dataActions: ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*'] }], 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*'],
    ['custom */write', [{ actions: ['*/read', '*/write'] }], '*/write'],
    ['custom */delete', [{ actions: ['Microsoft.Compute/*/delete'] }], 'Microsoft.Compute/*/delete'],
    ['custom */action', [{ actions: ['*/action'] }], '*/action'],
    ['custom VM operator (a named action)', [{ actions: ['Microsoft.Compute/virtualMachines/start/action', 'Microsoft.Compute/*/read'] }], 'Microsoft.Compute/virtualMachines/start/action'],
    ['a wildcard every write, delete and action of which is excluded', [{ actions: ['Microsoft.Compute/*'], notActions: ['Microsoft.Compute/*/write', 'Microsoft.Compute/*/delete', 'Microsoft.Compute/*/action'] }], undefined],
    ['* minus */write, */delete, */action', [{ actions: ['*'], notActions: ['*/write', '*/delete', '*/action'] }], undefined],
    ['notActions removing only writes leave deletes', [{ actions: ['Microsoft.Storage/*'], notActions: ['Microsoft.Storage/*/write'] }], 'Microsoft.Storage/*'],
    ['type/* covers type/write itself', [{ actions: ['Microsoft.Web/sites/*'], notActions: ['Microsoft.Web/sites/*/write', 'Microsoft.Web/sites/*/delete', 'Microsoft.Web/sites/*/action'] }], 'Microsoft.Web/sites/*'],
    ['a named write excluded by its own notAction', [{ actions: ['Microsoft.Network/networkSecurityGroups/write'], notActions: ['Microsoft.Network/*/write'] }], undefined],
    ['case of verbs does not matter', [{ actions: ['*'], notActions: ['*/WRITE', '*/Delete', '*/ACTION'] }], undefined],
  ])('%s', (_name, permissions, expected) => {
    expect(writeGrantOf(permissions)?.action).toBe(expected);
  });

  it('says which plane grants the write', () => {
    expect(writeGrantOf([{ actions: ['*/read'], dataActions: ['*/write'] }])).toEqual({ action: '*/write', plane: 'data' });
    expect(writeGrantOf([{ actions: [], dataActions: ['Microsoft.KeyVault/vaults/secrets/*'], notDataActions: ['Microsoft.KeyVault/vaults/secrets/*'] }])).toBeUndefined();
  });

  it('builds witnesses that match the pattern and never for read-only patterns', () => {
    expect(nonReadWitnesses('*/read')).toEqual([]);
    expect(nonReadWitnesses('Microsoft.Compute/*/read')).toEqual([]);
    expect(nonReadWitnesses('Microsoft.Compute/disks/write')).toEqual(['Microsoft.Compute/disks/write']);
    for (const w of nonReadWitnesses('Microsoft.Compute/*')) expect(w).toMatch(/^Microsoft\.Compute\/.+\/(write|delete|action)$/);
    // `Provider/*` does not also claim `Provider/write` (no such operation exists)
    expect(nonReadWitnesses('Microsoft.Compute/*')).not.toContain('Microsoft.Compute/write');
    expect(nonReadWitnesses('Microsoft.Compute/disks/*')).toContain('Microsoft.Compute/disks/write');
  });

  it('keeps the read-equivalent list short, each entry with a reason', () => {
    expect(READ_EQUIVALENT_ACTIONS.length).toBeLessThanOrEqual(5);
    for (const a of READ_EQUIVALENT_ACTIONS) expect(a.reason.length).toBeGreaterThan(20);
  });
});

const definition = (guid: string, roleName: string, permissions: RolePermission[]): ArmRoleDefinition => ({
  id: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
  name: guid,
  roleName,
  roleType: 'BuiltInRole',
  permissions,
});
const OWNER = definition('8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'Owner', [{ actions: ['*'] }]);
const READER = definition('acdd72a7-3385-48ef-bd42-f606fba81ae7', 'Reader', [{ actions: ['*/read'] }]);

describe('grants per principal', () => {
  it('matches definition ids spelled with or without the subscription prefix', () => {
    expect(definitionKey('/providers/Microsoft.Authorization/roleDefinitions/8E3AF657-a8ff-443c-a75c-2fe8c4bcb635')).toBe(OWNER.name);
    expect(definitionKey(OWNER.id)).toBe(OWNER.name);
  });

  it('copies a group grant to every transitive member and names the group', () => {
    const grants = rbacGrants({
      definitions: [OWNER, READER],
      assignments: [
        { scope: SUB, principalId: 'G1', principalType: 'Group', roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${OWNER.name}` },
        { scope: '/providers/Microsoft.Management/managementGroups/mg', principalId: 'u2', principalType: 'User', roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${READER.name}` },
      ],
      groupMembers: new Map([['g1', ['u1', 'u2']]]),
    });
    expect(grants.get('u1')).toEqual([{ role: 'Owner', scope: SUB, writes: { action: '*', plane: 'control' }, viaGroup: 'G1' }]);
    expect(grants.get('u2')?.map((g) => g.role).sort()).toEqual(['Owner', 'Reader']);
    expect(describeGrants(grants.get('u1')!)).toBe(`Owner at ${SUB} (allows *) via group G1`);
  });

  it('bounds the evidence text', () => {
    const many = Array.from({ length: 7 }, (_, i) => ({ role: 'Owner', scope: `${SUB}/resourceGroups/rg${i}` }));
    expect(describeGrants(many)).toMatch(/; and 3 more$/);
  });
});

describe('identities with Azure RBAC', () => {
  const details: UserRegistrationDetails[] = [
    { id: 'u1', userPrincipalName: 'owner@x', isMfaRegistered: false, isAdmin: false },
    { id: 'u2', userPrincipalName: 'reader@x', isMfaRegistered: true, isAdmin: false },
    { id: 'u3', userPrincipalName: 'ga@x', isMfaRegistered: true, isAdmin: true },
  ];
  const roles = {
    definitions: [{ id: 'ga', templateId: '62e90394-69f5-4237-9190-012177145e10', displayName: 'Global Administrator', rolePermissions: [{ allowedResourceActions: ['microsoft.directory/users/allProperties/allTasks'] }] }],
    assignments: [{ id: 'a', principalId: 'u3', roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10' }],
  };
  const grants = new Map([
    ['u1', [{ role: 'Owner', scope: SUB, writes: { action: '*', plane: 'control' as const }, viaGroup: 'g1' }]],
    ['u2', [{ role: 'Reader', scope: SUB }]],
    ['u3', [{ role: 'Contributor', scope: `${SUB}/resourceGroups/rg`, writes: { action: '*', plane: 'control' as const } }]],
  ]);

  it('counts an Owner through a group, not a Reader, and keeps Entra roles', () => {
    const { identities } = identitiesFromGraph(details, roles, NOW, grants);
    const by = (name: string) => identities.find((i) => i.name === name);
    expect(by('owner@x')).toMatchObject({ privileged: true, privilegeSource: `Azure RBAC: Owner at ${SUB} (allows *) via group g1` });
    expect(by('reader@x')).toMatchObject({ privileged: false, privilegeSource: `no directory role; read-only Azure roles: Reader at ${SUB}` });
    expect(by('ga@x')).toMatchObject({
      privileged: true,
      privilegeSource: `Entra roles: Global Administrator; Azure RBAC: Contributor at ${SUB}/resourceGroups/rg (allows *)`,
    });
  });

  it('without RBAC grants reads as before', () => {
    const { identities } = identitiesFromGraph(details, roles, NOW);
    expect(identities.find((i) => i.name === 'owner@x')).toMatchObject({ privileged: false, privilegeSource: 'no directory role' });
  });
});

describe('disk network exposure with the service defaults left out', () => {
  it('reads missing networkAccessPolicy / publicNetworkAccess as the defaults: exportable, public only while an export is live', async () => {
    const { resourceFromDisk } = await import('../../operator/src/providers/azure/resources.js');
    const base = { id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d', location: 'westus', encryption: { type: 'EncryptionAtRestWithPlatformKey' } };
    expect(resourceFromDisk(base, 'volume')).toMatchObject({ public: false, exportFromAnyNetwork: true });
    expect(resourceFromDisk({ ...base, diskState: 'ActiveSAS' }, 'volume')).toMatchObject({ public: true, exportFromAnyNetwork: true });
    expect(resourceFromDisk({ ...base, diskState: 'ActiveSASFrozen' }, 'volume')?.public).toBe(true);
    expect(resourceFromDisk({ ...base, diskState: 'ActiveSAS', networkAccessPolicy: 'AllowPrivate' }, 'volume')).toMatchObject({ public: false, exportFromAnyNetwork: false });
    expect(resourceFromDisk({ ...base, publicNetworkAccess: 'Disabled' }, 'volume')).toMatchObject({ public: false, exportFromAnyNetwork: false });
  });
});

describe('diagnostic settings api-version', () => {
  it('rewrites only diagnostic settings reads to 2021-05-01-preview', async () => {
    const { diagnosticSettingsApiVersionPolicy, DIAGNOSTIC_SETTINGS_API_VERSION } = await import('../../operator/src/providers/azure/clients.js');
    const { policy } = diagnosticSettingsApiVersionPolicy();
    const seen: string[] = [];
    const send = async (url: string) => {
      const request = { url, method: 'GET' } as Parameters<typeof policy.sendRequest>[0];
      await policy.sendRequest(request, async (r) => {
        seen.push(r.url);
        return {} as Awaited<ReturnType<typeof policy.sendRequest>>;
      });
    };
    await send('https://management.azure.com/subscriptions/s/providers/Microsoft.Insights/diagnosticSettings?api-version=2017-05-01-preview');
    await send('https://management.azure.com/subscriptions/s/providers/Microsoft.Compute/disks?api-version=2025-01-02');
    expect(DIAGNOSTIC_SETTINGS_API_VERSION).toBe('2021-05-01-preview');
    expect(seen[0]).toMatch(/api-version=2021-05-01-preview$/);
    expect(seen[1]).toMatch(/api-version=2025-01-02$/);
  });
});
