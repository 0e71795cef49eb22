// Pure Azure mapping: ARM / Graph shapes -> Inventory facts.

import { trailsFromDiagnosticSettings } from '../../operator/src/providers/azure/diagnostics.js';
import {
  identitiesFromGraph,
  isReadOnlyRole,
  maskKeyId,
  type DirectoryRoleAssignment,
  type DirectoryRoleDefinition,
  type UserRegistrationDetails,
} from '../../operator/src/providers/azure/identities.js';
import { subscriptionOf } from '../../operator/src/providers/azure/ids.js';
import {
  guardrailsFromPolicy,
  ALLOWED_LOCATIONS_DEFINITION_ID,
  STORAGE_PUBLIC_ACCESS_DEFINITION_ID,
  type ArmPolicyAssignment,
} from '../../operator/src/providers/azure/policy.js';
import { mergeResources, resourceFromDisk, resourceFromGeneric, resourcesFromStorageAccount } from '../../operator/src/providers/azure/resources.js';

const SUB = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const rg = `/subscriptions/${SUB}/resourceGroups/rg`;

describe('storage accounts', () => {
  it('maps encryption, key ownership and anonymous access', () => {
    const [r] = resourcesFromStorageAccount({
      id: `${rg}/providers/Microsoft.Storage/storageAccounts/st`,
      location: 'westeurope',
      encryption: { services: { blob: { enabled: true } }, keySource: 'Microsoft.Keyvault' },
      allowBlobPublicAccess: true,
    });
    expect(r).toMatchObject({ kind: 'storage-account', region: 'westeurope', encrypted: true, customerManagedKey: true, public: true });
  });

  it('reads allowBlobPublicAccess left out as its documented default (false)', () => {
    const [r] = resourcesFromStorageAccount({ id: `${rg}/providers/Microsoft.Storage/storageAccounts/st`, location: 'westeurope' });
    expect(r).toMatchObject({ public: false });
    expect(r?.publicReason).toBeUndefined();
  });

  it('is not public when the public endpoint is disabled, and unencrypted when blob encryption is off', () => {
    const [r] = resourcesFromStorageAccount({
      id: `${rg}/providers/Microsoft.Storage/storageAccounts/st`,
      location: 'westeurope',
      encryption: { services: { blob: { enabled: false } } },
      allowBlobPublicAccess: true,
      publicNetworkAccess: 'Disabled',
    });
    expect(r).toMatchObject({ public: false, encrypted: false, customerManagedKey: false });
  });

  it('reads an account without an encryption block as encrypted with Microsoft-managed keys (always on), and adds the geo-replica as a copy', () => {
    const out = resourcesFromStorageAccount({
      id: `${rg}/providers/Microsoft.Storage/storageAccounts/grs`,
      location: 'uksouth',
      secondaryLocation: 'ukwest',
      sku: { name: 'Standard_RAGRS' },
      allowBlobPublicAccess: true,
    });
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ encrypted: true, customerManagedKey: false });
    expect(out[1]).toMatchObject({ region: 'ukwest', sourceId: out[0]?.id, public: true, encrypted: true, customerManagedKey: false });
    expect(resourcesFromStorageAccount({ id: 'x', location: 'uksouth', encryption: { services: {} } })[0]).toMatchObject({ encrypted: true, customerManagedKey: false });
    const grs = resourcesFromStorageAccount({ id: 'x', location: 'uksouth', secondaryLocation: 'ukwest', sku: { name: 'Standard_GRS' }, allowBlobPublicAccess: true });
    expect(grs[1]?.public).toBe(false); // no read access to the secondary without RA-
  });
});

describe('disks and snapshots', () => {
  it('maps key type, SAS exposure and the snapshot source', () => {
    const snap = resourceFromDisk(
      {
        id: `${rg}/providers/Microsoft.Compute/snapshots/s`,
        location: 'eastus',
        encryption: { type: 'EncryptionAtRestWithPlatformKey' },
        diskState: 'ActiveSAS',
        creationData: { sourceResourceId: `${rg}/providers/Microsoft.Compute/disks/d` },
      },
      'snapshot',
    );
    expect(snap).toMatchObject({ kind: 'snapshot', encrypted: true, customerManagedKey: false, public: true, sourceId: `${rg}/providers/Microsoft.Compute/disks/d` });
    expect(snap?.publicReason).toMatch(/active SAS/);
    const d = resourceFromDisk(
      { id: 'd', location: 'westeurope', encryption: { type: 'EncryptionAtRestWithPlatformAndCustomerKeys' }, networkAccessPolicy: 'AllowPrivate' },
      'volume',
    );
    expect(d).toMatchObject({ encrypted: true, customerManagedKey: true, public: false });
    expect(resourceFromDisk({ id: 'x', location: 'westeurope' }, 'volume')?.encrypted).toBeUndefined();
  });
});

