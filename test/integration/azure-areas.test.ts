// The Azure collector against the local Entra ID / Resource Manager / Graph server,
// through the real Azure SDK clients (arm-resources, arm-storage, arm-compute,
// arm-policy, arm-monitor, identity) and a real fetch to Graph: a compliant and a
// non-compliant tenant + subscription, area by area, asserting Inventory facts.

import type { Inventory, Resource } from '../../operator/src/inventory/types.js';
import {
  SUBSCRIPTION_ID,
  VAULT_STORAGE_ID,
  VAULT_SUBSCRIPTION_ID,
  compliantFixture,
  initiativeFixture,
  nonCompliantFixture,
} from '../harness/azure-mock/scenarios.js';
import { inventoryOf as collect, useAzureMock } from '../harness/azure-mock/suite.js';
import { policyAssignment, ALLOWED_LOCATIONS } from '../harness/azure-mock/fixture.js';

const azure = useAzureMock('areas');
const collector = azure.collector;
const inventoryOf = (c = collector()) => collect(c);

beforeEach(() => azure.mock.reset());

const byName = (inv: Inventory, name: string) => inv.identities.find((i) => i.name === name);
const resource = (inv: Inventory, suffix: string): Resource | undefined => inv.resources.find((r) => r.id.endsWith(suffix));

describe('compliant tenant and subscription', () => {
  let inv: Inventory;
  beforeAll(async () => {
    azure.mock.setFixture(compliantFixture());
    inv = await inventoryOf();
  });

  it('reads identities and MFA from the registration details report, privilege from directory roles', () => {
    expect(inv.provider).toBe('azure');
    expect(inv.accountId).toBe(SUBSCRIPTION_ID);
    expect(inv.gaps).toEqual([]);
    expect(inv.identities.filter((i) => i.kind === 'user')).toHaveLength(6);
    expect(inv.identities.every((i) => i.mfaEnabled || i.kind !== 'user')).toBe(true);
    expect(byName(inv, 'admin@contoso.example')).toMatchObject({ privileged: true, mfaEnabled: true, interactive: true, privilegeSource: 'Entra roles: Global Administrator' });
    // Global Reader only reads: isAdmin in the report, but not privileged (cannot write or delete)
    expect(byName(inv, 'reader@contoso.example')).toMatchObject({ privileged: false, privilegeSource: 'read-only Entra roles: Global Reader' });
    // an administrative-unit scoped writing role is still privileged
    expect(byName(inv, 'helpdesk@contoso.example')).toMatchObject({ privileged: true, privilegeSource: 'Entra roles: User Administrator' });
    expect(byName(inv, 'dev@contoso.example')).toMatchObject({ privileged: false });
    expect(inv.rootMfaEnabled).toBe(true);
    expect(Date.parse(inv.evidenceTimes.identities ?? '')).not.toBeNaN();
  });

  it('lists data stores with their regions and skips resource types that hold no data', () => {
    const kinds = inv.resources.map((r) => `${r.kind} ${r.region}`).sort();
    expect(kinds).toEqual([
      'compute-instance westeurope',
      'database westeurope',
      'snapshot northeurope',
      'storage-account northeurope',
      'storage-account westeurope',
      'storage-account westeurope', // the GRS copy of appbackupneu
      'volume westeurope',
    ]);
    expect(inv.resources.some((r) => r.id.includes('virtualNetworks'))).toBe(false);
    const copy = inv.resources.find((r) => r.sourceId?.endsWith('/appbackupneu'));
    expect(copy).toMatchObject({ kind: 'storage-account', region: 'westeurope', encrypted: true, customerManagedKey: true, public: false });
  });

  it('reads encryption and exposure of storage accounts, disks and snapshots', () => {
    expect(resource(inv, '/appdataweu')).toMatchObject({ encrypted: true, customerManagedKey: true, public: false });
    expect(resource(inv, '/vm-app_OsDisk_1')).toMatchObject({ kind: 'volume', encrypted: true, customerManagedKey: true, public: false });
    const snap = resource(inv, '/vm-app-nightly');
    expect(snap).toMatchObject({ kind: 'snapshot', encrypted: true, customerManagedKey: true, public: false });
    expect(snap?.sourceId).toMatch(/\/disks\/vm-app_OsDisk_1$/);
    expect(resource(inv, '/cosmos-app')).toMatchObject({ kind: 'database', encrypted: true, public: false });
    expect(resource(inv, '/cosmos-app')?.customerManagedKey).toBeUndefined();
  });

  it('finds the allowed-locations guardrail and the public blob access deny policy', () => {
    expect(inv.guardrails.regionRestriction).toEqual({ allowedRegions: ['northeurope', 'westeurope'], source: 'Azure Policy: Allowed locations' });
    expect(inv.guardrails.accountPublicAccessBlock).toBe(true);
    expect(inv.guardrails.defaultVolumeEncryption).toEqual({ northeurope: true, westeurope: true });
  });

  it('reads the activity-log diagnostic setting delivering to another subscription', () => {
    expect(inv.auditTrails).toEqual([
      {
        id: `/subscriptions/${SUBSCRIPTION_ID}/providers/microsoft.insights/diagnosticSettings/to-vault`,
        region: 'global',
        multiRegion: true,
        logging: true,
        destination: VAULT_STORAGE_ID,
        destinationAccountId: VAULT_SUBSCRIPTION_ID,
        // no blob endpoint configured in this suite: the public one does not resolve here
        lastDeliveryUnreadable: expect.stringMatching(/^reading auditvault\/insights-activity-logs failed: /),
      },
    ]);
  });
});

