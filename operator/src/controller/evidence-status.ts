// status.evidenceHistory and the EvidenceRecorded condition of a CloudService, from what
// the evidence writer knows of the service's chain (pure). Shown only while the operator
// keeps an evidence history; not part of Compliant: a bucket that refuses writes is the
// platform team's problem, not the service's posture, and never holds up its evaluation.

import type { CloudServiceStatus, ConditionStatus, EvidenceHistoryStatus, EvidenceRecordRef } from '../api/types.js';

export const EVIDENCE_CONDITION = 'EvidenceRecorded';
/** The CRD's maxLength of status.evidenceHistory.message. */
const MESSAGE_MAX = 1024;

/** The writer's view of one service's chain (EvidenceWriter.stateOf). */
export interface EvidenceChainState {
  /** The newest record written or read back, when the writer holds it. */
  lastRecord?: EvidenceRecordRef;
  /** Evaluations of the service waiting to be written. */
  pending: number;
  /** While appends fail: since when (RFC 3339), why (CamelCase) and what failed. */
  failure?: { since: string; reason: string; message: string };
}

export interface EvidenceStatusParts {
  status: EvidenceHistoryStatus;
  condition: { type: typeof EVIDENCE_CONDITION; status: ConditionStatus; reason: string; message: string };
}

export function evidenceStatusParts(state: EvidenceChainState, previous: CloudServiceStatus | undefined): EvidenceStatusParts {
  // The writer forgets least recently used chains; the status still names the last record it wrote.
  const lastRecord = state.lastRecord ?? previous?.evidenceHistory?.lastRecord;
  const status: EvidenceHistoryStatus = {};
  if (lastRecord) status.lastRecord = lastRecord;
  if (state.pending > 0) status.pending = state.pending;
  if (state.failure) {
    status.failingSince = state.failure.since;
    status.reason = state.failure.reason;
    status.message = state.failure.message.slice(0, MESSAGE_MAX);
    const waiting = state.pending > 0 ? `${state.pending} evaluation(s) wait to be recorded` : 'the next evaluation will be recorded';
    return {
      status,
      condition: {
        type: EVIDENCE_CONDITION,
        status: 'False',
        reason: state.failure.reason,
        message: `Evidence records fail to be written since ${state.failure.since}: ${status.message}. ${waiting}; the evaluation goes on.`.slice(0, MESSAGE_MAX * 2),
      },
    };
  }
  if (!lastRecord) {
    return { status, condition: { type: EVIDENCE_CONDITION, status: 'Unknown', reason: 'NotRecordedYet', message: 'No evidence record of this service has been written yet.' } };
  }
  return {
    status,
    condition: {
      type: EVIDENCE_CONDITION,
      status: 'True',
      reason: 'Recorded',
      message: `Evidence record ${lastRecord.sequence} (SHA-256 ${lastRecord.hash.slice(0, 12)}) holds the evaluation at ${lastRecord.at}.`,
    },
  };
}
