// AssuranceCurrent (checklist step 6): the provider's audit reports as evidence, shared
// by the assurance controls.
//
// Evidence age by report type:
//   period reports (SOC2-TypeII, C5): current while now < periodEnd + maxEvidenceAgeDays
//   certificates (ISO27001, ISO27017, ISO27018, CSA-STAR): current while now < expiresAt
// Scope is the union of the listed reports' regions; a report without scope regions
// covers none (its scope was not verified). When the policy does not require a certified
// provider, the report controls pass with reason NotRequired.

import type { AssuranceReport, AssuranceReportType } from '../../api/types.js';
import type { ControlInput, EffectivePolicy } from '../types.js';
import { pass } from '../outcome.js';
import { regionSet } from '../regions.js';
import { datedEvidence, isCurrent, parseTime } from '../time.js';

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

/** spec.assurance.reports, none when unset. */
export function assuranceReports(input: ControlInput): AssuranceReport[] {
  return input.spec.assurance?.reports ?? [];
}

/** Normalised regions covered by the union of the reports' scopes. */
export function scopeRegions(list: readonly AssuranceReport[]): Set<string> {
  return regionSet(list.flatMap((r) => r.scope?.regions ?? []));
}

/** The outcome of a report control when the policy does not require a certified provider. */
export function certificationNotRequired(policy: EffectivePolicy) {
  return pass('NotRequired', `A certified provider is not required for ${policy.classification} data`);
}
