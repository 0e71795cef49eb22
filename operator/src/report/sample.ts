// Sample CloudServices with status exactly as the operator writes it (the real pure
// pipeline: evaluateService over a synthetic live inventory, buildStatus, exit-drill and
// change-log status), for documentation, renderer tests and trying the report without a
// cluster. Five services: one compliant, one failing on most steps, one whose live account
// could not be read, one not evaluated yet, and an Azure one whose only finding is a
// Customer Lockbox request approved by someone who is not a declared approver. And two
// CloudOrganizations (Shadow IT) with status as the organisation reconciler writes it:
// the AWS organisation with an undeclared account, the Azure tenant with an undeclared
// subscription and SaaS app.

import type { CloudOrganization, CloudOrganizationStatus, CloudService, CloudServiceSpec, CloudServiceStatus, Condition } from '../api/types.js';
import { API_GROUP_VERSION } from '../api/types.js';
import { setStatusCondition } from '../kube/conditions.js';
import { buildStatus } from '../kube/status.js';
import { CATALOG, CHANGE_CONTROLS } from '../controls/catalog.js';
import { changeStatusEntries } from '../controls/changes/ledger.js';
import type { ChangeRecord } from '../inventory/changes.js';
import { evaluateService } from '../controls/evaluate.js';
import { resolvePolicy } from '../controls/policy.js';
import type { ExitDrillResult } from '../inventory/exit-drill.js';
import { exitDrillStatus } from '../exitdrill/status.js';
import type { Identity, Inventory, InventoryResult } from '../inventory/types.js';
import type { DiscoveredItem, OrganizationListing } from '../inventory/organization.js';
import type { LockboxRequest } from '../inventory/provider-access.js';
import { declaredIdsOf, undeclaredServices } from '../controls/undeclared-services.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

function ago(now: Date, ms: number): string {
  return new Date(now.getTime() - ms).toISOString().replace('.000Z', 'Z');
}

function user(account: string, name: string, overrides: Partial<Identity> = {}): Identity {
  return {
    id: `arn:aws:iam::${account}:user/${name}`,
    name,
    kind: 'user',
    mfaEnabled: true,
    privileged: true,
    interactive: true,
    accessKeys: [],
    privilegeSource: 'AdministratorAccess',
    ...overrides,
  };
}

function inventory(now: Date, account: string, overrides: Partial<Inventory> = {}): Inventory {
  return signedIn(now, {
    provider: 'aws',
    accountId: account,
    collectedAt: now.toISOString(),
    evidenceTimes: { identities: ago(now, 2 * HOUR) },
    identities: [
      { ...user(account, '<root_account>'), id: `arn:aws:iam::${account}:root`, kind: 'root' },
      user(account, 'alice'),
      user(account, 'breakglass-admin'),
      user(account, 'bob', { privileged: false }),
    ],
    rootMfaEnabled: true,
    resources: [
      { id: `arn:aws:s3:::payments-data-${account}`, kind: 'bucket', region: 'eu-west-1', encrypted: true, customerManagedKey: true, public: false },
      { id: `arn:aws:ec2:eu-west-1:${account}:volume/vol-0a1b2c`, kind: 'volume', region: 'eu-west-1', encrypted: true, customerManagedKey: true },
      { id: `arn:aws:ec2:eu-west-2:${account}:snapshot/snap-0d4e5f`, kind: 'snapshot', region: 'eu-west-2', encrypted: true, customerManagedKey: true, public: false },
    ],
    guardrails: {
      regionRestriction: { allowedRegions: ['eu-west-1', 'eu-west-2'], source: 'scp:p-regionlock' },
      accountPublicAccessBlock: true,
      defaultVolumeEncryption: { 'eu-west-1': true, 'eu-west-2': true },
    },
    auditTrails: [
      {
        id: `arn:aws:cloudtrail:eu-west-1:${account}:trail/org-trail`,
        region: 'eu-west-1',
        multiRegion: true,
        logging: true,
        destination: 'org-log-vault',
        destinationAccountId: '999999999999',
        destinationRegion: 'eu-west-2',
        lastDeliveryAt: ago(now, HOUR),
      },
    ],
    providerAccess: { supportRole: { arn: `arn:aws:iam::${account}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport`, lastUse: { at: ago(now, 41 * DAY) } } },
    gaps: [],
    apiCalls: 57,
    ...overrides,
  });
}

