// AssuranceCurrent (checklist step 6): the provider's independent audit evidence is
// current and actually covers what we use, and the Complementary User Entity Controls
// (CUECs) the report puts on us are implemented (the "trusts a logo" trap).
//
// Evidence age by report type:
//   period reports (SOC2-TypeII, C5): current while now < periodEnd + maxEvidenceAgeDays
//   certificates (ISO27001, ISO27017, ISO27018, CSA-STAR): current while now < expiresAt
// Every listed report must be current: a stale report in the spec is one nobody
// replaced. Scope is the union of the listed reports' regions; a report without scope
// regions covers none (its scope was not verified).
//
// When the policy does not require a certified provider, the report controls pass with
// reason NotRequired; CUECs are checked whenever they are declared, because they are
// our controls, not the provider's.

import type { AssuranceReport, AssuranceReportType } from '../api/types.js';
import type { Control, ControlFinding, ControlInput, EffectivePolicy } from './types.js';
import { fail, pass } from './outcome.js';
import { readLive } from './live.js';
import { regionSet, regionsInUse } from './regions.js';
import { listSome, plural, truncate } from './text.js';
import { datedEvidence, earliest, formatDay, isCurrent, parseTime } from './time.js';

export const PERIOD_REPORT_TYPES: readonly AssuranceReportType[] = ['SOC2-TypeII', 'C5'];

export type ReportValidity =
  { state: 'missing' | 'invalid' | 'future' } | { state: 'current' | 'stale'; expiresAt: Date; producedAt?: Date };

export function isPeriodReport(report: AssuranceReport): boolean {
  return PERIOD_REPORT_TYPES.includes(report.type);
}

/** Whether a report is current evidence at `now`, and until when. */
export function reportValidity(report: AssuranceReport, maxEvidenceAgeDays: number, now: Date): ReportValidity {
  if (isPeriodReport(report)) {
    const period = datedEvidence(report.periodEnd, maxEvidenceAgeDays, now);
    if (period.state === 'current' || period.state === 'stale') {
      return { state: period.state, expiresAt: period.expiresAt, producedAt: period.at };
    }
    return { state: period.state };
  }
  if (report.expiresAt === undefined || report.expiresAt.trim() === '') return { state: 'missing' };
  const expiresAt = parseTime(report.expiresAt);
  if (expiresAt === undefined) return { state: 'invalid' };
  return { state: isCurrent(now, expiresAt) ? 'current' : 'stale', expiresAt };
}

export function reportLabel(report: AssuranceReport): string {
  return report.reference ? `${report.type} ${report.reference}` : report.type;
}

function reports(input: ControlInput): AssuranceReport[] {
  return input.spec.assurance?.reports ?? [];
}

/** Normalised regions covered by the union of the reports' scopes. */
export function scopeRegions(list: readonly AssuranceReport[]): Set<string> {
  return regionSet(list.flatMap((r) => r.scope?.regions ?? []));
}

function notRequired(policy: EffectivePolicy) {
  return pass('NotRequired', `A certified provider is not required for ${policy.classification} data`);
}

function staleText(report: AssuranceReport, validity: ReportValidity, policy: EffectivePolicy): string {
  const label = reportLabel(report);
  const dateField = isPeriodReport(report) ? 'period end' : 'expiry date';
  switch (validity.state) {
    case 'missing':
      return `${label}: no ${dateField} recorded`;
    case 'invalid':
      return `${label}: ${dateField} is not an ISO 8601 date`;
    case 'future':
      return `${label}: ${dateField} is in the future`;
    case 'stale':
      return isPeriodReport(report)
        ? `${label}: audited period ended ${formatDay(validity.producedAt ?? validity.expiresAt)}, older than ${policy.maxEvidenceAgeDays} days`
        : `${label}: certificate expired ${formatDay(validity.expiresAt)}`;
    case 'current':
      return `${label}: current`;
  }
}

export const reportsCurrent: Control = {
  id: 'A523-06-REPORTS-CURRENT',
  family: 'AssuranceCurrent',
  checklistStep: 6,
  severity: 'high',
  title: "The provider's SOC 2 Type II / ISO 27001 evidence is current",
  remediation:
    "Download the latest SOC 2 Type II report or ISO 27001 certificate from the provider's trust portal, review it, and record it in spec.assurance.reports (periodEnd or expiresAt, scope regions); remove reports that have been superseded.",
  needs: 'spec',
  evaluate(input) {
    const policy = input.policy;
    if (!policy.certifiedProviderRequired) return notRequired(policy);
    const list = reports(input);
    if (list.length === 0) {
      return fail('NoAssuranceReport', 'No provider audit report or certificate is recorded');
    }
    const findings: ControlFinding[] = [];
    let reason = '';
    const expiries: Date[] = [];
    const produced: Array<Date | undefined> = [];
    for (const report of list) {
      const validity = reportValidity(report, policy.maxEvidenceAgeDays, input.now);
      if (validity.state === 'current') {
        expiries.push(validity.expiresAt);
        produced.push(validity.producedAt);
        continue;
      }
      if (reason === '') reason = validity.state === 'stale' ? 'AssuranceReportStale' : 'AssuranceReportUndated';
      findings.push({ resource: reportLabel(report), message: staleText(report, validity, policy) });
    }
    const timing = { changesAt: earliest(expiries), evidenceAt: earliest(produced) };
    if (findings.length > 0) {
      return fail(
        reason,
        `${plural(findings.length, 'report')} not current: ${listSome(
          findings.map((f) => f.message),
          3,
          '; ',
        )}`,
        findings,
        {
          evidenceAt: timing.evidenceAt,
        },
      );
    }
    return pass('ReportsCurrent', `${plural(list.length, 'audit report')} current`, timing);
  },
};

