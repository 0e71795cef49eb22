// The evidence report's model: the shape of everything an auditor reads, per service and
// across services. The JSON format of `cloudposture report` is this model as is; HTML
// and Markdown render it. build-model.ts fills it from the CloudServices (as the
// operator wrote their status) and the policy.

import type {
  ChangeEntry,
  ChangeLogStatus,
  Classification,
  CloudOrganization,
  CloudSecurityPolicySpec,
  CloudService,
  Condition,
  ConditionStatus,
  Criticality,
  ExitDrillStatus,
  Finding,
  IgnoredService,
  LockboxRequestEntry,
  MfaScope,
  Provider,
  ResponsibilityArea,
  ResponsibilityOwner,
  ServiceModel,
  Severity,
  UndeclaredKind,
  UndeclaredService,
} from '../api/types.js';
import type { ConditionType } from '../controls/types.js';

export const REPORT_SCHEMA_VERSION = 1;

export type StepStatus = 'pass' | 'fail' | 'unknown' | 'not-evaluated';

export interface ChecklistStep {
  step: number;
  title: string;
  /** The checklist's minimum requirement, paraphrased. */
  requirement: string;
  /** Condition types implementing the step. */
  conditions: ConditionType[];
}

export interface Evidence {
  label: string;
  /** RFC 3339; undefined when the evidence is missing (shown as such). */
  at?: string;
  /** Whole days from `at` to the report time; negative when `at` is in the future (an expiry). */
  ageDays?: number;
}

export interface StepConditionRef {
  type: string;
  status: ConditionStatus | 'Absent';
  reason?: string;
  /** When the condition last changed status. */
  since?: string;
}

export interface StepReport {
  step: number;
  title: string;
  requirement: string;
  status: StepStatus;
  conditions: StepConditionRef[];
  /** Findings of this step's controls. */
  findings: number;
  evidence: Evidence[];
  note?: string;
}

export interface ReportFinding extends Finding {
  step?: number;
  title?: string;
  remediation: string;
}

export interface ResponsibilityRow {
  area: ResponsibilityArea;
  owner?: ResponsibilityOwner;
  notes?: string;
  /** Required for the service model. */
  required: boolean;
}

export interface ServiceReport {
  namespace: string;
  name: string;
  provider: Provider;
  model: ServiceModel;
  owner: string;
  criticality: Criticality;
  classification: Classification;
  /** AWS account id or Azure subscription id. */
  account: string;
  generation?: number;
  observedGeneration?: number;
  /** False when status was computed from an older spec (or never). */
  statusCurrent: boolean;
  lastCheckedAt?: string;
  compliant: StepConditionRef & { message?: string };
  ready: StepConditionRef & { message?: string };
  conditions: Array<Required<Pick<Condition, 'type' | 'status' | 'reason' | 'message'>> & { since?: string }>;
  checklist: StepReport[];
  responsibility: {
    rows: ResponsibilityRow[];
    missingAreas: ResponsibilityArea[];
    signedOffBy?: string;
    signedOffAt?: string;
  };
  mfa: {
    scope: MfaScope;
    coverage?: number;
    identities?: number;
    privilegedWithoutMFA?: number;
    status: ConditionStatus | 'Absent';
    breakGlassIdentities: string[];
  };
  residency: {
    allowedRegions: string[];
    violations?: number;
    byRegion: Array<{ region: string; resources: number }>;
    guardrailFindings: string[];
    status: ConditionStatus | 'Absent';
  };
  contract: {
    reference?: string;
    reviewedAt?: string;
    ageDays?: number;
    maxAgeDays: number;
    auditRight?: boolean;
    breachNotificationHours?: number;
    maxBreachNotificationHours: number;
    jurisdictions: string[];
  };
  assurance: {
    maxAgeDays: number;
    reports: Array<{
      type: string;
      issuer?: string;
      reference?: string;
      periodEnd?: string;
      expiresAt?: string;
      reviewedAt?: string;
      /** Days since periodEnd (SOC 2) */
      ageDays?: number;
      /** Days until expiresAt (certificates); negative when expired. */
      daysToExpiry?: number;
      regions: string[];
    }>;
    cuecs: { total: number; implemented: number; open: string[] };
  };
  exitPlan: {
    required: boolean;
    document?: string;
    alternatives: string[];
    lastDryRun?: string;
    dryRunAgeDays?: number;
    maxAgeDays: number;
    dataExportVerified?: boolean;
    drill?: {
      source: string;
      recoveryTimeObjective: string;
      interval: string;
      sampleObjects: number;
      status?: ExitDrillStatus;
    };
  };
  changes: {
    log?: ChangeLogStatus;
    entries: ChangeEntry[];
    omitted: number;
    openOutOfBand: number;
    openBreakGlass: number;
  };
  /** The provider's own access (ProviderAccessControlled, checklist step 9), from status.providerAccess and the spec. */
  providerAccess: ProviderAccessReport;
  findings: ReportFinding[];
  findingsOmitted: number;
  /** The evidence record this service was rebuilt from (report --at / --from --to only). */
  record?: RecordRef;
}

