// A523-04-CUSTOMER-MANAGED-KEYS (EncryptionAtRest, checklist step 4): when the
// classification requires customer-side encryption, the data stores' keys are
// customer-managed.

import type { Control } from '../types.js';
import { judgeItems, pass } from '../outcome.js';
import { readLive } from '../live.js';
import { plural } from '../text.js';
import { byId, holdsData } from './data-stores.js';

export const customerManagedKeys: Control = {
  id: 'A523-04-CUSTOMER-MANAGED-KEYS',
  family: 'EncryptionAtRest',
  checklistStep: 4,
  severity: 'high',
  title: 'Data stores use customer-managed keys when the classification requires customer-side encryption',
  remediation:
    'Create a customer-managed key (AWS KMS CMK / Azure Key Vault key) with a key policy you control, and re-encrypt the listed resources with it.',
  needs: 'live',
  evaluate(input) {
    if (!input.policy.customerSideEncryptionRequired) {
      return pass('NotRequired', `Customer-managed keys are not required for ${input.policy.classification} data`);
    }
    const live = readLive(input, ['resources', 'encryption']);
    if (!live.ok) return live.outcome;
    // Unencrypted resources are A523-04-STORAGE-ENCRYPTED's findings; not repeated here.
    const stores = [...live.inventory.resources].sort(byId).filter((r) => holdsData(r) && r.encrypted !== false);
    const providerKeyed = stores.filter((r) => r.customerManagedKey === false);
    const unreadable = stores.filter((r) => r.customerManagedKey === undefined).map((r) => r.id);
    return judgeItems(
      {
        failures: providerKeyed.map((r) => ({
          resource: r.id,
          message: `${r.kind} in ${r.region} is not encrypted with a customer-managed key`,
        })),
        unreadable,
      },
      {
        failReason: 'ProviderManagedKeys',
        failMessage: `${plural(providerKeyed.length, 'resource')} not encrypted with a customer-managed key`,
        unknownReason: 'KeyOwnershipUnreadable',
        unknownMessage: `Key ownership unreadable for ${plural(unreadable.length, 'resource')}`,
        passReason: 'CustomerManagedKeys',
        passMessage:
          stores.length === 0
            ? 'No data stores found'
            : `Customer-managed keys on ${plural(stores.length, 'data store')}`,
        timing: { evidenceAt: live.evidenceAt },
      },
    );
  },
};
