// Builds the evidence report's model (pure: no I/O, the clock is `generatedAt`): one
// ServiceReport per CloudService from its checklist steps and sections, the totals
// across services, and the CloudOrganizations' undeclared services (shadow-it.ts).
//
// The report states what the operator observed and when, never more: nothing is
// re-evaluated here, and a status older than the spec (observedGeneration behind
// metadata.generation) is flagged, not corrected.

import type { CloudSecurityPolicySpec, CloudService, Severity } from '../api/types.js';
import { resolvePolicy } from '../controls/policy.js';
import type { Control, EffectivePolicy } from '../controls/types.js';
import { compareText } from '../controls/text.js';
import { CHECKLIST, reportControls, stepReport } from './checklist.js';
import { conditionOf, conditionRef } from './condition-ref.js';
import { REPORT_SCHEMA_VERSION, type ReportInput, type ReportModel, type ServiceReport, type StepReport, type StepStatus } from './model.js';
import {
  assuranceSection,
  changesSection,
  contractSection,
  exitPlanSection,
  mfaSection,
  providerAccessSection,
  reportFindings,
  residencySection,
  responsibilitySection,
} from './service-sections.js';
import { shadowItSection } from './shadow-it.js';

function serviceReport(service: CloudService, policySpec: CloudSecurityPolicySpec | undefined, now: Date, controls: Map<string, Control>): ServiceReport {
  const spec = service.spec;
  const status = service.status;
  const policy: EffectivePolicy = resolvePolicy(policySpec, spec.classification);
  const generation = service.metadata.generation;
  const observed = status?.observedGeneration;
  const compliant = conditionOf(status, 'Compliant');
  const ready = conditionOf(status, 'Ready');
  const findings = reportFindings(status, controls);

  const report: ServiceReport = {
    namespace: service.metadata.namespace ?? '',
    name: service.metadata.name ?? '',
    provider: spec.provider,
    model: spec.model,
    owner: spec.owner,
    criticality: spec.criticality,
    classification: spec.classification,
    // The account read (status): the spec names only the CloudAccount.
    account: status?.accountId ?? spec.accountRef.name,
    statusCurrent: observed !== undefined && (generation === undefined || observed >= generation),
    compliant: { ...conditionRef(compliant, 'Compliant'), ...(compliant?.message ? { message: compliant.message } : {}) },
    ready: { ...conditionRef(ready, 'Ready'), ...(ready?.message ? { message: ready.message } : {}) },
    conditions: (status?.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      ...(c.lastTransitionTime ? { since: c.lastTransitionTime } : {}),
    })),
    checklist: CHECKLIST.map((s) => stepReport(s, service, now)),
    responsibility: responsibilitySection(spec),
    mfa: mfaSection(spec, status, policy),
    residency: residencySection(spec, status, findings),
    contract: contractSection(spec, policy, now),
    assurance: assuranceSection(spec, policy, now),
    exitPlan: exitPlanSection(spec, status, policy, now),
    changes: changesSection(status),
    providerAccess: providerAccessSection(spec, status, policy, now),
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
    shadowIt: shadowItSection(input.organizations, input.organizationsNote),
    controls: controls
      .map((c) => ({ id: c.id, step: c.checklistStep, family: c.family, severity: c.severity, title: c.title, remediation: c.remediation }))
      .sort((a, b) => a.step - b.step || compareText(a.id, b.id)),
  };
}
