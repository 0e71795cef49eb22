// The evidence report's model: CloudServices (as the operator wrote their status) and the
// policy in, everything an auditor reads out. Pure: no I/O, the clock is `generatedAt`.
// The JSON format of `cloudposture report` is this model as is; HTML and Markdown render it.
//
// The report states what the operator observed and when, never more:
// - Each of the 10 steps of the A.5.23 checklist lists the condition(s) implementing it,
//   with their status and the time they last changed, and the timestamps of the evidence
//   behind it (spec dates, status.lastCheckedAt, the exit drill, the change log).
// - A step fails when a control of that step has a finding. A condition shared by two
//   steps (ContractReviewed: steps 1 and 2) that is False because of the other step's
//   controls does not fail this one: every False control leaves a finding, so the absence
//   of this step's findings shows its controls did not fail (when findings were omitted
//   from status, the step is Unknown instead).
// - Nothing is re-evaluated here: a status older than the spec (observedGeneration behind
//   metadata.generation) is flagged, not corrected.

import type {
  ChangeEntry,
  ChangeLogStatus,
  Classification,
  CloudSecurityPolicySpec,
  CloudService,
  Condition,
  ConditionStatus,
  Criticality,
  ExitDrillStatus,
  Finding,
  MfaScope,
  Provider,
  ResponsibilityArea,
  ResponsibilityOwner,
  ServiceModel,
  Severity,
} from '../api/types.js';
import { CATALOG } from '../controls/catalog.js';
import { CHANGE_CONTROLS } from '../controls/changes.js';
import { exitPlanRequired } from '../controls/exitplan.js';
import { resolvePolicy } from '../controls/policy.js';
import { REQUIRED_AREAS, isKnownModel } from '../controls/responsibility.js';
import type { Control, ConditionType, EffectivePolicy } from '../controls/types.js';
import { compareText } from '../controls/text.js';
import { ageInDays, parseTime } from '../controls/time.js';

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

/** The 10 steps of the A.5.23 implementation checklist and the conditions that implement each. */
export const CHECKLIST: readonly ChecklistStep[] = [
  { step: 1, title: 'Cloud usage policy', requirement: 'Only permitted service models and approved providers are used (no shadow IT).', conditions: ['ResponsibilityDefined', 'ContractReviewed'] },
  { step: 2, title: 'Security requirements in contracts', requirement: 'Contract reviewed for data jurisdiction, audit right and breach notification.', conditions: ['ContractReviewed'] },
  { step: 3, title: 'Shared responsibility matrix', requirement: 'Every area has an owner for the service model, signed off by the Head of IT.', conditions: ['ResponsibilityDefined'] },
  { step: 4, title: 'Hardened configuration (IaC)', requirement: 'Encryption at rest, no public storage, live state matches the declared IaC.', conditions: ['EncryptionAtRest', 'NoPublicExposure', 'InSync'] },
  { step: 5, title: 'Data residency', requirement: 'All data in allowed regions, enforced by a region guardrail.', conditions: ['DataResidency'] },
  { step: 6, title: 'Provider audit evidence', requirement: 'Current SOC 2 Type II / ISO 27001 reports whose scope covers the regions and services used; CUECs implemented.', conditions: ['AssuranceCurrent'] },
  { step: 7, title: 'Exit strategy', requirement: 'Documented exit plan with alternatives and a tested, verified data export.', conditions: ['ExitPlanReady'] },
  { step: 8, title: 'MFA for administrative access', requirement: '100 % MFA for identities that can write or delete; no long-lived keys; break-glass accounts protected and their use reviewed.', conditions: ['MFAEnforced', 'ChangesTracked'] },
  { step: 9, title: 'Activity monitoring', requirement: 'Audit trail streamed to an off-platform log vault, delivered recently.', conditions: ['AuditLogging'] },
  { step: 10, title: 'Change management', requirement: 'A change record for every network and firewall change.', conditions: ['ChangesTracked'] },
];

