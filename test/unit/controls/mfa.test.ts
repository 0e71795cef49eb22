import type { Identity } from '../../../operator/src/inventory/types.js';
import { accessKeyAge, breakGlassMfa, mfaSummary, privilegedMfa, rootMfa } from '../../../operator/src/controls/mfa.js';
import { DAY_MS } from '../../../operator/src/controls/time.js';
import {
  ACCOUNT_ID,
  NOW,
  aKey,
  aPolicy,
  aSpec,
  aUser,
  anIdentity,
  anInput,
  anInventory,
  daysAgo,
  liveFailed,
  liveSkipped,
  withGaps,
} from '../builders.js';

const role = (name: string, overrides: Partial<Identity> = {}) =>
  anIdentity({
    id: `arn:aws:iam::${ACCOUNT_ID}:role/${name}`,
    name,
    kind: 'role',
    interactive: false,
    mfaEnabled: false,
    ...overrides,
  });
const root = (overrides: Partial<Identity> = {}) =>
  anIdentity({ id: `arn:aws:iam::${ACCOUNT_ID}:root`, name: '<root_account>', kind: 'root', ...overrides });

describe('mfaSummary', () => {
  const identities = [
    root({ mfaEnabled: false }),
    aUser('admin-1'),
    aUser('admin-2', { mfaEnabled: false }),
    aUser('reader', { privileged: false, mfaEnabled: false }),
    aUser('keys-only-admin', { interactive: false, mfaEnabled: false }),
    role('deploy', { privileged: true }),
  ];
  const inventory = anInventory({ identities });

  it('counts privileged interactive users (root excluded) under scope privileged', () => {
    expect(mfaSummary(inventory, 'privileged')).toEqual({
      identities: 6,
      privileged: 2,
      privilegedWithoutMFA: 1,
      coverage: 0.5,
    });
  });

  it('covers every interactive user under scope all', () => {
    expect(mfaSummary(inventory, 'all').coverage).toBeCloseTo(1 / 3);
  });

  it('reports full coverage when nobody is in scope', () => {
    expect(mfaSummary(anInventory({ identities: [role('x')] }), 'privileged').coverage).toBe(1);
  });
});

describe('A523-08-PRIVILEGED-MFA', () => {
  it('passes when every privileged interactive user has MFA', () => {
    expect(privilegedMfa.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'MFAEnforced' });
  });

  it('fails naming each privileged user without MFA', () => {
    const inventory = anInventory({
      identities: [aUser('zed', { mfaEnabled: false }), aUser('amy', { mfaEnabled: false }), aUser('ok')],
    });
    const outcome = privilegedMfa.evaluate(anInput({ inventory }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'PrivilegedWithoutMFA' });
    expect(outcome.message).toBe('Without MFA: 2 of 3 privileged interactive users (amy, zed).');
    expect(outcome.findings).toEqual([
      { resource: `arn:aws:iam::${ACCOUNT_ID}:user/amy`, message: 'amy can write or delete without MFA' },
      { resource: `arn:aws:iam::${ACCOUNT_ID}:user/zed`, message: 'zed can write or delete without MFA' },
    ]);
  });

  it.each([
    ['a read-only user', aUser('reader', { privileged: false, mfaEnabled: false })],
    ['a role', role('deploy', { privileged: true })],
    [
      'a key-only privileged user (keys are checked by A523-08-ACCESS-KEY-AGE)',
      aUser('bot', { interactive: false, mfaEnabled: false }),
    ],
  ])('does not require MFA of %s under scope privileged', (_label, identity) => {
    expect(privilegedMfa.evaluate(anInput({ inventory: anInventory({ identities: [identity] }) })).status).toBe('True');
  });

  it('requires MFA of every interactive user under scope all', () => {
    const inventory = anInventory({ identities: [aUser('reader', { privileged: false, mfaEnabled: false })] });
    const outcome = privilegedMfa.evaluate(anInput({ inventory, policy: aPolicy({ mfaScope: 'all' }) }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'UsersWithoutMFA' });
    expect(outcome.findings[0]?.message).toBe('reader can sign in without MFA');
  });
});

describe('A523-08-ROOT-MFA', () => {
  it.each([
    [true, 'True', 'RootMFAEnabled'],
    [false, 'False', 'RootWithoutMFA'],
  ])('rootMfaEnabled %p → %s', (enabled, status, reason) => {
    expect(rootMfa.evaluate(anInput({ inventory: anInventory({ rootMfaEnabled: enabled }) }))).toMatchObject({
      status,
      reason,
    });
  });

  it('is Unknown, not False, when root MFA could not be read', () => {
    const inventory = anInventory({ rootMfaEnabled: undefined });
    expect(rootMfa.evaluate(anInput({ inventory }))).toMatchObject({ status: 'Unknown', reason: 'NotCollected' });
    expect(rootMfa.evaluate(anInput({ inventory: withGaps(inventory, 'identities') }))).toMatchObject({
      status: 'Unknown',
      reason: 'AccessDenied',
    });
  });

  it('is critical', () => {
    expect(rootMfa.severity).toBe('critical');
  });
});

