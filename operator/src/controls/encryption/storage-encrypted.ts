// A523-04-STORAGE-ENCRYPTED (EncryptionAtRest, checklist step 4): every place data rests
// is encrypted, orphaned snapshots included (the "shadow resources" trap).

import type { Control } from '../types.js';
import { judgeItems } from '../outcome.js';
import { readLive } from '../live.js';
import { plural } from '../text.js';
import { byId, holdsData } from './data-stores.js';

export const storageEncrypted: Control = {
  id: 'A523-04-STORAGE-ENCRYPTED',
  family: 'EncryptionAtRest',
  checklistStep: 4,
  severity: 'high',
  title: 'Every volume, snapshot, database, bucket and storage account is encrypted at rest',
  remediation:
    'Encrypt the listed resources (copy unencrypted volumes and snapshots to encrypted ones and delete the originals, enable default bucket / storage encryption) and enforce encryption in the IaC baseline so new resources are encrypted.',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, ['resources', 'encryption']);
    if (!live.ok) return live.outcome;
    const resources = [...live.inventory.resources].sort(byId);
    const unencrypted = resources.filter((r) => r.encrypted === false);
    const unreadable = resources.filter((r) => holdsData(r) && r.encrypted === undefined).map((r) => r.id);
    const checked = resources.filter(holdsData).length;
    return judgeItems(
      {
        failures: unencrypted.map((r) => ({
          resource: r.id,
          message: `${r.kind} in ${r.region} is not encrypted at rest`,
        })),
        unreadable,
      },
      {
        failReason: 'UnencryptedResources',
        failMessage: `${plural(unencrypted.length, 'resource')} not encrypted at rest${unreadable.length > 0 ? ` (${unreadable.length} more unreadable)` : ''}`,
        unknownReason: 'EncryptionUnreadable',
        unknownMessage: `Encryption unreadable for ${plural(unreadable.length, 'resource')}`,
        passReason: 'AllEncrypted',
        passMessage: checked === 0 ? 'No data stores found' : `Encryption at rest on ${plural(checked, 'data store')}`,
        timing: { evidenceAt: live.evidenceAt },
      },
    );
  },
};
