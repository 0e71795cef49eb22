// Builders and the shared "not required" table of the AssuranceCurrent tests.

import type { Assurance, AssuranceReport } from '../../../../operator/src/api/types.js';
import type { Control } from '../../../../operator/src/controls/types.js';
import { aPolicy, aReport, aSpec, anInput, daysAhead, liveFailed } from '../../builders.js';

export function withAssurance(assurance: Partial<Assurance>) {
  return aSpec({ assurance: { ...aSpec().assurance, ...assurance } });
}

export const soc2 = (overrides: Partial<AssuranceReport> = {}) => aReport(overrides);
export const iso = (overrides: Partial<AssuranceReport> = {}) =>
  aReport({ type: 'ISO27001', reference: 'iso', periodEnd: undefined, expiresAt: daysAhead(100), ...overrides });

/** A report control passes as NotRequired when the policy requires no certified provider. */
export function describeCertificationNotRequired(control: Control): void {
  describe('when certification is not required', () => {
    it.each([control])('$id passes as NotRequired, without reading the account', (control) => {
      const input = anInput({
        spec: withAssurance({ reports: [] }),
        policy: aPolicy({}, 'internal'),
        inventory: liveFailed(),
      });
      expect(control.evaluate(input)).toMatchObject({ status: 'True', reason: 'NotRequired' });
    });
  });
}
