// The verdict on each audit-trail record: who counts as deployer and as break-glass
// (controls/changes/judge.ts).

import { arnPatternMatches } from '../../../../operator/src/inventory/changes.js';
import { breakGlassIdentityOf } from '../../../../operator/src/controls/changes/judge.js';
import { ACCOUNT_ID } from '../../builders.js';
import { DEPLOY_ROLE, record } from './builders.js';

describe('matching principals', () => {
  it('ARN patterns: exact, or * for any run of characters', () => {
    expect(arnPatternMatches(DEPLOY_ROLE, DEPLOY_ROLE)).toBe(true);
    expect(arnPatternMatches('arn:aws:iam::*:role/gitops-*', `arn:aws:iam::${ACCOUNT_ID}:role/gitops-prod`)).toBe(true);
    expect(arnPatternMatches('arn:aws:iam::*:role/gitops-*', `arn:aws:iam::${ACCOUNT_ID}:role/other`)).toBe(false);
    expect(arnPatternMatches('arn:aws:iam::1.1:role/x', 'arn:aws:iam::111:role/x')).toBe(false); // dots are literal
    expect(arnPatternMatches('x', undefined)).toBe(false);
  });

  it('break-glass identities match by user name, ARN, role name of a session, or root', () => {
    const session = record({ actor: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/BreakGlass/jane`, principal: `arn:aws:iam::${ACCOUNT_ID}:role/BreakGlass` });
    expect(breakGlassIdentityOf(session, ['BreakGlass'])).toBe('BreakGlass');
    expect(breakGlassIdentityOf(session, [`arn:aws:iam::${ACCOUNT_ID}:role/BreakGlass`])).toBeDefined();
    expect(breakGlassIdentityOf(record({ actor: `arn:aws:iam::${ACCOUNT_ID}:user/ops/breakglass-admin` }), ['breakglass-admin'])).toBe('breakglass-admin');
    expect(breakGlassIdentityOf(record({ actor: `arn:aws:iam::${ACCOUNT_ID}:root` }), ['root'])).toBe('root');
    expect(breakGlassIdentityOf(record(), ['breakglass-admin'])).toBeUndefined();
  });
});
