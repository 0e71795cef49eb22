// ExitPlanReady (checklist step 7): an exit plan exists with alternatives, and a dry run
// proved the data can be exported and restored (the "marks complete if you have a
// policy" trap: a plan that was never exercised does not pass).
//
// Required when the policy requires it for the classification, or whenever the service
// is of high or critical business criticality. Otherwise both controls pass with
// reason NotRequired.

import type { Criticality } from '../api/types.js';
import type { Control, ControlInput } from './types.js';
import { fail, pass } from './outcome.js';
import { plural } from './text.js';
import { ageInDays, datedEvidence, formatDay } from './time.js';

const CRITICALITIES_REQUIRING_EXIT: readonly Criticality[] = ['high', 'critical'];

export function exitPlanRequired(input: ControlInput): boolean {
  return input.policy.exitPlanRequired || CRITICALITIES_REQUIRING_EXIT.includes(input.spec.criticality);
}

function notRequired(input: ControlInput) {
  return pass(
    'NotRequired',
    `An exit plan is not required for ${input.policy.classification} data at ${input.spec.criticality} criticality`,
  );
}

export const exitPlanDocumented: Control = {
  id: 'A523-07-EXIT-PLAN-DOCUMENTED',
  family: 'ExitPlanReady',
  checklistStep: 7,
  severity: 'medium',
  title: 'A documented exit plan names at least one alternative provider',
  remediation:
    'Write a step-by-step exit manual (how to extract the data in a usable format, who does it, how long it takes), list at least one alternative provider, and record them in spec.exitPlan.document and spec.exitPlan.alternatives.',
  needs: 'spec',
  evaluate(input) {
    if (!exitPlanRequired(input)) return notRequired(input);
    const plan = input.spec.exitPlan;
    const problems: string[] = [];
    if (plan === undefined || plan.document.trim() === '') problems.push('no exit plan document');
    if ((plan?.alternatives ?? []).filter((a) => a.trim() !== '').length === 0)
      problems.push('no alternative provider');
    if (problems.length > 0) return fail('ExitPlanIncomplete', `Exit plan incomplete: ${problems.join(', ')}`);
    return pass(
      'ExitPlanDocumented',
      `Exit plan documented with ${plural(plan?.alternatives?.length ?? 0, 'alternative')}`,
    );
  },
};

export const exitDrillCurrent: Control = {
  id: 'A523-07-EXIT-DRILL-CURRENT',
  family: 'ExitPlanReady',
  checklistStep: 7,
  severity: 'high',
  title: 'The exit plan was rehearsed recently and the exported data was verified',
  remediation:
    'Run an exit dry run: export a backup of the data, restore it outside the provider and verify its integrity; then record spec.exitPlan.lastDryRun and set dataExportVerified to true.',
  needs: 'spec',
  evaluate(input) {
    if (!exitPlanRequired(input)) return notRequired(input);
    const plan = input.spec.exitPlan;
    const maxAge = input.policy.exitDrillMaxAgeDays;
    const drill = datedEvidence(plan?.lastDryRun, maxAge, input.now);
    const problems: Array<{ reason: string; text: string }> = [];
    switch (drill.state) {
      case 'missing':
        problems.push({ reason: 'ExitDrillMissing', text: 'no dry run recorded' });
        break;
      case 'invalid':
        problems.push({ reason: 'ExitDrillDateInvalid', text: `dry-run date "${drill.raw}" is not an ISO 8601 date` });
        break;
      case 'future':
        problems.push({ reason: 'ExitDrillDateInvalid', text: `dry-run date ${formatDay(drill.at)} is in the future` });
        break;
      case 'stale':
        problems.push({
          reason: 'ExitDrillOverdue',
          text: `last dry run ${formatDay(drill.at)} (${ageInDays(drill.at, input.now)} days ago; policy allows ${maxAge})`,
        });
        break;
      case 'current':
        break;
    }
    if (plan?.dataExportVerified !== true) {
      problems.push({ reason: 'DataExportNotVerified', text: 'exported data not verified' });
    }
    const evidenceAt = drill.state === 'current' || drill.state === 'stale' ? drill.at : undefined;
    const first = problems[0];
    if (first !== undefined || drill.state !== 'current') {
      return fail(
        first?.reason ?? 'ExitDrillMissing',
        `Exit drill: ${problems.map((p) => p.text).join('; ')}`,
        problems.map((p) => ({ resource: plan?.document, message: p.text })),
        { evidenceAt, changesAt: drill.state === 'current' ? drill.expiresAt : undefined },
      );
    }
    return pass('ExitDrillCurrent', `Exit dry run ${formatDay(drill.at)} verified the data export`, {
      evidenceAt,
      changesAt: drill.expiresAt,
    });
  },
};
