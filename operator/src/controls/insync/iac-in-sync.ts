// A523-04-IAC-IN-SYNC (InSync, checklist step 4, "configure securely": the secure
// configuration is the one declared in code): the live account matches the Pulumi stack
// named in spec.iac.
//
// - No spec.iac: True, NotApplicable. A service without IaC must not turn
//   non-compliant or Unknown because of this family.
// - State not read (missing, access denied, unsupported version): Unknown with the
//   reader's reason. Inventory not read: Unknown (readLive). A failed read is not drift.
//   Both come with the report (drift-report.ts), which the summary shares.
// - Drift (changed, missing or unmanaged resources): False, one finding per resource.

import type { Control, ControlFinding } from '../types.js';
import { fail, pass } from '../outcome.js';
import { plural } from '../text.js';
import { type DriftReport, describeChange, driftedResources } from './drift.js';
import { readDrift } from './drift-report.js';

function label(name: string | undefined, urn: string): string {
  return name ? `"${name}"` : urn;
}

export function driftFindings(report: DriftReport): ControlFinding[] {
  const stack = report.stack;
  const findings: ControlFinding[] = [];
  for (const c of report.changed) {
    findings.push({
      resource: c.id,
      message: `${describeChange(c)}; declared as ${label(c.declared.name, c.declared.urn)} in stack ${stack}: revert the change (pulumi up) or change the program`,
    });
  }
  for (const m of report.missing) {
    const kind = m.declared.kind ?? m.declared.type;
    findings.push({
      resource: m.id,
      message: `${kind} ${label(m.declared.name, m.declared.urn)} declared in stack ${stack} is missing from the live account (deleted outside IaC): recreate it (pulumi up) or remove it from the program (pulumi refresh)`,
    });
  }
  for (const u of report.unmanaged) {
    findings.push({
      resource: u.id,
      message: `${u.live.kind} in ${u.live.region} is declared in no IaC stack (shadow resource): bring it under IaC (pulumi import) or delete it`,
    });
  }
  return findings;
}

export const iacInSync: Control = {
  id: 'A523-04-IAC-IN-SYNC',
  family: 'InSync',
  checklistStep: 4,
  severity: 'medium',
  title: 'Live resources match the declared Pulumi state: nothing changed, missing or unmanaged outside IaC',
  remediation:
    'Make the IaC the only way changes reach the account: revert out-of-band changes with `pulumi up`, recreate or remove missing resources, and `pulumi import` (or delete) unmanaged shadow resources; then restrict console write access.',
  needs: 'live',
  evaluate(input) {
    const read = readDrift(input);
    if (!read.ok) return read.outcome;
    const report = read.report;
    const stack = report.stack;
    const timing = read.evidenceAt ? { evidenceAt: read.evidenceAt } : {};
    const total = driftedResources(report);
    if (total === 0) {
      return pass('InSync', `Live resources match stack ${stack} (${plural(report.compared, 'declared resource')} compared)`, timing);
    }
    const parts = [
      report.changed.length > 0 ? `${report.changed.length} changed` : '',
      report.missing.length > 0 ? `${report.missing.length} missing` : '',
      report.unmanaged.length > 0 ? `${report.unmanaged.length} unmanaged` : '',
    ].filter((p) => p !== '');
    return fail('DriftDetected', `${plural(total, 'resource')} drifted from stack ${stack}: ${parts.join(', ')}`, driftFindings(report), timing);
  },
};
