// Table tests of A523-04-DISK-EXPORT-NETWORK (controls/exposure/disk-export-network.ts).

import { diskExportNetwork } from '../../../../operator/src/controls/exposure/disk-export-network.js';
import { noPublicResources } from '../../../../operator/src/controls/exposure/no-public-resources.js';
import { aResource, anInput, anInventory, withGaps } from '../../builders.js';

const DISK = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d';
const SNAP = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/snapshots/s';

describe('A523-04-DISK-EXPORT-NETWORK', () => {
  it('passes when every disk and snapshot denies export or keeps it private', () => {
    const inventory = anInventory({
      resources: [
        aResource({ id: DISK, kind: 'volume', region: 'westeurope', exportFromAnyNetwork: false }),
        aResource({ id: SNAP, kind: 'snapshot', region: 'westeurope', exportFromAnyNetwork: false }),
      ],
    });
    expect(diskExportNetwork.evaluate(anInput({ inventory }))).toMatchObject({
      status: 'True',
      reason: 'DiskExportRestricted',
      message: 'Export restricted to private networks or denied for 2 disks and snapshots.',
    });
  });

  it('does not judge resources without network export settings (AWS volumes, buckets)', () => {
    const inventory = anInventory({ resources: [aResource(), aResource({ id: 'vol-1', kind: 'volume' })] });
    expect(diskExportNetwork.evaluate(anInput({ inventory }))).toMatchObject({
      status: 'True',
      message: 'No managed disk or snapshot with network export settings found.',
    });
  });

  it('fails at medium severity for a default disk, saying no export is active', () => {
    const inventory = anInventory({
      resources: [aResource({ id: DISK, kind: 'volume', region: 'westeurope', public: false, exportFromAnyNetwork: true })],
    });
    const outcome = diskExportNetwork.evaluate(anInput({ inventory }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'DiskExportFromAnyNetwork', message: '1 disk or snapshot exportable from any network.' });
    expect(outcome.findings).toEqual([
      {
        resource: DISK,
        message: 'disk in westeurope could be exported from any network (networkAccessPolicy AllowAll, public network access enabled); no export is active',
      },
    ]);
    expect(diskExportNetwork.severity).toBe('medium');
    expect(diskExportNetwork.remediation).toMatch(/DenyAll/);
    // the critical control does not report a disk nobody is exporting
    expect(noPublicResources.evaluate(anInput({ inventory })).status).toBe('True');
  });

  it('names a live export, which the critical control reports too', () => {
    const inventory = anInventory({
      resources: [aResource({ id: SNAP, kind: 'snapshot', region: 'eastus', public: true, publicReason: 'active SAS export', exportFromAnyNetwork: true })],
    });
    expect(diskExportNetwork.evaluate(anInput({ inventory })).findings).toEqual([
      { resource: SNAP, message: 'snapshot in eastus has a live SAS export usable from any network (also reported by A523-04-NO-PUBLIC-RESOURCES)' },
    ]);
    expect(noPublicResources.evaluate(anInput({ inventory })).status).toBe('False');
  });

  it.each(['resources', 'exposure'] as const)('is Unknown on a %s gap', (area) => {
    const inventory = anInventory({ resources: [aResource({ id: DISK, kind: 'volume', exportFromAnyNetwork: true })] });
    expect(diskExportNetwork.evaluate(anInput({ inventory: withGaps(inventory, area) })).status).toBe('Unknown');
  });
});
