// Table tests of regionViolations, the placement of every copy of the data
// (controls/residency/placement.ts).

import { regionViolations } from '../../../../operator/src/controls/residency/placement.js';
import { aResource, aTrail, anInventory } from '../../builders.js';

const ALLOWED = ['eu-west-1', 'eu-west-2'];

describe('regionViolations', () => {
  it('counts every copy outside the allowed regions: snapshots, replicas and log destinations; global ignored', () => {
    const inventory = anInventory({
      resources: [
        aResource({ id: 'ok', region: 'eu-west-1' }),
        aResource({ id: 'snap', kind: 'snapshot', region: 'us-east-1', sourceId: 'vol-1' }),
        aResource({ id: 'replica', kind: 'database-replica', region: 'us-east-1' }),
        aResource({ id: 'iam', region: 'global' }),
        aResource({ id: 'ap', region: 'ap-south-1' }),
      ],
      auditTrails: [aTrail({ destination: 'log-bucket', destinationRegion: 'us-west-2' })],
    });
    expect(regionViolations(inventory, ALLOWED)).toEqual({ 'ap-south-1': 1, 'us-east-1': 2, 'us-west-2': 1 });
  });

  it('counts a log destination once when the collector also listed it as a resource', () => {
    const inventory = anInventory({
      resources: [aResource({ id: 'log-bucket', kind: 'log-destination', region: 'us-west-2' })],
      auditTrails: [aTrail({ destination: 'log-bucket', destinationRegion: 'us-west-2' })],
    });
    expect(regionViolations(inventory, ALLOWED)).toEqual({ 'us-west-2': 1 });
  });

  it('compares Azure region names without case or spaces', () => {
    const inventory = anInventory({
      resources: [aResource({ region: 'West Europe' }), aResource({ region: 'eastus' })],
      auditTrails: [],
    });
    expect(regionViolations(inventory, ['westeurope'])).toEqual({ eastus: 1 });
  });
});
