// A523-09-LOCKBOX-REQUESTS-ANSWERED (ProviderAccessControlled, checklist step 9): every
// Customer Lockbox request of the look-back window (90 days) was answered by a declared
// approver. The verdict per request is lockbox-judge.ts's.

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { readLive, unreadFact } from '../live.js';
import { listSome, plural } from '../text.js';
import { describeLockboxRequest, judgeLockboxRequests, openFindings } from './lockbox-judge.js';

const WAITING: ReadonlySet<string> = new Set(['pending', 'initializing']);

export const lockboxRequestsAnswered: Control = {
  id: 'A523-09-LOCKBOX-REQUESTS-ANSWERED',
  family: 'ProviderAccessControlled',
  checklistStep: 9,
  severity: 'high',
  title: 'Every Customer Lockbox request was answered by a declared approver',
  remediation:
    'Review each listed request with its support case: confirm who answered it and why; name the people who may answer in spec.providerAccess.lockboxApprovers and route Lockbox e-mail to them; then record the review in spec.changeManagement.acknowledgements (changeId = the request id, reference = the review ticket).',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, ['providerAccess']);
    if (!live.ok) return live.outcome;
    if (input.spec.provider !== 'azure') return pass('NotApplicable', 'AWS has no customer lockbox requests');
    const requests = live.inventory.providerAccess?.lockboxRequests;
    if (requests === undefined) return unreadFact(live.inventory, ['providerAccess'], 'Customer Lockbox requests');
    const timing = { evidenceAt: live.evidenceAt };
    const judged = judgeLockboxRequests(requests, input.spec);
    const open = openFindings(judged);
    if (open.length > 0) {
      return fail(
        'LockboxRequestNotControlled',
        `${plural(open.length, 'Customer Lockbox request')} not answered by a declared approver: ${listSome(
          open.map((j) => `${j.request.id} ${j.finding ?? ''}`),
          3,
          '; ',
        )}`,
        open.map((j) => ({ resource: j.request.id, message: `${describeLockboxRequest(j.request)}: ${j.finding ?? ''}` })),
        timing,
      );
    }
    if (requests.length === 0) return pass('NoLockboxRequests', 'No Customer Lockbox request in the last 90 days', timing);
    const waiting = requests.filter((r) => WAITING.has(r.status.toLowerCase())).length;
    const reviewed = judged.filter((j) => j.finding !== undefined).length;
    const parts = [
      `${plural(requests.length, 'Customer Lockbox request')} in the last 90 days: none expired unanswered, approved out of sight or answered by anyone but a declared approver`,
    ];
    if (waiting > 0) parts.push(`${waiting} waiting for an answer`);
    if (reviewed > 0) parts.push(`${reviewed} reviewed and acknowledged`);
    return pass('LockboxRequestsAnswered', parts.join('; '), timing);
  },
};