/** The sample's users signed in three days before `now` (A523-08-UNUSED-ACCESS). */
function signedIn(now: Date, inv: Inventory): Inventory {
  const lastSignIn = { at: ago(now, 3 * DAY) };
  return { ...inv, identities: inv.identities.map((i) => (i.kind === 'user' && !i.lastSignIn ? { ...i, lastSignIn } : i)) };
}

function baseSpec(now: Date, account: string, overrides: Partial<CloudServiceSpec> = {}): CloudServiceSpec {
  return {
    provider: 'aws',
    model: 'IaaS',
    owner: 'payments-platform',
    criticality: 'critical',
    classification: 'confidential',
    accountRef: { name: `aws-${account}` },
    allowedRegions: ['eu-west-1', 'eu-west-2'],
    sharedResponsibility: {
      areas: [
        { area: 'physical-security', owner: 'provider' },
        { area: 'network', owner: 'shared', notes: 'AWS runs the backbone; we own VPCs, security groups and NACLs (IaC).' },
        { area: 'virtualization', owner: 'provider' },
        { area: 'os-patching', owner: 'customer', notes: 'Golden AMI rebuilt weekly; SSM Patch Manager.' },
        { area: 'middleware', owner: 'customer', notes: 'We patch the Tomcat and PostgreSQL we install.' },
        { area: 'application-security', owner: 'customer' },
        { area: 'identity-and-access', owner: 'customer', notes: 'IAM Identity Center, MFA enforced.' },
        { area: 'data', owner: 'customer' },
        { area: 'encryption-keys', owner: 'customer', notes: 'Customer-managed KMS keys, yearly rotation.' },
        { area: 'logging-and-monitoring', owner: 'shared' },
        { area: 'backup', owner: 'customer' },
      ],
      signedOffBy: 'jane.doe@example.com (Head of IT)',
      signedOffAt: ago(now, 40 * DAY),
    },
    contract: {
      reference: 'https://contracts.example.com/aws/enterprise-agreement-2026',
      reviewedAt: ago(now, 120 * DAY),
      auditRight: true,
      breachNotificationHours: 24,
      dataJurisdictions: ['EU', 'UK'],
    },
    assurance: {
      reports: [
        { type: 'SOC2-TypeII', issuer: 'An Audit Firm LLP', reference: 'https://trust.example.com/soc2-2026h1', periodEnd: ago(now, 75 * DAY), reviewedAt: ago(now, 30 * DAY), scope: { regions: ['eu-west-1', 'eu-west-2'], services: ['s3', 'ec2', 'iam'] } },
        { type: 'ISO27001', issuer: 'A Certification Body', reference: 'iso-cert-4711', expiresAt: new Date(now.getTime() + 300 * DAY).toISOString(), scope: { regions: ['eu-west-1', 'eu-west-2'] } },
      ],
      cuecs: [
        { id: 'CUEC-01', description: 'Customer manages IAM users and enforces MFA', implemented: true, evidence: 'RUNBOOK-12' },
        { id: 'CUEC-02', description: 'Customer encrypts data at rest with its own keys', implemented: true },
      ],
    },
    exitPlan: {
      document: 'https://wiki.example.com/exit/aws-payments',
      alternatives: ['azure', 'on-prem-postgres'],
      lastDryRun: ago(now, 90 * DAY),
      dataExportVerified: true,
      drill: { s3: { bucket: 'payments-data-exports', prefix: 'ledger/' }, sampleObjects: 20, recoveryTimeObjective: '72h', interval: '168h' },
    },
    breakGlassIdentities: ['breakglass-admin'],
    providerAccess: { attestation: { reference: 'AWS SOC 2 Type II (AWS Artifact): logical access by AWS personnel', reviewedAt: ago(now, 40 * DAY), reviewedBy: 'ciso@example.com' } },
    logVault: { accountId: '999999999999', bucket: 'org-log-vault' },
    changeManagement: {
      deployerPrincipals: [`arn:aws:iam::${account}:role/github-deploy`],
      acknowledgements: [],
    },
    interval: '10m',
    ...overrides,
  };
}

