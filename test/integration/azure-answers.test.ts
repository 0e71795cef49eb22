// The answers behind an Azure collection (Inventory.answers) on the local Entra ID /
// Resource Manager / Graph server, through the real SDK pipelines and Graph fetch: an
// answer per HTTP answer of each operation called, with its status, the subscription and
// the digest of the canonical JSON of the body the server sent.

import { canonicalJson, sha256Hex } from '../../operator/src/inventory/canonical-json.js';
import type { Inventory } from '../../operator/src/inventory/types.js';
import { activityEvents } from '../harness/azure-mock/fixture.js';
import { SUBSCRIPTION_ID, compliantFixture } from '../harness/azure-mock/scenarios.js';
import { azureTarget, inventoryOf, useAzureMock } from '../harness/azure-mock/suite.js';

const azure = useAzureMock('answers');

describe('answers of a collection', () => {
  // A disks page served verbatim, keys in a non-canonical order: its digest must be that
  // of its canonical JSON.
  const disksPage = {
    value: [
      {
        name: 'answer-disk',
        type: 'Microsoft.Compute/disks',
        location: 'westeurope',
        id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.Compute/disks/answer-disk`,
        properties: { networkAccessPolicy: 'DenyAll', encryption: { type: 'EncryptionAtRestWithPlatformKey' }, publicNetworkAccess: 'Disabled' },
      },
    ],
  };
  let inv: Inventory;
  beforeAll(async () => {
    azure.mock.reset();
    azure.mock.setFixture(compliantFixture());
    azure.mock.setPages('arm.disks', [disksPage]);
    inv = await inventoryOf(azure.collector());
    azure.mock.setPages('arm.disks', undefined);
  });

  it('one answer per Resource Manager and Graph request, with its status, the subscription and a digest', () => {
    const answers = inv.answers ?? [];
    const served = azure.mock.requests.filter((r) => r.service !== 'login');
    expect(answers).toHaveLength(served.length);
    expect(inv.answersOmitted).toBeUndefined();
    for (const a of answers) {
      expect(a).toMatchObject({ provider: 'azure', account: SUBSCRIPTION_ID, status: 200 });
      expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(Number.isFinite(Date.parse(a.at))).toBe(true);
    }
    const ops = new Set(answers.map((a) => a.operation));
    for (const op of ['ARM:resources.list', 'ARM:storageAccounts.list', 'ARM:disks.list', 'ARM:snapshots.list', 'ARM:policyAssignments.list', 'ARM:subscriptionDiagnosticSettings.list', 'Graph:userRegistrationDetails', 'Graph:roleAssignments']) {
      expect(ops).toContain(op);
    }
    expect(answers.find((a) => a.operation === 'Graph:userRegistrationDetails')?.area).toBe('identities');
    expect(answers.find((a) => a.operation === 'ARM:disks.list')?.area).toBe('resources');
  });

  it('the digest of a list is the SHA-256 of the canonical JSON of the body served', () => {
    const disks = (inv.answers ?? []).filter((a) => a.operation === 'ARM:disks.list');
    expect(disks.map((a) => a.sha256)).toEqual([sha256Hex(canonicalJson(disksPage))]);
  });

  it('a refused read is an answer too, with its status', async () => {
    azure.mock.reset();
    azure.mock.fault('arm.snapshots', { status: 403, code: 'AuthorizationFailed' });
    const refused = await inventoryOf(azure.collector());
    const snapshots = (refused.answers ?? []).filter((a) => a.operation === 'ARM:snapshots.list');
    expect(snapshots.map((a) => a.status)).toEqual([403]);
  });
});

describe('answers of a change-log read', () => {
  it('each Activity Log page is an answer with its digest', async () => {
    azure.mock.reset();
    const f = compliantFixture();
    f.activityLog = activityEvents(SUBSCRIPTION_ID, {
      operation: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
      resourceId: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg/securityRules/r1`,
      caller: 'deployer@contoso.example',
      at: new Date(Date.now() - 60 * 60_000),
    });
    azure.mock.setFixture(f);
    const read = await azure.collector().readChanges(azureTarget(), { since: new Date(Date.now() - 24 * 3_600_000), now: new Date() });
    if (!read.ok) throw new Error(read.failure.message);
    expect(read.records).toHaveLength(1);
    const pages = (read.answers ?? []).filter((a) => a.operation === 'ARM:activityLogs.list');
    expect(pages).toHaveLength(azure.mock.count('arm.activityLogs'));
    for (const p of pages) expect(p).toMatchObject({ provider: 'azure', account: SUBSCRIPTION_ID, status: 200, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});
