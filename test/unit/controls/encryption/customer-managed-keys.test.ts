// Table tests of A523-04-CUSTOMER-MANAGED-KEYS (controls/encryption/customer-managed-keys.ts).

import { customerManagedKeys } from '../../../../operator/src/controls/encryption/customer-managed-keys.js';
import { aPolicy, aResource, anInput, anInventory, liveFailed } from '../../builders.js';

const strict = aPolicy({}, 'strictly-confidential');

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