function drillRun(now: Date, overrides: Partial<ExitDrillResult> = {}): ExitDrillResult {
  return {
    ranAt: ago(now, 26 * HOUR),
    durationSeconds: 41.2,
    source: 's3://payments-data-exports/ledger/',
    totalObjects: 182_450,
    totalBytes: 412 * 1024 ** 3,
    listingComplete: true,
    objectsSampled: 20,
    objectsVerified: 20,
    bytes: 1.6 * 1024 ** 3,
    throughputBytesPerSecond: 118 * 1024 ** 2,
    estimatedFullExportSeconds: 3590,
    recoveryTimeObjectiveSeconds: 72 * 3600,
    checksums: { md5: 17, sha256: 6, crc32: 14 },
    failures: [],
    failuresOmitted: 0,
    ...overrides,
  };
}

function change(now: Date, account: string, id: string, hoursAgo: number, overrides: Partial<ChangeRecord> = {}): ChangeRecord {
  return {
    id,
    time: ago(now, hoursAgo * HOUR),
    actor: `arn:aws:sts::${account}:assumed-role/github-deploy/run-${id}`,
    principal: `arn:aws:iam::${account}:role/github-deploy`,
    action: 'AuthorizeSecurityGroupIngress',
    resource: 'sg-0a12b34c56d78e90f',
    region: 'eu-west-1',
    kind: 'network-change',
    ...overrides,
  };
}

function object(namespace: string, name: string, generation: number, spec: CloudServiceSpec, status?: CloudServiceStatus): CloudService {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'CloudService',
    metadata: { namespace, name, generation, uid: `uid-${namespace}-${name}`, creationTimestamp: '2026-01-10T09:00:00Z' },
    spec,
    ...(status ? { status } : {}),
  };
}

/** Status as the reconciler writes it, plus the exit-drill and change-log parts. */
function statusOf(
  spec: CloudServiceSpec,
  generation: number,
  live: InventoryResult,
  now: Date,
  extras: { drill?: ExitDrillResult; changes?: ChangeRecord[] } = {},
): CloudServiceStatus {
  const policy = resolvePolicy(undefined, spec.classification);
  const evaluation = evaluateService(
    { spec, policy, inventory: live, now, ...(extras.drill ? { exitDrill: extras.drill } : {}), ...(extras.changes ? { changes: extras.changes } : {}) },
    [...CATALOG, ...CHANGE_CONTROLS],
  );
  const ready = live.ok
    ? { status: 'True' as const, reason: 'Reconciled', message: 'spec and live account evaluated' }
    : { status: 'False' as const, reason: live.failure.reason, message: `live account not read: ${live.failure.message}` };
  // An earlier evaluation, so conditions that did not change keep an older transition time.
  const earlier = buildStatus({
    previous: undefined,
    generation,
    conditions: [...evaluation.families, { type: 'Compliant', ...evaluation.compliant }],
    ready,
    summary: evaluation.summary,
    findings: evaluation.findings,
    now: new Date(now.getTime() - 6 * DAY),
  });
  const status = buildStatus({
    previous: earlier,
    generation,
    conditions: [...evaluation.families, { type: 'Compliant', ...evaluation.compliant }],
    ready,
    summary: evaluation.summary,
    findings: evaluation.findings,
    now,
  });
  if (live.ok) status.accountId = live.inventory.accountId;
  if (evaluation.providerAccess) status.providerAccess = evaluation.providerAccess;
  if (extras.drill && spec.exitPlan?.drill) {
    status.exitDrill = exitDrillStatus(undefined, extras.drill, spec.exitPlan.drill, policy, new Date(Date.parse(extras.drill.ranAt) + 60_000));
  }
  if (extras.changes) {
    const { changes, changesOmitted } = changeStatusEntries(extras.changes, spec);
    status.changes = changes;
    if (changesOmitted > 0) status.changesOmitted = changesOmitted;
    status.changeLog = {
      source: spec.provider === 'azure' ? `azure-activity-log:/subscriptions/${status.accountId ?? ''}` : `s3://org-log-vault/AWSLogs/${status.accountId ?? ''}/CloudTrail/`,
      readUntil: ago(now, 15 * 60_000),
      lastReadAt: now.toISOString(),
      filesRead: 12,
      complete: true,
    };
  }
  return status;
}

