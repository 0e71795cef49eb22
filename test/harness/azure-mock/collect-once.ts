// Collect one Azure subscription with the operator's AzureCollector, configured only
// from the environment (as the operator process is), and print the Inventory as JSON.
//   node --import tsx test/harness/azure-mock/collect-once.ts <subscription-id> [tenant-id]
// Tenant default: $AZURE_TENANT_ID. Used by the demo test to prove that the
// environment from startAzureDemo() is all a fresh process needs.

import { AzureCollector } from '../../../operator/src/providers/azure/collector.js';

const [subscriptionId, tenantArg] = process.argv.slice(2);
const tenantId = tenantArg ?? process.env.AZURE_TENANT_ID;
if (!subscriptionId || !tenantId) {
  process.stderr.write('usage: collect-once.ts <subscription-id> [tenant-id]\n');
  process.exit(2);
}
const calls: Record<string, number> = {};
const collector = new AzureCollector({
  onApiCall: (_provider, operation, code) => {
    const key = `${operation} ${code}`;
    calls[key] = (calls[key] ?? 0) + 1;
  },
});
const result = await collector.collect({
  provider: 'azure',
  account: { azure: { tenantId, subscriptionId, ...(process.env.AZURE_CLIENT_ID ? { clientId: process.env.AZURE_CLIENT_ID } : {}) } },
  allowedRegions: [],
});
process.stdout.write(`${JSON.stringify({ result, calls }, null, 2)}\n`);
process.exitCode = result.ok ? 0 : 1;
