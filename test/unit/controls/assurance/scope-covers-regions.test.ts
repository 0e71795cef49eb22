// Table tests of A523-06-SCOPE-COVERS-REGIONS (controls/assurance/scope-covers-regions.ts).

import { scopeCoversRegions } from '../../../../operator/src/controls/assurance/scope-covers-regions.js';
import { aSpec, anInput } from '../../builders.js';
import { describeCertificationNotRequired, iso, soc2, withAssurance } from './builders.js';

describeCertificationNotRequired(scopeCoversRegions);

describe('A523-06-SCOPE-COVERS-REGIONS', () => {
  it('passes when the union of report scopes covers the allowed regions', () => {
    const reports = [soc2({ scope: { regions: ['eu-west-1'] } }), iso({ scope: { regions: ['eu-west-2'] } })];
    expect(scopeCoversRegions.evaluate(anInput({ spec: withAssurance({ reports }) })).status).toBe('True');
  });

  it('fails naming each allowed region outside every scope', () => {
    const reports = [soc2({ scope: { regions: ['eu-west-1'] } }), iso({ scope: undefined })];
    const outcome = scopeCoversRegions.evaluate(anInput({ spec: withAssurance({ reports }) }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'ScopeMissesAllowedRegions' });
    expect(outcome.findings.map((f) => f.resource)).toEqual(['eu-west-2']);
  });

  it('matches Azure display names and region codes', () => {
    const spec = aSpec({
      provider: 'azure',
      allowedRegions: ['westeurope'],
      assurance: { reports: [soc2({ scope: { regions: ['West Europe'] } })] },
    });
    expect(scopeCoversRegions.evaluate(anInput({ spec })).status).toBe('True');
  });

  it('leaves a missing report to A523-06-REPORTS-CURRENT', () => {
    expect(scopeCoversRegions.evaluate(anInput({ spec: withAssurance({ reports: [] }) })).reason).toBe('NoReports');
  });
});
