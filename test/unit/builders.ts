// Test builders for the controls: each returns a compliant default that a test
// overrides in the one place it is about. Times are relative to NOW so tests read as
// ages ("400 days ago"), never as fixed calendar dates.

import type {
  AssuranceReport,
  Classification,
  CloudSecurityPolicySpec,
  CloudServiceSpec,
  ResponsibilityEntry,
  ServiceModel,
  SharedResponsibility,
} from '../../operator/src/api/types.js';
import type {
  AccessKey,
  AuditTrail,
  CollectionGap,
  Identity,
  Inventory,
  InventoryArea,
  InventoryResult,
  Resource,
} from '../../operator/src/inventory/types.js';
import type { ControlInput, EffectivePolicy } from '../../operator/src/controls/types.js';
import { resolvePolicy } from '../../operator/src/controls/policy.js';
import { REQUIRED_AREAS, CUSTOMER_RETAINED_AREAS } from '../../operator/src/controls/responsibility/matrix.js';
import { DAY_MS, HOUR_MS } from '../../operator/src/controls/time.js';
import type { ExitDrillResult } from '../../operator/src/inventory/exit-drill.js';

export const NOW = new Date('2026-11-15T12:00:00.000Z');
export const ACCOUNT_ID = '111111111111';
/** The CloudAccount aSpec() names (test/unit/account-fakes.ts builds it). */
export const ACCOUNT_NAME = 'payments-prod';
export const VAULT_ACCOUNT_ID = '999999999999';
export const VAULT_BUCKET = 'org-log-vault';

export function daysAgo(days: number, from: Date = NOW): string {
  return new Date(from.getTime() - days * DAY_MS).toISOString();
}

export function daysAhead(days: number, from: Date = NOW): string {
  return new Date(from.getTime() + days * DAY_MS).toISOString();
}

export function hoursAgo(hours: number, from: Date = NOW): string {
  return new Date(from.getTime() - hours * HOUR_MS).toISOString();
}

/** `at` shifted by `ms` milliseconds, as an ISO string. */
export function shift(at: Date | string, ms: number): string {
  return new Date(new Date(at).getTime() + ms).toISOString();
}

/** A matrix covering every required area of `model`, customer duties kept by the customer. */
export function aMatrix(
  model: ServiceModel = 'IaaS',
  overrides: Partial<SharedResponsibility> = {},
): SharedResponsibility {
  const areas: ResponsibilityEntry[] = REQUIRED_AREAS[model].map((area) => ({
    area,
    owner: CUSTOMER_RETAINED_AREAS[model].includes(area) || area === 'encryption-keys' ? 'customer' : 'provider',
  }));
  return { areas, signedOffBy: 'jane.doe@example.com (Head of IT)', signedOffAt: daysAgo(30), ...overrides };
}

export function aReport(overrides: Partial<AssuranceReport> = {}): AssuranceReport {
  return {
    type: 'SOC2-TypeII',
    issuer: 'An Audit Firm LLP',
    reference: 'soc2-2026h1',
    periodEnd: daysAgo(60),
    reviewedAt: daysAgo(30),
    scope: { regions: ['eu-west-1', 'eu-west-2'], services: ['s3', 'ec2', 'iam'] },
    ...overrides,
  };
}

/** A CloudService spec that passes every spec control under any default policy. */
export function aSpec(overrides: Partial<CloudServiceSpec> = {}): CloudServiceSpec {
  const model = overrides.model ?? 'IaaS';
  return {
    provider: 'aws',
    model,
    owner: 'payments-platform',
    criticality: 'high',
    classification: 'confidential',
    accountRef: { name: ACCOUNT_NAME },
    allowedRegions: ['eu-west-1', 'eu-west-2'],
    sharedResponsibility: aMatrix(model === 'IaaS' || model === 'PaaS' || model === 'SaaS' ? model : 'IaaS'),
    contract: {
      reference: 'https://contracts.example.com/aws/ea-2026',
      reviewedAt: daysAgo(100),
      auditRight: true,
      breachNotificationHours: 24,
      dataJurisdictions: ['EU', 'UK'],
    },
    assurance: {
      reports: [
        aReport(),
        aReport({ type: 'ISO27001', reference: 'iso-cert-123', periodEnd: undefined, expiresAt: daysAhead(300) }),
      ],
      cuecs: [
        { id: 'CUEC-01', description: 'Customer manages IAM users and MFA', implemented: true, evidence: 'RUN-12' },
        { id: 'CUEC-02', description: 'Customer encrypts data at rest', implemented: true },
      ],
    },
    exitPlan: {
      document: 'https://wiki.example.com/exit/aws',
      alternatives: ['azure'],
      lastDryRun: daysAgo(90),
      dataExportVerified: true,
    },
    breakGlassIdentities: ['breakglass-admin'],
    providerAccess: { attestation: { reference: 'AWS SOC 2 Type II, logical access by AWS personnel', reviewedAt: daysAgo(30) } },
    logVault: { accountId: VAULT_ACCOUNT_ID, bucket: VAULT_BUCKET },
    ...overrides,
  };
}

/** The effective policy for `classification` (defaults), with field overrides. */
export function aPolicy(
  overrides: Partial<EffectivePolicy> = {},
  classification: Classification = 'confidential',
  spec?: CloudSecurityPolicySpec,
): EffectivePolicy {
  return { ...resolvePolicy(spec, classification), ...overrides };
}

export function aKey(overrides: Partial<AccessKey> = {}): AccessKey {
  return { id: 'AKIA…7EXA', active: true, createdAt: daysAgo(10), lastUse: { at: daysAgo(1) }, ...overrides };
}

