// Table tests of A523-06-SCOPE-COVERS-USAGE (controls/assurance/scope-covers-usage.ts).

import { scopeCoversUsage } from '../../../../operator/src/controls/assurance/scope-covers-usage.js';
import { aResource, anInput, anInventory, liveFailed, withGaps } from '../../builders.js';
import { describeCertificationNotRequired } from './builders.js';

describeCertificationNotRequired(scopeCoversUsage);

describe('A523-06-SCOPE-COVERS-USAGE (live)', () => {
  it('passes when every region in use is in scope; global resources do not count', () => {
    expect(scopeCoversUsage.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'ScopeCoversRegionsInUse' });
  });

  it('fails when the account uses a region no report covers', () => {
    const inventory = anInventory({ resources: [aResource(), aResource({ id: 'us-bucket', region: 'us-east-1' })] });
    const outcome = scopeCoversUsage.evaluate(anInput({ inventory }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'ScopeMissesRegionsInUse' });
    expect(outcome.findings).toEqual([
      { resource: 'us-east-1', message: 'Region us-east-1 holds resources but no audit report covers it' },
    ]);
  });

  it('is Unknown when the account could not be read', () => {
    expect(scopeCoversUsage.evaluate(anInput({ inventory: liveFailed('Throttled') }))).toMatchObject({
      status: 'Unknown',
      reason: 'Throttled',
    });
  });

  it('is Unknown when the resource list has a gap, even if the partial list looks bad', () => {
    const inventory = anInventory({ resources: [aResource({ region: 'us-east-1' })] });
    expect(scopeCoversUsage.evaluate(anInput({ inventory: withGaps(inventory, 'resources') }))).toMatchObject({
      status: 'Unknown',
      reason: 'AccessDenied',
    });
  });
});
