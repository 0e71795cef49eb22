// Fixtures for the local Resource Manager / Microsoft Graph / Entra token server: one
// tenant and one subscription, written in the documented REST response shapes (ARM
// objects carry their facts under `properties`, Graph objects are flat) so the real
// SDK deserialisers do the work they do against Azure.

import { createHash } from 'node:crypto';

export type Json = Record<string, unknown>;

export interface MockApp {
  clientId: string;
  /** Accepted client secret; an app without one signs in only with a client assertion. */
  clientSecret?: string;
  /** Accepts a client assertion (workload identity federation). */
  federated?: boolean;
}

export interface AzureFixture {
  tenantId: string;
  subscriptionId: string;
  /** App registrations allowed to request tokens. */
  apps: MockApp[];
  /** Microsoft Entra ID P1/P2: without it the registration details report answers 403. */
  premium: boolean;
  /** GET /v1.0/reports/authenticationMethods/userRegistrationDetails items. */
  users: Json[];
  /** GET /v1.0/roleManagement/directory/roleDefinitions items. */
  roleDefinitions: Json[];
  /** GET /v1.0/roleManagement/directory/roleAssignments items; `principal` is served only with $expand=principal. */
  roleAssignments: Json[];
  storageAccounts: Json[];
  disks: Json[];
  snapshots: Json[];
  /** Resources only resources.list shows (VMs, databases, workspaces...). */
  otherResources: Json[];
  /** Assignments that apply at the subscription (its own and inherited). */
  policyAssignments: Json[];
  /** Custom / built-in initiatives, by full id. */
  policySetDefinitions: Json[];
  /** Subscription activity-log diagnostic settings. */
  diagnosticSettings: Json[];
  /** Activity Log events (EventData), served by eventtypes/management/values. */
  activityLog: Json[];
  /** GET /v1.0/auditLogs/signIns items (Entra ID P1/P2 only). */
  signIns: Json[];
  /** Per user id: createdDateTime / signInActivity served by GET /v1.0/users (default: active 2 days ago). */
  userActivity?: Record<string, Json>;
  /** Azure RBAC role assignments that apply to the subscription (at, above and below it). */
  rbacAssignments: Json[];
  /** Azure RBAC role definitions listed at the subscription (built-in and custom); others only by id. */
  rbacDefinitions: Json[];
  /** Role definitions readable by id only (custom roles assignable below the subscription). */
  rbacDefinitionsById: Json[];
  /** Entra groups: `{ id, displayName, members: [object ids, groups included] }`. */
  groups: Json[];
  /**
   * Directory objects beyond the registration rows, as Graph returns them (`@odata.type`,
   * id, ...): service principals and managed identities (`servicePrincipal()`), users the
   * report leaves out (disabled). Served by getByIds and typed in transitiveMembers.
   */
  directoryObjects: Json[];
  /** The tenant's management groups, subscriptions and consented apps (organization-fixture.ts); absent: none. */
  organization?: OrganizationFixture;
  /** Customer Lockbox (lockbox-fixture.ts, served by lockbox-routes.ts); absent: not opted in, no requests. */
  lockbox?: LockboxFixture;
}

/**
 * Customer Lockbox of the tenant and the subscription. Who answered a request is not
 * here: its UpdateApproval event goes into `activityLog` (lockboxAnswerEvents).
 */
export interface LockboxFixture {
  /** GET .../tenantOptedIn/{tenantId}: `{ isOptedIn }`. */
  optedIn: boolean;
  /** false: the resource provider is not registered, both routes answer 404 (default true). */
  registered?: boolean;
  /** false: the requests list refuses a `properties/createdDateTime` $filter with 400, as the reference documents only a status filter (default true). */
  timeFilter?: boolean;
  /** LockboxRequestResponse items (lockboxRequest()), served newest first. */
  requests: Json[];
  /** Requests per page (default 2, so that every list with more than two requests pages). */
  pageSize?: number;
}

