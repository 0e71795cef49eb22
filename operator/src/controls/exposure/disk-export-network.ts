// A523-04-DISK-EXPORT-NETWORK (NoPublicExposure, checklist step 4): no managed disk or
// snapshot could be exported (SAS download URL) from any network. A hardening control
// of lower severity than A523-04-NO-PUBLIC-RESOURCES: a disk with the default network
// settings is not readable by anyone until someone with write access starts an export;
// a live export (diskState ActiveSAS) is also `public` and reported there as critical.
// Resources without such a setting (AWS volumes, storage accounts) are not judged.

import type { Resource } from '../../inventory/types.js';
import type { Control } from '../types.js';
import { judgeItems } from '../outcome.js';
import { readLive } from '../live.js';
import { compareText, plural } from '../text.js';

function exportFinding(r: Resource): { resource: string; message: string } {
  const what = r.kind === 'snapshot' ? 'snapshot' : 'disk';
  const live = r.public === true;
  return {
    resource: r.id,
    message: live
      ? `${what} in ${r.region} has a live SAS export usable from any network (also reported by A523-04-NO-PUBLIC-RESOURCES)`
      : `${what} in ${r.region} could be exported from any network (networkAccessPolicy AllowAll, public network access enabled); no export is active`,
  };
}

export const diskExportNetwork: Control = {
  id: 'A523-04-DISK-EXPORT-NETWORK',
  family: 'NoPublicExposure',
  checklistStep: 4,
  severity: 'medium',
  title: 'No managed disk or snapshot can be exported from any network',
  remediation:
    'Restrict disk export to private networks (CIS Microsoft Azure Foundations, "Ensure that Disk Network Access is NOT set to Enable public access from all networks"): set networkAccessPolicy to DenyAll, or AllowPrivate with a disk access resource behind a private endpoint, and publicNetworkAccess to Disabled (az disk update / az snapshot update --network-access-policy DenyAll --public-network-access Disabled); enforce it with the built-in Azure Policy "Managed disks should disable public network access".',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, ['resources', 'exposure']);
    if (!live.ok) return live.outcome;
    const judged = live.inventory.resources
      .filter((r) => r.exportFromAnyNetwork !== undefined)
      .sort((a, b) => compareText(a.id, b.id));
    const open = judged.filter((r) => r.exportFromAnyNetwork === true);
    return judgeItems(
      { failures: open.map(exportFinding), unreadable: [] },
      {
        failReason: 'DiskExportFromAnyNetwork',
        failMessage: `${plural(open.length, 'disk or snapshot', 'disks or snapshots')} exportable from any network`,
        unknownReason: 'ExposureUnreadable',
        unknownMessage: 'Disk network access unreadable',
        passReason: 'DiskExportRestricted',
        passMessage:
          judged.length === 0
            ? 'No managed disk or snapshot with network export settings found'
            : `Export restricted to private networks or denied for ${plural(judged.length, 'disk or snapshot', 'disks and snapshots')}`,
        timing: { evidenceAt: live.evidenceAt },
      },
    );
  },
};
