// The set-up every Azure collector suite shares: the local Entra ID / Resource Manager /
// Graph server started once per file with its CA trusted, and collectors pointed at it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { Inventory } from '../../../operator/src/inventory/types.js';
import { AzureCollector, type AzureCollectorOptions } from '../../../operator/src/providers/azure/collector.js';
import type { CollectTarget } from '../../../operator/src/providers/types.js';
import { CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_ID, TENANT_ID, compliantFixture } from './scenarios.js';
import { startAzureMock, type AzureMock } from './server.js';
import { trustCaInProcess } from './trust.js';

export interface AzureMockSuite {
  /** The running server (valid inside tests and hooks). */
  readonly mock: AzureMock;
  /** A scratch folder for the file, removed afterwards. */
  readonly dir: string;
  collector(extra?: Partial<AzureCollectorOptions>): AzureCollector;
}

/** Registers beforeAll/afterAll that run the server for the calling test file. */
export function useAzureMock(name: string, defaults: Partial<AzureCollectorOptions> = {}): AzureMockSuite {
  let dir = '';
  let mock: AzureMock | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), `cloudposture-azure-${name}-`));
    mock = await startAzureMock({ dir, fixture: compliantFixture() });
    trustCaInProcess(mock.caPem);
  });
  afterAll(async () => {
    await mock?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const running = (): AzureMock => {
    if (!mock) throw new Error('the Azure mock runs only inside tests and hooks');
    return mock;
  };
  return {
    get mock() {
      return running();
    },
    get dir() {
      return dir;
    },
    collector: (extra = {}) =>
      new AzureCollector({
        resourceManagerEndpoint: running().armUrl,
        graphEndpoint: running().graphUrl,
        authorityHost: running().loginUrl,
        // Nothing of the environment, and no real Azure host: the log vault's blob reads go
        // to a closed loopback port (a suite that needs blobs passes Azurite's template).
        env: { CLOUDPOSTURE_AZURE_STORAGE_BLOB_ENDPOINT: 'https://127.0.0.1:9/{account}' },
        retryDelayMs: 50,
        ...defaults,
        ...extra,
      }),
  };
}

/** The target the scenarios' fixtures describe, with the client-secret credential. */
export function azureTarget(secret = CLIENT_SECRET, clientId = CLIENT_ID): CollectTarget {
  return {
    provider: 'azure',
    account: { azure: { tenantId: TENANT_ID, subscriptionId: SUBSCRIPTION_ID } },
    allowedRegions: ['westeurope', 'northeurope'],
    azureCredentials: { tenantId: TENANT_ID, clientId, clientSecret: secret },
  };
}

/** Collects and fails the test with the failure's reason when collection failed. */
export async function inventoryOf(collector: AzureCollector, target: CollectTarget = azureTarget()): Promise<Inventory> {
  const result = await collector.collect(target);
  if (!result.ok) throw new Error(`collection failed: ${result.failure.reason}: ${result.failure.message}`);
  return result.inventory;
}