/** What Shadow IT discovery reads of a tenant (served by discovery-routes.ts). */
export interface OrganizationFixture {
  /** The root management group (the tenant root group's id is the tenant id). */
  rootGroupId: string;
  rootDisplayName: string;
  /** Management groups below the root; `parent` is a group name (id). */
  managementGroups: Array<{ name: string; displayName: string; parent: string }>;
  /** Subscriptions; `visible: false`: the operator has no role on it (absent from GET /subscriptions). */
  subscriptions: Array<{ subscriptionId: string; displayName: string; state: string; parent: string; visible?: boolean }>;
  /** Graph servicePrincipal objects; `appRoleAssignments` is served only under $expand. */
  servicePrincipals: Json[];
  /** Graph oAuth2PermissionGrant objects. */
  oauth2PermissionGrants: Json[];
}

/** A stable UUID derived from a seed (fixtures are deterministic). */
export function uuidFor(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function emptyFixture(tenantId: string, subscriptionId: string, apps: MockApp[]): AzureFixture {
  return {
    tenantId,
    subscriptionId,
    apps,
    premium: true,
    users: [],
    roleDefinitions: builtInRoleDefinitions(),
    roleAssignments: [],
    storageAccounts: [],
    disks: [],
    snapshots: [],
    otherResources: [],
    policyAssignments: [],
    policySetDefinitions: [],
    diagnosticSettings: [],
    activityLog: [],
    signIns: [],
    rbacAssignments: [],
    rbacDefinitions: builtInAzureRoles(),
    rbacDefinitionsById: [],
    groups: [],
    directoryObjects: [],
  };
}

// ------------------------------------------------------------------ Azure RBAC

export const AZURE_ROLE = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  userAccessAdministrator: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  monitoringReader: '43d0d8ad-25c7-4714-9337-8ba259a9fe05',
} as const;

/** A role definition in the 2022-04-01 REST shape (`properties.type` is BuiltInRole / CustomRole). */
export function azureRoleDefinition(
  guid: string,
  roleName: string,
  permissions: Array<{ actions: string[]; notActions?: string[]; dataActions?: string[]; notDataActions?: string[] }>,
  o: { custom?: boolean; idPrefix?: string; assignableScopes?: string[] } = {},
): Json {
  return {
    properties: {
      roleName,
      type: o.custom ? 'CustomRole' : 'BuiltInRole',
      description: `${roleName}${o.custom ? ' (custom)' : ''}`,
      assignableScopes: o.assignableScopes ?? ['/'],
      permissions: permissions.map((p) => ({ actions: p.actions, notActions: p.notActions ?? [], dataActions: p.dataActions ?? [], notDataActions: p.notDataActions ?? [] })),
      createdOn: '2015-02-02T21:55:09.8806423Z',
      updatedOn: '2024-04-01T15:51:07.8231457Z',
      createdBy: null,
      updatedBy: null,
    },
    id: `${o.idPrefix ?? ''}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
    type: 'Microsoft.Authorization/roleDefinitions',
    name: guid,
  };
}

/** The built-in Azure roles the scenarios use, with their published permissions. */
export function builtInAzureRoles(): Json[] {
  return [
    azureRoleDefinition(AZURE_ROLE.owner, 'Owner', [{ actions: ['*'] }]),
    azureRoleDefinition(AZURE_ROLE.contributor, 'Contributor', [
      {
        actions: ['*'],
        notActions: [
          'Microsoft.Authorization/*/Delete',
          'Microsoft.Authorization/*/Write',
          'Microsoft.Authorization/elevateAccess/Action',
          'Microsoft.Blueprint/blueprintAssignments/write',
          'Microsoft.Blueprint/blueprintAssignments/delete',
          'Microsoft.Compute/galleries/share/action',
          'Microsoft.Purview/consents/write',
          'Microsoft.Purview/consents/delete',
        ],
      },
    ]),
    azureRoleDefinition(AZURE_ROLE.reader, 'Reader', [{ actions: ['*/read'] }]),
    azureRoleDefinition(AZURE_ROLE.userAccessAdministrator, 'User Access Administrator', [
      { actions: ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*'] },
    ]),
    azureRoleDefinition(AZURE_ROLE.monitoringReader, 'Monitoring Reader', [
      { actions: ['*/read', 'Microsoft.OperationalInsights/workspaces/search/action', 'Microsoft.Support/*'] },
    ]),
  ];
}

/** A role assignment (2022-04-01 shape): the definition id without a subscription prefix, as the examples show. */
export function azureRoleAssignment(scope: string, principalId: string, roleGuid: string, principalType: 'User' | 'Group' | 'ServicePrincipal' = 'User'): Json {
  const name = uuidFor(`rbac:${scope}:${principalId}:${roleGuid}`);
  return {
    properties: {
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
      principalId,
      principalType,
      scope,
      condition: null,
      conditionVersion: null,
      createdOn: '2026-01-12T09:00:00.0000000Z',
      updatedOn: '2026-01-12T09:00:00.0000000Z',
      createdBy: uuidFor('platform-admin'),
      updatedBy: uuidFor('platform-admin'),
      delegatedManagedIdentityResourceId: null,
      description: null,
    },
    id: `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    type: 'Microsoft.Authorization/roleAssignments',
    name,
  };
}