/** Four sample services, evaluated at `now`. */
export function sampleServices(now: Date): CloudService[] {
  const prod = '111111111111';
  const sandbox = '222222222222';

  const prodChanges = [
    change(now, prod, 'a1f0c2d4-0001', 30),
    change(now, prod, 'a1f0c2d4-0002', 50, { action: 'CreateRoute', resource: 'rtb-0123456789abcdef0' }),
    change(now, prod, 'a1f0c2d4-0003', 75, { action: 'ModifySecurityGroupRules', actor: `arn:aws:iam::${prod}:user/alice`, principal: undefined, resource: 'sg-0fedcba9876543210' }),
    // AWS Support looked at an instance for a support case: shown, never out-of-band (step 9).
    change(now, prod, 'a1f0c2d4-0004', 40 * 24 + 2, {
      kind: 'provider-access',
      actor: `arn:aws:sts::${prod}:assumed-role/AWSServiceRoleForSupport/support-case-17245`,
      principal: undefined,
      action: 'DescribeInstances',
      resource: 'i-0c0ffee1234567890',
    }),
  ];
  const prodSpec = baseSpec(now, prod, {
    changeManagement: {
      deployerPrincipals: [`arn:aws:iam::${prod}:role/github-deploy`],
      acknowledgements: [{ changeId: 'a1f0c2d4-0003', reference: 'https://jira.example.com/browse/CHG-1042', acknowledgedBy: 'bob@example.com' }],
    },
  });
  const prodService = object('payments', 'aws-payments-prod', 4, prodSpec, statusOf(prodSpec, 4, { ok: true, inventory: inventory(now, prod) }, now, { drill: drillRun(now), changes: prodChanges }));

  const sandboxSpec = baseSpec(now, sandbox, {
    owner: 'marketing-web',
    criticality: 'high',
    classification: 'internal',
    allowedRegions: ['eu-west-1'],
    contract: { reference: 'click-through terms', reviewedAt: ago(now, 500 * DAY), auditRight: false, breachNotificationHours: 96, dataJurisdictions: ['EU'] },
    exitPlan: {
      document: 'https://wiki.example.com/exit/marketing',
      alternatives: [],
      drill: { s3: { bucket: 'marketing-assets', prefix: 'campaigns/' }, sampleObjects: 20, recoveryTimeObjective: '24h' },
    },
    changeManagement: { deployerPrincipals: [`arn:aws:iam::${sandbox}:role/gitlab-deploy`] },
  });
  const sandboxInventory = inventory(now, sandbox, {
    identities: [
      { ...user(sandbox, '<root_account>'), id: `arn:aws:iam::${sandbox}:root`, kind: 'root' },
      user(sandbox, 'carol', { mfaEnabled: false, accessKeys: [{ id: 'AKIA…Q7XZ', active: true, createdAt: ago(now, 400 * DAY) }] }),
      user(sandbox, 'dave', { mfaEnabled: false }),
      user(sandbox, 'erin'),
      user(sandbox, 'breakglass-admin'),
    ],
    resources: [
      { id: `arn:aws:s3:::marketing-assets`, kind: 'bucket', region: 'eu-west-1', encrypted: true, customerManagedKey: false, public: true, publicReason: 'bucket policy grants s3:GetObject to *' },
      { id: `arn:aws:ec2:us-east-1:${sandbox}:volume/vol-0u1s2e3a4s5t`, kind: 'volume', region: 'us-east-1', encrypted: false },
      { id: `arn:aws:ec2:us-east-1:${sandbox}:snapshot/snap-0c0p1e2s`, kind: 'snapshot', region: 'us-east-1', encrypted: false, public: false, sourceId: `arn:aws:ec2:us-east-1:${sandbox}:volume/vol-0u1s2e3a4s5t` },
      { id: `arn:aws:rds:ap-southeast-2:${sandbox}:db:campaign-db`, kind: 'database', region: 'ap-southeast-2', encrypted: true, customerManagedKey: false, public: false },
    ],
    guardrails: { regionRestriction: null, accountPublicAccessBlock: false, defaultVolumeEncryption: { 'eu-west-1': true, 'us-east-1': false } },
  });
  const sandboxChanges = [
    change(now, sandbox, 'b7e2-0001', 5, {
      actor: `arn:aws:iam::${sandbox}:user/dave`,
      principal: undefined,
      action: 'AuthorizeSecurityGroupIngress',
      resource: 'sg-0ab12cd34ef567890',
    }),
    change(now, sandbox, 'b7e2-0002', 9, { actor: `arn:aws:iam::${sandbox}:user/breakglass-admin`, principal: undefined, action: 'ConsoleLogin', kind: 'sign-in', resource: 'console', region: 'us-east-1' }),
    change(now, sandbox, 'b7e2-0003', 20, { actor: `arn:aws:sts::${sandbox}:assumed-role/gitlab-deploy/pipeline-881`, principal: `arn:aws:iam::${sandbox}:role/gitlab-deploy`, action: 'CreateVpc', resource: 'vpc-0aa11bb22cc33dd44' }),
  ];
  const sandboxDrill = drillRun(now, {
    source: 's3://marketing-assets/campaigns/',
    totalObjects: 9_310,
    totalBytes: 96 * 1024 ** 3,
    objectsVerified: 18,
    bytes: 210 * 1024 ** 2,
    throughputBytesPerSecond: 0.9 * 1024 ** 2,
    estimatedFullExportSeconds: 109_000,
    recoveryTimeObjectiveSeconds: 24 * 3600,
    checksums: { md5: 18, sha256: 0, crc32: 9 },
    failures: [
      { key: 'campaigns/2026/q3/hero-video.mp4', reason: 'ChecksumMismatch', message: 'MD5 9e107d9d372bb6826bd81d3542a419d6 != ETag e4d909c290d0fb1ca068ffaddf22cbd0' },
      { key: 'campaigns/2026/q2/banner.png', reason: 'ObjectMissing', message: 'deleted after it was listed' },
    ],
  });
  const sandboxService = object(
    'marketing',
    'aws-marketing-sandbox',
    7,
    sandboxSpec,
    statusOf(sandboxSpec, 7, { ok: true, inventory: sandboxInventory }, now, { drill: sandboxDrill, changes: sandboxChanges }),
  );

  const azureSpec: CloudServiceSpec = {
    ...baseSpec(now, prod),
    provider: 'azure',
    model: 'SaaS',
    owner: 'workplace-it',
    criticality: 'high',
    classification: 'confidential',
    accountRef: { name: 'azure-workplace' },
    allowedRegions: ['westeurope', 'northeurope'],
    sharedResponsibility: {
      areas: [
        { area: 'physical-security', owner: 'provider' },
        { area: 'network', owner: 'provider' },
        { area: 'virtualization', owner: 'provider' },
        { area: 'os-patching', owner: 'provider' },
        { area: 'middleware', owner: 'provider' },
        { area: 'application-security', owner: 'shared' },
        { area: 'identity-and-access', owner: 'customer' },
        { area: 'data', owner: 'customer' },
      ],
      signedOffBy: 'jane.doe@example.com (Head of IT)',
      signedOffAt: ago(now, 200 * DAY),
    },
    exitPlan: { document: 'https://wiki.example.com/exit/m365', alternatives: ['google-workspace'], lastDryRun: ago(now, 150 * DAY), dataExportVerified: true },
    changeManagement: undefined,
    breakGlassIdentities: ['emergency-admin@example.onmicrosoft.com'],
    providerAccess: { lockboxApprovers: ['secops@example.onmicrosoft.com'] },
  };
  const azureService = object(
    'collab',
    'azure-m365-collab',
    2,
    azureSpec,
    statusOf(azureSpec, 2, { ok: false, failure: { reason: 'CredentialsInvalid', message: 'AADSTS7000215: invalid client secret provided' } }, now),
  );

  const newSpec = baseSpec(now, '333333333333', { owner: 'data-platform', criticality: 'medium', classification: 'internal' });
  const newService = object('payments', 'aws-analytics-new', 1, newSpec);

  const hrSpec = azureHrSpec(now);
  const hrChanges = [
    change(now, AZURE_HR_SUBSCRIPTION, 'c9d4-0001', 28, {
      actor: HR_DEPLOYER,
      principal: HR_DEPLOYER,
      action: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
      resource: `/subscriptions/${AZURE_HR_SUBSCRIPTION}/resourceGroups/rg-hr/providers/Microsoft.Network/networkSecurityGroups/nsg-hr/securityRules/allow-https`,
      region: 'westeurope',
    }),
  ];
  const hrService = object('people', 'azure-hr-prod', 3, hrSpec, statusOf(hrSpec, 3, { ok: true, inventory: azureHrInventory(now) }, now, { changes: hrChanges }));

  return [prodService, sandboxService, azureService, newService, hrService];
}

