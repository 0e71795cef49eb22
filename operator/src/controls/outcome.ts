// Constructors for control outcomes and the one ordering of statuses (False beats Unknown beats True).

import type { ConditionStatus } from '../api/types.js';
import type { ControlFinding, ControlOutcome } from './types.js';
import { sentence } from './text.js';

type Timing = Pick<ControlOutcome, 'changesAt' | 'evidenceAt'>;

function withTiming(outcome: ControlOutcome, timing: Timing): ControlOutcome {
  if (timing.changesAt !== undefined) outcome.changesAt = timing.changesAt;
  if (timing.evidenceAt !== undefined) outcome.evidenceAt = timing.evidenceAt;
  return outcome;
}

export function pass(reason: string, message: string, timing: Timing = {}): ControlOutcome {
  return withTiming({ status: 'True', reason, message: sentence(message), findings: [] }, timing);
}

/** A failing outcome; without explicit findings the message becomes the single finding. */
export function fail(
  reason: string,
  message: string,
  findings: ControlFinding[] = [],
  timing: Timing = {},
): ControlOutcome {
  const text = sentence(message);
  const list = findings.length > 0 ? findings : [{ message: text }];
  return withTiming({ status: 'False', reason, message: text, findings: list }, timing);
}

/** Could not decide: missing data is never a finding. */
export function unknown(reason: string, message: string, timing: Timing = {}): ControlOutcome {
  return withTiming({ status: 'Unknown', reason, message: sentence(message), findings: [] }, timing);
}

const STATUS_RANK: Record<ConditionStatus, number> = { True: 0, Unknown: 1, False: 2 };

export function worseStatus(a: ConditionStatus, b: ConditionStatus): ConditionStatus {
  return STATUS_RANK[b] > STATUS_RANK[a] ? b : a;
}

export function worstStatus(statuses: Iterable<ConditionStatus>): ConditionStatus {
  let worst: ConditionStatus = 'True';
  for (const status of statuses) worst = worseStatus(worst, status);
  return worst;
}

/**
 * The common shape of a per-item check: items that fail win over items that could
 * not be read (False), unread items alone make the outcome Unknown, otherwise True.
 */
export interface ItemVerdicts {
  failures: ControlFinding[];
  /** Names of the items whose relevant fact was unreadable. */
  unreadable: string[];
}

export interface ItemJudgement {
  failReason: string;
  failMessage: string;
  unknownReason: string;
  unknownMessage: string;
  passReason: string;
  passMessage: string;
  timing?: Timing;
}

export function judgeItems(verdicts: ItemVerdicts, judgement: ItemJudgement): ControlOutcome {
  const timing = judgement.timing ?? {};
  if (verdicts.failures.length > 0) {
    return fail(judgement.failReason, judgement.failMessage, verdicts.failures, { evidenceAt: timing.evidenceAt });
  }
  if (verdicts.unreadable.length > 0) {
    return unknown(judgement.unknownReason, judgement.unknownMessage, { evidenceAt: timing.evidenceAt });
  }
  return pass(judgement.passReason, judgement.passMessage, timing);
}
