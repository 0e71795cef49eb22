// Contract test for the Activity Log: ActivityLogs_List (eventtypes/management/values,
// api-version 2015-04-01) in its documented shape (test/fixtures/azure/
// activity-log-events-list.json, after GetActivityLogsFiltered.json), served verbatim by
// the local Resource Manager server and read by the real @azure/arm-monitor client
// through the collector's change-log reader, nextLink followed.

import type { ChangeReadResult } from '../../operator/src/providers/types.js';
import { exampleBody } from '../harness/azure-mock/contract.js';
import { SUBSCRIPTION_ID, compliantFixture } from '../harness/azure-mock/scenarios.js';
import { azureTarget, useAzureMock } from '../harness/azure-mock/suite.js';

const azure = useAzureMock('contract-activity-log');
beforeEach(() => azure.mock.reset());

const SUB = `/subscriptions/${SUBSCRIPTION_ID}`;
const RULE = `${SUB}/resourceGroups/MSNetworkGroup/providers/Microsoft.Network/networkSecurityGroups/nsg-web/securityRules/allow-rdp`;
const TICKET = `${SUB}/resourceGroups/MSSupportGroup/providers/microsoft.support/supporttickets/115012112305841`;
// The example's own window.
const SINCE = new Date('2015-01-21T20:00:00Z');
const NOW = new Date('2015-01-23T20:00:00Z');

async function read(watchedIdentities: string[]): Promise<Extract<ChangeReadResult, { ok: true }>> {
  azure.mock.setFixture(compliantFixture());
  azure.mock.setPages('arm.activityLogs', [
    exampleBody('activity-log-events-list.json', azure.mock, 'arm', `${SUB}/providers/microsoft.insights/eventtypes/management/values`, { subscriptionId: SUBSCRIPTION_ID }),
  ]);
  const result = await azure.collector().readChanges(azureTarget(), { since: SINCE, now: NOW, watchedIdentities });
  if (!result.ok) throw new Error(`${result.failure.reason}: ${result.failure.message}`);
  return result;
}

describe('Activity Log events as documented', () => {
  it('keeps the final event of a network write, naming the resource from authorization.scope', async () => {
    const result = await read([]);
    expect(result.records).toEqual([
      {
        id: 'c4e2f6a8-1b3d-4f7c-9e0a-2b4d6f8c0e32',
        time: '2015-01-22T09:30:14Z',
        actor: 'admin@contoso.com',
        userName: 'admin@contoso.com',
        // the example's objectidentifier claim, as the documented example spells it
        principal: '2468adf0-8211-44e3-95xq-85137af64708',
        action: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
        source: 'Microsoft.Network',
        resource: RULE,
        region: '',
        kind: 'network-change',
      },
    ]);
    expect(result).toMatchObject({ complete: true, filesRead: 2 });
  });

  it('follows the nextLink of each query with the api-version and filter the client sends', async () => {
    await read(['admin@contoso.com']);
    const requests = azure.mock.requests.filter((r) => r.route === 'arm.activityLogs');
    expect(requests.map((r) => new URLSearchParams(r.query).get('$skiptoken'))).toEqual([null, '1', null, '1']);
    for (const r of requests) {
      const q = new URLSearchParams(r.query);
      expect(q.get('api-version')).toBe('2015-04-01');
      expect(q.get('$filter')).toMatch(/^eventTimestamp ge '2015-01-21T20:00:00.000Z' and eventTimestamp le '2015-01-23T20:00:00.000Z'/);
    }
  });

  it('keeps a watched identity’s other calls (the example’s support ticket write)', async () => {
    const result = await read(['admin@contoso.com']);
    expect(result.records.map((r) => [r.kind, r.action, r.resource, r.time])).toEqual([
      ['activity', 'microsoft.support/supporttickets/write', TICKET, '2015-01-21T22:14:26Z'],
      ['network-change', 'Microsoft.Network/networkSecurityGroups/securityRules/write', RULE, '2015-01-22T09:30:14Z'],
    ]);
  });
});