export function anIdentity(overrides: Partial<Identity> = {}): Identity {
  return {
    id: `arn:aws:iam::${ACCOUNT_ID}:user/alice`,
    name: 'alice',
    kind: 'user',
    mfaEnabled: true,
    privileged: true,
    interactive: true,
    accessKeys: [],
    privilegeSource: 'AdministratorAccess',
    lastSignIn: { at: daysAgo(1) },
    ...overrides,
  };
}

export function aUser(name: string, overrides: Partial<Identity> = {}): Identity {
  return anIdentity({ id: `arn:aws:iam::${ACCOUNT_ID}:user/${name}`, name, ...overrides });
}

export function aResource(overrides: Partial<Resource> = {}): Resource {
  return {
    id: `arn:aws:s3:::data-bucket`,
    kind: 'bucket',
    region: 'eu-west-1',
    encrypted: true,
    customerManagedKey: true,
    public: false,
    ...overrides,
  };
}

export function aTrail(overrides: Partial<AuditTrail> = {}): AuditTrail {
  return {
    id: `arn:aws:cloudtrail:eu-west-1:${ACCOUNT_ID}:trail/org-trail`,
    region: 'eu-west-1',
    multiRegion: true,
    logging: true,
    destination: VAULT_BUCKET,
    destinationAccountId: VAULT_ACCOUNT_ID,
    destinationRegion: 'eu-west-2',
    lastDeliveryAt: hoursAgo(1),
    ...overrides,
  };
}

/** A live account that passes every live control. */
export function anInventory(overrides: Partial<Inventory> = {}): Inventory {
  return {
    provider: 'aws',
    accountId: ACCOUNT_ID,
    collectedAt: NOW.toISOString(),
    evidenceTimes: { identities: hoursAgo(2) },
    identities: [
      anIdentity({ id: `arn:aws:iam::${ACCOUNT_ID}:root`, name: '<root_account>', kind: 'root' }),
      aUser('alice', { accessKeys: [aKey()] }),
      aUser('breakglass-admin'),
      aUser('bob', { privileged: false, mfaEnabled: true }),
      anIdentity({
        id: `arn:aws:iam::${ACCOUNT_ID}:role/ci-deploy`,
        name: 'ci-deploy',
        kind: 'role',
        interactive: false,
        mfaEnabled: false,
      }),
    ],
    rootMfaEnabled: true,
    resources: [
      aResource(),
      aResource({ id: 'arn:aws:ec2:eu-west-1:111111111111:volume/vol-1', kind: 'volume', public: undefined }),
      aResource({
        id: 'arn:aws:ec2:eu-west-2:111111111111:snapshot/snap-1',
        kind: 'snapshot',
        region: 'eu-west-2',
        sourceId: 'arn:aws:ec2:eu-west-1:111111111111:volume/vol-1',
      }),
      aResource({ id: 'arn:aws:iam::111111111111:global-thing', kind: 'bucket', region: 'global' }),
    ],
    guardrails: {
      regionRestriction: { allowedRegions: ['eu-west-1', 'eu-west-2'], source: 'scp:p-region-lock' },
      accountPublicAccessBlock: true,
      defaultVolumeEncryption: { 'eu-west-1': true, 'eu-west-2': true },
    },
    auditTrails: [aTrail()],
    gaps: [],
    apiCalls: 42,
    ...overrides,
  };
}

export function liveOk(inventory: Inventory = anInventory()): InventoryResult {
  return { ok: true, inventory };
}

export function liveFailed(
  reason = 'CredentialsInvalid',
  message = 'The security token included in the request is invalid',
): InventoryResult {
  return { ok: false, failure: { reason, message } };
}

export function liveSkipped(): InventoryResult {
  return {
    ok: false,
    failure: { reason: 'ProviderNotSupported', message: 'No collector for this provider' },
    skipped: true,
  };
}

export function aGap(area: InventoryArea, reason = 'AccessDenied'): CollectionGap {
  return { area, reason, message: `Not authorized to read ${area}` };
}

/** Live inventory with gaps in `areas` (the rest unchanged). */
export function withGaps(inventory: Inventory, ...areas: InventoryArea[]): InventoryResult {
  return liveOk({ ...inventory, gaps: areas.map((a) => aGap(a)) });
}

export interface InputParts {
  spec?: CloudServiceSpec;
  policy?: EffectivePolicy;
  inventory?: InventoryResult | Inventory;
  now?: Date;
}

export function anInput(parts: InputParts = {}): ControlInput {
  const inventory = parts.inventory ?? liveOk();
  return {
    spec: parts.spec ?? aSpec(),
    policy: parts.policy ?? aPolicy(),
    inventory: 'ok' in inventory ? inventory : liveOk(inventory),
    // The audit trail was read and held no network change or break-glass use.
    changes: [],
    now: parts.now ?? NOW,
  };
}

/** One exit-drill run that passed, two hours before NOW. */
export function anExitDrillResult(overrides: Partial<ExitDrillResult> = {}): ExitDrillResult {
  return {
    ranAt: hoursAgo(2),
    durationSeconds: 12.5,
    source: 's3://payments-data/ledger/',
    totalObjects: 10_000,
    totalBytes: 50 * 1024 ** 3,
    listingComplete: true,
    objectsSampled: 20,
    objectsVerified: 20,
    bytes: 100 * 1024 ** 2,
    throughputBytesPerSecond: 50 * 1024 ** 2,
    estimatedFullExportSeconds: 1024,
    recoveryTimeObjectiveSeconds: 72 * 3600,
    checksums: { md5: 20, sha256: 5, crc32: 15 },
    failures: [],
    failuresOmitted: 0,
    ...overrides,
  };
}
