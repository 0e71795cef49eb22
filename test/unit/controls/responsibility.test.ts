import type { ResponsibilityArea, ServiceModel } from '../../../operator/src/api/types.js';
import {
  ALL_RESPONSIBILITY_AREAS,
  REQUIRED_AREAS,
  customerAreasRetained,
  matrixComplete,
  matrixSignedOff,
  modelPermitted,
} from '../../../operator/src/controls/responsibility.js';
import { aMatrix, aPolicy, aSpec, anInput, daysAhead, liveFailed } from '../builders.js';

const MODELS: ServiceModel[] = ['IaaS', 'PaaS', 'SaaS'];

function withRows(
  model: ServiceModel,
  change: (rows: ReturnType<typeof aMatrix>['areas']) => ReturnType<typeof aMatrix>['areas'],
) {
  const matrix = aMatrix(model);
  return aSpec({ model, sharedResponsibility: { ...matrix, areas: change(matrix.areas) } });
}

describe('A523-01-MODEL-PERMITTED', () => {
  it.each(MODELS)('passes for permitted %s', (model) => {
    expect(modelPermitted.evaluate(anInput({ spec: aSpec({ model }) })).status).toBe('True');
  });

  it('fails with ModelNotPermitted when the policy does not list the model', () => {
    const outcome = modelPermitted.evaluate(
      anInput({ spec: aSpec({ model: 'SaaS' }), policy: aPolicy({ permittedModels: ['IaaS', 'PaaS'] }) }),
    );
    expect(outcome).toMatchObject({ status: 'False', reason: 'ModelNotPermitted' });
    expect(outcome.message).toContain('permitted: IaaS, PaaS');
  });

  it('fails when the policy permits no model at all', () => {
    const outcome = modelPermitted.evaluate(anInput({ policy: aPolicy({ permittedModels: [] }) }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'ModelNotPermitted' });
    expect(outcome.message).toContain('permitted: none');
  });

  it('fails with UnknownServiceModel for a model outside the enum (total function)', () => {
    const spec = aSpec({ model: 'FaaS' as ServiceModel });
    expect(modelPermitted.evaluate(anInput({ spec }))).toMatchObject({
      status: 'False',
      reason: 'UnknownServiceModel',
    });
  });

  it('needs no live inventory', () => {
    expect(modelPermitted.evaluate(anInput({ inventory: liveFailed() })).status).toBe('True');
  });
});

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

describe('A523-03-CUSTOMER-AREAS-RETAINED ("vendor handles everything" trap)', () => {
  it.each<[ServiceModel, ResponsibilityArea]>([
    ['IaaS', 'os-patching'],
    ['IaaS', 'middleware'],
    ['IaaS', 'application-security'],
    ['PaaS', 'application-security'],
    ['SaaS', 'data'],
    ['SaaS', 'identity-and-access'],
    ['PaaS', 'data'],
  ])('%s: %s marked provider-only fails', (model, area) => {
    const spec = withRows(model, (rows) => rows.map((r) => (r.area === area ? { ...r, owner: 'provider' } : r)));
    const outcome = customerAreasRetained.evaluate(anInput({ spec }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'CustomerDutyAssignedToProvider' });
    expect(outcome.findings.map((f) => f.resource)).toEqual([area]);
  });

  it.each<[ServiceModel, ResponsibilityArea]>([
    ['SaaS', 'application-security'],
    ['PaaS', 'middleware'],
    ['IaaS', 'physical-security'],
  ])('%s: %s may be provider-only', (model, area) => {
    const spec = withRows(model, (rows) => rows.map((r) => (r.area === area ? { ...r, owner: 'provider' } : r)));
    expect(customerAreasRetained.evaluate(anInput({ spec })).status).toBe('True');
  });

  it('accepts shared ownership of a customer duty', () => {
    const spec = withRows('IaaS', (rows) => rows.map((r) => (r.area === 'data' ? { ...r, owner: 'shared' } : r)));
    expect(customerAreasRetained.evaluate(anInput({ spec })).status).toBe('True');
  });

  it('applies the universal customer duties to an unknown model', () => {
    const spec = aSpec({
      model: 'FaaS' as ServiceModel,
      sharedResponsibility: { areas: [{ area: 'data', owner: 'provider' }] },
    });
    expect(customerAreasRetained.evaluate(anInput({ spec })).status).toBe('False');
  });

  it('leaves a missing matrix to A523-03-MATRIX-COMPLETE', () => {
    expect(customerAreasRetained.evaluate(anInput({ spec: aSpec({ sharedResponsibility: undefined }) }))).toMatchObject(
      {
        status: 'True',
        reason: 'NoMatrix',
      },
    );
  });
});

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
