// Contract tests for Azure Policy: PolicyAssignments_List ($filter=atScope()) and the
// initiative the collector reads (PolicySetDefinitions_GetAtManagementGroup) in their
// documented shapes (test/fixtures/azure/policy-assignments-list.json,
// policy-set-definition-get.json), served verbatim by the local Resource Manager server,
// read by the real @azure/arm-policy client through the collector, and judged by the
// region and public-access guardrail controls.

import { accountPublicAccessBlock } from '../../operator/src/controls/exposure/account-public-access-block.js';
import { regionGuardrail } from '../../operator/src/controls/residency/region-guardrail.js';
import type { Inventory } from '../../operator/src/inventory/types.js';
import { exampleBody } from '../harness/azure-mock/contract.js';
import { emptyFixture } from '../harness/azure-mock/fixture.js';
import { CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_ID, TENANT_ID } from '../harness/azure-mock/scenarios.js';
import { inventoryOf, useAzureMock } from '../harness/azure-mock/suite.js';
import { aSpec, anInput } from '../unit/builders.js';

const azure = useAzureMock('contract-policy');

const SUB = `/subscriptions/${SUBSCRIPTION_ID}`;
// The collector keys initiatives by lower-cased id (ARM names are case-insensitive).
const SET_PATH = '/providers/microsoft.management/managementgroups/mymanagementgroup/providers/microsoft.authorization/policysetdefinitions/landingzoneguardrails';

describe('policy assignments and the initiative among them, as documented', () => {
  let inv: Inventory;
  beforeAll(async () => {
    azure.mock.reset();
    azure.mock.setFixture(emptyFixture(TENANT_ID, SUBSCRIPTION_ID, [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }]));
    const ids = { subscriptionId: SUBSCRIPTION_ID };
    azure.mock.setPages('arm.policyAssignments', [exampleBody('policy-assignments-list.json', azure.mock, 'arm', `${SUB}/providers/Microsoft.Authorization/policyAssignments`, ids)]);
    azure.mock.setPages('arm.policySetDefinitions', [exampleBody('policy-set-definition-get.json', azure.mock, 'arm', SET_PATH, ids)]);
    inv = await inventoryOf(azure.collector());
  });

  it('lists with $filter=atScope() and reads the one initiative at its management group, api-version 2024-05-01', () => {
    const list = azure.mock.requests.filter((r) => r.route === 'arm.policyAssignments');
    expect(list).toHaveLength(1);
    expect(new URLSearchParams(list[0]!.query).get('$filter')).toBe('atScope()');
    const sets = azure.mock.requests.filter((r) => r.route === 'arm.policySetDefinitions');
    expect(sets.map((r) => r.path.toLowerCase())).toEqual([SET_PATH]);
    expect(sets[0]!.query).toMatch(/api-version=2024-05-01/);
    expect(inv.gaps).toEqual([]);
  });

  it('counts assignments without enforcementMode as enforced and intersects the allowed locations', () => {
    expect(inv.guardrails.regionRestriction).toEqual({
      allowedRegions: ['eastus', 'westeurope'],
      source: 'Azure Policy: Allowed locations, Landing zone guardrails',
    });
    const judged = regionGuardrail.evaluate(anInput({ inventory: inv, spec: aSpec({ allowedRegions: ['westeurope', 'eastus'] }) }));
    expect(judged.status).toBe('True');
    const wider = regionGuardrail.evaluate(anInput({ inventory: inv, spec: aSpec({ allowedRegions: ['westeurope'] }) }));
    expect(wider.status).toBe('False'); // eastus is allowed by the policy, not by the spec
  });

  it('takes the public-access effect from the initiative parameter’s defaultValue (Deny)', () => {
    expect(inv.guardrails.accountPublicAccessBlock).toBe(true);
    expect(accountPublicAccessBlock.evaluate(anInput({ inventory: inv })).status).toBe('True');
  });
});
