// Table tests of A523-09-TRAIL-DELIVERY (controls/audit-logging/trail-delivery.ts).

import { trailDelivery } from '../../../../operator/src/controls/audit-logging/trail-delivery.js';
import { HOUR_MS } from '../../../../operator/src/controls/time.js';
import { NOW, aTrail, anInput, anInventory, hoursAgo } from '../../builders.js';

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

  it('names why the delivery time is unreadable and the access it needs, when the provider says', () => {
    const why = "reading vault/insights-activity-logs was refused: AuthorizationPermissionMismatch (HTTP 403); the operator's identity needs the Storage Blob Data Reader role on the storage account or container";
    const inventory = anInventory({ auditTrails: [aTrail({ id: 'to-vault', lastDeliveryAt: undefined, lastDeliveryUnreadable: why })] });
    const outcome = trailDelivery.evaluate(anInput({ inventory }));
    expect(outcome).toMatchObject({ status: 'Unknown', reason: 'LogDeliveryUnreadable' });
    expect(outcome.message).toContain('to-vault (reading vault/insights-activity-logs was refused: AuthorizationPermissionMismatch (HTTP 403)');
    expect(outcome.message).toContain('Storage Blob Data Reader');
  });

  it('leaves a missing off-platform trail to A523-09-OFF-PLATFORM-TRAIL', () => {
    const inventory = anInventory({ auditTrails: [aTrail({ logging: false, lastDeliveryAt: hoursAgo(100) })] });
    expect(trailDelivery.evaluate(anInput({ inventory })).reason).toBe('NoOffPlatformTrail');
  });
});
