// A523-03-MATRIX-COMPLETE (ResponsibilityDefined, checklist step 3): the
// shared-responsibility matrix names one owner for every area the service model requires
// (REQUIRED_AREAS in matrix.ts).

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { listSome, plural } from '../text.js';
import { REQUIRED_AREAS, isKnownModel, matrixRows, unknownModel } from './matrix.js';

export const matrixComplete: Control = {
  id: 'A523-03-MATRIX-COMPLETE',
  family: 'ResponsibilityDefined',
  checklistStep: 3,
  severity: 'high',
  title: 'The shared-responsibility matrix names an owner for every area of the service model',
  remediation:
    'Add spec.sharedResponsibility.areas with one row per area listed in the finding, each marked provider, customer or shared after reading the provider documentation for this service; do not assume the provider handles an area.',
  needs: 'spec',
  evaluate(input) {
    const model = input.spec.model;
    if (!isKnownModel(model)) return unknownModel(model);
    const rows = matrixRows(input);
    if (rows.length === 0) {
      return fail('MatrixMissing', 'No shared-responsibility matrix is recorded');
    }
    const owners = new Map<string, Set<string>>();
    for (const row of rows) owners.set(row.area, (owners.get(row.area) ?? new Set()).add(row.owner));
    const missing = REQUIRED_AREAS[model].filter((area) => !owners.has(area));
    const conflicting = [...owners.entries()]
      .filter(([, set]) => set.size > 1)
      .map(([area]) => area)
      .sort();
    const findings = [
      ...missing.map((area) => ({ resource: area, message: `No owner recorded for ${area} (required for ${model})` })),
      ...conflicting.map((area) => ({ resource: area, message: `${area} is listed with different owners` })),
    ];
    if (missing.length > 0) {
      return fail(
        'MatrixIncomplete',
        `Matrix lacks ${plural(missing.length, 'area')} required for ${model}: ${listSome(missing)}`,
        findings,
      );
    }
    if (conflicting.length > 0) {
      return fail('MatrixConflicting', `Matrix gives conflicting owners for ${listSome(conflicting)}`, findings);
    }
    return pass('MatrixComplete', `Matrix covers all ${REQUIRED_AREAS[model].length} areas required for ${model}`);
  },
};
