// A523-01-PROVIDER-APPROVED (ContractReviewed, checklist step 1): the provider is on the
// policy's approved list. It sits in this family because approving a provider is a
// procurement decision made with its contract; the service model check sits in
// ResponsibilityDefined.

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';

export const providerApproved: Control = {
  id: 'A523-01-PROVIDER-APPROVED',
  family: 'ContractReviewed',
  checklistStep: 1,
  severity: 'high',
  title: 'The cloud provider is on the approved provider list',
  remediation:
    'Stop using an unapproved provider (shadow IT) or take it through procurement and security review, then add it to approvedProviders in the CloudSecurityPolicy.',
  needs: 'spec',
  evaluate(input) {
    const provider = input.spec.provider;
    if (!input.policy.approvedProviders.includes(provider)) {
      const approved = input.policy.approvedProviders.length > 0 ? input.policy.approvedProviders.join(', ') : 'none';
      return fail('ProviderNotApproved', `Provider ${provider} is not approved by the policy (approved: ${approved})`);
    }
    return pass('ProviderApproved', `Provider ${provider} is approved`);
  },
};
