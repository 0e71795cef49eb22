// The Azure side of `npm run demo`: the local Entra ID / Resource Manager / Graph
// server with two tenants, one with real findings matching crds/samples/azure-sample.yaml
// (demoFixture) and one where every control holds, matching
// crds/samples/azure-payroll.yaml (compliantFixture), and the environment the operator
// process needs.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import { startAzurite } from '../azurite.js';

import {
  activityEvents,
  activityLogSetting,
  allowedLocationsAssignment,
  AZURE_ROLE,
  azureRoleAssignment,
  disk,
  emptyFixture,
  genericResource,
  ROLE,
  servicePrincipalRoleAssignment,
  signIn,
  snapshot,
  storageAccount,
  storagePublicAccessAssignment,
  user,
  userRoleAssignment,
  uuidFor,
  type AzureFixture,
} from './fixture.js';
import { lockboxAnswerEvents, lockboxRequest, lockboxRequestId } from './lockbox-fixture.js';
import { enterpriseApp, MICROSOFT_GRAPH_APP_ID, MICROSOFT_SERVICES_TENANT, permissionGrant } from './organization-fixture.js';
import { startAzureMock } from './server.js';

/** From crds/samples/azure-sample.yaml. */
export const DEMO_TENANT_ID = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
export const DEMO_SUBSCRIPTION_ID = '0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e';
export const DEMO_CLIENT_ID = '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
/** spec.changeManagement.deployerPrincipals of the sample: the pipeline's service principal. */
export const DEMO_DEPLOYER_APP_ID = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';
/** spec.logVault of the sample. */
export const DEMO_LOG_VAULT_SUBSCRIPTION_ID = '3d2c1b0a-9f8e-4d7c-a6b5-4c3d2e1f0a9b';
/** The vault's storage account (spec.logVault.bucket of the sample), served by Azurite. */
export const DEMO_LOG_VAULT_ACCOUNT = 'acmeauditvault';
/** From crds/samples/azure-payroll.yaml: a tenant of its own (identities are tenant-wide). */
export const PAYROLL_TENANT_ID = '7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
export const PAYROLL_SUBSCRIPTION_ID = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
export const PAYROLL_CLIENT_ID = '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a';
/** spec.changeManagement.deployerPrincipals of the payroll sample. */
export const PAYROLL_DEPLOYER_APP_ID = '4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8';
/** Who approves Customer Lockbox requests in the sample's tenant (Head of IT, Global Administrator). */
export const DEMO_LOCKBOX_APPROVER = 'jane.doe@example.com';
/** The sample tenant's one Lockbox request, approved by DEMO_LOCKBOX_APPROVER. */
export const DEMO_LOCKBOX_REQUEST_ID = lockboxRequestId('demo:print-vm');
/**
 * The sample tenant as an organisation (Shadow IT): what the demo's Azure CloudOrganization
 * finds that nobody declared, and the log vault's subscription it accepts in spec.ignore.
 */
export const DEMO_TENANT_ORGANIZATION = {
  /** A subscription a team opened in the Sandboxes management group, with no CloudAccount. */
  undeclaredSubscription: { id: uuidFor('demo:subscription:bi-sandbox'), name: 'bi-sandbox', pathNames: 'Tenant Root Group/Sandboxes', groupId: 'mg-sandboxes' },
  /** The log vault subscription (spec.logVault of the Azure samples): declared in the security team's register, ignored with a reason. */
  vaultSubscription: { id: DEMO_LOG_VAULT_SUBSCRIPTION_ID, name: 'audit-log-vault' },
  /** A third-party meeting-notes app three users consented to for themselves (delegated scopes, no admin consent). */
  saasApp: {
    appId: uuidFor('saas-app:Fabrikam Meeting Notes'),
    name: 'Fabrikam Meeting Notes',
    publisherTenantId: uuidFor('tenant:fabrikam'),
    scopes: ['Calendars.Read', 'OnlineMeetings.Read', 'User.Read'],
    users: ['anna.schmidt@example.com', 'li.wei@example.com', 'tom.baker@example.com'],
  },
} as const;
/** A dummy value the local token endpoint accepts; not a real secret anywhere. */
const DEMO_CLIENT_SECRET = 'demo-only-client-secret';

