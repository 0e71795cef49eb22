// A523-01-MODEL-PERMITTED (ResponsibilityDefined, checklist step 1): the service model
// (IaaS, PaaS, SaaS) is one the cloud usage policy permits.

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { isKnownModel, unknownModel } from './matrix.js';

export const modelPermitted: Control = {
  id: 'A523-01-MODEL-PERMITTED',
  family: 'ResponsibilityDefined',
  checklistStep: 1,
  severity: 'high',
  title: 'The service model is permitted by the cloud usage policy',
  remediation:
    'Either move the workload to a service model the cloud usage policy permits, or have the policy owner add this model to permittedModels in the CloudSecurityPolicy with its mandatory configuration.',
  needs: 'spec',
  evaluate(input) {
    const model = input.spec.model;
    if (!isKnownModel(model)) return unknownModel(model);
    if (!input.policy.permittedModels.includes(model)) {
      const permitted = input.policy.permittedModels.length > 0 ? input.policy.permittedModels.join(', ') : 'none';
      return fail('ModelNotPermitted', `Model ${model} is not permitted by the policy (permitted: ${permitted})`);
    }
    return pass('ModelPermitted', `Model ${model} is permitted by the policy`);
  },
};
