// Table tests of A523-05-DATA-IN-ALLOWED-REGIONS (controls/residency/data-in-allowed-
// regions.ts).

import { dataInAllowedRegions } from '../../../../operator/src/controls/residency/data-in-allowed-regions.js';
import { aResource, aTrail, anInput, anInventory, withGaps } from '../../builders.js';

describe('A523-05-DATA-IN-ALLOWED-REGIONS', () => {
  it('passes when every copy is in an allowed region', () => {
    expect(dataInAllowedRegions.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'DataInAllowedRegions' });
  });

  it('fails with one finding per misplaced copy and a per-region summary', () => {
    const inventory = anInventory({
      resources: [
        aResource({ id: 'snap-2', kind: 'snapshot', region: 'us-east-1', sourceId: 'vol-9' }),
        aResource({ id: 'b', region: 'us-east-1' }),
      ],
    });
    const outcome = dataInAllowedRegions.evaluate(anInput({ inventory }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'DataOutsideAllowedRegions' });
    expect(outcome.message).toBe('2 resources outside the allowed regions: us-east-1 (2).');
    expect(outcome.findings).toEqual([
      { resource: 'b', message: 'bucket in us-east-1, outside the allowed regions' },
      { resource: 'snap-2', message: 'snapshot (copy of vol-9) in us-east-1, outside the allowed regions' },
    ]);
  });

  it('treats the audit-log copy as data', () => {
    const inventory = anInventory({ auditTrails: [aTrail({ destinationRegion: 'us-east-1' })] });
    expect(dataInAllowedRegions.evaluate(anInput({ inventory })).status).toBe('False');
  });

  it.each(['resources', 'auditTrails'] as const)('is Unknown on a %s gap', (area) => {
    const inventory = anInventory({ resources: [aResource({ region: 'us-east-1' })] });
    expect(dataInAllowedRegions.evaluate(anInput({ inventory: withGaps(inventory, area) })).status).toBe('Unknown');
  });
});
