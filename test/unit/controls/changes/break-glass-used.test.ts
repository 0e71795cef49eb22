// Table tests of A523-08-BREAK-GLASS-USED (controls/changes/break-glass-used.ts).

import type { ChangeRecord } from '../../../../operator/src/inventory/changes.js';
import { breakGlassUsed } from '../../../../operator/src/controls/changes/break-glass-used.js';
import { ACCOUNT_ID, aSpec, anInput } from '../../builders.js';
import { record, specWith } from './builders.js';

describe('A523-08-BREAK-GLASS-USED and the uses the reconciler reports', () => {
  const use = record({ id: 'bg-1', actor: `arn:aws:iam::${ACCOUNT_ID}:user/breakglass-admin`, action: 'ConsoleLogin', kind: 'sign-in', resource: 'console', region: 'us-east-1' });
  const evaluate = (changes: ChangeRecord[] | undefined, spec = specWith()) =>
    breakGlassUsed.evaluate({ ...anInput({ spec }), changes });

  it('passes when no break-glass identity is declared, whatever the log says', () => {
    expect(evaluate(undefined, aSpec({ breakGlassIdentities: [] }))).toMatchObject({ status: 'True', reason: 'NoBreakGlassDeclared' });
  });

  it('is Unknown without the log, True without uses, False on a use until reviewed', () => {
    expect(evaluate(undefined).status).toBe('Unknown');
    expect(evaluate([record()])).toMatchObject({ status: 'True', reason: 'NoBreakGlassUse' });
    const failed = evaluate([use]);
    expect(failed).toMatchObject({ status: 'False', reason: 'BreakGlassUsed' });
    expect(failed.findings[0]?.resource).toBe(use.actor);
    expect(failed.message).toContain(`breakglass-admin signed in at ${use.time}`);
    const reviewed = specWith({ acknowledgements: [{ changeId: 'bg-1', reference: 'INC-12', acknowledgedBy: 'ciso' }] });
    expect(evaluate([use], reviewed)).toMatchObject({ status: 'True', reason: 'BreakGlassUseReviewed' });
  });

  it('a refused call by a break-glass identity is still a use (someone tried)', () => {
    expect(evaluate([{ ...use, errorCode: 'ConsoleLoginFailure' }]).status).toBe('False');
  });
});