/** Every control the report knows (catalog plus controls evaluated outside it). */
export function reportControls(): Control[] {
  const byId = new Map<string, Control>();
  for (const c of [...CATALOG, ...CHANGE_CONTROLS]) byId.set(c.id, c);
  return [...byId.values()];
}

/** Checklist step of a control id ("A523-08-..." -> 8). */
export function stepOfControl(id: string): number | undefined {
  const m = /^A523-(\d{2})-/.exec(id);
  return m ? Number(m[1]) : undefined;
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
  findings: ReportFinding[];
  findingsOmitted: number;
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
  /** The control catalog: what each control checks and how to fix it (appendix). */
  controls: Array<{ id: string; step: number; family: string; severity: Severity; title: string; remediation: string }>;
}

export interface ReportInput {
  services: readonly CloudService[];
  /** spec of the CloudSecurityPolicy in force; undefined: the built-in defaults. */
  policy?: CloudSecurityPolicySpec;
  policyName?: string;
  /** The namespace reported on; undefined: all namespaces the caller may read. */
  namespace?: string;
  generatedAt: Date;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

function condition(status: { conditions?: Condition[] } | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

function ref(c: Condition | undefined, type: string): StepConditionRef {
  if (c === undefined) return { type, status: 'Absent' };
  const out: StepConditionRef = { type, status: c.status, reason: c.reason };
  if (c.lastTransitionTime) out.since = c.lastTransitionTime;
  return out;
}

function evidence(label: string, at: string | undefined, now: Date): Evidence {
  const parsed = parseTime(at);
  if (at === undefined || parsed === undefined) return { label };
  // Negative for evidence dated in the future (certificate expiry).
  return { label, at, ageDays: ageInDays(parsed, now) };
}

function stepEvidence(step: number, service: CloudService, now: Date): Evidence[] {
  const spec = service.spec;
  const status = service.status;
  const checked = evidence('Live account last checked', status?.lastCheckedAt, now);
  switch (step) {
    case 1:
      return [evidence('Policy evaluated', status?.lastCheckedAt, now)];
    case 2:
      return [evidence('Contract reviewed', spec.contract?.reviewedAt, now)];
    case 3:
      return [evidence('Matrix signed off', spec.sharedResponsibility?.signedOffAt, now)];
    case 6: {
      const reports = spec.assurance?.reports ?? [];
      if (reports.length === 0) return [{ label: 'Provider audit report' }];
      return reports.map((r) => evidence(`${r.type}${r.periodEnd ? ' period end' : ' expiry'}`, r.periodEnd ?? r.expiresAt, now));
    }
    case 7: {
      const out = [evidence('Last recorded dry run', spec.exitPlan?.lastDryRun, now)];
      if (spec.exitPlan?.drill) {
        out.push(evidence('Automated drill last run', status?.exitDrill?.lastRunAt, now));
        out.push(evidence('Automated drill last passed', status?.exitDrill?.lastSuccessAt, now));
      }
      return out;
    }
    case 10:
      return [evidence('Change log read up to', status?.changeLog?.readUntil, now), evidence('Change log last read', status?.changeLog?.lastReadAt, now)];
    case 8:
      return status?.changeLog ? [checked, evidence('Change log last read', status.changeLog.lastReadAt, now)] : [checked];
    default:
      return [checked];
  }
}

function stepReport(step: ChecklistStep, service: CloudService, now: Date): StepReport {
  const status = service.status;
  const refs = step.conditions.map((type) => ref(condition(status, type), type));
  const present = refs.filter((r) => r.status !== 'Absent');
  const findings = (status?.findings ?? []).filter((f) => stepOfControl(f.control) === step.step).length;
  const omitted = (status?.findingsOmitted ?? 0) > 0;
  const report: StepReport = {
    step: step.step,
    title: step.title,
    requirement: step.requirement,
    status: 'not-evaluated',
    // Conditions a service does not publish (e.g. InSync without IaC) are left out.
    conditions: present.length > 0 ? present : refs,
    findings,
    evidence: stepEvidence(step.step, service, now),
  };
  if (present.length === 0) {
    report.note = 'Not evaluated yet.';
    return report;
  }
  if (findings > 0) {
    report.status = 'fail';
    return report;
  }
  if (present.every((r) => r.status === 'True')) {
    report.status = 'pass';
    return report;
  }
  if (present.some((r) => r.status === 'Unknown')) {
    report.status = 'unknown';
    report.note = 'Some evidence could not be read (a failed read is not a finding).';
    return report;
  }
  // Only False conditions remain, and none of their findings belongs to this step.
  const others = present.filter((r) => r.status === 'False').map((r) => r.type);
  if (omitted) {
    report.status = 'unknown';
    report.note = `${others.join(', ')} is False and some findings were omitted from status: this step cannot be read alone.`;
  } else {
    report.status = 'pass';
    report.note = `No control of this step fails; ${others.join(', ')} is False because of another step's controls.`;
  }
  return report;
}

function regionOf(finding: Finding): string | undefined {
  const fromMessage = / in ([a-z0-9-]+), outside the allowed regions/.exec(finding.message)?.[1];
  if (fromMessage) return fromMessage;
  const arnRegion = finding.resource?.startsWith('arn:') ? finding.resource.split(':')[3] : undefined;
  return arnRegion || undefined;
}

function serviceReport(service: CloudService, policySpec: CloudSecurityPolicySpec | undefined, now: Date, controls: Map<string, Control>): ServiceReport {
  const spec = service.spec;
  const status = service.status;
  const policy: EffectivePolicy = resolvePolicy(policySpec, spec.classification);
  const generation = service.metadata.generation;
  const observed = status?.observedGeneration;
  const compliant = condition(status, 'Compliant');
  const ready = condition(status, 'Ready');

  const findings: ReportFinding[] = (status?.findings ?? []).map((f) => {
    const control = controls.get(f.control);
    const out: ReportFinding = { ...f, remediation: f.remediation ?? control?.remediation ?? '' };
    const step = stepOfControl(f.control);
    if (step !== undefined) out.step = step;
    if (control) out.title = control.title;
    return out;
  });
  findings.sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      compareText(a.control, b.control) ||
      compareText(a.resource ?? '', b.resource ?? ''),
  );

  const model = spec.model;
  const required = new Set<ResponsibilityArea>(isKnownModel(model) ? REQUIRED_AREAS[model] : []);
  const entries = spec.sharedResponsibility?.areas ?? [];
  const rows: ResponsibilityRow[] = entries.map((e) => {
    const row: ResponsibilityRow = { area: e.area, owner: e.owner, required: required.has(e.area) };
    if (e.notes) row.notes = e.notes;
    return row;
  });
  const missingAreas = [...required].filter((a) => !entries.some((e) => e.area === a));
  for (const area of missingAreas) rows.push({ area, required: true });

  const residencyFindings = findings.filter((f) => f.control === 'A523-05-DATA-IN-ALLOWED-REGIONS');
  const byRegion = new Map<string, number>();
  for (const f of residencyFindings) {
    const region = regionOf(f) ?? 'unknown';
    byRegion.set(region, (byRegion.get(region) ?? 0) + 1);
  }

  const reviewedAt = parseTime(spec.contract?.reviewedAt);
  const reports = (spec.assurance?.reports ?? []).map((r) => {
    const periodEnd = parseTime(r.periodEnd);
    const expiresAt = parseTime(r.expiresAt);
    const out: ServiceReport['assurance']['reports'][number] = { type: r.type, regions: r.scope?.regions ?? [] };
    if (r.issuer) out.issuer = r.issuer;
    if (r.reference) out.reference = r.reference;
    if (r.periodEnd) out.periodEnd = r.periodEnd;
    if (r.expiresAt) out.expiresAt = r.expiresAt;
    if (r.reviewedAt) out.reviewedAt = r.reviewedAt;
    if (periodEnd) out.ageDays = ageInDays(periodEnd, now);
    if (expiresAt) out.daysToExpiry = -ageInDays(expiresAt, now);
    return out;
  });
  const cuecs = spec.assurance?.cuecs ?? [];

  const plan = spec.exitPlan;
  const dryRun = parseTime(plan?.lastDryRun);
  const exitPlan: ServiceReport['exitPlan'] = {
    required: exitPlanRequired({ spec, policy, inventory: { ok: false, failure: { reason: 'NotRead', message: '' }, skipped: true }, now }),
    alternatives: plan?.alternatives ?? [],
    maxAgeDays: policy.exitDrillMaxAgeDays,
  };
  if (plan?.document) exitPlan.document = plan.document;
  if (plan?.lastDryRun) exitPlan.lastDryRun = plan.lastDryRun;
  if (dryRun) exitPlan.dryRunAgeDays = ageInDays(dryRun, now);
  if (plan?.dataExportVerified !== undefined) exitPlan.dataExportVerified = plan.dataExportVerified;
  if (plan?.drill) {
    exitPlan.drill = {
      source: `s3://${plan.drill.s3.bucket}/${plan.drill.s3.prefix ?? ''}`,
      recoveryTimeObjective: plan.drill.recoveryTimeObjective,
      interval: plan.drill.interval ?? '168h',
      sampleObjects: plan.drill.sampleObjects ?? 20,
    };
    if (status?.exitDrill) exitPlan.drill.status = status.exitDrill;
  }

  const changeEntries = status?.changes ?? [];
  const changes: ServiceReport['changes'] = {
    entries: changeEntries,
    omitted: status?.changesOmitted ?? 0,
    openOutOfBand: changeEntries.filter((e) => !e.tracked && !e.acknowledged && e.breakGlass !== true && e.kind !== 'sign-in' && e.failed !== true).length,
    openBreakGlass: changeEntries.filter((e) => e.breakGlass === true && !e.acknowledged).length,
  };
  if (status?.changeLog) changes.log = status.changeLog;

  const contract: ServiceReport['contract'] = {
    maxAgeDays: policy.maxContractReviewAgeDays,
    maxBreachNotificationHours: policy.maxBreachNotificationHours,
    jurisdictions: spec.contract?.dataJurisdictions ?? [],
  };
  if (spec.contract?.reference) contract.reference = spec.contract.reference;
  if (spec.contract?.reviewedAt) contract.reviewedAt = spec.contract.reviewedAt;
  if (reviewedAt) contract.ageDays = ageInDays(reviewedAt, now);
  if (spec.contract?.auditRight !== undefined) contract.auditRight = spec.contract.auditRight;
  if (spec.contract?.breachNotificationHours !== undefined) contract.breachNotificationHours = spec.contract.breachNotificationHours;

  const summary = status?.summary;
  const mfa: ServiceReport['mfa'] = {
    scope: policy.mfaScope,
    status: ref(condition(status, 'MFAEnforced'), 'MFAEnforced').status,
    breakGlassIdentities: spec.breakGlassIdentities ?? [],
  };
  if (summary?.mfaCoverage !== undefined) mfa.coverage = summary.mfaCoverage;
  if (summary?.identities !== undefined) mfa.identities = summary.identities;
  if (summary?.privilegedWithoutMFA !== undefined) mfa.privilegedWithoutMFA = summary.privilegedWithoutMFA;

  const residency: ServiceReport['residency'] = {
    allowedRegions: spec.allowedRegions,
    byRegion: [...byRegion.entries()].map(([region, resources]) => ({ region, resources })).sort((a, b) => b.resources - a.resources || compareText(a.region, b.region)),
    guardrailFindings: findings.filter((f) => f.control === 'A523-05-REGION-GUARDRAIL').map((f) => f.message),
    status: ref(condition(status, 'DataResidency'), 'DataResidency').status,
  };
  if (summary?.regionViolations !== undefined) residency.violations = summary.regionViolations;

  const responsibility: ServiceReport['responsibility'] = { rows, missingAreas };
  if (spec.sharedResponsibility?.signedOffBy) responsibility.signedOffBy = spec.sharedResponsibility.signedOffBy;
  if (spec.sharedResponsibility?.signedOffAt) responsibility.signedOffAt = spec.sharedResponsibility.signedOffAt;

  const report: ServiceReport = {
    namespace: service.metadata.namespace ?? '',
    name: service.metadata.name ?? '',
    provider: spec.provider,
    model: spec.model,
    owner: spec.owner,
    criticality: spec.criticality,
    classification: spec.classification,
    account: spec.account.aws?.accountId ?? spec.account.azure?.subscriptionId ?? '',
    statusCurrent: observed !== undefined && (generation === undefined || observed >= generation),
    compliant: { ...ref(compliant, 'Compliant'), ...(compliant?.message ? { message: compliant.message } : {}) },
    ready: { ...ref(ready, 'Ready'), ...(ready?.message ? { message: ready.message } : {}) },
    conditions: (status?.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      ...(c.lastTransitionTime ? { since: c.lastTransitionTime } : {}),
    })),
    checklist: CHECKLIST.map((s) => stepReport(s, service, now)),
    responsibility,
    mfa,
    residency,
    contract,
    assurance: {
      maxAgeDays: policy.maxEvidenceAgeDays,
      reports,
      cuecs: { total: cuecs.length, implemented: cuecs.filter((c) => c.implemented).length, open: cuecs.filter((c) => !c.implemented).map((c) => c.id) },
    },
    exitPlan,
    changes,
    findings,
    findingsOmitted: status?.findingsOmitted ?? 0,
  };
  if (generation !== undefined) report.generation = generation;
  if (observed !== undefined) report.observedGeneration = observed;
  if (status?.lastCheckedAt) report.lastCheckedAt = status.lastCheckedAt;
  return report;
}

