// Account status of the Organizations reader (providers/aws/organization-accounts.ts):
// `State` (newer API) when the answer has it, `Status` otherwise.
import { accountStatusOf } from '../../operator/src/providers/aws/organization-accounts.js';

describe('accountStatusOf', () => {
  it.each([
    [{ Status: 'ACTIVE' }, 'active', 'ACTIVE'],
    [{ Status: 'SUSPENDED' }, 'suspended', 'SUSPENDED'],
    [{ Status: 'PENDING_CLOSURE' }, 'closing', 'PENDING_CLOSURE'],
    [{ Status: 'ACTIVE', State: 'ACTIVE' }, 'active', 'ACTIVE'],
    [{ Status: 'SUSPENDED', State: 'CLOSED' }, 'closed', 'SUSPENDED/CLOSED'],
    [{ Status: 'ACTIVE', State: 'PENDING_ACTIVATION' }, 'pending', 'ACTIVE/PENDING_ACTIVATION'],
    [{ State: 'SUSPENDED' }, 'suspended', 'SUSPENDED'],
    [{ Status: 'SOMETHING_NEW' }, 'unknown', 'SOMETHING_NEW'],
    [{}, 'unknown', 'none'],
  ] as const)('%j -> %s', (account, status, providerStatus) => {
    expect(accountStatusOf(account as Parameters<typeof accountStatusOf>[0])).toEqual({ status, providerStatus });
  });
});
