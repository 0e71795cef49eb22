// Table tests of A523-03-CUSTOMER-AREAS-RETAINED (controls/responsibility/customer-areas-
// retained.ts).

import type { ResponsibilityArea, ServiceModel } from '../../../../operator/src/api/types.js';
import { customerAreasRetained } from '../../../../operator/src/controls/responsibility/customer-areas-retained.js';
import { aSpec, anInput } from '../../builders.js';
import { withRows } from './builders.js';

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
