import type { CloudServiceSpec } from '../../../operator/src/api/types.js';
import {
  isOffPlatform,
  offPlatformTrail,
  storageName,
  trailDelivery,
} from '../../../operator/src/controls/auditlogging.js';
import { HOUR_MS } from '../../../operator/src/controls/time.js';
import {
  ACCOUNT_ID,
  NOW,
  VAULT_ACCOUNT_ID,
  VAULT_BUCKET,
  aSpec,
  aTrail,
  anInput,
  anInventory,
  hoursAgo,
  withGaps,
} from '../builders.js';

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

describe('A523-09-OFF-PLATFORM-TRAIL', () => {
  it('passes with a multi-region trail logging to the vault', () => {
    expect(offPlatformTrail.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'OffPlatformTrail' });
  });

  it('fails when no trail exists', () => {
    expect(offPlatformTrail.evaluate(anInput({ inventory: anInventory({ auditTrails: [] }) }))).toMatchObject({
      status: 'False',
      reason: 'NoAuditTrail',
    });
  });

  it('fails explaining why each trail does not qualify', () => {
    const inventory = anInventory({
      auditTrails: [
        aTrail({ id: 'a', multiRegion: false }),
        aTrail({ id: 'b', logging: false }),
        aTrail({ id: 'c', destinationAccountId: ACCOUNT_ID }),
      ],
    });
    const outcome = offPlatformTrail.evaluate(anInput({ inventory, spec: noVault }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'NoOffPlatformTrail' });
    expect(outcome.findings.map((f) => f.message)).toEqual([
      'Trail a: single-region',
      'Trail b: not logging',
      'Trail c: delivering inside the audited account',
    ]);
  });

  it('passes when one good trail exists among bad ones', () => {
    const inventory = anInventory({ auditTrails: [aTrail({ id: 'bad', logging: false }), aTrail({ id: 'good' })] });
    expect(offPlatformTrail.evaluate(anInput({ inventory })).status).toBe('True');
  });

  it('is Unknown, not False, when only the destination owner is unreadable', () => {
    const inventory = anInventory({ auditTrails: [aTrail({ destinationAccountId: undefined })] });
    expect(offPlatformTrail.evaluate(anInput({ inventory, spec: noVault }))).toMatchObject({
      status: 'Unknown',
      reason: 'LogDestinationOwnerUnknown',
    });
  });

  it('is Unknown on an auditTrails gap', () => {
    expect(
      offPlatformTrail.evaluate(anInput({ inventory: withGaps(anInventory({ auditTrails: [] }), 'auditTrails') }))
        .status,
    ).toBe('Unknown');
  });
});

describe('A523-09-TRAIL-DELIVERY', () => {
  it('passes when the off-platform trail delivered recently, and requeues when it would turn stale', () => {
    const outcome = trailDelivery.evaluate(anInput());
    expect(outcome).toMatchObject({ status: 'True', reason: 'LogsDelivered' });
    expect(outcome.changesAt).toEqual(new Date(NOW.getTime() + 23 * HOUR_MS));
  });

  it('fails on a delivery error', () => {
    const inventory = anInventory({ auditTrails: [aTrail({ lastDeliveryError: 'AccessDenied: bucket policy' })] });
    const outcome = trailDelivery.evaluate(anInput({ inventory }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'LogDeliveryFailing' });
    expect(outcome.findings[0]?.message).toContain('last delivery failed: AccessDenied: bucket policy');
  });

  describe('boundary: stale from 24 h after the last delivery', () => {
    it.each([
      [-1, 'True'],
      [0, 'False'],
      [1, 'False'],
    ])('now = last delivery + 24 h %+d ms → %s', (offset, status) => {
      const input = anInput({
        inventory: anInventory({ auditTrails: [aTrail({ lastDeliveryAt: hoursAgo(24) })] }),
        now: new Date(NOW.getTime() + offset),
      });
      const outcome = trailDelivery.evaluate(input);
      expect(outcome.status).toBe(status);
      if (status === 'False') expect(outcome.reason).toBe('LogDeliveryStale');
    });
  });

  it('is Unknown when the last delivery time is unreadable', () => {
    const inventory = anInventory({ auditTrails: [aTrail({ lastDeliveryAt: undefined })] });
    expect(trailDelivery.evaluate(anInput({ inventory }))).toMatchObject({
      status: 'Unknown',
      reason: 'LogDeliveryUnreadable',
    });
  });

  it('leaves a missing off-platform trail to A523-09-OFF-PLATFORM-TRAIL', () => {
    const inventory = anInventory({ auditTrails: [aTrail({ logging: false, lastDeliveryAt: hoursAgo(100) })] });
    expect(trailDelivery.evaluate(anInput({ inventory })).reason).toBe('NoOffPlatformTrail');
  });
});
