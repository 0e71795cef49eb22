// EncryptionAtRest (checklist step 4): every place data rests is encrypted (orphaned
// snapshots included: the "shadow resources" trap), new volumes are encrypted by default
// in every region the account uses, and, when the classification requires customer-side
// encryption, the keys are customer-managed.
//
// Unreadable facts: a resource whose encryption could not be read does not fail the
// control; it makes it Unknown, unless another resource already fails (a known failure
// is still a failure). The same rule applies to customer-managed keys and to regions
// missing from the default-encryption map.

import type { Resource, ResourceKind } from '../inventory/types.js';
import type { Control, ControlFinding } from './types.js';
import { judgeItems, pass } from './outcome.js';
import { readLive, unreadFact } from './live.js';
import { normalizeRegion, regionsInUse } from './regions.js';
import { compareText, plural } from './text.js';

/** Kinds that hold data at rest (compute instances hold it on their volumes). */
// Not 'log-destination': an in-account trail bucket is also listed as a bucket and
// checked as one; a destination in another account (the log vault) belongs to that
// account, whose own CloudService answers for it.
export const ENCRYPTABLE_KINDS: readonly ResourceKind[] = [
  'volume',
  'snapshot',
  'database',
  'database-snapshot',
  'database-replica',
  'bucket',
  'storage-account',
];

function holdsData(resource: Resource): boolean {
  return ENCRYPTABLE_KINDS.includes(resource.kind);
}

function byId(a: Resource, b: Resource): number {
  return compareText(a.id, b.id);
}

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

export const defaultVolumeEncryption: Control = {
  id: 'A523-04-DEFAULT-ENCRYPTION',
  family: 'EncryptionAtRest',
  checklistStep: 4,
  severity: 'medium',
  title: 'Default encryption of new volumes is on in every region the account uses',
  remediation:
    'Turn on default encryption for new block volumes (EC2 "EBS encryption by default" per region, or the equivalent Azure Policy) in each listed region.',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, ['resources']);
    if (!live.ok) return live.outcome;
    const settings = live.inventory.guardrails.defaultVolumeEncryption;
    const regions = regionsInUse(live.inventory);
    if (settings === undefined) {
      if (regions.length === 0) return pass('NoRegionsInUse', 'No regions in use', { evidenceAt: live.evidenceAt });
      return unreadFact(live.inventory, ['encryption', 'guardrails'], 'Default volume encryption');
    }
    const byRegion = new Map(Object.entries(settings).map(([region, on]) => [normalizeRegion(region), on]));
    const failures: ControlFinding[] = [];
    const unreadable: string[] = [];
    for (const region of regions) {
      const on = byRegion.get(region);
      if (on === undefined) unreadable.push(region);
      else if (!on) failures.push({ resource: region, message: `Default volume encryption is off in ${region}` });
    }
    return judgeItems(
      { failures, unreadable },
      {
        failReason: 'DefaultEncryptionOff',
        failMessage: `Default volume encryption off in ${plural(failures.length, 'region')} in use`,
        unknownReason: 'DefaultEncryptionUnreadable',
        unknownMessage: `Default volume encryption unreadable for ${plural(unreadable.length, 'region')} in use`,
        passReason: 'DefaultEncryptionOn',
        passMessage: `Default volume encryption on in the ${plural(regions.length, 'region')} in use`,
        timing: { evidenceAt: live.evidenceAt },
      },
    );
  },
};

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
