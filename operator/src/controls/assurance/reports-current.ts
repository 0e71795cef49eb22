// A523-06-REPORTS-CURRENT (AssuranceCurrent, checklist step 6): the provider's
// independent audit evidence (SOC 2 Type II, ISO 27001, ...) is current. Every listed
// report must be: a stale report in the spec is one nobody replaced.

import type { AssuranceReport } from '../../api/types.js';
import type { Control, ControlFinding, EffectivePolicy } from '../types.js';
import { fail, pass } from '../outcome.js';
import { listSome, plural } from '../text.js';
import { earliest, formatDay } from '../time.js';
import {
  type ReportValidity,
  assuranceReports,
  certificationNotRequired,
  isPeriodReport,
  reportLabel,
  reportValidity,
} from './reports.js';

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
    if (!policy.certifiedProviderRequired) return certificationNotRequired(policy);
    const list = assuranceReports(input);
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