/** What was seen of the provider's own access to one service's account ("control over the landlord"). */
export interface ProviderAccessReport {
  /** The ProviderAccessControlled condition, with its message (what was observed, or why it is Unknown). */
  condition: StepConditionRef & { message?: string };
  /** Azure: Customer Lockbox is on for the tenant; undefined when not read (or AWS). */
  lockboxOptedIn?: boolean;
  /** Who may answer Lockbox requests (spec.providerAccess.lockboxApprovers). */
  lockboxApprovers: string[];
  /** The Lockbox requests of the look-back window as status lists them (those with a finding first when bounded). */
  lockboxRequests: LockboxRequestEntry[];
  /** Requests not listed (status.providerAccess.lockboxRequestsOmitted). */
  lockboxRequestsOmitted: number;
  /** Requests with a finding nobody acknowledged. */
  openLockboxFindings: number;
  /** AWS: when the AWS Support role was last used; undefined when never recorded or not read. */
  supportRoleLastUsedAt?: string;
  /** Calls by AWS Support recorded in the change ledger (change entries of kind provider-access). */
  providerCalls: number;
  /** The provider's attestation of its staff's access, as declared and reviewed (spec.providerAccess.attestation). */
  attestation?: { reference: string; reviewedAt: string; reviewedBy?: string; ageDays?: number; maxAgeDays: number };
  /** False until the operator has written status.providerAccess (not read yet, or read only with a gap). */
  read: boolean;
}

/** One CloudOrganization (AWS organisation or Azure tenant) and what nobody declared in it (checklist step 1). */
export interface OrganizationReport {
  name: string;
  provider?: Provider;
  /** The CloudAccount it is listed through (spec.accountRef.name). */
  account: string;
  /** The AWS organisation id or Azure tenant id, as read. */
  organizationId?: string;
  lastCheckedAt?: string;
  generation?: number;
  observedGeneration?: number;
  statusCurrent: boolean;
  /** Items the last complete listing returned, declared or not. */
  listed?: number;
  ready: StepConditionRef & { message?: string };
  allServicesDeclared: StepConditionRef & { message?: string };
  /** Undeclared items as status lists them, by kind then id, bounded (MAX_UNDECLARED_IN_REPORT). */
  undeclared: UndeclaredService[];
  /** Undeclared items in all (status.undeclaredCount). */
  undeclaredCount: number;
  /** Undeclared items this report does not list (omitted from status, or past the report's bound). */
  undeclaredOmitted: number;
  /** Items accepted as undeclared, each with its reason (spec.ignore). */
  ignored: IgnoredService[];
}

