// Table tests of A523-07-EXIT-PLAN-DOCUMENTED (controls/exit-plan/exit-plan-documented.ts).

import { exitPlanDocumented } from '../../../../operator/src/controls/exit-plan/exit-plan-documented.js';
import { anInput } from '../../builders.js';
import { describeExitPlanRequired, withPlan } from './builders.js';

describeExitPlanRequired(exitPlanDocumented);

describe('A523-07-EXIT-PLAN-DOCUMENTED', () => {
  it('passes with a document and an alternative', () => {
    expect(exitPlanDocumented.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'ExitPlanDocumented' });
  });

  it.each([
    ['no plan', undefined, 'no exit plan document'],
    ['an empty document', { document: ' ' }, 'no exit plan document'],
    ['no alternative', { alternatives: [] }, 'no alternative provider'],
  ])('fails with %s', (_label, plan, text) => {
    const outcome = exitPlanDocumented.evaluate(anInput({ spec: withPlan(plan) }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'ExitPlanIncomplete' });
    expect(outcome.message).toContain(text);
  });
});
