// The drift report of one service, computed once per evaluation: the InSync control
// judges it, status.summary.driftedResources and cloudposture_drift_resources{kind}
// count it. A report needs spec.iac, the declared state and the live resources; without
// one of them there is none, and the reason is the control's Unknown (a failed read is
// not drift).

import type { CloudServiceSpec } from '../../api/types.js';
import type { ControlInput, ControlOutcome } from '../types.js';
import { readLive } from '../live.js';
import { perInput } from '../memo.js';
import { pass, unknown } from '../outcome.js';
import { truncate } from '../text.js';
import { type DriftReport, type DriftScope, compareDrift } from './drift.js';

const DETAIL_MAX = 200;

/**
 * What the comparison covers for a service: the DIY backend's own state bucket belongs
 * to the IaC tooling, not to the stack, so it is never reported as unmanaged.
 */
export function driftScopeFor(spec: CloudServiceSpec): DriftScope {
  const s3 = spec.iac?.pulumi?.s3;
  return s3 ? { ignore: [`arn:aws:s3:::${s3.bucket}`] } : {};
}

export type DriftRead =
  | { ok: true; report: DriftReport; evidenceAt: Date | undefined }
  /** No report to judge: InSync's outcome (NotApplicable without spec.iac, else Unknown). */
  | { ok: false; outcome: ControlOutcome };

/** The drift report of one input, computed once, or the outcome InSync has without one. */
export const readDrift: (input: ControlInput) => DriftRead = perInput('drift', (input) => {
  if (!input.spec.iac?.pulumi) return { ok: false, outcome: pass('NotApplicable', 'no IaC state declared (spec.iac)') };
  const declared = input.declared;
  if (declared === undefined) return { ok: false, outcome: unknown('StateNotRead', 'The declared Pulumi state was not read') };
  if (!declared.ok) {
    return {
      ok: false,
      outcome: unknown(declared.failure.reason, `Pulumi state not read: ${truncate(declared.failure.message, DETAIL_MAX)}`),
    };
  }
  const live = readLive(input, ['resources']);
  if (!live.ok) return live;
  return { ok: true, report: compareDrift(declared.state, live.inventory, driftScopeFor(input.spec)), evidenceAt: live.evidenceAt };
});

/**
 * The drift report behind the InSync condition, or undefined when there is none to
 * compute (no spec.iac, state or inventory not read). For status.summary.driftedResources
 * and cloudposture_drift_resources{kind}.
 */
export function driftOf(input: ControlInput): DriftReport | undefined {
  const read = readDrift(input);
  return read.ok ? read.report : undefined;
}