describe('generic resources', () => {
  it('keeps data-holding types only and knows which databases are always encrypted', () => {
    expect(resourceFromGeneric({ id: 'a', type: 'Microsoft.Network/virtualNetworks', location: 'eastus' })).toBeUndefined();
    expect(resourceFromGeneric({ id: 'b', type: 'Microsoft.Compute/virtualMachines', location: 'eastus' })).toEqual({ id: 'b', kind: 'compute-instance', region: 'eastus' });
    expect(resourceFromGeneric({ id: 'c', type: 'Microsoft.DocumentDB/databaseAccounts', location: 'westeurope' })).toMatchObject({ encrypted: true, public: false });
    expect(resourceFromGeneric({ id: 'd', type: 'Microsoft.Sql/servers/databases', location: 'westeurope' })?.encrypted).toBeUndefined();
  });

  it('lets the detailed lists win over resources.list, case-insensitively', () => {
    const merged = mergeResources(
      [{ id: '/SUBSCRIPTIONS/x/disks/D', kind: 'volume', region: 'westeurope', tags: { team: 'a' } }],
      [{ id: '/subscriptions/x/disks/d', kind: 'volume', region: 'westeurope', encrypted: true }],
    );
    expect(merged).toEqual([{ id: '/subscriptions/x/disks/d', kind: 'volume', region: 'westeurope', encrypted: true, tags: { team: 'a' } }]);
  });
});

describe('policy guardrails', () => {
  const assign = (p: Partial<ArmPolicyAssignment>): ArmPolicyAssignment => ({ scope: `/subscriptions/${SUB}`, enforcementMode: 'Default', ...p });

  it('intersects allowed-locations assignments and reads the deny effect', () => {
    const g = guardrailsFromPolicy(
      [
        assign({ name: 'a', policyDefinitionId: ALLOWED_LOCATIONS_DEFINITION_ID, parameters: { listOfAllowedLocations: { value: ['westeurope', 'North Europe', 'eastus'] } } }),
        assign({ name: 'b', policyDefinitionId: ALLOWED_LOCATIONS_DEFINITION_ID.toLowerCase(), parameters: { listOfAllowedLocations: { value: ['westeurope', 'northeurope'] } } }),
        assign({ name: 'c', policyDefinitionId: STORAGE_PUBLIC_ACCESS_DEFINITION_ID, parameters: { effect: { value: 'deny' } } }),
      ],
      new Map(),
    );
    expect(g).toEqual({ regionRestriction: { allowedRegions: ['northeurope', 'westeurope'], source: 'Azure Policy: a, b' }, publicAccessBlocked: true });
  });

  it('treats the audit default effect as no block, and resource-group scopes as no guardrail', () => {
    const g = guardrailsFromPolicy(
      [
        assign({ policyDefinitionId: STORAGE_PUBLIC_ACCESS_DEFINITION_ID }),
        assign({ scope: `${rg}`, policyDefinitionId: ALLOWED_LOCATIONS_DEFINITION_ID, parameters: { listOfAllowedLocations: { value: ['westeurope'] } } }),
      ],
      new Map(),
    );
    expect(g).toEqual({ regionRestriction: null, publicAccessBlocked: false });
  });

  it('resolves initiative parameters from the assignment or the set default', () => {
    const setId = '/providers/Microsoft.Management/managementGroups/mg/providers/Microsoft.Authorization/policySetDefinitions/lz';
    const sets = new Map([
      [
        setId.toLowerCase(),
        {
          parameters: { locs: {}, eff: { defaultValue: 'Deny' } },
          policyDefinitions: [
            { policyDefinitionId: ALLOWED_LOCATIONS_DEFINITION_ID, parameters: { listOfAllowedLocations: { value: "[parameters('locs')]" } } },
            { policyDefinitionId: STORAGE_PUBLIC_ACCESS_DEFINITION_ID, parameters: { effect: { value: "[parameters('eff')]" } } },
          ],
        },
      ],
    ]);
    const g = guardrailsFromPolicy([assign({ name: 'lz', policyDefinitionId: setId, parameters: { locs: { value: ['westeurope'] } } })], sets);
    expect(g).toEqual({ regionRestriction: { allowedRegions: ['westeurope'], source: 'Azure Policy: lz' }, publicAccessBlocked: true });
    // unreadable initiative: undecided
    expect(guardrailsFromPolicy([assign({ policyDefinitionId: setId })], new Map([[setId.toLowerCase(), undefined]]))).toEqual({
      regionRestriction: undefined,
      publicAccessBlocked: undefined,
    });
  });
});

