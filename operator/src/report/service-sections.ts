// The sections of one service's report, each built from the spec and the status the
// operator wrote (nothing re-evaluated): findings with their step and remediation, the
// shared-responsibility matrix, MFA, data residency by region, contract, provider
// assurance, the exit plan and its drill, the change ledger, and the provider's own access.

import type { CloudServiceSpec, CloudServiceStatus, Finding, ResponsibilityArea, Severity } from '../api/types.js';
import { exitPlanRequired } from '../controls/exit-plan/required.js';
import { REQUIRED_AREAS, isKnownModel } from '../controls/responsibility/matrix.js';
import type { Control, EffectivePolicy } from '../controls/types.js';
import { compareText } from '../controls/text.js';
import { ageInDays, parseTime } from '../controls/time.js';
import { stepOfControl } from './checklist.js';
import { conditionOf, conditionRef } from './condition-ref.js';
import type { ReportFinding, ResponsibilityRow, ServiceReport } from './model.js';

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** The status's findings, most severe first, with their checklist step, control title and remediation. */
export function reportFindings(status: CloudServiceStatus | undefined, controls: Map<string, Control>): ReportFinding[] {
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
  return findings;
}

/** The declared matrix, plus a row without owner for each area the service model requires and the spec leaves out. */
export function responsibilitySection(spec: CloudServiceSpec): ServiceReport['responsibility'] {
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

  const responsibility: ServiceReport['responsibility'] = { rows, missingAreas };
  if (spec.sharedResponsibility?.signedOffBy) responsibility.signedOffBy = spec.sharedResponsibility.signedOffBy;
  if (spec.sharedResponsibility?.signedOffAt) responsibility.signedOffAt = spec.sharedResponsibility.signedOffAt;
  return responsibility;
}

export function mfaSection(spec: CloudServiceSpec, status: CloudServiceStatus | undefined, policy: EffectivePolicy): ServiceReport['mfa'] {
  const summary = status?.summary;
  const mfa: ServiceReport['mfa'] = {
    scope: policy.mfaScope,
    status: conditionRef(conditionOf(status, 'MFAEnforced'), 'MFAEnforced').status,
    breakGlassIdentities: spec.breakGlassIdentities ?? [],
  };
  if (summary?.mfaCoverage !== undefined) mfa.coverage = summary.mfaCoverage;
  if (summary?.identities !== undefined) mfa.identities = summary.identities;
  if (summary?.privilegedWithoutMFA !== undefined) mfa.privilegedWithoutMFA = summary.privilegedWithoutMFA;
  return mfa;
}

/** The region of a residency finding: named in its message, else the ARN's. */
function regionOf(finding: Finding): string | undefined {
  const fromMessage = / in ([a-z0-9-]+), outside the allowed regions/.exec(finding.message)?.[1];
  if (fromMessage) return fromMessage;
  const arnRegion = finding.resource?.startsWith('arn:') ? finding.resource.split(':')[3] : undefined;
  return arnRegion || undefined;
}

/** Resources outside the allowed regions, counted by region from the residency findings. */
export function residencySection(spec: CloudServiceSpec, status: CloudServiceStatus | undefined, findings: readonly ReportFinding[]): ServiceReport['residency'] {
  const residencyFindings = findings.filter((f) => f.control === 'A523-05-DATA-IN-ALLOWED-REGIONS');
  const byRegion = new Map<string, number>();
  for (const f of residencyFindings) {
    const region = regionOf(f) ?? 'unknown';
    byRegion.set(region, (byRegion.get(region) ?? 0) + 1);
  }
  const summary = status?.summary;
  const residency: ServiceReport['residency'] = {
    allowedRegions: spec.allowedRegions,
    byRegion: [...byRegion.entries()].map(([region, resources]) => ({ region, resources })).sort((a, b) => b.resources - a.resources || compareText(a.region, b.region)),
    guardrailFindings: findings.filter((f) => f.control === 'A523-05-REGION-GUARDRAIL').map((f) => f.message),
    status: conditionRef(conditionOf(status, 'DataResidency'), 'DataResidency').status,
  };
  if (summary?.regionViolations !== undefined) residency.violations = summary.regionViolations;
  return residency;
}