/** Builds the report model. Services are sorted by namespace, then name. */
export function buildReportModel(input: ReportInput): ReportModel {
  const now = input.generatedAt;
  const controls = reportControls();
  const byId = new Map(controls.map((c) => [c.id, c]));
  const services = [...input.services]
    .sort((a, b) => compareText(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || compareText(a.metadata.name ?? '', b.metadata.name ?? ''))
    .map((s) => serviceReport(s, input.policy, now, byId));

  const compliant: ReportModel['totals']['compliant'] = { True: 0, False: 0, Unknown: 0, Absent: 0 };
  const bySeverity: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  const residency = new Map<string, number>();
  let findingTotal = 0;
  for (const s of services) {
    compliant[s.compliant.status]++;
    for (const f of s.findings) bySeverity[f.severity]++;
    findingTotal += s.findings.length + s.findingsOmitted;
    for (const r of s.residency.byRegion) residency.set(r.region, (residency.get(r.region) ?? 0) + r.resources);
  }
  const steps = CHECKLIST.map((c) => {
    const counts: Record<StepStatus, number> = { pass: 0, fail: 0, unknown: 0, 'not-evaluated': 0 };
    for (const s of services) counts[(s.checklist[c.step - 1] as StepReport).status]++;
    return { step: c.step, title: c.title, ...counts };
  });

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    title: 'ISO/IEC 27001:2022 Annex A 5.23 - evidence report',
    generatedAt: now.toISOString(),
    scope: input.namespace
      ? { namespace: input.namespace, label: `namespace ${input.namespace}` }
      : { namespace: null, label: 'all namespaces' },
    policy: { name: input.policyName ?? 'default', source: input.policy ? 'cluster' : 'defaults' },
    totals: {
      services: services.length,
      compliant,
      findings: findingTotal,
      findingsBySeverity: bySeverity,
      steps,
      residencyByRegion: [...residency.entries()].map(([region, resources]) => ({ region, resources })).sort((a, b) => b.resources - a.resources || compareText(a.region, b.region)),
    },
    checklist: CHECKLIST.map(({ step, title, requirement, conditions }) => ({ step, title, requirement, conditions: [...conditions] })),
    services,
    controls: controls
      .map((c) => ({ id: c.id, step: c.checklistStep, family: c.family, severity: c.severity, title: c.title, remediation: c.remediation }))
      .sort((a, b) => a.step - b.step || compareText(a.id, b.id)),
  };
}

