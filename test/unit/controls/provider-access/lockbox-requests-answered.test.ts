// Table tests of A523-09-LOCKBOX-REQUESTS-ANSWERED (controls/provider-access/lockbox-requests-answered.ts)
// and the per-request verdicts of lockbox-judge.ts.

import { lockboxRequestsAnswered } from '../../../../operator/src/controls/provider-access/lockbox-requests-answered.js';
import { anInput } from '../../builders.js';
import { APPROVER_OBJECT_ID, aRequest, azureInput, azureSpec } from './builders.js';

const unanswered = { answeredBy: undefined, answeredByObjectId: undefined, answeredAt: undefined };

describe('A523-09-LOCKBOX-REQUESTS-ANSWERED', () => {
  const evaluate = (requests: ReturnType<typeof aRequest>[], spec = azureSpec()) =>
    lockboxRequestsAnswered.evaluate(azureInput({ lockboxOptedIn: true, lockboxRequests: requests }, spec));

  it.each([
    ['no request', [], 'True', 'NoLockboxRequests'],
    ['approved by the declared approver', [aRequest()], 'True', 'LockboxRequestsAnswered'],
    ['approved by the approver named by object id, UPN in another case', [aRequest({ answeredBy: 'SECOPS@Contoso.Example' })], 'True', 'LockboxRequestsAnswered'],
    ['denied by the declared approver', [aRequest({ status: 'Denied' })], 'True', 'LockboxRequestsAnswered'],
    ['still pending', [aRequest({ status: 'Pending', ...unanswered })], 'True', 'LockboxRequestsAnswered'],
    ['denied with no recorded answer (nothing was reached)', [aRequest({ status: 'Denied', ...unanswered })], 'True', 'LockboxRequestsAnswered'],
    ['expired: nobody answered', [aRequest({ status: 'Expired', ...unanswered })], 'False', 'LockboxRequestNotControlled'],
    ['approved with no approval in the Activity Log', [aRequest({ ...unanswered })], 'False', 'LockboxRequestNotControlled'],
    ['approved by someone not declared', [aRequest({ answeredBy: 'intern@contoso.example', answeredByObjectId: 'x' })], 'False', 'LockboxRequestNotControlled'],
  ] as const)('%s', (_, requests, status, reason) => {
    expect(evaluate([...requests])).toMatchObject({ status, reason });
  });

  it('matches a declared object id', () => {
    const spec = azureSpec({ providerAccess: { lockboxApprovers: [APPROVER_OBJECT_ID] } });
    expect(evaluate([aRequest({ answeredBy: 'someone@contoso.example' })], spec).status).toBe('True');
  });

  it('names each open request as a finding and says why; an acknowledgement clears it', () => {
    const expired = aRequest({ id: 'lb-9', status: 'Expired', ...unanswered });
    const failed = evaluate([aRequest(), expired]);
    expect(failed.findings).toHaveLength(1);
    expect(failed.findings[0]).toMatchObject({ resource: 'lb-9' });
    expect(failed.findings[0]?.message).toContain('expired without an answer');
    const acked = azureSpec({ changeManagement: { acknowledgements: [{ changeId: 'lb-9', reference: 'SEC-7', acknowledgedBy: 'ciso' }] } });
    expect(evaluate([aRequest(), expired], acked)).toMatchObject({ status: 'True', message: expect.stringContaining('1 reviewed and acknowledged') });
  });

  it('without declared approvers, an answered request says so', () => {
    const failed = evaluate([aRequest()], azureSpec({ providerAccess: {} }));
    expect(failed.status).toBe('False');
    expect(failed.findings[0]?.message).toContain('no Lockbox approver is declared');
  });

  it('is Unknown when the requests were not read, and does not apply to AWS', () => {
    expect(lockboxRequestsAnswered.evaluate(azureInput({ lockboxOptedIn: true }))).toMatchObject({ status: 'Unknown' });
    expect(lockboxRequestsAnswered.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'NotApplicable' });
  });
});
