// Table tests of A523-03-MATRIX-SIGNED-OFF (controls/responsibility/matrix-signed-off.ts).

import { matrixSignedOff } from '../../../../operator/src/controls/responsibility/matrix-signed-off.js';
import { aMatrix, aSpec, anInput, daysAhead } from '../../builders.js';

describe('A523-03-MATRIX-SIGNED-OFF', () => {
  it('passes with signatory and date, recording the sign-off as evidence', () => {
    const outcome = matrixSignedOff.evaluate(anInput());
    expect(outcome).toMatchObject({ status: 'True', reason: 'SignedOff' });
    expect(outcome.evidenceAt).toBeInstanceOf(Date);
  });

  it.each([
    ['no signatory', { signedOffBy: ' ' }, 'no signatory recorded'],
    ['no date', { signedOffAt: undefined }, 'no sign-off date'],
    ['a date that is not ISO 8601', { signedOffAt: '1st of May' }, 'not an ISO 8601 date'],
    ['a date in the future', { signedOffAt: daysAhead(30) }, 'in the future'],
  ])('fails with %s', (_label, overrides, text) => {
    const spec = aSpec({ sharedResponsibility: aMatrix('IaaS', overrides) });
    const outcome = matrixSignedOff.evaluate(anInput({ spec }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'SignOffMissing' });
    expect(outcome.message).toContain(text);
  });

  it('fails when there is no matrix at all', () => {
    expect(matrixSignedOff.evaluate(anInput({ spec: aSpec({ sharedResponsibility: undefined }) })).status).toBe(
      'False',
    );
  });
});
