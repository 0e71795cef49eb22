// A523-07-EXIT-PLAN-DOCUMENTED (ExitPlanReady, checklist step 7): an exit plan is written
// down and names at least one alternative provider.

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { plural } from '../text.js';
import { exitPlanNotRequired, exitPlanRequired } from './required.js';

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
    if (!exitPlanRequired(input)) return exitPlanNotRequired(input);
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
