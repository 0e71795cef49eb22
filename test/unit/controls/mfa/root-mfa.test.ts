// Table tests of A523-08-ROOT-MFA (controls/mfa/root-mfa.ts).

import { rootMfa } from '../../../../operator/src/controls/mfa/root-mfa.js';
import { anInput, anInventory, withGaps } from '../../builders.js';
import { describeWithoutData } from './builders.js';

describe('A523-08-ROOT-MFA', () => {
  it.each([
    [true, 'True', 'RootMFAEnabled'],
    [false, 'False', 'RootWithoutMFA'],
  ])('rootMfaEnabled %p → %s', (enabled, status, reason) => {
    expect(rootMfa.evaluate(anInput({ inventory: anInventory({ rootMfaEnabled: enabled }) }))).toMatchObject({
      status,
      reason,
    });
  });

  it('is Unknown, not False, when root MFA could not be read', () => {
    const inventory = anInventory({ rootMfaEnabled: undefined });
    expect(rootMfa.evaluate(anInput({ inventory }))).toMatchObject({ status: 'Unknown', reason: 'NotCollected' });
    expect(rootMfa.evaluate(anInput({ inventory: withGaps(inventory, 'identities') }))).toMatchObject({
      status: 'Unknown',
      reason: 'AccessDenied',
    });
  });

  it('is critical', () => {
    expect(rootMfa.severity).toBe('critical');
  });
});

describeWithoutData(rootMfa, { identitiesGap: false });
