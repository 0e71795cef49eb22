// Table tests of A523-08-PRIVILEGED-MFA (controls/mfa/privileged-mfa.ts).

import { privilegedMfa } from '../../../../operator/src/controls/mfa/privileged-mfa.js';
import { ACCOUNT_ID, aPolicy, aUser, anInput, anInventory } from '../../builders.js';
import { describeWithoutData, role } from './builders.js';

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

describeWithoutData(privilegedMfa, { identitiesGap: true });
