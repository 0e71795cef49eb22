// Table tests of A523-03-MATRIX-COMPLETE and the areas each model requires
// (controls/responsibility/matrix-complete.ts).

import type { ResponsibilityArea, ServiceModel } from '../../../../operator/src/api/types.js';
import { ALL_RESPONSIBILITY_AREAS, REQUIRED_AREAS } from '../../../../operator/src/controls/responsibility/matrix.js';
import { matrixComplete } from '../../../../operator/src/controls/responsibility/matrix-complete.js';
import { aSpec, anInput } from '../../builders.js';
import { MODELS, withRows } from './builders.js';

describe('A523-03-MATRIX-COMPLETE', () => {
  it('requires every area for IaaS, all but virtualization and os-patching for PaaS, six for SaaS', () => {
    expect(REQUIRED_AREAS.IaaS).toEqual(ALL_RESPONSIBILITY_AREAS);
    expect(REQUIRED_AREAS.PaaS).toHaveLength(9);
    expect(REQUIRED_AREAS.PaaS).not.toContain('os-patching');
    expect(REQUIRED_AREAS.PaaS).toContain('middleware');
    expect([...REQUIRED_AREAS.SaaS].sort()).toEqual([
      'application-security',
      'backup',
      'data',
      'encryption-keys',
      'identity-and-access',
      'logging-and-monitoring',
    ]);
  });

  it.each(MODELS)('passes with the required areas for %s', (model) => {
    expect(matrixComplete.evaluate(anInput({ spec: aSpec({ model }) }))).toMatchObject({
      status: 'True',
      reason: 'MatrixComplete',
    });
  });

  it('accepts rows beyond the required areas', () => {
    const spec = withRows('SaaS', (rows) => [...rows, { area: 'os-patching', owner: 'provider' }]);
    expect(matrixComplete.evaluate(anInput({ spec })).status).toBe('True');
  });

  it.each<[ServiceModel, ResponsibilityArea]>([
    ['IaaS', 'middleware'],
    ['IaaS', 'os-patching'],
    ['PaaS', 'network'],
    ['SaaS', 'backup'],
  ])('%s without %s is incomplete, with one finding naming the area', (model, area) => {
    const spec = withRows(model, (rows) => rows.filter((r) => r.area !== area));
    const outcome = matrixComplete.evaluate(anInput({ spec }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'MatrixIncomplete' });
    expect(outcome.findings).toEqual([
      { resource: area, message: `No owner recorded for ${area} (required for ${model})` },
    ]);
  });

  it.each([
    ['absent', undefined],
    ['empty', { areas: [] }],
  ])('fails with MatrixMissing when the matrix is %s', (_label, sharedResponsibility) => {
    const spec = aSpec({ sharedResponsibility });
    expect(matrixComplete.evaluate(anInput({ spec }))).toMatchObject({ status: 'False', reason: 'MatrixMissing' });
  });

  it('flags an area listed twice with different owners', () => {
    const spec = withRows('IaaS', (rows) => [...rows, { area: 'backup', owner: 'customer' }]);
    const outcome = matrixComplete.evaluate(anInput({ spec }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'MatrixConflicting' });
    expect(outcome.findings[0]?.resource).toBe('backup');
  });

  it('fails with UnknownServiceModel for a model outside the enum', () => {
    const spec = aSpec({ model: 'FaaS' as ServiceModel });
    expect(matrixComplete.evaluate(anInput({ spec }))).toMatchObject({
      status: 'False',
      reason: 'UnknownServiceModel',
    });
  });
});
