// A523-07-EXIT-DRILL-CURRENT (ExitPlanReady, checklist step 7): a recorded dry run
// proved recently that the data can be exported and restored (the "marks complete if you
// have a policy" trap: a plan that was never exercised does not pass).

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { ageInDays, datedEvidence, formatDay } from '../time.js';
import { exitPlanNotRequired, exitPlanRequired } from './required.js';

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
    if (!exitPlanRequired(input)) return exitPlanNotRequired(input);
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