describe('A523-08-BREAK-GLASS-MFA ("ignores emergency access accounts" trap)', () => {
  it('passes when each declared account exists (by name or id) with MFA', () => {
    const spec = aSpec({ breakGlassIdentities: ['breakglass-admin', `arn:aws:iam::${ACCOUNT_ID}:user/alice`] });
    expect(breakGlassMfa.evaluate(anInput({ spec }))).toMatchObject({ status: 'True', reason: 'BreakGlassProtected' });
  });

  it('fails when a declared account is missing or lacks MFA, even if not privileged or interactive', () => {
    const inventory = anInventory({
      identities: [aUser('bg-2', { mfaEnabled: false, privileged: false, interactive: false })],
    });
    const spec = aSpec({ breakGlassIdentities: ['bg-1', 'bg-2'] });
    const outcome = breakGlassMfa.evaluate(anInput({ spec, inventory }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'BreakGlassIdentityMissing' });
    expect(outcome.findings.map((f) => f.message)).toEqual([
      'Break-glass identity bg-1 does not exist in the account',
      'Break-glass identity bg-2 has no MFA',
    ]);
  });

  it('passes without reading the account when none are declared', () => {
    const input = anInput({ spec: aSpec({ breakGlassIdentities: undefined }), inventory: liveFailed() });
    expect(breakGlassMfa.evaluate(input)).toMatchObject({ status: 'True', reason: 'NoBreakGlassDeclared' });
  });
});

describe('A523-08-ACCESS-KEY-AGE ("forgotten API keys" trap)', () => {
  const withKeys = (...identities: Identity[]) => anInventory({ identities });

  it('passes with young keys and requeues when the first one turns too old', () => {
    const outcome = accessKeyAge.evaluate(
      anInput({ inventory: withKeys(aUser('a', { accessKeys: [aKey({ createdAt: daysAgo(80) })] })) }),
    );
    expect(outcome).toMatchObject({ status: 'True', reason: 'AccessKeysFresh' });
    expect(outcome.changesAt?.toISOString()).toBe(new Date(NOW.getTime() + 10 * DAY_MS).toISOString());
  });

  it('fails on an active key older than the policy maximum, on any kind of identity', () => {
    const inventory = withKeys(role('ci', { accessKeys: [aKey({ id: 'AKIA…OLD1', createdAt: daysAgo(200) })] }));
    const outcome = accessKeyAge.evaluate(anInput({ inventory }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'AccessKeysTooOld' });
    expect(outcome.findings[0]?.message).toBe('Access key AKIA…OLD1 of ci is 200 days old (max 90)');
  });

  it('ignores inactive keys', () => {
    const inventory = withKeys(aUser('a', { accessKeys: [aKey({ active: false, createdAt: daysAgo(900) })] }));
    expect(accessKeyAge.evaluate(anInput({ inventory })).status).toBe('True');
  });

  it('fails on any active root access key, whatever its age', () => {
    const inventory = withKeys(root({ accessKeys: [aKey({ createdAt: daysAgo(1) })] }));
    expect(accessKeyAge.evaluate(anInput({ inventory }))).toMatchObject({
      status: 'False',
      reason: 'RootAccessKeyActive',
    });
  });

  describe('boundary (maxAccessKeyAgeDays 30, strictly-confidential)', () => {
    const createdAt = new Date(NOW.getTime() - 30 * DAY_MS).toISOString();
    it.each([
      [-1, 'True'],
      [0, 'False'],
    ])('now = expiry %+d ms → %s', (offset, status) => {
      const input = anInput({
        inventory: withKeys(aUser('a', { accessKeys: [aKey({ createdAt })] })),
        policy: aPolicy({}, 'strictly-confidential'),
        now: new Date(NOW.getTime() + offset),
      });
      expect(accessKeyAge.evaluate(input).status).toBe(status);
    });
  });

  it('is Unknown when a key creation date is unreadable and nothing else fails', () => {
    const inventory = withKeys(aUser('a', { accessKeys: [aKey({ createdAt: 'n/a' })] }));
    expect(accessKeyAge.evaluate(anInput({ inventory }))).toMatchObject({
      status: 'Unknown',
      reason: 'AccessKeyAgeUnreadable',
    });
  });

  it('is False when another key already fails', () => {
    const inventory = withKeys(
      aUser('a', { accessKeys: [aKey({ createdAt: 'n/a' }), aKey({ createdAt: daysAgo(365) })] }),
    );
    expect(accessKeyAge.evaluate(anInput({ inventory })).status).toBe('False');
  });
});

describe('MFA controls without data', () => {
  it.each([privilegedMfa, rootMfa, accessKeyAge, breakGlassMfa])(
    '$id is Unknown with the failure reason',
    (control) => {
      expect(control.evaluate(anInput({ inventory: liveFailed('CredentialsMissing') }))).toMatchObject({
        status: 'Unknown',
        reason: 'CredentialsMissing',
      });
      expect(control.evaluate(anInput({ inventory: liveSkipped() })).status).toBe('Unknown');
    },
  );

  it.each([privilegedMfa, accessKeyAge, breakGlassMfa])('$id is Unknown on an identities gap', (control) => {
    const bad = anInventory({
      identities: [aUser('x', { mfaEnabled: false, accessKeys: [aKey({ createdAt: daysAgo(999) })] })],
    });
    expect(control.evaluate(anInput({ inventory: withGaps(bad, 'identities') }))).toMatchObject({
      status: 'Unknown',
      reason: 'AccessDenied',
    });
  });
});
