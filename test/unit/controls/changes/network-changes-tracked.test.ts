// Table tests of A523-10-NETWORK-CHANGES-TRACKED (controls/changes/network-changes-tracked.ts).

import type { ChangeRecord } from '../../../../operator/src/inventory/changes.js';
import { networkChangesTracked } from '../../../../operator/src/controls/changes/network-changes-tracked.js';
import { ACCOUNT_ID, aSpec, anInput } from '../../builders.js';
import { DEPLOY_ROLE, record, specWith } from './builders.js';

describe('A523-10-NETWORK-CHANGES-TRACKED', () => {
  const evaluate = (changes: ChangeRecord[] | undefined | { failure: { reason: string; message: string } }, spec = specWith()) =>
    networkChangesTracked.evaluate({ ...anInput({ spec }), changes });

  it('is Unknown, not False, when the log was not read or could not be read', () => {
    expect(evaluate(undefined)).toMatchObject({ status: 'Unknown', reason: 'ChangeLogNotRead' });
    expect(evaluate({ failure: { reason: 'AccessDenied', message: 'no s3:GetObject' } })).toMatchObject({ status: 'Unknown', reason: 'AccessDenied' });
  });

  it('passes with no changes, or only deployer changes (a role session matches through its role ARN)', () => {
    expect(evaluate([])).toMatchObject({ status: 'True', reason: 'NoNetworkChanges' });
    const deploy = record({ actor: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/github-deploy/run-1`, principal: DEPLOY_ROLE });
    expect(evaluate([deploy])).toMatchObject({ status: 'True', reason: 'ChangesTracked', message: '1 network change: 1 by the declared deployer, 0 acknowledged with a change record.' });
  });

  it('fails on an out-of-band change until it is acknowledged', () => {
    const manual = record({ id: 'evt-manual' });
    const failed = evaluate([manual]);
    expect(failed).toMatchObject({ status: 'False', reason: 'OutOfBandChanges' });
    expect(failed.findings).toEqual([
      {
        resource: 'sg-0123',
        message: `Out-of-band change: AuthorizeSecurityGroupIngress on sg-0123 in eu-west-1 by arn:aws:iam::${ACCOUNT_ID}:user/alice at ${manual.time} (change evt-manual); not made by a declared deployer and not acknowledged`,
      },
    ]);
    const acked = specWith({ acknowledgements: [{ changeId: 'evt-manual', reference: 'https://jira.example.com/CHG-7', acknowledgedBy: 'bob' }] });
    expect(evaluate([manual], acked)).toMatchObject({ status: 'True', reason: 'ChangesTracked' });
  });

  it('without declared deployers every change is out-of-band', () => {
    const deploy = record({ principal: DEPLOY_ROLE });
    expect(evaluate([deploy], aSpec()).status).toBe('False');
  });

  it('ignores refused calls and break-glass records (they have their own control)', () => {
    expect(evaluate([record({ errorCode: 'Client.UnauthorizedOperation' })]).status).toBe('True');
    expect(evaluate([record({ actor: `arn:aws:iam::${ACCOUNT_ID}:user/breakglass-admin` })]).status).toBe('True');
  });

  it('counts one change once however often it was read', () => {
    const deploy = record({ principal: DEPLOY_ROLE });
    expect(evaluate([deploy, deploy, { ...deploy }]).message).toMatch(/^1 network change/);
  });
});
