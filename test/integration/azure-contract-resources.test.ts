// Contract tests for the resource lists: Resources_List and StorageAccounts_List bodies
// in their documented shapes (test/fixtures/azure/resources-list.json,
// storage-accounts-list.json) served verbatim by the local Resource Manager server, read
// by the real @azure/arm-resources and @azure/arm-storage clients through the collector,
// and judged by the controls that read them.

import { customerManagedKeys } from '../../operator/src/controls/encryption/customer-managed-keys.js';
import { storageEncrypted } from '../../operator/src/controls/encryption/storage-encrypted.js';
import { noPublicResources } from '../../operator/src/controls/exposure/no-public-resources.js';
import type { Inventory, Resource } from '../../operator/src/inventory/types.js';
import { exampleBody } from '../harness/azure-mock/contract.js';
import { emptyFixture } from '../harness/azure-mock/fixture.js';
import { CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_ID, TENANT_ID } from '../harness/azure-mock/scenarios.js';
import { inventoryOf, useAzureMock } from '../harness/azure-mock/suite.js';
import { aPolicy, anInput } from '../unit/builders.js';

const azure = useAzureMock('contract-resources');

const SUB = `/subscriptions/${SUBSCRIPTION_ID}`;
const RG = `${SUB}/resourceGroups/myResourceGroup/providers`;

/** A tenant with nothing in it but what the served example lists. */
function bareFixture() {
  return emptyFixture(TENANT_ID, SUBSCRIPTION_ID, [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }]);
}

const byId = (inv: Inventory, id: string): Resource | undefined => inv.resources.find((r) => r.id.toLowerCase() === id.toLowerCase());
const storage = (name: string, group: string): string => `${SUB}/resourceGroups/${group}/providers/Microsoft.Storage/storageAccounts/${name}`;

describe('Resources_List as documented (envelope only, paged)', () => {
  let inv: Inventory;
  let pages: Array<string | null> = [];
  beforeAll(async () => {
    azure.mock.reset();
    azure.mock.setFixture(bareFixture());
    azure.mock.setPages('arm.resources', [exampleBody('resources-list.json', azure.mock, 'arm', `${SUB}/resources`, { subscriptionId: SUBSCRIPTION_ID })]);
    inv = await inventoryOf(azure.collector());
    pages = azure.mock.requests.filter((r) => r.route === 'arm.resources').map((r) => new URLSearchParams(r.query).get('$skiptoken'));
  });

  it('follows the nextLink with the api-version the client sends', () => {
    expect(pages).toEqual([null, '1']);
    expect(azure.mock.requests.filter((r) => r.route === 'arm.resources').every((r) => /api-version=2025-04-01/.test(r.query))).toBe(true);
  });

  it('maps the kinds that hold or process data and leaves the rest out', () => {
    expect(byId(inv, `${RG}/Microsoft.Compute/virtualMachines/myVM`)).toEqual({
      id: `${RG}/Microsoft.Compute/virtualMachines/myVM`,
      kind: 'compute-instance',
      region: 'westus',
      tags: { department: 'Development' },
    });
    expect(byId(inv, `${RG}/Microsoft.Compute/disks/myVM_OsDisk_1`)).toMatchObject({ kind: 'volume', region: 'westus' });
    expect(byId(inv, `${RG}/Microsoft.Network/virtualNetworks/myVnet`)).toBeUndefined();
    expect(inv.resources).toHaveLength(4);
  });

  it('reads a database as not anonymously readable, encrypted only where the service cannot turn it off', () => {
    const sql = byId(inv, `${RG}/Microsoft.Sql/servers/mysqlserver/databases/mydb`);
    expect(sql).toMatchObject({ kind: 'database', public: false });
    expect(sql?.encrypted).toBeUndefined(); // TDE can be switched off and is not read
    const cosmos = byId(inv, `${RG}/Microsoft.DocumentDB/databaseAccounts/mycosmosaccount`);
    expect(cosmos).toMatchObject({ kind: 'database', public: false, encrypted: true });
    expect(cosmos?.tags).toBeUndefined(); // an empty tags object is no tags
    expect(inv.guardrails.defaultVolumeEncryption).toEqual({ westus: true });
  });
});

describe('StorageAccounts_List as documented (defaults left out)', () => {
  let inv: Inventory;
  beforeAll(async () => {
    azure.mock.reset();
    azure.mock.setFixture(bareFixture());
    azure.mock.setPages('arm.storageAccounts', [
      exampleBody('storage-accounts-list.json', azure.mock, 'arm', `${SUB}/providers/Microsoft.Storage/storageAccounts`, { subscriptionId: SUBSCRIPTION_ID }),
    ]);
    inv = await inventoryOf(azure.collector());
  });

  it('reads the list with api-version 2025-08-01', () => {
    expect(azure.mock.requests.find((r) => r.route === 'arm.storageAccounts')?.query).toMatch(/api-version=2025-08-01/);
  });

  it('reads an account without allowBlobPublicAccess as its documented default (false): not public', () => {
    expect(byId(inv, storage('sto1125', 'res2627'))).toEqual({
      id: storage('sto1125', 'res2627'),
      kind: 'storage-account',
      region: 'eastus',
      public: false,
      encrypted: true,
      customerManagedKey: false,
      tags: { key1: 'value1', key2: 'value2' },
    });
    expect(noPublicResources.evaluate(anInput({ inventory: inv })).status).toBe('True');
  });

  it('reads an account without an encryption block as encrypted with Microsoft-managed keys', () => {
    for (const [name, group] of [['sto3699', 'testcmk3'], ['sto6637', 'testcmk3'], ['sto834', 'res8186'], ['sto9174', 'testcmk3']] as const) {
      expect(byId(inv, storage(name, group))).toMatchObject({ encrypted: true, customerManagedKey: false });
    }
    expect(byId(inv, storage('sto8596', 'res9407'))).toMatchObject({ region: 'eastus2(stage)', encrypted: true, customerManagedKey: true });
  });

  it('adds each GRS account’s secondary region as a copy that is not readable (no RA-)', () => {
    expect(byId(inv, `${storage('sto1125', 'res2627')}#geo-secondary`)).toMatchObject({
      region: 'centraluseuap',
      sourceId: storage('sto1125', 'res2627'),
      public: false,
      encrypted: true,
    });
    expect(byId(inv, `${storage('sto8596', 'res9407')}#geo-secondary`)).toMatchObject({ region: 'northcentralus(stage)', customerManagedKey: true });
    expect(inv.resources).toHaveLength(12);
  });

  it('decides encryption at rest and key ownership for every account (nothing Unknown)', () => {
    const input = anInput({ inventory: inv, policy: aPolicy({ customerSideEncryptionRequired: true }) });
    const encrypted = storageEncrypted.evaluate(input);
    expect({ status: encrypted.status, reason: encrypted.reason }).toEqual({ status: 'True', reason: 'AllEncrypted' });
    const keys = customerManagedKeys.evaluate(input);
    expect(keys.status).toBe('False');
    expect(keys.findings).toHaveLength(10); // 5 accounts on Microsoft-managed keys and their secondaries
  });
});