/** Step 1 of the checklist across the organisation: no shadow IT. */
export interface ShadowItReport {
  /** False: the section is left out of this report, and `note` says why (e.g. the caller may not list CloudOrganizations). */
  shown: boolean;
  note?: string;
  organizations: OrganizationReport[];
  /** Organisations not listed past the report's bound. */
  organizationsOmitted: number;
  /** Undeclared items across the organisations shown: in all, and by kind of those listed. */
  undeclared: number;
  undeclaredByKind: Record<UndeclaredKind, number>;
}

/** One evidence record, as an auditor finds it in the store. */
export interface RecordRef {
  key: string;
  sequence: number;
  /** sha256 hex of the record's canonical JSON without `hash` (its chain link). */
  hash: string;
  /** The evaluation's time. */
  at: string;
  /** sha256 hex of the effective policy the controls were judged against. */
  policyDigest: string;
}

/** A finding that appeared or went away within a period, with when and in which record. */
export interface PeriodFinding {
  /** `<control>/<resource>` ("-" without resource). */
  id: string;
  control: string;
  resource?: string;
  severity: Severity;
  message: string;
  opened?: { at: string; key: string };
  resolved?: { at: string; key: string };
}

/** How a report rebuilt from the evidence store was made (report/history.ts). */
export interface ReportHistory {
  /** s3://bucket/prefix */
  source: string;
  /** The pack is as of this time: each service's last record at or before it. */
  asOf: string;
  /** The period (report --from --to); `to` is asOf. */
  from?: string;
  to?: string;
  /** When the report was produced from the store. */
  builtAt: string;
  chains: number;
  recordsRead: number;
  /** Chains with a problem: not used, and the report exits non-zero. */
  broken: Array<{ chain: string; problems: string[] }>;
  /** Services with a record at or before asOf that could not be rebuilt (a record without status). */
  skipped: Array<{ service: string; key: string; reason: string }>;
  /** Set when the bound on services cut the pack. */
  truncated?: string;
  /** Per service (namespace/name), the findings opened and resolved within the period. */
  period?: Array<{ service: string; findings: PeriodFinding[]; note?: string }>;
}

export interface ReportModel {
  schemaVersion: number;
  title: string;
  generatedAt: string;
  scope: { namespace: string | null; label: string };
  policy: { name: string; source: 'cluster' | 'defaults' };
  totals: {
    services: number;
    compliant: Record<ConditionStatus | 'Absent', number>;
    findings: number;
    findingsBySeverity: Record<Severity, number>;
    /** Per step: how many services pass, fail, are unknown or not evaluated. */
    steps: Array<{ step: number; title: string } & Record<StepStatus, number>>;
    /** Resources outside the allowed regions, across services, by region. */
    residencyByRegion: Array<{ region: string; resources: number }>;
  };
  checklist: Array<Pick<ChecklistStep, 'step' | 'title' | 'requirement' | 'conditions'>>;
  services: ServiceReport[];
  /** Undeclared accounts, subscriptions and SaaS apps of the CloudOrganizations (Shadow IT, checklist step 1). */
  shadowIt: ShadowItReport;
  /** The control catalog: what each control checks and how to fix it (appendix). */
  controls: Array<{ id: string; step: number; family: string; severity: Severity; title: string; remediation: string }>;
  /** Present when the report was rebuilt from the evidence store (report --at, --from --to). */
  history?: ReportHistory;
}

export interface ReportInput {
  services: readonly CloudService[];
  /** spec of the CloudSecurityPolicy in force; undefined: the built-in defaults. */
  policy?: CloudSecurityPolicySpec;
  policyName?: string;
  /** The namespace reported on; undefined: all namespaces the caller may read. */
  namespace?: string;
  /**
   * The CloudOrganizations (cluster-scoped) for the Shadow IT section; undefined: the
   * section is left out, with `organizationsNote` saying why.
   */
  organizations?: readonly CloudOrganization[];
  organizationsNote?: string;
  generatedAt: Date;
}