export function contractSection(spec: CloudServiceSpec, policy: EffectivePolicy, now: Date): ServiceReport['contract'] {
  const reviewedAt = parseTime(spec.contract?.reviewedAt);
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
  return contract;
}

/** Each provider report with its age (SOC 2 period end) or time to expiry (certificates), and the CUECs. */
export function assuranceSection(spec: CloudServiceSpec, policy: EffectivePolicy, now: Date): ServiceReport['assurance'] {
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
  return {
    maxAgeDays: policy.maxEvidenceAgeDays,
    reports,
    cuecs: { total: cuecs.length, implemented: cuecs.filter((c) => c.implemented).length, open: cuecs.filter((c) => !c.implemented).map((c) => c.id) },
  };
}

/** The exit plan as declared, and the automated drill's configuration and last result. */
export function exitPlanSection(spec: CloudServiceSpec, status: CloudServiceStatus | undefined, policy: EffectivePolicy, now: Date): ServiceReport['exitPlan'] {
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
  return exitPlan;
}

/** The change ledger from status, with the changes still open: out-of-band ones and unreviewed break-glass use. */
export function changesSection(status: CloudServiceStatus | undefined): ServiceReport['changes'] {
  const changeEntries = status?.changes ?? [];
  const changes: ServiceReport['changes'] = {
    entries: changeEntries,
    omitted: status?.changesOmitted ?? 0,
    openOutOfBand: changeEntries.filter((e) => !e.tracked && !e.acknowledged && e.breakGlass !== true && e.kind !== 'sign-in' && e.kind !== 'provider-access' && e.failed !== true).length,
    openBreakGlass: changeEntries.filter((e) => e.breakGlass === true && !e.acknowledged).length,
  };
  if (status?.changeLog) changes.log = status.changeLog;
  return changes;
}

/**
 * The provider's own access (ProviderAccessControlled): Customer Lockbox opt-in and each
 * request with who answered it (Azure), the AWS Support role's last use and the calls by
 * AWS Support in the ledger (AWS), the attestation declared, and the condition's message.
 */
export function providerAccessSection(spec: CloudServiceSpec, status: CloudServiceStatus | undefined, policy: EffectivePolicy, now: Date): ServiceReport['providerAccess'] {
  const read = status?.providerAccess;
  const condition = conditionOf(status, 'ProviderAccessControlled');
  const requests = read?.lockboxRequests ?? [];
  const access: ServiceReport['providerAccess'] = {
    condition: { ...conditionRef(condition, 'ProviderAccessControlled'), ...(condition?.message ? { message: condition.message } : {}) },
    lockboxApprovers: spec.providerAccess?.lockboxApprovers ?? [],
    lockboxRequests: requests,
    lockboxRequestsOmitted: read?.lockboxRequestsOmitted ?? 0,
    openLockboxFindings: requests.filter((r) => r.finding !== undefined && r.acknowledged !== true).length,
    providerCalls: (status?.changes ?? []).filter((e) => e.kind === 'provider-access').length,
    read: read !== undefined,
  };
  if (read?.lockboxOptedIn !== undefined) access.lockboxOptedIn = read.lockboxOptedIn;
  if (read?.supportRoleLastUsedAt) access.supportRoleLastUsedAt = read.supportRoleLastUsedAt;
  const attestation = spec.providerAccess?.attestation;
  if (attestation) {
    const reviewed = parseTime(attestation.reviewedAt);
    access.attestation = {
      reference: attestation.reference,
      reviewedAt: attestation.reviewedAt,
      ...(attestation.reviewedBy ? { reviewedBy: attestation.reviewedBy } : {}),
      ...(reviewed ? { ageDays: ageInDays(reviewed, now) } : {}),
      maxAgeDays: policy.maxEvidenceAgeDays,
    };
  }
  return access;
}
