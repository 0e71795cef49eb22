// Builders and the shared "when an exit plan is required" table of the ExitPlanReady tests.

import type { ExitPlan } from '../../../../operator/src/api/types.js';
import type { Control } from '../../../../operator/src/controls/types.js';
import { aPolicy, aSpec, anInput } from '../../builders.js';

export function withPlan(overrides: Partial<ExitPlan> | undefined) {
  const base = aSpec().exitPlan as ExitPlan;
  return aSpec({ exitPlan: overrides === undefined ? undefined : { ...base, ...overrides } });
}

/** A recorded-plan control fails without a plan exactly when one is required, else passes as NotRequired. */
export function describeExitPlanRequired(control: Control): void {
  describe('when an exit plan is required', () => {
    it.each([
      ['public, low criticality', 'public', 'low', false],
      ['public, high criticality', 'public', 'high', true],
      ['public, critical', 'public', 'critical', true],
      ['internal, low criticality (policy requires)', 'internal', 'low', true],
    ] as const)('%s → required %p', (_label, classification, criticality, required) => {
      const input = anInput({ spec: aSpec({ criticality, exitPlan: undefined }), policy: aPolicy({}, classification) });
      const outcome = control.evaluate(input);
      expect(outcome.status).toBe(required ? 'False' : 'True');
      if (!required) expect(outcome.reason).toBe('NotRequired');
    });
  });
}
