// Table tests of A523-09-LOCKBOX-ENABLED (controls/provider-access/lockbox-enabled.ts).

import { lockboxEnabled } from '../../../../operator/src/controls/provider-access/lockbox-enabled.js';
import { anInput, anInventory, withGaps } from '../../builders.js';
import { azureInput, azureSpec } from './builders.js';

describe('A523-09-LOCKBOX-ENABLED', () => {
  it.each([
    ['opted in', { lockboxOptedIn: true }, 'True', 'LockboxEnabled'],
    ['not opted in', { lockboxOptedIn: false }, 'False', 'LockboxNotEnabled'],
    ['opt-in not read', {}, 'Unknown', 'NotCollected'],
    ['no provider access facts at all', undefined, 'Unknown', 'NotCollected'],
  ] as const)('%s', (_, facts, status, reason) => {
    expect(lockboxEnabled.evaluate(azureInput(facts))).toMatchObject({ status, reason });
  });

  it('a gap in providerAccess is Unknown with its reason, never False', () => {
    const input = { ...azureInput({ lockboxOptedIn: false }), inventory: withGaps(anInventory({ provider: 'azure', providerAccess: { lockboxOptedIn: false } }), 'providerAccess') };
    expect(lockboxEnabled.evaluate({ ...input, spec: azureSpec() })).toMatchObject({ status: 'Unknown', reason: 'AccessDenied' });
  });

  it('does not apply to AWS, which has no customer lockbox', () => {
    expect(lockboxEnabled.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'NotApplicable' });
  });
});