/** An Entra security group with direct members (users, service principals or groups, by object id). */
export function group(displayName: string, members: string[]): Json {
  return { id: uuidFor(`group:${displayName}`), displayName, members };
}

// ------------------------------------------------------------------ Microsoft Graph

export const ROLE = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  privilegedRoleAdministrator: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  applicationAdministrator: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  securityReader: '5d6b6bb7-de71-4623-b4af-96380a352509',
} as const;

function roleDefinition(id: string, displayName: string, actions: string[]): Json {
  return {
    id,
    description: `${displayName} (built-in)`,
    displayName,
    isBuiltIn: true,
    isEnabled: true,
    resourceScopes: ['/'],
    templateId: id,
    version: '1',
    rolePermissions: [{ allowedResourceActions: actions, condition: null }],
  };
}

/** A few built-in directory roles with representative permissions. */
export function builtInRoleDefinitions(): Json[] {
  return [
    roleDefinition(ROLE.globalAdministrator, 'Global Administrator', [
      'microsoft.directory/users/allProperties/allTasks',
      'microsoft.directory/roleAssignments/allProperties/allTasks',
      'microsoft.directory/applications/allProperties/allTasks',
    ]),
    roleDefinition(ROLE.privilegedRoleAdministrator, 'Privileged Role Administrator', [
      'microsoft.directory/roleAssignments/allProperties/allTasks',
      'microsoft.directory/roleDefinitions/allProperties/allTasks',
    ]),
    roleDefinition(ROLE.userAdministrator, 'User Administrator', [
      'microsoft.directory/users/create',
      'microsoft.directory/users/delete',
      'microsoft.directory/users/password/update',
      'microsoft.directory/users/standard/read',
    ]),
    roleDefinition(ROLE.applicationAdministrator, 'Application Administrator', [
      'microsoft.directory/applications/create',
      'microsoft.directory/applications/credentials/update',
      'microsoft.directory/servicePrincipals/standard/read',
    ]),
    roleDefinition(ROLE.globalReader, 'Global Reader', [
      'microsoft.directory/users/allProperties/read',
      'microsoft.directory/roleAssignments/allProperties/read',
      'microsoft.directory/signInReports/allProperties/read',
    ]),
    roleDefinition(ROLE.securityReader, 'Security Reader', [
      'microsoft.directory/auditLogs/allProperties/read',
      'microsoft.directory/signInReports/allProperties/read',
    ]),
  ];
}

export interface UserOptions {
  admin?: boolean;
  mfa?: boolean;
  guest?: boolean;
  displayName?: string;
  lastUpdated?: string;
}

/** A userRegistrationDetails row (v1.0 shape). */
export function user(userPrincipalName: string, opts: UserOptions = {}): Json {
  const mfa = opts.mfa ?? true;
  return {
    id: uuidFor(`user:${userPrincipalName}`),
    userPrincipalName,
    userDisplayName: opts.displayName ?? userPrincipalName.split('@')[0],
    userType: opts.guest ? 'guest' : 'member',
    isAdmin: opts.admin ?? false,
    isSsprRegistered: mfa,
    isSsprEnabled: true,
    isSsprCapable: mfa,
    isMfaRegistered: mfa,
    isMfaCapable: mfa,
    isPasswordlessCapable: false,
    methodsRegistered: mfa ? ['microsoftAuthenticatorPush', 'softwareOneTimePasscode'] : [],
    isSystemPreferredAuthenticationMethodEnabled: true,
    systemPreferredAuthenticationMethods: mfa ? ['push'] : [],
    userPreferredMethodForSecondaryAuthentication: mfa ? 'push' : 'none',
    lastUpdatedDateTime: opts.lastUpdated ?? new Date().toISOString(),
  };
}