/** The HR subscription of the sample tenant (AZURE_HR_SUBSCRIPTION). */
export const AZURE_HR_SUBSCRIPTION = '5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c';
const AZURE_TENANT = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const LOCKBOX_APPROVER = 'secops@example.onmicrosoft.com';
/** The HR pipeline's service principal (application id). */
const HR_DEPLOYER = '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f';

function azureHrSpec(now: Date): CloudServiceSpec {
  return baseSpec(now, AZURE_HR_SUBSCRIPTION, {
    provider: 'azure',
    model: 'PaaS',
    owner: 'people-systems',
    criticality: 'high',
    classification: 'confidential',
    accountRef: { name: 'azure-hr-prod' },
    allowedRegions: ['westeurope', 'northeurope'],
    contract: {
      reference: 'https://contracts.example.com/microsoft/enterprise-agreement-2026',
      reviewedAt: ago(now, 60 * DAY),
      auditRight: true,
      breachNotificationHours: 24,
      dataJurisdictions: ['EU'],
    },
    assurance: {
      reports: [
        { type: 'SOC2-TypeII', issuer: 'An Audit Firm LLP', reference: 'https://servicetrust.example.com/azure-soc2-2026h1', periodEnd: ago(now, 70 * DAY), reviewedAt: ago(now, 25 * DAY), scope: { regions: ['westeurope', 'northeurope'], services: ['storage', 'compute', 'postgresql'] } },
      ],
      cuecs: [{ id: 'CUEC-01', description: 'Customer manages Entra ID users and enforces MFA', implemented: true }],
    },
    exitPlan: { document: 'https://wiki.example.com/exit/hr-platform', alternatives: ['aws', 'on-prem-postgres'], lastDryRun: ago(now, 100 * DAY), dataExportVerified: true },
    breakGlassIdentities: ['emergency-admin@example.onmicrosoft.com'],
    providerAccess: { lockboxApprovers: [LOCKBOX_APPROVER] },
    logVault: { accountId: '6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d', bucket: 'orglogvault' },
    changeManagement: { deployerPrincipals: [HR_DEPLOYER] },
  });
}

