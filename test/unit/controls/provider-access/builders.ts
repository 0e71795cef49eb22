// Builders for the ProviderAccessControlled tests: an Azure service and inventory with
// Customer Lockbox facts.

import type { CloudServiceSpec } from '../../../../operator/src/api/types.js';
import type { LockboxRequest, ProviderAccessFacts } from '../../../../operator/src/inventory/provider-access.js';
import type { ControlInput } from '../../../../operator/src/controls/types.js';
import { aSpec, anInput, anInventory, daysAgo } from '../../builders.js';

export const APPROVER = 'secops@contoso.example';
export const APPROVER_OBJECT_ID = '6f1e2d3c-0000-4000-8000-00000000a001';

export function aRequest(overrides: Partial<LockboxRequest> = {}): LockboxRequest {
  return {
    id: 'lb-0001',
    status: 'Approved',
    createdAt: daysAgo(3),
    expiresAt: daysAgo(-1),
    resource: '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1',
    supportCase: '2611150010000001',
    answeredBy: APPROVER,
    answeredByObjectId: APPROVER_OBJECT_ID,
    answeredAt: daysAgo(2),
    ...overrides,
  };
}

export function azureSpec(overrides: Partial<CloudServiceSpec> = {}): CloudServiceSpec {
  return aSpec({ provider: 'azure', providerAccess: { lockboxApprovers: [APPROVER] }, ...overrides });
}

export function azureInput(facts: ProviderAccessFacts | undefined, spec: CloudServiceSpec = azureSpec()): ControlInput {
  return anInput({ spec, inventory: anInventory({ provider: 'azure', accountId: '0000', ...(facts ? { providerAccess: facts } : {}) }) });
}
