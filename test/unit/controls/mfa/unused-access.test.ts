// Table tests of A523-08-UNUSED-ACCESS (controls/mfa/unused-access.ts).

import type { Identity } from '../../../../operator/src/inventory/types.js';
import { unusedAccess } from '../../../../operator/src/controls/mfa/unused-access.js';
import { DAY_MS } from '../../../../operator/src/controls/time.js';
import { NOW, aKey, aPolicy, aSpec, aUser, anInput, anInventory, daysAgo, liveOk } from '../../builders.js';
import { describeWithoutData, role, root } from './builders.js';

describe('A523-08-UNUSED-ACCESS (offboarding: access must be demonstrably revoked)', () => {
  const withIdentities = (...identities: Identity[]) => anInventory({ identities });
  const evaluate = (...identities: Identity[]) => unusedAccess.evaluate(anInput({ inventory: withIdentities(...identities) }));

  it('passes when every enabled identity signed in and every active key was used within the limit; requeues at the first expiry', () => {
    const outcome = evaluate(
      aUser('a', { lastSignIn: { at: daysAgo(30) } }),
      aUser('b', { lastSignIn: { at: daysAgo(80) }, accessKeys: [aKey({ lastUse: { at: daysAgo(5) } })] }),
    );
    expect(outcome).toMatchObject({ status: 'True', reason: 'NoUnusedAccess', message: '3 sign-ins and keys used within 90 days.' });
    expect(outcome.changesAt?.toISOString()).toBe(new Date(NOW.getTime() + 10 * DAY_MS).toISOString());
  });

  it('fails on an enabled user who has not signed in for longer than maxUnusedDays', () => {
    const outcome = evaluate(aUser('leaver', { lastSignIn: { at: daysAgo(120) } }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'UnusedAccess' });
    expect(outcome.findings).toEqual([
      { resource: 'arn:aws:iam::111111111111:user/leaver', message: 'leaver (sign-in): last used 120 days ago (max 90)' },
    ]);
  });

  it('fails on an active key unused for longer than the limit, on any kind of identity, and ignores inactive keys', () => {
    const outcome = evaluate(
      role('ci', { accessKeys: [aKey({ id: 'AKIA…OLD1', lastUse: { at: daysAgo(200) } })] }),
      aUser('a', { accessKeys: [aKey({ id: 'AKIA…OFF1', active: false, lastUse: { at: daysAgo(900) } })] }),
    );
    expect(outcome.status).toBe('False');
    expect(outcome.findings.map((f) => f.message)).toEqual(['Access key AKIA…OLD1 of ci: last used 200 days ago (max 90)']);
  });

  it('counts a never-used identity or key from its creation: a new one is not stale, an old one is', () => {
    expect(evaluate(aUser('new', { lastSignIn: { noUseSince: daysAgo(10) }, accessKeys: [aKey({ lastUse: { noUseSince: daysAgo(10) } })] })).status).toBe('True');
    const outcome = evaluate(aUser('never', { lastSignIn: { noUseSince: daysAgo(100) } }));
    expect(outcome.findings[0]?.message).toBe('never (sign-in): no recorded use in 100 days (max 90)');
  });

  it('does not judge the sign-in of identities that cannot sign in (no console password, roles)', () => {
    expect(evaluate(aUser('bot', { interactive: false, lastSignIn: undefined }), role('deploy', { lastSignIn: undefined })).status).toBe('True');
  });

  it('exempts root and the declared break-glass identities (meant to stay unused)', () => {
    const inventory = withIdentities(
      root({ lastSignIn: { at: daysAgo(700) } }),
      aUser('breakglass-admin', { lastSignIn: { noUseSince: daysAgo(400) } }),
    );
    const outcome = unusedAccess.evaluate(anInput({ inventory, spec: aSpec({ breakGlassIdentities: ['breakglass-admin'] }) }));
    expect(outcome).toMatchObject({ status: 'True', message: 'No enabled identity or active key to judge.' });
  });

  describe('boundary (maxUnusedDays 30)', () => {
    const at = new Date(NOW.getTime() - 30 * DAY_MS).toISOString();
    it.each([
      [-1, 'True'],
      [0, 'False'],
    ])('now = last use + 30 days %+d ms → %s', (offset, status) => {
      const input = anInput({
        inventory: withIdentities(aUser('a', { lastSignIn: { at } })),
        policy: aPolicy({ maxUnusedDays: 30 }),
        now: new Date(NOW.getTime() + offset),
      });
      expect(unusedAccess.evaluate(input).status).toBe(status);
    });
  });

  it('is Unknown with LicenseRequired when sign-in activity needs a licence the tenant lacks', () => {
    const inventory = {
      ...withIdentities(aUser('a', { lastSignIn: undefined })),
      gaps: [{ area: 'signInActivity' as const, reason: 'LicenseRequired', message: 'Graph:signInActivity: Authentication_RequestFromNonPremiumTenantOrB2CTenant (Microsoft Entra ID P1 or P2 required)' }],
    };
    const outcome = unusedAccess.evaluate(anInput({ inventory: liveOk(inventory) }));
    expect(outcome).toMatchObject({ status: 'Unknown', reason: 'LicenseRequired' });
    expect(outcome.message).toMatch(/^Last use not recorded for a \(sign-in\): .*P1 or P2 required/);
  });

  it('is Unknown when a key records no use at all (e.g. an Entra client secret), and False still wins over Unknown', () => {
    const sp: Identity = aUser('app', { kind: 'service-principal', interactive: false, accessKeys: [aKey({ id: 'abcd…wxyz', lastUse: undefined })] });
    expect(evaluate(sp)).toMatchObject({ status: 'Unknown', reason: 'LastUseUnreadable', message: 'Last use not recorded for Access key abcd…wxyz of app.' });
    expect(evaluate(sp, aUser('leaver', { lastSignIn: { at: daysAgo(365) } })).status).toBe('False');
  });

  describeWithoutData(unusedAccess, { identitiesGap: true });
});
