// Table tests of A523-06-CUECS-IMPLEMENTED (controls/assurance/cuecs-implemented.ts).

import { cuecsImplemented } from '../../../../operator/src/controls/assurance/cuecs-implemented.js';
import { aPolicy, aSpec, anInput } from '../../builders.js';
import { iso, soc2, withAssurance } from './builders.js';

describe('A523-06-CUECS-IMPLEMENTED ("fails to check the CUECs" trap)', () => {
  it('passes when every CUEC is implemented', () => {
    expect(cuecsImplemented.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'CuecsImplemented' });
  });

  it('fails naming each CUEC not implemented', () => {
    const cuecs = [
      { id: 'CUEC-01', description: 'Review IAM access quarterly', implemented: false },
      { id: 'CUEC-02', description: 'Encrypt data', implemented: true },
      { id: 'CUEC-03', description: 'Monitor logs', implemented: false },
    ];
    const outcome = cuecsImplemented.evaluate(anInput({ spec: withAssurance({ cuecs }) }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'CuecsNotImplemented' });
    expect(outcome.findings.map((f) => f.resource)).toEqual(['CUEC-01', 'CUEC-03']);
  });

  it('fails when a SOC 2 report is relied on but its CUECs were never documented', () => {
    const spec = aSpec({ assurance: { reports: [soc2()] } });
    expect(cuecsImplemented.evaluate(anInput({ spec }))).toMatchObject({
      status: 'False',
      reason: 'CuecsNotDocumented',
    });
  });

  it('accepts an explicit empty CUEC list and a certificate-only record', () => {
    expect(
      cuecsImplemented.evaluate(anInput({ spec: aSpec({ assurance: { reports: [soc2()], cuecs: [] } }) })).status,
    ).toBe('True');
    expect(cuecsImplemented.evaluate(anInput({ spec: aSpec({ assurance: { reports: [iso()] } }) })).status).toBe(
      'True',
    );
  });

  it('checks declared CUECs even when certification is not required', () => {
    const spec = withAssurance({ cuecs: [{ id: 'C-1', description: 'x', implemented: false }] });
    expect(cuecsImplemented.evaluate(anInput({ spec, policy: aPolicy({}, 'public') })).status).toBe('False');
  });
});
