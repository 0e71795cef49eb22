// A523-03-CUSTOMER-AREAS-RETAINED (ResponsibilityDefined, checklist step 3): no duty
// that stays with the customer (CUSTOMER_RETAINED_AREAS in matrix.ts) is given to the
// provider alone, the "vendor handles everything" trap; `shared` is fine.

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { listSome } from '../text.js';
import { CUSTOMER_RETAINED_AREAS, UNIVERSAL_CUSTOMER_AREAS, isKnownModel, matrixRows } from './matrix.js';

export const customerAreasRetained: Control = {
  id: 'A523-03-CUSTOMER-AREAS-RETAINED',
  family: 'ResponsibilityDefined',
  checklistStep: 3,
  severity: 'high',
  title: 'No customer duty is assigned to the provider alone',
  remediation:
    'Re-assign the listed areas to customer or shared and name who in your organisation does the work (for example who patches the middleware you installed); the provider does not handle everything, whatever its tier.',
  needs: 'spec',
  evaluate(input) {
    const model = input.spec.model;
    const retained = isKnownModel(model) ? CUSTOMER_RETAINED_AREAS[model] : UNIVERSAL_CUSTOMER_AREAS;
    const rows = matrixRows(input);
    if (rows.length === 0) return pass('NoMatrix', 'No matrix rows to check (see A523-03-MATRIX-COMPLETE)');
    const misplaced = [
      ...new Set(rows.filter((r) => r.owner === 'provider' && retained.includes(r.area)).map((r) => r.area)),
    ].sort();
    if (misplaced.length > 0) {
      return fail(
        'CustomerDutyAssignedToProvider',
        `Matrix assigns customer duties to the provider alone: ${listSome(misplaced)}`,
        misplaced.map((area) => ({
          resource: area,
          message: `${area} is marked provider-only, but in ${isKnownModel(model) ? model : 'every model'} it stays with the customer`,
        })),
      );
    }
    return pass('CustomerDutiesRetained', 'Customer duties are kept by the customer');
  },
};
