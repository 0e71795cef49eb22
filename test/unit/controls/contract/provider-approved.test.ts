// Table tests of A523-01-PROVIDER-APPROVED (controls/contract/provider-approved.ts).

import { providerApproved } from '../../../../operator/src/controls/contract/provider-approved.js';
import { aPolicy, anInput } from '../../builders.js';

describe('A523-01-PROVIDER-APPROVED', () => {
  it('passes for an approved provider', () => {
    expect(providerApproved.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'ProviderApproved' });
  });

  it('fails with ProviderNotApproved for a provider outside the list (shadow IT)', () => {
    const outcome = providerApproved.evaluate(anInput({ policy: aPolicy({ approvedProviders: ['azure'] }) }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'ProviderNotApproved' });
    expect(outcome.findings).toHaveLength(1);
  });
});
