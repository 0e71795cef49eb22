// Table tests of storageName and isOffPlatform, which trails deliver off-platform
// (controls/audit-logging/trails.ts).

import type { CloudServiceSpec } from '../../../../operator/src/api/types.js';
import { isOffPlatform, storageName } from '../../../../operator/src/controls/audit-logging/trails.js';
import { ACCOUNT_ID, VAULT_ACCOUNT_ID, VAULT_BUCKET, aSpec, aTrail, anInventory } from '../../builders.js';

const noVault = aSpec({ logVault: undefined });

describe('storageName', () => {
  it.each([
    ['org-log-vault', 'org-log-vault'],
    ['arn:aws:s3:::org-log-vault', 'org-log-vault'],
    ['s3://Org-Log-Vault/AWSLogs/', 'org-log-vault'],
    ['/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/logvault', 'logvault'],
  ])('%s → %s', (raw, name) => {
    expect(storageName(raw)).toBe(name);
  });
});

describe('isOffPlatform', () => {
  const inventory = anInventory();
  it.each<[string, Partial<Parameters<typeof aTrail>[0]>, CloudServiceSpec, boolean | undefined]>([
    ['no vault, another account', { destinationAccountId: '222222222222' }, noVault, true],
    ['no vault, same account', { destinationAccountId: ACCOUNT_ID }, noVault, false],
    ['no vault, owner unknown', { destinationAccountId: undefined }, noVault, undefined],
    ['declared vault matched by account and bucket', {}, aSpec(), true],
    ['declared vault, bucket given as ARN', { destination: `arn:aws:s3:::${VAULT_BUCKET}` }, aSpec(), true],
    ['declared vault, another foreign account', { destinationAccountId: '222222222222' }, aSpec(), false],
    ['declared vault, wrong bucket', { destination: 'other-bucket' }, aSpec(), false],
    [
      'vault by bucket only, inside the account',
      { destinationAccountId: ACCOUNT_ID },
      aSpec({ logVault: { bucket: VAULT_BUCKET } }),
      true,
    ],
    [
      'vault by account only, owner unknown',
      { destinationAccountId: undefined },
      aSpec({ logVault: { accountId: VAULT_ACCOUNT_ID } }),
      undefined,
    ],
  ])('%s → %p', (_label, trail, spec, expected) => {
    expect(isOffPlatform(aTrail(trail), inventory, spec)).toBe(expected);
  });
});
