// Sample CloudServices with status exactly as the operator writes it (the real pure
// pipeline: evaluateService over a synthetic live inventory, buildStatus, exit-drill and
// change-log status), for documentation, renderer tests and trying the report without a
// cluster. Four services: one compliant, one failing on most steps, one whose live account
// could not be read, one not evaluated yet.

import type { CloudService, CloudServiceSpec, CloudServiceStatus } from '../api/types.js';
import { API_GROUP_VERSION } from '../api/types.js';
import { buildStatus } from '../kube/status.js';
import { CATALOG, CHANGE_CONTROLS } from '../controls/catalog.js';
import { changeStatusEntries } from '../controls/changes/ledger.js';
import type { ChangeRecord } from '../inventory/changes.js';
import { evaluateService } from '../controls/evaluate.js';
import { resolvePolicy } from '../controls/policy.js';
import type { ExitDrillResult } from '../inventory/exit-drill.js';
import { exitDrillStatus } from '../exitdrill/status.js';
import type { Identity, Inventory, InventoryResult } from '../inventory/types.js';

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
  if (extras.drill && spec.exitPlan?.drill) {
    status.exitDrill = exitDrillStatus(undefined, extras.drill, spec.exitPlan.drill, policy, new Date(Date.parse(extras.drill.ranAt) + 60_000));
  }
  if (extras.changes) {
    const { changes, changesOmitted } = changeStatusEntries(extras.changes, spec);
    status.changes = changes;
    if (changesOmitted > 0) status.changesOmitted = changesOmitted;
    status.changeLog = {
      source: `s3://org-log-vault/AWSLogs/${status.accountId ?? ''}/CloudTrail/`,
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

  return [prodService, sandboxService, azureService, newService];
}
