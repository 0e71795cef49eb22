// Azure log delivery freshness against Azurite (Microsoft's Azure Storage emulator): the
// collector reads the newest blob of the subscription in the vault's
// insights-activity-logs container with @azure/storage-blob and a bearer token from the
// local Entra ID; A523-09-TRAIL-DELIVERY then says fresh (True), stale (False), never
// delivered (False) or unreadable (Unknown, naming Storage Blob Data Reader).

import path from 'node:path';

import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';

import { trailDelivery } from '../../operator/src/controls/audit-logging/trail-delivery.js';
import type { Inventory } from '../../operator/src/inventory/types.js';
import { AZURE_STORAGE_BLOB_ENDPOINT_ENV } from '../../operator/src/providers/azure/log-delivery.js';
import { trustCaInProcess } from '../harness/azure-mock/trust.js';
import { CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_ID, TENANT_ID, VAULT_STORAGE_ID, VAULT_SUBSCRIPTION_ID } from '../harness/azure-mock/scenarios.js';
import { azureTarget, inventoryOf, useAzureMock } from '../harness/azure-mock/suite.js';
import { startAzurite, type AzuriteServer } from '../harness/azurite.js';
import { aSpec, anInput, liveOk } from '../unit/builders.js';

const azure = useAzureMock('log-delivery');
let azurite: AzuriteServer | undefined;

beforeAll(async () => {
  azurite = await startAzurite({ dir: path.join(azure.dir, 'azurite'), accounts: ['auditvault'] });
  trustCaInProcess(azurite.caPem);
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
});

const spec = aSpec({
  provider: 'azure',
  logVault: { accountId: VAULT_SUBSCRIPTION_ID, bucket: 'auditvault' },
});

function collector(extra: Parameters<typeof azure.collector>[0] = {}) {
  return azure.collector({ env: { [AZURE_STORAGE_BLOB_ENDPOINT_ENV]: azurite!.endpointTemplate }, ...extra });
}

function vaultTrail(inv: Inventory) {
  const trail = inv.auditTrails.find((t) => t.destination === VAULT_STORAGE_ID);
  expect(trail).toBeDefined();
  return trail!;
}

const judge = (inv: Inventory, now = new Date()) => trailDelivery.evaluate(anInput({ spec, inventory: liveOk(inv), now }));

describe('Azure activity-log delivery (Azurite)', () => {
  it('nothing delivered yet (no insights-activity-logs container): False, saying so', async () => {
    const inv = await inventoryOf(collector());
    expect(vaultTrail(inv)).toMatchObject({ lastDeliveryError: expect.stringMatching(/container auditvault\/insights-activity-logs does not exist/) });
    expect(judge(inv)).toMatchObject({ status: 'False', reason: 'LogDeliveryFailing' });
  });

  it('only another subscription delivered: False for this one', async () => {
    await azurite!.putActivityLog('auditvault', VAULT_SUBSCRIPTION_ID, new Date());
    const inv = await inventoryOf(collector());
    expect(vaultTrail(inv).lastDeliveryError).toMatch(/no activity log of this subscription has been delivered/);
    expect(judge(inv).status).toBe('False');
  });

  it('fresh: the newest hourly blob is found by descending the folders (True); stale a day later (False)', async () => {
    const now = new Date();
    // older hours and days too: the newest must win, whatever the listing order
    await azurite!.putActivityLog('auditvault', SUBSCRIPTION_ID, new Date(now.getTime() - 40 * 3_600_000));
    await azurite!.putActivityLog('auditvault', SUBSCRIPTION_ID, new Date(now.getTime() - 3 * 3_600_000));
    const before = Date.now();
    await azurite!.putActivityLog('auditvault', SUBSCRIPTION_ID, now);
    const calls: string[] = [];
    const inv = await inventoryOf(collector({ onApiCall: (_p, op, code) => calls.push(`${op} ${code}`) }));
    const at = Date.parse(vaultTrail(inv).lastDeliveryAt ?? '');
    expect(at).toBeGreaterThanOrEqual(before - 2_000);
    expect(judge(inv)).toMatchObject({ status: 'True', reason: 'LogsDelivered' });
    // bounded: one list per folder level (subscription, y, m, d, h, m=00), not one per blob
    const lists = calls.filter((c) => c.startsWith('Storage:listBlobs'));
    expect(lists.length).toBeGreaterThanOrEqual(6);
    expect(lists.length).toBeLessThanOrEqual(8);
    expect(judge(inv, new Date(at + 25 * 3_600_000))).toMatchObject({ status: 'False', reason: 'LogDeliveryStale' });
  });

  it('unreadable: the storage service refuses the token → Unknown naming Storage Blob Data Reader', async () => {
    // A token whose audience is another storage account: Azure Storage (here Azurite) answers 403.
    const fromMock = async (scope: string): Promise<AccessToken> => {
      const res = await fetch(`${azure.mock.loginUrl}/${TENANT_ID}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope }),
      });
      const body = (await res.json()) as { access_token: string; expires_in: number };
      return { token: body.access_token, expiresOnTimestamp: Date.now() + body.expires_in * 1000 };
    };
    const credential: TokenCredential = {
      getToken: async (scopes: string | string[], _o?: GetTokenOptions) => {
        const scope = [scopes].flat()[0] ?? '';
        return fromMock(/storage\.azure\.com/.test(scope) ? 'https://otheraccount.blob.core.windows.net/.default' : scope);
      },
    };
    const t = azureTarget();
    delete t.azureCredentials;
    const inv = await inventoryOf(collector({ credential }), t);
    expect(vaultTrail(inv).lastDeliveryAt).toBeUndefined();
    expect(vaultTrail(inv).lastDeliveryUnreadable).toMatch(/refused: AuthenticationFailed \(HTTP 403\).*Storage Blob Data Reader/);
    const outcome = judge(inv);
    expect(outcome).toMatchObject({ status: 'Unknown', reason: 'LogDeliveryUnreadable' });
    expect(outcome.message).toContain('Storage Blob Data Reader');
  });
});
