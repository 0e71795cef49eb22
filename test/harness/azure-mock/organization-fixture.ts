// A tenant's organisation for Shadow IT discovery: management groups, subscriptions in
// several states, and Entra service principals with their delegated grants and app role
// assignments (Graph v1.0 shapes), for the local Resource Manager / Graph server.

import { uuidFor, type AzureFixture, type Json, type OrganizationFixture } from './fixture.js';

/** Microsoft's own tenants (appOwnerOrganizationId of first-party apps). */
export const MICROSOFT_SERVICES_TENANT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
export const MICROSOFT_CORP_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
/** Microsoft Graph's application id (the resource of most delegated grants). */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export interface AppOptions {
  owner: string;
  type?: 'Application' | 'ManagedIdentity';
  accountEnabled?: boolean;
  /** Application permissions granted to the app (created at these times). */
  appRoleAssignedAt?: string[];
}

/** A service principal as `GET /servicePrincipals` returns it, with its app role assignments. */
export function enterpriseApp(displayName: string, o: AppOptions, appId = uuidFor(`saas-app:${displayName}`)): Json {
  const id = uuidFor(`saas-sp:${displayName}`);
  return {
    id,
    appId,
    displayName,
    appOwnerOrganizationId: o.owner,
    servicePrincipalType: o.type ?? 'Application',
    accountEnabled: o.accountEnabled ?? true,
    signInAudience: 'AzureADMultipleOrgs',
    appRoleAssignments: (o.appRoleAssignedAt ?? []).map((at, i) => ({
      id: uuidFor(`ara:${displayName}:${i}`),
      appRoleId: uuidFor(`role:${i}`),
      createdDateTime: at,
      deletedDateTime: null,
      principalDisplayName: displayName,
      principalId: id,
      principalType: 'ServicePrincipal',
      resourceDisplayName: 'Microsoft Graph',
      resourceId: uuidFor('saas-sp:Microsoft Graph'),
    })),
  };
}

/** A delegated grant: `principalId` set for one user's consent (Principal), null for admin consent (AllPrincipals). */
export function permissionGrant(client: Json, scope: string, principalId: string | null): Json {
  return {
    id: uuidFor(`grant:${String(client.id)}:${principalId ?? 'all'}:${scope}`),
    clientId: client.id,
    consentType: principalId ? 'Principal' : 'AllPrincipals',
    principalId,
    resourceId: uuidFor('saas-sp:Microsoft Graph'),
    scope: ` ${scope} `,
  };
}

export const ORG = {
  platform: 'mg-platform',
  workloads: 'mg-workloads',
  sandbox: uuidFor('org-sub:sandbox'),
  connectivity: uuidFor('org-sub:connectivity'),
  legacy: uuidFor('org-sub:legacy'),
  mailApp: 'Acme Mail Assistant',
  syncApp: 'Globex Directory Sync',
  backupApp: 'Initech Backup',
} as const;

/**
 * The fixture's tenant as an organisation: the root group with two child groups, four
 * subscriptions (the fixture's own, one Disabled), three third-party apps (one consented
 * by 3 users with User.Read Mail.Read, one admin-consented with Directory.Read.All, one
 * with only an application permission), two Microsoft first-party apps (one with a user
 * grant), the tenant's own app and a managed identity.
 */
export function withOrganization(f: AzureFixture): AzureFixture {
  const users = ['dev@contoso.example', 'sales@contoso.example', 'admin@contoso.example'].map((u) => uuidFor(`user:${u}`));
  const mail = enterpriseApp(ORG.mailApp, { owner: uuidFor('tenant:acme') });
  const sync = enterpriseApp(ORG.syncApp, { owner: uuidFor('tenant:globex') });
  const backup = enterpriseApp(ORG.backupApp, { owner: uuidFor('tenant:initech'), appRoleAssignedAt: ['2026-09-14T10:00:00Z'] });
  const graph = enterpriseApp('Microsoft Graph', { owner: MICROSOFT_SERVICES_TENANT }, MICROSOFT_GRAPH_APP_ID);
  const cli = enterpriseApp('Microsoft Azure CLI', { owner: MICROSOFT_CORP_TENANT }, '04b07795-8ddb-461a-bbee-02f9e1bf7b46');
  const organization: OrganizationFixture = {
    rootGroupId: f.tenantId,
    rootDisplayName: 'Tenant Root Group',
    managementGroups: [
      { name: ORG.platform, displayName: 'Platform', parent: f.tenantId },
      { name: ORG.workloads, displayName: 'Workloads', parent: f.tenantId },
    ],
    subscriptions: [
      { subscriptionId: f.subscriptionId, displayName: 'app-prod', state: 'Enabled', parent: ORG.workloads },
      { subscriptionId: ORG.sandbox, displayName: 'sandbox', state: 'Enabled', parent: ORG.workloads },
      { subscriptionId: ORG.connectivity, displayName: 'connectivity', state: 'PastDue', parent: ORG.platform },
      { subscriptionId: ORG.legacy, displayName: 'legacy', state: 'Disabled', parent: f.tenantId },
    ],
    servicePrincipals: [
      graph,
      mail,
      cli,
      sync,
      backup,
      enterpriseApp('Contoso Expenses', { owner: f.tenantId }),
      enterpriseApp('id-app-prod', { owner: MICROSOFT_SERVICES_TENANT, type: 'ManagedIdentity' }),
    ],
    oauth2PermissionGrants: [
      ...users.map((u) => permissionGrant(mail, 'User.Read Mail.Read', u)),
      permissionGrant(sync, 'Directory.Read.All', null),
      permissionGrant(cli, 'user_impersonation', users[0]!),
    ],
  };
  return { ...f, organization };
}

/** A generated organisation: `subscriptions` subscriptions under 10 groups and `apps` third-party apps, each consented by one user. */
export function generatedOrganization(f: AzureFixture, subscriptions: number, apps: number): AzureFixture {
  const groups = Array.from({ length: 10 }, (_, i) => ({ name: `mg-gen-${i}`, displayName: `Generated ${i}`, parent: i < 2 ? f.tenantId : `mg-gen-${i % 2}` }));
  const sps = Array.from({ length: apps }, (_, i) => enterpriseApp(`Generated app ${i}`, { owner: uuidFor(`tenant:gen-${i}`) }));
  return {
    ...f,
    organization: {
      rootGroupId: f.tenantId,
      rootDisplayName: 'Tenant Root Group',
      managementGroups: groups,
      subscriptions: Array.from({ length: subscriptions }, (_, i) => ({
        subscriptionId: uuidFor(`gen-sub:${i}`),
        displayName: `sub-${i}`,
        state: i % 10 === 0 ? 'Disabled' : 'Enabled',
        parent: groups[i % groups.length]!.name,
      })),
      servicePrincipals: [enterpriseApp('Microsoft Graph', { owner: MICROSOFT_SERVICES_TENANT }, MICROSOFT_GRAPH_APP_ID), ...sps],
      oauth2PermissionGrants: sps.map((sp, i) => permissionGrant(sp, 'User.Read', uuidFor(`gen-user:${i}`))),
    },
  };
}
