// Table tests of A523-03-CUSTOMER-DUTIES-MET (controls/responsibility/customer-duties-met.ts).

import {
  customerDutiesMet,
  liveCustomerDuties,
} from '../../../../operator/src/controls/responsibility/customer-duties-met.js';
import { aMatrix, aResource, aSpec, aUser, anInput, anInventory, liveFailed } from '../../builders.js';

const matrixWith = (owner: 'provider' | 'customer' | 'shared') => {
  const matrix = aMatrix('IaaS');
  return aSpec({
    sharedResponsibility: {
      ...matrix,
      areas: matrix.areas.map((r) =>
        r.area === 'encryption-keys' || r.area === 'identity-and-access' ? { ...r, owner } : r,
      ),
    },
  });
};

describe('A523-03-CUSTOMER-DUTIES-MET', () => {
  it('lists the customer duties with a live check', () => {
    expect(liveCustomerDuties(anInput())).toEqual(['encryption-keys', 'identity-and-access']);
    expect(liveCustomerDuties(anInput({ spec: matrixWith('shared') }))).toEqual([
      'encryption-keys',
      'identity-and-access',
    ]);
  });

  it('passes when the backing live controls pass', () => {
    expect(customerDutiesMet.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'CustomerDutiesMet' });
  });

  it('fails when the matrix puts encryption keys on the customer but data is unencrypted', () => {
    const inventory = anInventory({ resources: [aResource({ id: 'vol', kind: 'volume', encrypted: false })] });
    const outcome = customerDutiesMet.evaluate(anInput({ inventory }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'CustomerDutyNotMet' });
    expect(outcome.findings).toEqual([
      {
        resource: 'encryption-keys',
        message: 'Matrix gives encryption-keys to the customer, but A523-04-STORAGE-ENCRYPTED fails',
      },
    ]);
  });

  it('fails when the matrix puts identity on the customer but an admin has no MFA', () => {
    const inventory = anInventory({ identities: [aUser('breakglass-admin'), aUser('admin', { mfaEnabled: false })] });
    const outcome = customerDutiesMet.evaluate(anInput({ inventory }));
    expect(outcome.status).toBe('False');
    expect(outcome.findings.map((f) => f.resource)).toEqual(['identity-and-access']);
    expect(outcome.message).toContain('A523-08-PRIVILEGED-MFA');
  });

  it('does not check areas the provider owns', () => {
    const inventory = anInventory({ resources: [aResource({ encrypted: false })] });
    const outcome = customerDutiesMet.evaluate(anInput({ inventory, spec: matrixWith('provider') }));
    expect(outcome).toMatchObject({ status: 'True', reason: 'NoLiveCustomerDuties' });
  });

  it('is Unknown, not False, when the account could not be read', () => {
    expect(customerDutiesMet.evaluate(anInput({ inventory: liveFailed('Throttled') }))).toMatchObject({
      status: 'Unknown',
      reason: 'Throttled',
    });
  });

  it('passes without reading the account when there is no matrix', () => {
    expect(
      customerDutiesMet.evaluate(anInput({ spec: aSpec({ sharedResponsibility: undefined }), inventory: liveFailed() }))
        .status,
    ).toBe('True');
  });
});