/**
 * The sample's tenant and subscription. Findings a reviewer should see:
 * - MFAEnforced: it-ops@ holds User Administrator without MFA; two other users have
 *   no MFA (the sample is confidential: MFA scope "all"); a CI service principal holds
 *   Application Administrator with a client secret older than 90 days.
 * - DataResidency: a VM and its disk in eastus; a GRS storage account in uksouth whose
 *   geo-replica lives in ukwest; the Allowed locations policy also permits eastus.
 * - EncryptionAtRest: the eastus disk and its snapshot use platform-managed keys
 *   (confidential requires customer-managed keys).
 * - NoPublicExposure: a storage account allows anonymous blob access; the snapshot
 *   has a live SAS export URL usable from any network; no policy denies public blob access.
 * - AuditLogging: the activity log goes to the declared vault (acmeauditvault in the
 *   vault subscription): off-platform, as required.
 * - ChangesTracked: in the last hours the pipeline changed an NSG rule (tracked),
 *   it-ops@ opened RDP from the internet by hand (out of band), and breakglass1@ signed
 *   in and made a role assignment (break-glass use).
 * - ProviderAccessControlled: Customer Lockbox is opted in; one request (3 days ago, a
 *   Microsoft engineer asking for the print VM) was approved by DEMO_LOCKBOX_APPROVER
 *   (jane.doe@, Head of IT and Global Administrator) 40 minutes after it was made.
 * - The tenant as an organisation (demoOrganization): one subscription and one
 *   third-party SaaS app nobody declared (DEMO_TENANT_ORGANIZATION).
 */
