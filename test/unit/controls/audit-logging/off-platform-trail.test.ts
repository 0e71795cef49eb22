// Table tests of A523-09-OFF-PLATFORM-TRAIL (controls/audit-logging/off-platform-trail.ts).

import { offPlatformTrail } from '../../../../operator/src/controls/audit-logging/off-platform-trail.js';
import { ACCOUNT_ID, aSpec, aTrail, anInput, anInventory, withGaps } from '../../builders.js';

const noVault = aSpec({ logVault: undefined });

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
