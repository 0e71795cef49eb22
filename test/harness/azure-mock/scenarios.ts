// Test scenarios for the Azure collector: a compliant and a non-compliant tenant +
// subscription, area by area (identities/MFA, residency, encryption, exposure,
// guardrails, audit trails).

import {
  activityLogSetting,
  allowedLocationsAssignment,
  disk,
  emptyFixture,
  genericResource,
  guardrailInitiative,
  policyAssignment,
  ROLE,
  servicePrincipalRoleAssignment,
  snapshot,
  storageAccount,
  storagePublicAccessAssignment,
  user,
  userRoleAssignment,
  uuidFor,
  type AzureFixture,
} from './fixture.js';

export const TENANT_ID = uuidFor('test-tenant');
export const SUBSCRIPTION_ID = uuidFor('test-subscription');
export const VAULT_SUBSCRIPTION_ID = uuidFor('test-log-vault-subscription');
export const CLIENT_ID = uuidFor('test-client');
export const CLIENT_SECRET = 'test-client-secret-value-0123456789';
/** An app that signs in with a federated assertion only (workload identity). */
export const FEDERATED_CLIENT_ID = uuidFor('test-federated-client');

export const VAULT_STORAGE_ID = `/subscriptions/${VAULT_SUBSCRIPTION_ID}/resourceGroups/rg-log-vault/providers/Microsoft.Storage/storageAccounts/auditvault`;

function base(): AzureFixture {
  return emptyFixture(TENANT_ID, SUBSCRIPTION_ID, [
    { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    { clientId: FEDERATED_CLIENT_ID, federated: true },
  ]);
}

/** Everything in order: MFA for all, EU regions, customer-managed keys, private, guarded, logged off-platform. */
export function compliantFixture(): AzureFixture {
  const f = base();
  const sub = SUBSCRIPTION_ID;
  const admin = user('admin@contoso.example', { admin: true });
  const breakGlass = user('breakglass@contoso.example', { admin: true });
  const reader = user('reader@contoso.example', { admin: true });
  const helpdesk = user('helpdesk@contoso.example', { admin: true });
  f.users = [admin, breakGlass, reader, helpdesk, user('dev@contoso.example'), user('sales@contoso.example')];
  f.roleAssignments = [
    userRoleAssignment(admin, ROLE.globalAdministrator),
    userRoleAssignment(breakGlass, ROLE.globalAdministrator),
    userRoleAssignment(reader, ROLE.globalReader),
    userRoleAssignment(helpdesk, ROLE.userAdministrator, `/administrativeUnits/${uuidFor('au-helpdesk')}`),
  ];
  const rg = 'rg-app';
  const data = disk(sub, rg, 'vm-app_OsDisk_1', { location: 'westeurope', networkAccessPolicy: 'DenyAll', publicNetworkAccess: 'Disabled' });
  f.storageAccounts = [
    storageAccount(sub, rg, 'appdataweu', { location: 'westeurope', customerManagedKey: true, publicNetworkAccess: 'Disabled' }),
    // GRS within the allowed pair (westeurope <-> northeurope)
    storageAccount(sub, rg, 'appbackupneu', { location: 'northeurope', customerManagedKey: true, secondaryLocation: 'westeurope' }),
  ];
  f.disks = [data];
  f.snapshots = [
    snapshot(sub, rg, 'vm-app-nightly', {
      location: 'northeurope',
      networkAccessPolicy: 'AllowPrivate',
      publicNetworkAccess: 'Disabled',
      sourceResourceId: String(data.id),
    }),
  ];
  f.otherResources = [
    genericResource(sub, rg, 'Microsoft.Compute/virtualMachines', 'vm-app', 'westeurope'),
    genericResource(sub, rg, 'Microsoft.DocumentDB/databaseAccounts', 'cosmos-app', 'westeurope'),
    genericResource(sub, rg, 'Microsoft.Network/virtualNetworks', 'vnet-app', 'eastus'), // not data: not in the inventory
  ];
  f.policyAssignments = [allowedLocationsAssignment(sub, ['westeurope', 'northeurope']), storagePublicAccessAssignment(sub, 'Deny')];
  f.diagnosticSettings = [activityLogSetting(sub, 'to-vault', { storageAccountId: VAULT_STORAGE_ID })];
  return f;
}

/** One problem per area. */
export function nonCompliantFixture(): AzureFixture {
  const f = base();
  const sub = SUBSCRIPTION_ID;
  const admin = user('admin@contoso.example', { admin: true });
  const noMfaAdmin = user('ops-admin@contoso.example', { admin: true, mfa: false });
  const groupAdmin = user('group-admin@contoso.example', { admin: true, mfa: false });
  f.users = [admin, noMfaAdmin, groupAdmin, user('intern@contoso.example', { mfa: false })];
  f.roleAssignments = [
    userRoleAssignment(admin, ROLE.globalAdministrator),
    userRoleAssignment(noMfaAdmin, ROLE.globalAdministrator),
    // groupAdmin holds a role through a group: only the report's isAdmin says so
    servicePrincipalRoleAssignment('legacy-automation', ROLE.privilegedRoleAdministrator, {
      startDateTime: '2024-03-01T00:00:00Z',
      endDateTime: '2099-03-01T00:00:00Z',
    }),
  ];
  const rg = 'rg-legacy';
  f.storageAccounts = [
    storageAccount(sub, rg, 'publicassets', { location: 'westeurope', allowBlobPublicAccess: true }),
    storageAccount(sub, rg, 'legacynoenc', { location: 'westeurope', blobEncryption: false, publicNetworkAccess: 'Disabled' }),
    storageAccount(sub, rg, 'logsinside', { location: 'westeurope', customerManagedKey: true, publicNetworkAccess: 'Disabled' }),
  ];
  const legacyDisk = disk(sub, rg, 'vm-legacy_OsDisk_1', {
    location: 'eastus',
    encryptionType: 'EncryptionAtRestWithPlatformKey',
    networkAccessPolicy: 'AllowAll',
    publicNetworkAccess: 'Enabled',
  });
  f.disks = [legacyDisk];
  f.snapshots = [
    snapshot(sub, rg, 'vm-legacy-export', {
      location: 'eastus',
      encryptionType: 'EncryptionAtRestWithPlatformKey',
      networkAccessPolicy: 'AllowAll',
      publicNetworkAccess: 'Enabled',
      diskState: 'ActiveSAS',
      sourceResourceId: String(legacyDisk.id),
    }),
  ];
  f.otherResources = [genericResource(sub, rg, 'Microsoft.Compute/virtualMachines', 'vm-legacy', 'eastus')];
  f.policyAssignments = [];
  f.diagnosticSettings = [
    activityLogSetting(sub, 'inside', {
      storageAccountId: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/logsinside`,
      categories: ['Security'],
    }),
  ];
  return f;
}

/** Guardrails inside an initiative assigned at a management group. */
export function initiativeFixture(): AzureFixture {
  const f = compliantFixture();
  const mg = 'mg-landing-zones';
  const set = guardrailInitiative(mg, 'lz-guardrails');
  f.policySetDefinitions = [set];
  f.policyAssignments = [
    policyAssignment(`/providers/Microsoft.Management/managementGroups/${mg}`, 'lz-guardrails', String(set.id), {
      allowedLocations: ['westeurope', 'northeurope', 'swedencentral'],
    }),
    // a second, narrower restriction at the subscription: both apply
    allowedLocationsAssignment(SUBSCRIPTION_ID, ['westeurope', 'northeurope']),
  ];
  return f;
}
