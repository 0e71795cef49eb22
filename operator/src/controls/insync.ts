// InSync (checklist step 4, "configure securely": the secure configuration is the one
// declared in code): the live account matches the Pulumi stack named in spec.iac.
//
// - No spec.iac: True, NotApplicable. A service without IaC must not turn
//   non-compliant or Unknown because of this family.
// - State not read (missing, access denied, unsupported version): Unknown with the
//   reader's reason. Inventory not read: Unknown (readLive). A failed read is not drift.
// - Drift (changed, missing or unmanaged resources): False, one finding per resource.

import type { CloudServiceSpec } from '../api/types.js';
import { type DriftReport, type DriftScope, compareDrift, describeChange, driftedResources } from './insync/drift.js';
import type { Control, ControlFinding, ControlInput } from './types.js';
import { fail, pass, unknown } from './outcome.js';
import { readLive } from './live.js';
import { plural, truncate } from './text.js';

const DETAIL_MAX = 200;

/**
 * What the comparison covers for a service: the DIY backend's own state bucket belongs
 * to the IaC tooling, not to the stack, so it is never reported as unmanaged.
 */
export function driftScopeFor(spec: CloudServiceSpec): DriftScope {
  const s3 = spec.iac?.pulumi?.s3;
  return s3 ? { ignore: [`arn:aws:s3:::${s3.bucket}`] } : {};
}

/**
 * The drift report behind the InSync condition, or undefined when there is none to
 * compute (no spec.iac, state or inventory not read). For status.summary.driftedResources
 * and cloudposture_drift_resources{kind}.
 */
export function driftOf(input: ControlInput): DriftReport | undefined {
  if (!input.spec.iac?.pulumi || !input.declared?.ok) return undefined;
  const live = readLive(input, ['resources']);
  if (!live.ok) return undefined;
  return compareDrift(input.declared.state, live.inventory, driftScopeFor(input.spec));
}

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
    if (!input.spec.iac?.pulumi) return pass('NotApplicable', 'no IaC state declared (spec.iac)');
    const declared = input.declared;
    if (declared === undefined) return unknown('StateNotRead', 'The declared Pulumi state was not read');
    if (!declared.ok) {
      return unknown(declared.failure.reason, `Pulumi state not read: ${truncate(declared.failure.message, DETAIL_MAX)}`);
    }
    const live = readLive(input, ['resources']);
    if (!live.ok) return live.outcome;
    const report = compareDrift(declared.state, live.inventory, driftScopeFor(input.spec));
    const stack = declared.state.stack;
    const timing = live.evidenceAt ? { evidenceAt: live.evidenceAt } : {};
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
