// status.evidenceHistory and the EvidenceRecorded condition (controller/evidence-status.ts).

import type { CloudServiceStatus } from '../../../operator/src/api/types.js';
import { evidenceStatusParts, type EvidenceChainState } from '../../../operator/src/controller/evidence-status.js';

const REF = { key: 'evidence/team/svc/u1/000000000003.json', sequence: 3, hash: 'ab'.repeat(32), at: '2026-12-01T10:00:00Z' };
const previous = (lastRecord = REF): CloudServiceStatus => ({ evidenceHistory: { lastRecord } });

describe('evidenceStatusParts', () => {
  const cases: Array<[string, EvidenceChainState, CloudServiceStatus | undefined, { status: string; reason: string; message: RegExp }, Record<string, unknown>]> = [
    ['nothing written yet', { pending: 0 }, undefined, { status: 'Unknown', reason: 'NotRecordedYet', message: /No evidence record/ }, {}],
    ['the first record waiting', { pending: 1 }, undefined, { status: 'Unknown', reason: 'NotRecordedYet', message: /No evidence record/ }, { pending: 1 }],
    ['a record written', { pending: 0, lastRecord: REF }, undefined, { status: 'True', reason: 'Recorded', message: /record 3 \(SHA-256 abababababab\) holds the evaluation at 2026-12-01T10:00:00Z/ }, { lastRecord: REF }],
    [
      'the writer forgot the chain (evicted): the status keeps naming the last record',
      { pending: 0 },
      previous(),
      { status: 'True', reason: 'Recorded', message: /record 3/ },
      { lastRecord: REF },
    ],
    [
      'appends failing: False with the store’s reason, the record kept queued',
      { pending: 2, lastRecord: REF, failure: { since: '2026-12-01T11:00:00Z', reason: 'AccessDenied', message: 'Access Denied' } },
      undefined,
      { status: 'False', reason: 'AccessDenied', message: /since 2026-12-01T11:00:00Z: Access Denied\. 2 evaluation\(s\) wait to be recorded; the evaluation goes on/ },
      { lastRecord: REF, pending: 2, failingSince: '2026-12-01T11:00:00Z', reason: 'AccessDenied', message: 'Access Denied' },
    ],
  ];

  it.each(cases)('%s', (_name, state, prev, condition, status) => {
    const parts = evidenceStatusParts(state, prev);
    expect(parts.condition).toMatchObject({ type: 'EvidenceRecorded', status: condition.status, reason: condition.reason });
    expect(parts.condition.message).toMatch(condition.message);
    expect(parts.status).toEqual(status);
  });

  it('bounds the failure message to the CRD’s 1024 characters', () => {
    const parts = evidenceStatusParts({ pending: 1, failure: { since: '2026-12-01T11:00:00Z', reason: 'AppendFailed', message: 'x'.repeat(5000) } }, undefined);
    expect(parts.status.message).toHaveLength(1024);
  });
});