/** A directory role assignment of a user (principal expanded when asked). */
export function userRoleAssignment(u: Json, roleTemplateId: string, directoryScopeId = '/'): Json {
  const principalId = u.id as string;
  return {
    id: uuidFor(`assignment:${principalId}:${roleTemplateId}:${directoryScopeId}`),
    principalId,
    roleDefinitionId: roleTemplateId,
    directoryScopeId,
    principal: {
      '@odata.type': '#microsoft.graph.user',
      id: principalId,
      displayName: u.userDisplayName,
      userPrincipalName: u.userPrincipalName,
      accountEnabled: true,
    },
  };
}

export interface ServicePrincipalOptions {
  /** One client secret (passwordCredential). */
  secret?: { startDateTime: string; endDateTime: string };
  /** Application (default) or ManagedIdentity (no secrets of its own). */
  type?: 'Application' | 'ManagedIdentity';
  accountEnabled?: boolean;
}

/** A service principal as Graph returns it (servicePrincipal resource, the properties read). */
export function servicePrincipal(name: string, o: ServicePrincipalOptions = {}): Json {
  return {
    '@odata.type': '#microsoft.graph.servicePrincipal',
    id: uuidFor(`sp:${name}`),
    displayName: name,
    appId: uuidFor(`app:${name}`),
    accountEnabled: o.accountEnabled ?? true,
    servicePrincipalType: o.type ?? 'Application',
    passwordCredentials: o.secret
      ? [{ keyId: uuidFor(`secret:${name}`), displayName: 'ci', hint: 'abc', startDateTime: o.secret.startDateTime, endDateTime: o.secret.endDateTime, secretText: null }]
      : [],
  };
}

/** A user object the registration report leaves out (a disabled account). */
export function disabledUser(userPrincipalName: string): Json {
  return {
    '@odata.type': '#microsoft.graph.user',
    id: uuidFor(`user:${userPrincipalName}`),
    displayName: userPrincipalName.split('@')[0],
    userPrincipalName,
    accountEnabled: false,
  };
}

/** A directory role assignment of a service principal with one client secret. */
export function servicePrincipalRoleAssignment(
  name: string,
  roleTemplateId: string,
  secret?: { startDateTime: string; endDateTime: string },
): Json {
  const principal = servicePrincipal(name, secret ? { secret } : {});
  const principalId = String(principal.id);
  return {
    id: uuidFor(`assignment:${principalId}:${roleTemplateId}`),
    principalId,
    roleDefinitionId: roleTemplateId,
    directoryScopeId: '/',
    principal,
  };
}

// ------------------------------------------------------------------ Resource Manager

export function resourceGroupId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

export interface StorageOptions {
  location: string;
  sku?: string;
  blobEncryption?: boolean;
  customerManagedKey?: boolean;
  allowBlobPublicAccess?: boolean;
  publicNetworkAccess?: 'Enabled' | 'Disabled';
  secondaryLocation?: string;
  tags?: Record<string, string>;
}

export function storageAccount(subscriptionId: string, resourceGroup: string, name: string, o: StorageOptions): Json {
  const sku = o.sku ?? (o.secondaryLocation ? 'Standard_GRS' : 'Standard_LRS');
  const created = '2026-01-15T10:00:00.0000000Z';
  const service = (enabled: boolean) => ({ keyType: 'Account', enabled, lastEnabledTime: created });
  return {
    id: `${resourceGroupId(subscriptionId, resourceGroup)}/providers/Microsoft.Storage/storageAccounts/${name}`,
    name,
    type: 'Microsoft.Storage/storageAccounts',
    location: o.location,
    tags: o.tags ?? {},
    sku: { name: sku, tier: 'Standard' },
    kind: 'StorageV2',
    properties: {
      provisioningState: 'Succeeded',
      creationTime: created,
      primaryLocation: o.location,
      statusOfPrimary: 'available',
      ...(o.secondaryLocation ? { secondaryLocation: o.secondaryLocation, statusOfSecondary: 'available' } : {}),
      primaryEndpoints: {
        blob: `https://${name}.blob.core.windows.net/`,
        queue: `https://${name}.queue.core.windows.net/`,
        table: `https://${name}.table.core.windows.net/`,
        file: `https://${name}.file.core.windows.net/`,
      },
      encryption: {
        services: { blob: service(o.blobEncryption ?? true), file: service(o.blobEncryption ?? true) },
        keySource: o.customerManagedKey ? 'Microsoft.Keyvault' : 'Microsoft.Storage',
        ...(o.customerManagedKey
          ? { keyvaultproperties: { keyname: `${name}-cmk`, keyvaulturi: `https://kv-${name}.vault.azure.net/`, keyversion: '' } }
          : {}),
        requireInfrastructureEncryption: false,
      },
      accessTier: 'Hot',
      supportsHttpsTrafficOnly: true,
      minimumTlsVersion: 'TLS1_2',
      allowBlobPublicAccess: o.allowBlobPublicAccess ?? false,
      allowSharedKeyAccess: false,
      publicNetworkAccess: o.publicNetworkAccess ?? 'Enabled',
      networkAcls: { bypass: 'AzureServices', virtualNetworkRules: [], ipRules: [], defaultAction: o.publicNetworkAccess === 'Disabled' ? 'Deny' : 'Allow' },
    },
  };
}

