// ExitPlanReady (checklist step 7): whether a service needs an exit plan. Required when
// the policy requires it for the classification, or whenever the service is of high or
// critical business criticality; otherwise the recorded-plan controls pass with reason
// NotRequired.

import type { Criticality } from '../../api/types.js';
import type { ControlInput } from '../types.js';
import { pass } from '../outcome.js';

const CRITICALITIES_REQUIRING_EXIT: readonly Criticality[] = ['high', 'critical'];

export function exitPlanRequired(input: ControlInput): boolean {
  return input.policy.exitPlanRequired || CRITICALITIES_REQUIRING_EXIT.includes(input.spec.criticality);
}

/** The outcome of a recorded-plan control for a service that needs no exit plan. */
export function exitPlanNotRequired(input: ControlInput) {
  return pass(
    'NotRequired',
    `An exit plan is not required for ${input.policy.classification} data at ${input.spec.criticality} criticality`,
  );
}
