// A523-09-LOCKBOX-ENABLED (ProviderAccessControlled, checklist step 9, "control over the
// landlord"): Azure Customer Lockbox is opted in for the tenant, so a Microsoft engineer
// reaches customer data only after the customer approves. AWS has no such switch: its
// side is A523-09-PROVIDER-ACCESS-ATTESTED.

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { readLive, unreadFact } from '../live.js';

export const lockboxEnabled: Control = {
  id: 'A523-09-LOCKBOX-ENABLED',
  family: 'ProviderAccessControlled',
  checklistStep: 9,
  severity: 'high',
  title: 'Customer Lockbox is on: the provider reaches customer data only with your approval',
  remediation:
    'Turn on Customer Lockbox for the tenant (Azure portal, Customer Lockbox for Microsoft Azure, Administration: Enabled; needs the Global Administrator role and a Developer, Standard or higher support plan), then declare who answers requests in spec.providerAccess.lockboxApprovers.',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, ['providerAccess']);
    if (!live.ok) return live.outcome;
    if (input.spec.provider !== 'azure') {
      return pass('NotApplicable', "AWS has no customer lockbox: the provider's access is judged by A523-09-PROVIDER-ACCESS-ATTESTED");
    }
    const optedIn = live.inventory.providerAccess?.lockboxOptedIn;
    if (optedIn === undefined) return unreadFact(live.inventory, ['providerAccess'], 'Customer Lockbox opt-in');
    const timing = { evidenceAt: live.evidenceAt };
    return optedIn
      ? pass('LockboxEnabled', 'Customer Lockbox is on for the tenant', timing)
      : fail('LockboxNotEnabled', 'Customer Lockbox is off for the tenant: Microsoft engineers can reach customer data without your approval', [], timing);
  },
};