/** Three Lockbox requests: one approved by the declared approver, one by someone else (the finding), one waiting. */
function lockboxRequests(now: Date): LockboxRequest[] {
  const sub = AZURE_HR_SUBSCRIPTION;
  const vm = `/subscriptions/${sub}/resourceGroups/rg-hr/providers/Microsoft.Compute/virtualMachines/vm-hr-payroll`;
  const db = `/subscriptions/${sub}/resourceGroups/rg-hr/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-hr`;
  return [
    { id: '7c1e4b2a-1f3d-4e8a-9b6c-2d5f8a1c3e7b', status: 'Approved', createdAt: ago(now, 20 * DAY), resource: vm, supportCase: '2611050010000417', answeredBy: LOCKBOX_APPROVER, answeredAt: ago(now, 20 * DAY - 35 * 60_000) },
    { id: '3a9d6f1c-8e2b-4c7d-a5f3-6b1e9c4d2a8f', status: 'Approved', createdAt: ago(now, 4 * DAY), resource: db, supportCase: '2611110010000988', answeredBy: 'helpdesk@example.onmicrosoft.com', answeredAt: ago(now, 4 * DAY - 12 * 60_000) },
    { id: 'e4b8c2d6-5a1f-4f3e-8d7c-9a2b6e1f4c3d', status: 'Pending', createdAt: ago(now, 3 * HOUR), resource: vm, supportCase: '2611150010001203' },
  ];
}