export interface DiskOptions {
  location: string;
  encryptionType?: 'EncryptionAtRestWithPlatformKey' | 'EncryptionAtRestWithCustomerKey' | 'EncryptionAtRestWithPlatformAndCustomerKeys';
  /** Omitted: left out of the response, as the service does for its default (AllowAll). */
  networkAccessPolicy?: 'AllowAll' | 'AllowPrivate' | 'DenyAll';
  /** Omitted: left out of the response (service default Enabled). */
  publicNetworkAccess?: 'Enabled' | 'Disabled';
  diskState?: string;
  sourceResourceId?: string;
  tags?: Record<string, string>;
}

function diskLike(subscriptionId: string, resourceGroup: string, name: string, type: 'disks' | 'snapshots', o: DiskOptions): Json {
  const encryptionType = o.encryptionType ?? 'EncryptionAtRestWithCustomerKey';
  return {
    id: `${resourceGroupId(subscriptionId, resourceGroup)}/providers/Microsoft.Compute/${type}/${name}`,
    name,
    type: `Microsoft.Compute/${type}`,
    location: o.location,
    tags: o.tags ?? {},
    sku: { name: type === 'disks' ? 'Premium_LRS' : 'Standard_ZRS', tier: type === 'disks' ? 'Premium' : 'Standard' },
    properties: {
      creationData: o.sourceResourceId ? { createOption: 'Copy', sourceResourceId: o.sourceResourceId } : { createOption: 'Empty' },
      diskSizeGB: 128,
      diskSizeBytes: 137438953472,
      uniqueId: uuidFor(`${type}:${name}`),
      encryption: {
        type: encryptionType,
        ...(encryptionType === 'EncryptionAtRestWithPlatformKey'
          ? {}
          : { diskEncryptionSetId: `${resourceGroupId(subscriptionId, resourceGroup)}/providers/Microsoft.Compute/diskEncryptionSets/des-cmk` }),
      },
      ...(o.networkAccessPolicy ? { networkAccessPolicy: o.networkAccessPolicy } : {}),
      ...(o.publicNetworkAccess ? { publicNetworkAccess: o.publicNetworkAccess } : {}),
      provisioningState: 'Succeeded',
      diskState: o.diskState ?? (type === 'disks' ? 'Attached' : 'Unattached'),
      timeCreated: '2026-02-01T08:00:00.0000000+00:00',
      ...(type === 'snapshots' ? { incremental: true } : {}),
    },
  };
}

export function disk(subscriptionId: string, resourceGroup: string, name: string, o: DiskOptions): Json {
  return diskLike(subscriptionId, resourceGroup, name, 'disks', o);
}

export function snapshot(subscriptionId: string, resourceGroup: string, name: string, o: DiskOptions): Json {
  return diskLike(subscriptionId, resourceGroup, name, 'snapshots', o);
}

/** A resource only resources.list reports (e.g. Microsoft.Compute/virtualMachines). */
export function genericResource(subscriptionId: string, resourceGroup: string, type: string, name: string, location: string): Json {
  return {
    id: `${resourceGroupId(subscriptionId, resourceGroup)}/providers/${type}/${name}`,
    name,
    type,
    location,
    tags: {},
  };
}

export const ALLOWED_LOCATIONS = '/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c';
export const STORAGE_PUBLIC_ACCESS = '/providers/Microsoft.Authorization/policyDefinitions/4fa4b6c0-31ca-4c0d-b10d-24b96f62a751';

