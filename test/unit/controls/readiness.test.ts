// Ready, Stalled and how a failed read is retried (controls/readiness.ts), and that the
// one evaluation returns them (controls/evaluate.ts).

import { evaluateService } from '../../../operator/src/controls/evaluate.js';
import { readiness, STALLED_RECHECK_MS } from '../../../operator/src/controls/readiness.js';
import type { InventoryResult } from '../../../operator/src/inventory/types.js';
import { NOW, anInput, liveFailed, liveOk, liveSkipped } from '../builders.js';

describe('readiness', () => {
  it('is Ready with nothing to retry when the account was read or the live checks were skipped', () => {
    for (const inventory of [liveOk(), liveSkipped()]) {
      const r = readiness(inventory, NOW);
      expect(r.ready.status).toBe('True');
      expect(r.stalled).toBeUndefined();
      expect(r.retry).toBeUndefined();
    }
  });

  it.each([
    ['AccountMismatch', /CloudAccount's spec\.aws\.accountId/],
    ['InvalidAccount', /12 digits/],
    ['CredentialsMissing', /credentialsSecretRef/],
    ['AccessDenied', /trust policy/],
  ])('a permanent failure (%s) stalls with what to fix and comes back only after the ceiling', (reason, fix) => {
    const r = readiness(liveFailed(reason, 'credentials belong to account 123456789012'), NOW);
    expect(r.ready).toEqual({ status: 'False', reason, message: 'live account not read: credentials belong to account 123456789012' });
    expect(r.stalled).toMatchObject({ status: 'True', reason });
    expect(r.stalled?.message).toMatch(fix);
    expect(r.stalled?.message).toMatch(/Not retried until the CloudService spec, its CloudAccount, its namespace's labels or the CloudSecurityPolicy changes/);
    expect(r.stalled?.message).toMatch(/Secret, trust policy or role assignment is read at the next check within 1h/);
    expect(r.retry).toEqual({ kind: 'permanent', reason, at: new Date(NOW.getTime() + STALLED_RECHECK_MS) });
  });

  it('a transient failure is not Stalled and retries at the account cache’s next attempt', () => {
    const failed: InventoryResult = { ok: false, failure: { reason: 'Throttled', message: 'Rate exceeded' }, retryAt: '2026-11-15T12:01:00.000Z' };
    const r = readiness(failed, NOW);
    expect(r.ready).toMatchObject({ status: 'False', reason: 'Throttled' });
    expect(r.stalled).toBeUndefined();
    expect(r.retry).toEqual({ kind: 'transient', reason: 'Throttled', at: new Date('2026-11-15T12:01:00.000Z') });
  });

  it('a transient failure that did not come from the cache leaves the retry to the work queue', () => {
    const r = readiness(liveFailed('CredentialsUnreadable', 'Secret ns/creds could not be read (HTTP 503)'), NOW);
    expect(r.stalled).toBeUndefined();
    expect(r.retry).toEqual({ kind: 'transient', reason: 'CredentialsUnreadable' });
  });

  it('is published by the one evaluation', () => {
    const stalled = evaluateService(anInput({ inventory: liveFailed('AccountMismatch', 'credentials belong to account 1') }));
    expect(stalled.ready).toMatchObject({ status: 'False', reason: 'AccountMismatch' });
    expect(stalled.stalled).toMatchObject({ status: 'True', reason: 'AccountMismatch' });
    expect(stalled.retry?.kind).toBe('permanent');
    const healthy = evaluateService(anInput());
    expect(healthy.stalled).toBeUndefined();
    expect(healthy.retry).toBeUndefined();
  });
});
