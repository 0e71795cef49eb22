// Table tests of A523-01-MODEL-PERMITTED (controls/responsibility/model-permitted.ts).

import type { ServiceModel } from '../../../../operator/src/api/types.js';
import { modelPermitted } from '../../../../operator/src/controls/responsibility/model-permitted.js';
import { aPolicy, aSpec, anInput, liveFailed } from '../../builders.js';
import { MODELS } from './builders.js';

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
