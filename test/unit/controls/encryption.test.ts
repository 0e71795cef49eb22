import {
  customerManagedKeys,
  defaultVolumeEncryption,
  storageEncrypted,
} from '../../../operator/src/controls/encryption.js';
import { aPolicy, aResource, anInput, anInventory, liveFailed, withGaps } from '../builders.js';

const strict = aPolicy({}, 'strictly-confidential');

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

describe('A523-04-DEFAULT-ENCRYPTION', () => {
  const withDefaults = (defaultVolumeEncryption: Record<string, boolean> | undefined, regions = ['eu-west-1']) =>
    anInventory({
      resources: regions.map((region, i) => aResource({ id: `r${i}`, region })),
      guardrails: { ...anInventory().guardrails, defaultVolumeEncryption },
    });

  it('fails when default encryption is off in a region the account uses', () => {
    const outcome = defaultVolumeEncryption.evaluate(anInput({ inventory: withDefaults({ 'eu-west-1': false }) }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'DefaultEncryptionOff' });
    expect(outcome.findings).toEqual([
      { resource: 'eu-west-1', message: 'Default volume encryption is off in eu-west-1' },
    ]);
  });

  it('ignores regions the account does not use', () => {
    const inventory = withDefaults({ 'eu-west-1': true, 'us-east-1': false });
    expect(defaultVolumeEncryption.evaluate(anInput({ inventory })).status).toBe('True');
  });

  it('is Unknown when the setting of a region in use is missing', () => {
    const inventory = withDefaults({ 'eu-west-1': true }, ['eu-west-1', 'eu-west-2']);
    expect(defaultVolumeEncryption.evaluate(anInput({ inventory }))).toMatchObject({
      status: 'Unknown',
      reason: 'DefaultEncryptionUnreadable',
    });
  });

  it('is Unknown when the settings were not read at all', () => {
    expect(defaultVolumeEncryption.evaluate(anInput({ inventory: withDefaults(undefined) })).status).toBe('Unknown');
  });
});

describe('A523-04-CUSTOMER-MANAGED-KEYS', () => {
  it('passes as NotRequired when the classification does not require customer-side encryption, without reading the account', () => {
    expect(customerManagedKeys.evaluate(anInput({ inventory: liveFailed() }))).toMatchObject({
      status: 'True',
      reason: 'NotRequired',
    });
  });

  it('requires customer-managed keys for strictly-confidential data', () => {
    const inventory = anInventory({ resources: [aResource({ id: 'b', customerManagedKey: false })] });
    const outcome = customerManagedKeys.evaluate(anInput({ inventory, policy: strict }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'ProviderManagedKeys' });
    expect(outcome.findings.map((f) => f.resource)).toEqual(['b']);
  });

  it('does not repeat unencrypted resources (A523-04-STORAGE-ENCRYPTED reports them)', () => {
    const inventory = anInventory({ resources: [aResource({ encrypted: false, customerManagedKey: false })] });
    expect(customerManagedKeys.evaluate(anInput({ inventory, policy: strict })).status).toBe('True');
  });

  it('is Unknown when key ownership is unreadable and nothing fails', () => {
    const inventory = anInventory({ resources: [aResource({ customerManagedKey: undefined })] });
    expect(customerManagedKeys.evaluate(anInput({ inventory, policy: strict })).status).toBe('Unknown');
  });
});