function azureHrInventory(now: Date): Inventory {
  const sub = AZURE_HR_SUBSCRIPTION;
  const upn = (name: string) => `${name}@example.onmicrosoft.com`;
  const person = (name: string, overrides: Partial<Identity> = {}): Identity => ({
    id: `/tenants/${AZURE_TENANT}/users/${name}`,
    name: upn(name),
    kind: 'user',
    mfaEnabled: true,
    privileged: true,
    interactive: true,
    accessKeys: [],
    privilegeSource: 'Owner on the subscription',
    ...overrides,
  });
  const rg = `/subscriptions/${sub}/resourceGroups/rg-hr/providers`;
  return signedIn(now, {
    provider: 'azure',
    accountId: sub,
    collectedAt: now.toISOString(),
    evidenceTimes: { identities: ago(now, HOUR) },
    identities: [person('secops'), person('emergency-admin'), person('hr-analyst', { privileged: false })],
    rootMfaEnabled: true,
    resources: [
      { id: `${rg}/Microsoft.Storage/storageAccounts/hrdocsweu`, kind: 'storage-account', region: 'westeurope', encrypted: true, customerManagedKey: true, public: false },
      { id: `${rg}/Microsoft.Compute/disks/vm-hr-payroll_OsDisk_1`, kind: 'volume', region: 'westeurope', encrypted: true, customerManagedKey: true, public: false, exportFromAnyNetwork: false },
      { id: `${rg}/Microsoft.DBforPostgreSQL/flexibleServers/pg-hr`, kind: 'database', region: 'northeurope', encrypted: true, customerManagedKey: true, public: false },
    ],
    guardrails: {
      regionRestriction: { allowedRegions: ['westeurope', 'northeurope'], source: 'policy:allowed-locations' },
      accountPublicAccessBlock: true,
      defaultVolumeEncryption: { westeurope: true, northeurope: true },
    },
    auditTrails: [
      {
        id: `/subscriptions/${sub}/providers/Microsoft.Insights/diagnosticSettings/to-org-vault`,
        region: 'global',
        multiRegion: true,
        logging: true,
        destination: 'orglogvault',
        destinationAccountId: '6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d',
        destinationRegion: 'westeurope',
        lastDeliveryAt: ago(now, HOUR),
      },
    ],
    providerAccess: { lockboxOptedIn: true, lockboxRequests: lockboxRequests(now) },
    gaps: [],
    apiCalls: 41,
  });
}

const orgObject = (name: string, generation: number, spec: CloudOrganization['spec'], status: CloudOrganizationStatus): CloudOrganization => ({
  apiVersion: API_GROUP_VERSION,
  kind: 'CloudOrganization',
  metadata: { name, generation, uid: `uid-organization-${name}` },
  spec,
  status,
});

/** Status as the organisation reconciler writes it (controller/organization-reconciler.ts statusOf), from the pure comparison. */
function organizationStatus(organization: Pick<CloudOrganization, 'spec'>, generation: number, listing: OrganizationListing, firstSeen: Record<string, string>, now: Date): CloudOrganizationStatus {
  const declared = declaredIdsOf(SAMPLE_ACCOUNTS, []);
  for (const i of organization.spec.ignore ?? []) declared[i.kind] = [...(declared[i.kind] ?? []), i.id];
  const outcome = undeclaredServices({
    listing,
    declared,
    previous: Object.entries(firstSeen).map(([key, at]) => ({ kind: key.split('/')[0] as DiscoveredItem['kind'], id: key.split('/')[1] as string, firstSeen: at })),
    now,
  });
  let conditions: Condition[] = [];
  // Listed since 40 days; AllServicesDeclared False since the first undeclared item was found.
  const listedSince = new Date(now.getTime() - 40 * DAY);
  const found = Object.values(firstSeen).map((at) => Date.parse(at));
  const earlier = found.length > 0 ? new Date(Math.min(...found)) : listedSince;
  conditions = setStatusCondition(conditions, { type: 'Ready', status: 'True', reason: 'Listed', message: `listed ${listing.items.length} items of ${listing.organizationId}`, observedGeneration: generation }, listedSince).conditions;
  conditions = setStatusCondition(conditions, { ...outcome.condition, observedGeneration: generation }, earlier).conditions;
  return {
    observedGeneration: generation,
    provider: listing.provider,
    lastCheckedAt: listing.readAt,
    organizationId: listing.organizationId as string,
    accounts: listing.items.length,
    undeclaredCount: outcome.undeclared.length,
    undeclared: outcome.undeclared.map((u) => ({
      kind: u.kind,
      id: u.id,
      name: u.name,
      ...(u.path ? { path: u.path } : {}),
      ...(u.pathNames ? { pathNames: u.pathNames } : {}),
      status: u.status,
      providerStatus: u.providerStatus,
      ...(u.joinedAt ? { joinedAt: u.joinedAt } : {}),
      ...(u.consent ? { consent: u.consent } : {}),
      firstSeen: u.firstSeen.replace('.000Z', 'Z'),
    })),
    undeclaredOmitted: 0,
    conditions,
  };
}