export function demoFixture(): AzureFixture {
  const sub = DEMO_SUBSCRIPTION_ID;
  const f = emptyFixture(DEMO_TENANT_ID, sub, [{ clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET, federated: true }]);

  const jane = user('jane.doe@example.com', { admin: true, displayName: 'Jane Doe' });
  const bg1 = user('breakglass1@example.onmicrosoft.com', { admin: true, displayName: 'Break glass 1' });
  const bg2 = user('breakglass2@example.onmicrosoft.com', { admin: true, displayName: 'Break glass 2' });
  const itOps = user('it-ops@example.com', { admin: true, mfa: false, displayName: 'IT operations' });
  const auditor = user('auditor@example.com', { admin: true, displayName: 'External auditor' });
  f.users = [
    jane,
    bg1,
    bg2,
    itOps,
    auditor,
    user('anna.schmidt@example.com'),
    user('li.wei@example.com'),
    user('tom.baker@example.com', { mfa: false }),
    user('reception@example.com', { mfa: false }),
    user('partner_contoso.com#EXT#@example.onmicrosoft.com', { guest: true }),
  ];
  f.roleAssignments = [
    userRoleAssignment(jane, ROLE.globalAdministrator),
    userRoleAssignment(bg1, ROLE.globalAdministrator),
    userRoleAssignment(bg2, ROLE.globalAdministrator),
    userRoleAssignment(itOps, ROLE.userAdministrator),
    userRoleAssignment(auditor, ROLE.globalReader),
    servicePrincipalRoleAssignment('ci-directory-sync', ROLE.applicationAdministrator, {
      startDateTime: '2026-01-05T09:00:00Z',
      endDateTime: '2027-01-05T09:00:00Z',
    }),
  ];

  const rg = 'rg-workplace';
  const migration = 'rg-migration';
  f.storageAccounts = [
    storageAccount(sub, rg, 'm365exportweu', { location: 'westeurope', customerManagedKey: true, publicNetworkAccess: 'Disabled' }),
    storageAccount(sub, rg, 'teamsarchiveuks', { location: 'uksouth', customerManagedKey: true, secondaryLocation: 'ukwest', publicNetworkAccess: 'Disabled' }),
    storageAccount(sub, rg, 'intranetassets', { location: 'northeurope', customerManagedKey: true, allowBlobPublicAccess: true }),
  ];
  const migrationDisk = disk(sub, migration, 'vm-migration-eus_OsDisk_1', {
    location: 'eastus',
    encryptionType: 'EncryptionAtRestWithPlatformKey',
    networkAccessPolicy: 'DenyAll',
    publicNetworkAccess: 'Disabled',
  });
  f.disks = [
    disk(sub, rg, 'vm-print-weu_OsDisk_1', { location: 'westeurope', networkAccessPolicy: 'DenyAll', publicNetworkAccess: 'Disabled' }),
    migrationDisk,
  ];
  f.snapshots = [
    snapshot(sub, migration, 'vm-migration-eus-before-cutover', {
      location: 'eastus',
      encryptionType: 'EncryptionAtRestWithPlatformKey',
      networkAccessPolicy: 'AllowAll',
      publicNetworkAccess: 'Enabled',
      diskState: 'ActiveSAS',
      sourceResourceId: String(migrationDisk.id),
    }),
  ];
  f.otherResources = [
    genericResource(sub, rg, 'Microsoft.Compute/virtualMachines', 'vm-print-weu', 'westeurope'),
    genericResource(sub, migration, 'Microsoft.Compute/virtualMachines', 'vm-migration-eus', 'eastus'),
    genericResource(sub, rg, 'Microsoft.Network/virtualNetworks', 'vnet-workplace', 'westeurope'),
  ];
  f.policyAssignments = [allowedLocationsAssignment(sub, ['westeurope', 'northeurope', 'uksouth', 'eastus'])];
  f.diagnosticSettings = [
    activityLogSetting(sub, 'activity-log-to-vault', {
      storageAccountId: `/subscriptions/${DEMO_LOG_VAULT_SUBSCRIPTION_ID}/resourceGroups/rg-log-vault/providers/Microsoft.Storage/storageAccounts/acmeauditvault`,
    }),
  ];
  const nsg = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/networkSecurityGroups/nsg-workplace`;
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  f.activityLog = [
    ...activityEvents(sub, { operation: 'Microsoft.Network/networkSecurityGroups/securityRules/write', resourceId: `${nsg}/securityRules/allow-https-branch`, caller: DEMO_DEPLOYER_APP_ID, at: ago(320) }),
    ...activityEvents(sub, { operation: 'Microsoft.Network/networkSecurityGroups/securityRules/write', resourceId: `${nsg}/securityRules/allow-rdp-any`, caller: 'it-ops@example.com', at: ago(140) }),
    ...activityEvents(sub, { operation: 'Microsoft.Compute/virtualMachines/restart/action', resourceId: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/vm-print-weu`, caller: 'jane.doe@example.com', at: ago(75) }),
    ...activityEvents(sub, { operation: 'Microsoft.Authorization/roleAssignments/write', resourceId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleAssignments/${uuidFor('demo-bg-assignment')}`, caller: 'breakglass1@example.onmicrosoft.com', at: ago(35) }),
  ];
  f.signIns = [signIn('breakglass1@example.onmicrosoft.com', ago(38)), signIn('jane.doe@example.com', ago(90))];
  const asked = ago(3 * 24 * 60);
  f.lockbox = {
    optedIn: true,
    requests: [lockboxRequest(sub, { requestId: DEMO_LOCKBOX_REQUEST_ID, status: 'Approved', createdAt: asked, resourceIds: [`/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/vm-print-weu`] })],
  };
  f.activityLog.push(...lockboxAnswerEvents(sub, DEMO_LOCKBOX_REQUEST_ID, { userPrincipalName: DEMO_LOCKBOX_APPROVER, id: String(jane.id) }, new Date(asked.getTime() + 40 * 60_000)));
  f.organization = demoOrganization(f);
  return f;
}

/**
 * The sample tenant's management groups, subscriptions and enterprise apps, as Shadow IT
 * discovery reads them:
 * - Tenant Root Group / Workplace: the sample's subscription (declared by CloudAccount
 *   m365-collab); Platform: the log vault's (accepted in the demo organisation's
 *   spec.ignore); Sandboxes: bi-sandbox, which nobody declared;
 * - service principals: Microsoft Graph and Microsoft Teams (first party, Teams with a
 *   user's consent: not shadow IT), the tenant's own Terraform pipeline app, and
 *   Fabrikam Meeting Notes, registered in another tenant and consented to by three users
 *   for themselves (Calendars.Read, OnlineMeetings.Read, User.Read).
 */
function demoOrganization(f: AzureFixture): NonNullable<AzureFixture['organization']> {
  const o = DEMO_TENANT_ORGANIZATION;
  const userId = (upn: string) => String(f.users.find((u) => u.userPrincipalName === upn)?.id ?? uuidFor(`user:${upn}`));
  const notes = enterpriseApp(o.saasApp.name, { owner: o.saasApp.publisherTenantId }, o.saasApp.appId);
  const teams = enterpriseApp('Microsoft Teams', { owner: MICROSOFT_SERVICES_TENANT }, '1fec8e78-bce4-4aaf-ab1b-5451cc387264');
  return {
    rootGroupId: f.tenantId,
    rootDisplayName: 'Tenant Root Group',
    managementGroups: [
      { name: 'mg-platform', displayName: 'Platform', parent: f.tenantId },
      { name: 'mg-workplace', displayName: 'Workplace', parent: f.tenantId },
      { name: o.undeclaredSubscription.groupId, displayName: 'Sandboxes', parent: f.tenantId },
    ],
    subscriptions: [
      { subscriptionId: f.subscriptionId, displayName: 'workplace-prod', state: 'Enabled', parent: 'mg-workplace' },
      { subscriptionId: o.vaultSubscription.id, displayName: o.vaultSubscription.name, state: 'Enabled', parent: 'mg-platform' },
      { subscriptionId: o.undeclaredSubscription.id, displayName: o.undeclaredSubscription.name, state: 'Enabled', parent: o.undeclaredSubscription.groupId },
    ],
    servicePrincipals: [
      enterpriseApp('Microsoft Graph', { owner: MICROSOFT_SERVICES_TENANT }, MICROSOFT_GRAPH_APP_ID),
      teams,
      enterpriseApp('sp-terraform-workplace', { owner: f.tenantId }, DEMO_DEPLOYER_APP_ID),
      notes,
    ],
    oauth2PermissionGrants: [
      ...o.saasApp.users.map((upn) => permissionGrant(notes, o.saasApp.scopes.join(' '), userId(upn))),
      permissionGrant(teams, 'User.Read', userId('jane.doe@example.com')),
    ],
  };
}

/**
 * The payroll sample's tenant and subscription, where every control holds:
 * - MFAEnforced: every user has MFA (confidential: scope "all"), the global
 *   administrators included (root MFA); the subscription Owner (Azure RBAC) has MFA;
 *   no service principal holds a secret; everyone signed in within the last days.
 * - DataResidency: everything in westeurope / northeurope; Allowed locations permits
 *   exactly those; locally redundant storage (no geo-replica elsewhere).
 * - EncryptionAtRest: customer-managed keys on the storage accounts and the disk.
 * - NoPublicExposure: no anonymous blob access, public network access disabled, the
 *   disk exportable from no network (DenyAll), a Deny policy on public blob access.
 * - AuditLogging: the activity log goes to the organisation's vault (acmeauditvault,
 *   vault subscription), which Azurite holds with this hour's delivery.
 * - ChangesTracked: the only network change came from the pipeline; no break-glass use.
 * - ProviderAccessControlled: Customer Lockbox opted in, no request in the last 90 days.
 */
export function compliantFixture(): AzureFixture {
  const sub = PAYROLL_SUBSCRIPTION_ID;
  const f = emptyFixture(PAYROLL_TENANT_ID, sub, [{ clientId: PAYROLL_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET, federated: true }]);
  const lead = user('olivia.martin@payroll.example.com', { admin: true, displayName: 'Olivia Martin' });
  const bg1 = user('breakglass1@payroll.onmicrosoft.com', { admin: true, displayName: 'Break glass 1' });
  const bg2 = user('breakglass2@payroll.onmicrosoft.com', { admin: true, displayName: 'Break glass 2' });
  f.users = [lead, bg1, bg2, user('lucas.bernard@payroll.example.com'), user('emma.dubois@payroll.example.com')];
  f.roleAssignments = [
    userRoleAssignment(lead, ROLE.globalAdministrator),
    userRoleAssignment(bg1, ROLE.globalAdministrator),
    userRoleAssignment(bg2, ROLE.globalAdministrator),
  ];
  f.rbacAssignments = [azureRoleAssignment(`/subscriptions/${sub}`, String(lead.id), AZURE_ROLE.owner)];
  const rg = 'rg-payroll';
  f.storageAccounts = [
    storageAccount(sub, rg, 'payrolldataweu', { location: 'westeurope', customerManagedKey: true, publicNetworkAccess: 'Disabled' }),
    storageAccount(sub, rg, 'payrollbackupneu', { location: 'northeurope', customerManagedKey: true, publicNetworkAccess: 'Disabled' }),
  ];
  f.disks = [disk(sub, rg, 'vm-payroll-weu_OsDisk_1', { location: 'westeurope', networkAccessPolicy: 'DenyAll', publicNetworkAccess: 'Disabled' })];
  f.otherResources = [
    genericResource(sub, rg, 'Microsoft.Compute/virtualMachines', 'vm-payroll-weu', 'westeurope'),
    genericResource(sub, rg, 'Microsoft.Network/virtualNetworks', 'vnet-payroll', 'westeurope'),
  ];
  f.policyAssignments = [allowedLocationsAssignment(sub, ['westeurope', 'northeurope']), storagePublicAccessAssignment(sub, 'Deny')];
  f.diagnosticSettings = [
    activityLogSetting(sub, 'activity-log-to-vault', {
      storageAccountId: `/subscriptions/${DEMO_LOG_VAULT_SUBSCRIPTION_ID}/resourceGroups/rg-log-vault/providers/Microsoft.Storage/storageAccounts/${DEMO_LOG_VAULT_ACCOUNT}`,
    }),
  ];
  const nsg = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/networkSecurityGroups/nsg-payroll`;
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  f.activityLog = activityEvents(sub, {
    operation: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
    resourceId: `${nsg}/securityRules/allow-https-payroll-api`,
    caller: PAYROLL_DEPLOYER_APP_ID,
    at: ago(180),
  });
  f.signIns = [signIn('olivia.martin@payroll.example.com', ago(60))];
  f.lockbox = { optedIn: true, requests: [] };
  return f;
}

/**
 * Starts the local Azure for the demo. `env` goes into the operator process:
 * endpoints, the authority host, dummy client credentials for the sample's app and
 * NODE_EXTRA_CA_CERTS so that process trusts the server's test CA from its start.
 */
export async function startAzureDemo(runDir: string): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const mock = await startAzureMock({ dir: path.join(runDir, 'azure-mock'), fixture: demoFixture(), tenants: [compliantFixture()] });
  // The log vault's storage account in Azurite, with this hour's activity log: AuditLogging sees a fresh delivery.
  const azurite = await startAzurite({ dir: path.join(runDir, 'azurite'), accounts: [DEMO_LOG_VAULT_ACCOUNT] }).catch(async (err: unknown) => {
    await mock.stop();
    throw err;
  });
  await azurite.putActivityLog(DEMO_LOG_VAULT_ACCOUNT, DEMO_SUBSCRIPTION_ID, new Date());
  await azurite.putActivityLog(DEMO_LOG_VAULT_ACCOUNT, PAYROLL_SUBSCRIPTION_ID, new Date());
  const caBundle = path.join(runDir, 'azure-ca-bundle.pem');
  await writeFile(caBundle, `${mock.caPem.trim()}\n${azurite.caPem.trim()}\n`);
  return {
    env: {
      CLOUDPOSTURE_AZURE_STORAGE_BLOB_ENDPOINT: azurite.endpointTemplate,
      CLOUDPOSTURE_AZURE_RESOURCE_MANAGER_ENDPOINT: mock.armUrl,
      CLOUDPOSTURE_AZURE_GRAPH_ENDPOINT: mock.graphUrl,
      AZURE_AUTHORITY_HOST: mock.loginUrl,
      AZURE_TENANT_ID: DEMO_TENANT_ID,
      AZURE_CLIENT_ID: DEMO_CLIENT_ID,
      AZURE_CLIENT_SECRET: DEMO_CLIENT_SECRET,
      NODE_EXTRA_CA_CERTS: caBundle,
    },
    stop: async () => {
      await azurite.stop();
      await mock.stop();
    },
  };
}
