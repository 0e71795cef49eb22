// Table tests of A523-04-STORAGE-ENCRYPTED (controls/encryption/storage-encrypted.ts).

import { storageEncrypted } from '../../../../operator/src/controls/encryption/storage-encrypted.js';
import { aResource, anInput, anInventory, withGaps } from '../../builders.js';

describe('A523-04-STORAGE-ENCRYPTED', () => {
  it('passes when every data store is encrypted', () => {
    expect(storageEncrypted.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'AllEncrypted' });
  });

  it('fails on an unencrypted orphaned snapshot ("shadow resources" trap)', () => {
    const inventory = anInventory({
      resources: [aResource(), aResource({ id: 'snap-orphan', kind: 'snapshot', encrypted: false })],
    });
    const outcome = storageEncrypted.evaluate(anInput({ inventory }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'UnencryptedResources' });
    expect(outcome.findings).toEqual([
      { resource: 'snap-orphan', message: 'snapshot in eu-west-1 is not encrypted at rest' },
    ]);
  });

  it('is Unknown when some encryption is unreadable and nothing fails', () => {
    const inventory = anInventory({
      resources: [aResource(), aResource({ id: 'db', kind: 'database', encrypted: undefined })],
    });
    expect(storageEncrypted.evaluate(anInput({ inventory }))).toMatchObject({
      status: 'Unknown',
      reason: 'EncryptionUnreadable',
    });
  });

  it('is False when one resource fails, even if another is unreadable, and says how many were unreadable', () => {
    const inventory = anInventory({
      resources: [aResource({ id: 'a', encrypted: false }), aResource({ id: 'b', encrypted: undefined })],
    });
    const outcome = storageEncrypted.evaluate(anInput({ inventory }));
    expect(outcome.status).toBe('False');
    expect(outcome.message).toBe('1 resource not encrypted at rest (1 more unreadable).');
  });

  it('does not need encryption facts of compute instances (their volumes are checked)', () => {
    const inventory = anInventory({ resources: [aResource({ kind: 'compute-instance', encrypted: undefined })] });
    expect(storageEncrypted.evaluate(anInput({ inventory })).status).toBe('True');
  });

  it.each(['resources', 'encryption'] as const)('is Unknown on a %s gap', (area) => {
    const inventory = anInventory({ resources: [aResource({ encrypted: false })] });
    expect(storageEncrypted.evaluate(anInput({ inventory: withGaps(inventory, area) })).status).toBe('Unknown');
  });
});
