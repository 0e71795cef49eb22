// Table tests of A523-04-ACCOUNT-PUBLIC-ACCESS-BLOCK (controls/exposure/account-public-access-
// block.ts).

import { accountPublicAccessBlock } from '../../../../operator/src/controls/exposure/account-public-access-block.js';
import { ACCOUNT_ID, anInput, anInventory } from '../../builders.js';

describe('A523-04-ACCOUNT-PUBLIC-ACCESS-BLOCK', () => {
  const blocked = (accountPublicAccessBlock: boolean | undefined) =>
    anInventory({ guardrails: { ...anInventory().guardrails, accountPublicAccessBlock } });

  it.each([
    [true, 'True', 'AccountPublicAccessBlocked'],
    [false, 'False', 'AccountPublicAccessAllowed'],
    [undefined, 'Unknown', 'NotCollected'],
  ])('block %p → %s', (value, status, reason) => {
    expect(accountPublicAccessBlock.evaluate(anInput({ inventory: blocked(value) }))).toMatchObject({ status, reason });
  });

  it('is a medium finding on the account', () => {
    const outcome = accountPublicAccessBlock.evaluate(anInput({ inventory: blocked(false) }));
    expect(outcome.findings[0]?.resource).toBe(ACCOUNT_ID);
    expect(accountPublicAccessBlock.severity).toBe('medium');
  });
});