/** The CloudAccounts the samples declare (by id): the services' accounts. */
const SAMPLE_ACCOUNTS = [
  { spec: { provider: 'aws' as const, aws: { accountId: '111111111111' }, namespaces: [] } },
  { spec: { provider: 'aws' as const, aws: { accountId: '222222222222' }, namespaces: [] } },
  { spec: { provider: 'aws' as const, aws: { accountId: '333333333333' }, namespaces: [] } },
  { spec: { provider: 'azure' as const, azure: { tenantId: AZURE_TENANT, subscriptionId: AZURE_HR_SUBSCRIPTION }, namespaces: [] } },
];

/** Two CloudOrganizations: the AWS organisation (an undeclared account) and the Azure tenant (an undeclared subscription and SaaS app). */
export function sampleOrganizations(now: Date): CloudOrganization[] {
  const readAt = ago(now, 20 * 60_000);
  const account = (id: string, name: string, path: string, pathNames: string, joinedDaysAgo: number): DiscoveredItem => ({
    kind: 'account',
    id,
    name,
    path,
    pathNames,
    status: 'active',
    providerStatus: 'ACTIVE',
    joinedAt: ago(now, joinedDaysAgo * DAY),
  });
  const awsSpec: CloudOrganization['spec'] = {
    accountRef: { name: 'aws-111111111111' },
    interval: '1h',
    ignore: [{ kind: 'account', id: '999999999999', reason: 'Landing-zone log archive, owned by the security team and declared in its own register.' }],
  };
  const awsListing: OrganizationListing = {
    provider: 'aws',
    organizationId: 'o-a1b2c3d4e5',
    readAt,
    items: [
      account('111111111111', 'payments-prod', 'r-ab12/ou-ab12-workloads', 'Root/Workloads', 900),
      account('222222222222', 'marketing-sandbox', 'r-ab12/ou-ab12-sandbox', 'Root/Sandbox', 400),
      account('333333333333', 'analytics', 'r-ab12/ou-ab12-workloads', 'Root/Workloads', 30),
      account('999999999999', 'log-archive', 'r-ab12/ou-ab12-security', 'Root/Security', 1200),
      account('444444444444', 'growth-experiments', 'r-ab12/ou-ab12-sandbox', 'Root/Sandbox', 75),
      { ...account('555555555555', 'old-migration', 'r-ab12/ou-ab12-suspended', 'Root/Suspended', 2000), status: 'closed', providerStatus: 'CLOSED' },
    ],
    gaps: [],
    apiCalls: 6,
  };
  const aws = orgObject('acme-aws', 2, awsSpec, organizationStatus({ spec: awsSpec }, 2, awsListing, { 'account/444444444444': ago(now, 12 * DAY) }, now));

  const azureSpec: CloudOrganization['spec'] = { accountRef: { name: 'azure-hr-prod' }, interval: '1h' };
  const mg = 'mg-acme/mg-acme-corp';
  const azureListing: OrganizationListing = {
    provider: 'azure',
    organizationId: AZURE_TENANT,
    readAt,
    items: [
      { kind: 'subscription', id: AZURE_HR_SUBSCRIPTION, name: 'HR Production', path: mg, pathNames: 'Tenant Root Group/Corp', status: 'active', providerStatus: 'Enabled' },
      { kind: 'subscription', id: '8d9e0f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a', name: 'Pay-As-You-Go', path: 'mg-acme', pathNames: 'Tenant Root Group', status: 'active', providerStatus: 'Enabled' },
      {
        kind: 'saas-app',
        id: '2b7c9e1d-4f6a-4b8c-9d2e-5f1a3c7b9e4d',
        name: 'QuickSurvey Pro',
        status: 'active',
        providerStatus: 'enabled',
        joinedAt: ago(now, 33 * DAY),
        consent: {
          publisherTenantId: '9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f',
          scopes: ['Files.Read.All', 'Mail.Read', 'User.Read'],
          adminConsent: false,
          consentingUsers: 14,
          appRoleAssignments: 0,
          firstConsentAt: ago(now, 33 * DAY),
        },
      },
    ],
    gaps: [],
    apiCalls: 5,
  };
  const azure = orgObject(
    'acme-entra',
    1,
    azureSpec,
    organizationStatus({ spec: azureSpec }, 1, azureListing, { 'subscription/8d9e0f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a': ago(now, 6 * DAY), 'saas-app/2b7c9e1d-4f6a-4b8c-9d2e-5f1a3c7b9e4d': ago(now, 30 * DAY) }, now),
  );
  return [aws, azure];
}
