// A523-06-CUECS-IMPLEMENTED (AssuranceCurrent, checklist step 6): the Complementary User
// Entity Controls the provider's report puts on us are implemented. Checked whenever
// they are declared, certified provider required or not: they are our controls, not the
// provider's.

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { listSome, plural, truncate } from '../text.js';
import { assuranceReports, isPeriodReport } from './reports.js';

export const cuecsImplemented: Control = {
  id: 'A523-06-CUECS-IMPLEMENTED',
  family: 'AssuranceCurrent',
  checklistStep: 6,
  severity: 'high',
  title: 'The complementary user entity controls (CUECs) of the provider report are implemented',
  remediation:
    "Read the CUEC section of the provider's SOC 2 report, record each control in spec.assurance.cuecs, implement the ones marked not implemented and reference the evidence.",
  needs: 'spec',
  evaluate(input) {
    const cuecs = input.spec.assurance?.cuecs;
    if (cuecs === undefined) {
      if (input.policy.certifiedProviderRequired && assuranceReports(input).some(isPeriodReport)) {
        return fail('CuecsNotDocumented', "The user entity controls the provider's report requires are not documented");
      }
      return pass('NoCuecsDeclared', 'No user entity controls declared');
    }
    const open = cuecs.filter((c) => c.implemented !== true);
    if (open.length > 0) {
      return fail(
        'CuecsNotImplemented',
        `${plural(open.length, 'user entity control')} not implemented: ${listSome(open.map((c) => c.id))}`,
        open.map((c) => ({ resource: c.id, message: `CUEC ${c.id} not implemented: ${truncate(c.description, 160)}` })),
      );
    }
    return pass('CuecsImplemented', `${plural(cuecs.length, 'user entity control')} implemented`);
  },
};