export function policyAssignment(
  scope: string,
  name: string,
  policyDefinitionId: string,
  parameters: Record<string, unknown>,
  opts: { displayName?: string; enforcementMode?: 'Default' | 'DoNotEnforce'; notScopes?: string[] } = {},
): Json {
  return {
    id: `${scope}/providers/Microsoft.Authorization/policyAssignments/${name}`,
    name,
    type: 'Microsoft.Authorization/policyAssignments',
    properties: {
      displayName: opts.displayName ?? name,
      policyDefinitionId,
      definitionVersion: '1.*.*',
      scope,
      notScopes: opts.notScopes ?? [],
      parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, { value: v }])),
      // Left out unless set, as the list example leaves out the default (Default: enforced).
      ...(opts.enforcementMode ? { enforcementMode: opts.enforcementMode } : {}),
      metadata: { assignedBy: 'Platform team', createdOn: '2026-01-10T09:00:00Z' },
    },
  };
}

export function allowedLocationsAssignment(subscriptionId: string, regions: string[], opts: { enforcementMode?: 'Default' | 'DoNotEnforce' } = {}): Json {
  return policyAssignment(`/subscriptions/${subscriptionId}`, 'allowed-locations', ALLOWED_LOCATIONS, { listOfAllowedLocations: regions }, {
    displayName: 'Allowed locations',
    ...opts,
  });
}

export function storagePublicAccessAssignment(subscriptionId: string, effect: 'Audit' | 'Deny' | 'Disabled'): Json {
  return policyAssignment(`/subscriptions/${subscriptionId}`, 'deny-public-blob', STORAGE_PUBLIC_ACCESS, { effect }, {
    displayName: 'Storage account public access should be disallowed',
  });
}

/** A custom initiative at a management group bundling both guardrails, parameterised. */
export function guardrailInitiative(managementGroup: string, name: string): Json {
  return {
    id: `/providers/Microsoft.Management/managementGroups/${managementGroup}/providers/Microsoft.Authorization/policySetDefinitions/${name}`,
    name,
    type: 'Microsoft.Authorization/policySetDefinitions',
    properties: {
      policyType: 'Custom',
      displayName: 'Landing zone guardrails',
      parameters: {
        allowedLocations: { type: 'Array', metadata: { displayName: 'Allowed locations', strongType: 'location' } },
        blobPublicAccessEffect: { type: 'String', defaultValue: 'Deny', allowedValues: ['Audit', 'Deny', 'Disabled'] },
      },
      policyDefinitions: [
        {
          policyDefinitionReferenceId: 'allowedLocations',
          policyDefinitionId: ALLOWED_LOCATIONS,
          parameters: { listOfAllowedLocations: { value: "[parameters('allowedLocations')]" } },
        },
        {
          policyDefinitionReferenceId: 'denyPublicBlob',
          policyDefinitionId: STORAGE_PUBLIC_ACCESS,
          parameters: { effect: { value: "[parameters('blobPublicAccessEffect')]" } },
        },
      ],
    },
  };
}

export interface DiagnosticOptions {
  storageAccountId?: string;
  workspaceId?: string;
  eventHubAuthorizationRuleId?: string;
  categories?: string[];
  /** Category groups (`allLogs`, `audit`) instead of categories; shown only from api-version 2021-05-01-preview. */
  categoryGroups?: string[];
}

const ACTIVITY_LOG_CATEGORIES = ['Administrative', 'Security', 'ServiceHealth', 'Alert', 'Recommendation', 'Policy', 'Autoscale', 'ResourceHealth'];

/** A subscription activity-log diagnostic setting (2021-05-01-preview shape; the mock drops category groups for older versions). */
export function activityLogSetting(subscriptionId: string, name: string, o: DiagnosticOptions): Json {
  const enabled = new Set(o.categories ?? ACTIVITY_LOG_CATEGORIES);
  return {
    id: `/subscriptions/${subscriptionId}/providers/microsoft.insights/diagnosticSettings/${name}`,
    type: 'Microsoft.Insights/diagnosticSettings',
    name,
    location: 'global',
    properties: {
      ...(o.storageAccountId ? { storageAccountId: o.storageAccountId } : {}),
      ...(o.workspaceId ? { workspaceId: o.workspaceId } : {}),
      ...(o.eventHubAuthorizationRuleId ? { eventHubAuthorizationRuleId: o.eventHubAuthorizationRuleId, eventHubName: 'activity-log' } : {}),
      logs: o.categoryGroups
        ? o.categoryGroups.map((categoryGroup) => ({ category: null, categoryGroup, enabled: true }))
        : ACTIVITY_LOG_CATEGORIES.map((category) => ({ category, enabled: enabled.has(category) })),
    },
  };
}

