// Table tests of A523-08-BREAK-GLASS-MFA (controls/mfa/break-glass-mfa.ts).

import { breakGlassMfa } from '../../../../operator/src/controls/mfa/break-glass-mfa.js';
import { ACCOUNT_ID, aSpec, aUser, anInput, anInventory, liveFailed } from '../../builders.js';
import { describeWithoutData } from './builders.js';

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

describeWithoutData(breakGlassMfa, { identitiesGap: true });
