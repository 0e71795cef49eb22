// The A.5.23 checklist in the report: its 10 steps, the conditions implementing each,
// and one step's status for one service with the timestamps of the evidence behind it.
//
// A step fails when a control of that step has a finding. A condition shared by two
// steps (ContractReviewed: steps 1 and 2) that is False because of the other step's
// controls does not fail this one: every False control leaves a finding, so the absence
// of this step's findings shows its controls did not fail (when findings were omitted
// from status, the step is Unknown instead).

import type { CloudService } from '../api/types.js';
import { CATALOG, CHANGE_CONTROLS } from '../controls/catalog.js';
import type { Control } from '../controls/types.js';
import { ageInDays, parseTime } from '../controls/time.js';
import { conditionOf, conditionRef } from './condition-ref.js';
import type { ChecklistStep, Evidence, StepReport } from './model.js';

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
  {
    step: 9,
    title: 'Activity monitoring',
    requirement: "Audit trail streamed to an off-platform log vault, delivered recently; the provider's own access approved (Customer Lockbox) or attested.",
    conditions: ['AuditLogging', 'ProviderAccessControlled'],
  },
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
    case 9: {
      const attestation = spec.providerAccess?.attestation;
      return attestation ? [checked, evidence('Provider access attestation reviewed', attestation.reviewedAt, now)] : [checked];
    }
    default:
      return [checked];
  }
}

export function stepReport(step: ChecklistStep, service: CloudService, now: Date): StepReport {
  const status = service.status;
  const refs = step.conditions.map((type) => conditionRef(conditionOf(status, type), type));
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