// ------------------------------------------------------------------ Activity Log

export interface ActivityEventOptions {
  /** e.g. Microsoft.Network/networkSecurityGroups/securityRules/write */
  operation: string;
  resourceId: string;
  /** UPN of a user, or the application id of a service principal. */
  caller: string;
  at: Date;
  /** Final status (default Succeeded); Failed comes with a subStatus. */
  status?: 'Succeeded' | 'Failed';
  subStatus?: string;
}

/**
 * One operation as the Activity Log records it: a Started event and, a few seconds
 * later, the final one (same operationId, own eventDataId), in the EventData shape.
 */
export function activityEvents(subscriptionId: string, o: ActivityEventOptions): Json[] {
  const operationId = uuidFor(`${o.operation}|${o.resourceId}|${o.at.toISOString()}`);
  const provider = o.operation.split('/')[0] ?? '';
  const group = /\/resourceGroups\/([^/]+)/i.exec(o.resourceId)?.[1] ?? '';
  const event = (phase: string, at: Date, subStatus = ''): Json => ({
    authorization: { action: o.operation, scope: o.resourceId },
    caller: o.caller,
    channels: 'Operation',
    // A few of the caller's token claims, as EventData carries them; the object id is the one the operator reads.
    claims: {
      aud: 'https://management.core.windows.net/',
      'http://schemas.microsoft.com/identity/claims/objectidentifier': uuidFor(`user|${o.caller}`),
    },
    correlationId: operationId,
    eventDataId: uuidFor(`${operationId}|${phase}`),
    eventName: { value: phase === 'Started' ? 'BeginRequest' : 'EndRequest', localizedValue: phase === 'Started' ? 'Begin request' : 'End request' },
    category: { value: 'Administrative', localizedValue: 'Administrative' },
    id: `${o.resourceId}/events/${uuidFor(`${operationId}|${phase}|id`)}/ticks/${at.getTime() * 10_000 + 621_355_968_000_000_000}`,
    level: 'Informational',
    operationId,
    operationName: { value: o.operation, localizedValue: o.operation },
    resourceGroupName: group,
    resourceProviderName: { value: provider, localizedValue: provider },
    resourceType: { value: o.operation.split('/').slice(0, -1).join('/'), localizedValue: '' },
    resourceId: o.resourceId,
    status: { value: phase, localizedValue: phase },
    subStatus: { value: subStatus, localizedValue: subStatus },
    eventTimestamp: at.toISOString(),
    submissionTimestamp: new Date(at.getTime() + 20_000).toISOString(),
    subscriptionId,
    tenantId: '',
  });
  const final = o.status ?? 'Succeeded';
  return [event('Started', o.at), event(final, new Date(o.at.getTime() + 3_000), final === 'Failed' ? (o.subStatus ?? 'Conflict') : 'OK')];
}

/** One interactive sign-in as Graph's sign-in log shows it (errorCode 0: success). */
export function signIn(userPrincipalName: string, at: Date, o: { app?: string; errorCode?: number; country?: string } = {}): Json {
  const errorCode = o.errorCode ?? 0;
  return {
    id: uuidFor(`signin|${userPrincipalName}|${at.toISOString()}`),
    createdDateTime: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    userDisplayName: userPrincipalName.split('@')[0],
    userPrincipalName,
    userId: uuidFor(`user|${userPrincipalName}`),
    appId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c',
    appDisplayName: o.app ?? 'Azure Portal',
    ipAddress: '203.0.113.24',
    clientAppUsed: 'Browser',
    isInteractive: true,
    status: { errorCode, failureReason: errorCode === 0 ? null : 'Invalid username or password or Invalid on-premise username or password.', additionalDetails: null },
    location: { city: 'Dublin', state: 'Dublin', countryOrRegion: o.country ?? 'IE' },
  };
}