describe('audit trails', () => {
  it('one trail per destination, owner from the destination id, region when held here', () => {
    const trails = trailsFromDiagnosticSettings(
      [
        {
          id: `/subscriptions/${SUB}/providers/microsoft.insights/diagnosticSettings/two`,
          storageAccountId: `/subscriptions/${OTHER}/resourceGroups/v/providers/Microsoft.Storage/storageAccounts/vault`,
          workspaceId: `${rg}/providers/Microsoft.OperationalInsights/workspaces/law`,
          logs: [{ category: 'Administrative', enabled: true }],
        },
      ],
      SUB,
      (id) => (id.endsWith('/law') ? 'westeurope' : undefined),
    );
    expect(trails).toEqual([
      expect.objectContaining({ id: expect.stringMatching(/#storage$/), destinationAccountId: OTHER, logging: true, multiRegion: true }),
      expect.objectContaining({ id: expect.stringMatching(/#workspace$/), destinationAccountId: SUB, destinationRegion: 'westeurope' }),
    ]);
    expect(subscriptionOf('/SUBSCRIPTIONS/ABC/x')).toBe('abc');
  });
});

describe('identities', () => {
  const defs: DirectoryRoleDefinition[] = [
    { id: '62e90394-69f5-4237-9190-012177145e10', templateId: '62e90394-69f5-4237-9190-012177145e10', displayName: 'Global Administrator', rolePermissions: [{ allowedResourceActions: ['microsoft.directory/users/allProperties/allTasks'] }] },
    { id: 'r', displayName: 'Global Reader', rolePermissions: [{ allowedResourceActions: ['microsoft.directory/users/allProperties/read'] }] },
  ];
  const users: UserRegistrationDetails[] = [
    { id: 'u1', userPrincipalName: 'ga@x', isAdmin: true, isMfaRegistered: true, lastUpdatedDateTime: '2026-11-01T00:00:00Z' },
    { id: 'u2', userPrincipalName: 'gr@x', isAdmin: true, isMfaRegistered: false, lastUpdatedDateTime: '2026-11-02T00:00:00Z' },
    { id: 'u3', userPrincipalName: 'plain@x', isAdmin: false, isMfaRegistered: false },
  ];
  const assignments: DirectoryRoleAssignment[] = [
    { id: 'a1', principalId: 'u1', roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10' },
    { id: 'a2', principalId: 'u2', roleDefinitionId: 'r' },
    {
      id: 'a3',
      principalId: 'sp1',
      roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10',
      principal: {
        '@odata.type': '#microsoft.graph.servicePrincipal',
        displayName: 'automation',
        passwordCredentials: [
          { keyId: 'abcdef12-0000-0000-0000-00000000beef', startDateTime: '2025-01-01T00:00:00Z', endDateTime: '2030-01-01T00:00:00Z' },
          { keyId: 'expired0-0000-0000-0000-000000000000', startDateTime: '2020-01-01T00:00:00Z', endDateTime: '2021-01-01T00:00:00Z' },
        ],
      },
    },
  ];

  it('decides privilege from writing roles, lists privileged service principals, and reads root MFA from Global Administrators', () => {
    const facts = identitiesFromGraph(users, { definitions: defs, assignments }, new Date('2026-11-20T00:00:00Z'));
    const by = (name: string) => facts.identities.find((i) => i.name === name);
    expect(by('ga@x')).toMatchObject({ privileged: true, mfaEnabled: true, kind: 'user', interactive: true });
    expect(by('gr@x')).toMatchObject({ privileged: false });
    expect(by('plain@x')).toMatchObject({ privileged: false, mfaEnabled: false });
    expect(by('automation')).toMatchObject({
      kind: 'service-principal',
      privileged: true,
      interactive: false,
      accessKeys: [
        { id: 'abcd…beef', active: true, createdAt: '2025-01-01T00:00:00Z' },
        { id: 'expi…0000', active: false, createdAt: '2020-01-01T00:00:00Z' },
      ],
    });
    expect(facts.rootMfaEnabled).toBe(true);
    expect(facts.reportTime).toBe('2026-11-02T00:00:00.000Z');
  });

  it('without role data, privilege comes from isAdmin and root MFA stays unread', () => {
    const facts = identitiesFromGraph(users, undefined, new Date());
    expect(facts.identities.find((i) => i.name === 'gr@x')).toMatchObject({ privileged: true });
    expect(facts.rootMfaEnabled).toBeUndefined();
  });

  it('a role is read-only only when every action is a read', () => {
    expect(isReadOnlyRole({ id: 'x', rolePermissions: [{ allowedResourceActions: ['a/b/read', 'a/c/standard/read'] }] })).toBe(true);
    expect(isReadOnlyRole({ id: 'y', rolePermissions: [{ allowedResourceActions: ['a/b/read', 'a/password/update'] }] })).toBe(false);
    expect(maskKeyId('short')).toBe('sh…');
  });
});