export const scopeCoversRegions: Control = {
  id: 'A523-06-SCOPE-COVERS-REGIONS',
  family: 'AssuranceCurrent',
  checklistStep: 6,
  severity: 'medium',
  title: "The audit reports' scope covers every region the service may use",
  remediation:
    "Check the scope section of the provider's report: if the listed regions are covered, record them in spec.assurance.reports[].scope.regions; if not, obtain a report that covers them or remove the regions from spec.allowedRegions.",
  needs: 'spec',
  evaluate(input) {
    if (!input.policy.certifiedProviderRequired) return notRequired(input.policy);
    const list = reports(input);
    if (list.length === 0) return pass('NoReports', 'No reports to check (see A523-06-REPORTS-CURRENT)');
    const covered = scopeRegions(list);
    const missing = [...regionSet(input.spec.allowedRegions)].filter((r) => !covered.has(r)).sort();
    if (missing.length > 0) {
      return fail(
        'ScopeMissesAllowedRegions',
        `No audit report covers allowed ${plural(missing.length, 'region')} ${listSome(missing)}`,
        missing.map((region) => ({
          resource: region,
          message: `Allowed region ${region} is not in any report's scope`,
        })),
      );
    }
    return pass('ScopeCoversAllowedRegions', 'Audit scope covers every allowed region');
  },
};

export const scopeCoversUsage: Control = {
  id: 'A523-06-SCOPE-COVERS-USAGE',
  family: 'AssuranceCurrent',
  checklistStep: 6,
  severity: 'high',
  title: "The audit reports' scope covers every region the account actually uses",
  remediation:
    "Move or delete the resources in regions outside the audited scope, or obtain the provider's report covering those regions and record them in spec.assurance.reports[].scope.regions.",
  needs: 'live',
  evaluate(input) {
    if (!input.policy.certifiedProviderRequired) return notRequired(input.policy);
    const list = reports(input);
    if (list.length === 0) return pass('NoReports', 'No reports to check (see A523-06-REPORTS-CURRENT)');
    const live = readLive(input, ['resources']);
    if (!live.ok) return live.outcome;
    const covered = scopeRegions(list);
    const missing = regionsInUse(live.inventory).filter((r) => !covered.has(r));
    const timing = { evidenceAt: live.evidenceAt };
    if (missing.length > 0) {
      return fail(
        'ScopeMissesRegionsInUse',
        `Resources in ${plural(missing.length, 'region')} outside the audited scope: ${listSome(missing)}`,
        missing.map((region) => ({
          resource: region,
          message: `Region ${region} holds resources but no audit report covers it`,
        })),
        timing,
      );
    }
    return pass('ScopeCoversRegionsInUse', 'Audit scope covers every region in use', timing);
  },
};

export const cuecsImplemented: Control = {
  id: 'A523-06-CUECS-IMPLEMENTED',
  family: 'AssuranceCurrent',
  checklistStep: 6,
  severity: 'high',
  title: 'The complementary user entity controls (CUECs) of the provider report are implemented',
  remediation:
    "Read the CUEC section of the provider's SOC 2 report, record each control in spec.assurance.cuecs, implement the ones marked not implemented and reference the evidence.",
  needs: 'spec',
  evaluate(input) {
    const cuecs = input.spec.assurance?.cuecs;
    if (cuecs === undefined) {
      if (input.policy.certifiedProviderRequired && reports(input).some(isPeriodReport)) {
        return fail('CuecsNotDocumented', "The user entity controls the provider's report requires are not documented");
      }
      return pass('NoCuecsDeclared', 'No user entity controls declared');
    }
    const open = cuecs.filter((c) => c.implemented !== true);
    if (open.length > 0) {
      return fail(
        'CuecsNotImplemented',
        `${plural(open.length, 'user entity control')} not implemented: ${listSome(open.map((c) => c.id))}`,
        open.map((c) => ({ resource: c.id, message: `CUEC ${c.id} not implemented: ${truncate(c.description, 160)}` })),
      );
    }
    return pass('CuecsImplemented', `${plural(cuecs.length, 'user entity control')} implemented`);
  },
};