describe('non-compliant tenant and subscription', () => {
  let inv: Inventory;
  beforeAll(async () => {
    azure.mock.setFixture(nonCompliantFixture());
    inv = await inventoryOf();
  });

  it('shows an administrator without MFA, and one whose role comes through a group', () => {
    expect(inv.gaps).toEqual([]);
    expect(byName(inv, 'ops-admin@contoso.example')).toMatchObject({ privileged: true, mfaEnabled: false, privilegeSource: 'Entra roles: Global Administrator' });
    expect(byName(inv, 'group-admin@contoso.example')).toMatchObject({ privileged: true, mfaEnabled: false });
    expect(byName(inv, 'group-admin@contoso.example')?.privilegeSource).toMatch(/isAdmin/);
    expect(byName(inv, 'intern@contoso.example')).toMatchObject({ privileged: false, mfaEnabled: false, interactive: true });
    expect(inv.rootMfaEnabled).toBe(false);
  });

  it('lists a privileged service principal with its client secret as an access key', () => {
    const sp = inv.identities.find((i) => i.kind === 'service-principal');
    expect(sp).toMatchObject({ name: 'legacy-automation', privileged: true, interactive: false, mfaEnabled: false });
    expect(sp?.accessKeys).toEqual([{ id: expect.stringMatching(/^.{4}….{4}$/), active: true, createdAt: '2024-03-01T00:00:00Z' }]);
  });

  it('shows resources outside the allowed locations', () => {
    const outside = inv.resources.filter((r) => r.region === 'eastus').map((r) => r.kind).sort();
    expect(outside).toEqual(['compute-instance', 'snapshot', 'volume']);
  });

  it('shows public blob access, a disk exportable from any network, a snapshot with a live SAS URL and an unencrypted account', () => {
    expect(resource(inv, '/publicassets')).toMatchObject({ public: true, publicReason: expect.stringMatching(/allowBlobPublicAccess/) });
    // AllowAll / Enabled without a live export: nobody can read it yet (hardening finding, not public)
    expect(resource(inv, '/vm-legacy_OsDisk_1')).toMatchObject({ public: false, exportFromAnyNetwork: true, encrypted: true, customerManagedKey: false });
    expect(resource(inv, '/vm-legacy-export')).toMatchObject({ kind: 'snapshot', public: true, exportFromAnyNetwork: true, publicReason: expect.stringMatching(/active SAS/) });
    expect(resource(inv, '/legacynoenc')).toMatchObject({ encrypted: false, public: false });
  });

  it('has no region guardrail and no public access block', () => {
    expect(inv.guardrails.regionRestriction).toBeNull();
    expect(inv.guardrails.accountPublicAccessBlock).toBe(false);
  });

  it('shows the activity log delivered inside the subscription, without administrative events', () => {
    expect(inv.auditTrails).toHaveLength(1);
    expect(inv.auditTrails[0]).toMatchObject({
      logging: false,
      multiRegion: true,
      destinationAccountId: SUBSCRIPTION_ID,
      destinationRegion: 'westeurope',
    });
  });
});

describe('guardrail variants', () => {
  it('finds both guardrails inside an initiative at a management group and intersects restrictions', async () => {
    azure.mock.setFixture(initiativeFixture());
    const inv = await inventoryOf();
    expect(inv.guardrails.regionRestriction?.allowedRegions).toEqual(['northeurope', 'westeurope']);
    expect(inv.guardrails.regionRestriction?.source).toBe('Azure Policy: lz-guardrails, Allowed locations');
    expect(inv.guardrails.accountPublicAccessBlock).toBe(true); // the initiative's default effect is Deny
    expect(azure.mock.count('arm.policySetDefinitions')).toBe(1);
  });

  it('ignores an assignment that is not enforced', async () => {
    const f = compliantFixture();
    f.policyAssignments = [policyAssignment(`/subscriptions/${SUBSCRIPTION_ID}`, 'audit-only', ALLOWED_LOCATIONS, { listOfAllowedLocations: ['westeurope'] }, { enforcementMode: 'DoNotEnforce' })];
    azure.mock.setFixture(f);
    const inv = await inventoryOf();
    expect(inv.guardrails.regionRestriction).toBeNull();
    expect(inv.guardrails.accountPublicAccessBlock).toBe(false);
  });

  it('reports no audit trail when the subscription has no diagnostic setting', async () => {
    const f = compliantFixture();
    f.diagnosticSettings = [];
    azure.mock.setFixture(f);
    const inv = await inventoryOf();
    expect(inv.auditTrails).toEqual([]);
    expect(inv.gaps).toEqual([]);
  });

  it('leaves the guardrail undecided (not "none") when an initiative cannot be read', async () => {
    const f = initiativeFixture();
    f.policyAssignments = f.policyAssignments.slice(0, 1);
    f.policySetDefinitions = [];
    azure.mock.setFixture(f);
    const inv = await inventoryOf();
    expect(inv.guardrails.regionRestriction).toBeUndefined();
    expect(inv.guardrails.accountPublicAccessBlock).toBeUndefined();
    expect(inv.gaps).toEqual([{ area: 'guardrails', reason: 'NotFound', message: 'ARM:policySetDefinitions.get: PolicySetDefinitionNotFound' }]);
  });
});
