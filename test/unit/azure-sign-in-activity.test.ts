// Entra signInActivity -> Identity.lastSignIn (providers/azure/sign-in-activity.ts), with
// users in the documented v1.0 shape (GET /users?$select=id,createdDateTime,signInActivity),
// including the null and omitted fields real answers carry.

import type { Identity } from '../../operator/src/inventory/types.js';
import { lastUseOf, withSignInActivity, SUCCESSFUL_SIGN_IN_RECORDED_SINCE, type GraphUserActivity } from '../../operator/src/providers/azure/sign-in-activity.js';

const user = (id: string): Identity => ({ id, name: `${id}@contoso.example`, kind: 'user', mfaEnabled: true, privileged: false, interactive: true, accessKeys: [] });

describe('Entra sign-in activity', () => {
  it('counts only successful sign-ins: failed interactive attempts are not use', () => {
    const activity: GraphUserActivity = {
      id: 'u1',
      createdDateTime: '2021-01-01T00:00:00Z',
      signInActivity: {
        lastSignInDateTime: '2026-11-14T08:00:00Z', // a failed attempt
        lastNonInteractiveSignInDateTime: '2026-11-14T08:00:00Z',
        lastSuccessfulSignInDateTime: '2026-03-01T10:00:00Z',
      },
    };
    expect(lastUseOf(activity)).toEqual({ at: '2026-03-01T10:00:00.000Z' });
  });

  it('without a recorded successful sign-in: no use since creation, or since Graph began recording it (2023-12-01)', () => {
    expect(lastUseOf({ id: 'u', createdDateTime: '2026-10-01T00:00:00Z', signInActivity: null })).toEqual({ noUseSince: '2026-10-01T00:00:00.000Z' });
    expect(lastUseOf({ id: 'u', createdDateTime: '2019-05-05T00:00:00Z', signInActivity: { lastSignInDateTime: '2026-01-01T00:00:00Z', lastSuccessfulSignInDateTime: null } })).toEqual({
      noUseSince: SUCCESSFUL_SIGN_IN_RECORDED_SINCE,
    });
    expect(lastUseOf({ id: 'u' })).toBeUndefined();
    expect(lastUseOf({ id: 'u', createdDateTime: 'garbage' })).toBeUndefined();
  });

  it('reads the 0001-01-01T00:00:00Z placeholder Graph writes for a sign-in that never happened as no sign-in', () => {
    const never = { lastSuccessfulSignInDateTime: '0001-01-01T00:00:00Z', lastNonInteractiveSignInDateTime: '0001-01-01T00:00:00Z' };
    expect(lastUseOf({ id: 'u', createdDateTime: '2024-05-06T07:08:09Z', signInActivity: never })).toEqual({ noUseSince: '2024-05-06T07:08:09.000Z' });
    expect(lastUseOf({ id: 'u', createdDateTime: '0001-01-01T00:00:00Z', signInActivity: never })).toBeUndefined();
  });

  it('adds lastSignIn to users by object id (any case) and leaves others unread', () => {
    const sp: Identity = { ...user('sp1'), kind: 'service-principal', interactive: false };
    const out = withSignInActivity(
      [user('AAAA-1'), user('bbbb-2'), sp],
      [{ id: 'aaaa-1', createdDateTime: '2020-01-01T00:00:00Z', signInActivity: { lastSuccessfulSignInDateTime: '2026-11-01T00:00:00Z' } }, { id: 'sp1', createdDateTime: '2020-01-01T00:00:00Z' }],
    );
    expect(out.map((i) => i.lastSignIn)).toEqual([{ at: '2026-11-01T00:00:00.000Z' }, undefined, undefined]);
  });
});
