// A523-03-MATRIX-SIGNED-OFF (ResponsibilityDefined, checklist step 3): the head of IT
// signed the shared-responsibility matrix off, with a name and a plausible date.

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { formatDay, isImplausiblyFuture, parseTime } from '../time.js';

export const matrixSignedOff: Control = {
  id: 'A523-03-MATRIX-SIGNED-OFF',
  family: 'ResponsibilityDefined',
  checklistStep: 3,
  severity: 'medium',
  title: 'The shared-responsibility matrix is signed off by the head of IT',
  remediation:
    'Have the head of IT review the matrix and record spec.sharedResponsibility.signedOffBy (name or role) and signedOffAt (ISO 8601 date) once it is agreed.',
  needs: 'spec',
  evaluate(input) {
    const matrix = input.spec.sharedResponsibility;
    const by = matrix?.signedOffBy?.trim() ?? '';
    const at = parseTime(matrix?.signedOffAt);
    const problems: string[] = [];
    if (by === '') problems.push('no signatory recorded');
    if (matrix?.signedOffAt === undefined || matrix.signedOffAt.trim() === '') problems.push('no sign-off date');
    else if (at === undefined) problems.push(`sign-off date "${matrix.signedOffAt}" is not an ISO 8601 date`);
    else if (isImplausiblyFuture(at, input.now)) problems.push(`sign-off date ${formatDay(at)} is in the future`);
    if (problems.length > 0 || at === undefined) {
      return fail('SignOffMissing', `Matrix is not signed off: ${problems.join(', ')}`);
    }
    return pass('SignedOff', `Matrix signed off by ${by} on ${formatDay(at)}`, { evidenceAt: at });
  },
};
