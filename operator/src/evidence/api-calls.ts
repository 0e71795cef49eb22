// The API answers behind an evaluation, as an evidence record holds them (pure): the
// inventory's answers as the record's `apiCalls` (deduplicated), and for each live
// control the digests of the answers of the areas it reads (controls/live-areas.ts); the
// ChangesTracked controls rest on the change-log read's answers (log files, Activity Log).

import type { Finding } from '../api/types.js';
import { CHANGE_CONTROLS } from '../controls/catalog.js';
import { liveAreasOf } from '../controls/live-areas.js';
import type { ApiAnswer } from '../inventory/types.js';
import { sha256Hex } from './canonical-json.js';
import type { EvidenceApiCall } from './record.js';

/**
 * The record's `apiCalls`: one entry per distinct answer (same provider, operation,
 * account, region, status and digest), the first time it came; in arrival order. A
 * credential report polled until ready, or a list page read twice, is one entry.
 */
export function evidenceApiCalls(answers: readonly ApiAnswer[] | undefined): EvidenceApiCall[] {
  const seen = new Set<string>();
  const out: EvidenceApiCall[] = [];
  for (const a of answers ?? []) {
    const key = [a.provider, a.operation, a.account, a.region ?? '', String(a.status), a.sha256].join('\0');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      provider: a.provider,
      operation: a.operation,
      account: a.account,
      ...(a.region ? { region: a.region } : {}),
      at: a.at,
      status: a.status,
      responseSha256: a.sha256,
    });
  }
  return out;
}

const CHANGE_CONTROL_IDS: ReadonlySet<string> = new Set(CHANGE_CONTROLS.map((c) => c.id));

/**
 * The digests a control rests on, distinct, sorted: a live control's are those of the
 * answers feeding its areas; a ChangesTracked control's those of the change-log read;
 * empty for a control decided from the spec alone.
 */
export function controlAnswerDigests(controlId: string, answers: readonly ApiAnswer[] | undefined, changeLogAnswers?: readonly ApiAnswer[]): string[] {
  const digests = new Set<string>();
  if (CHANGE_CONTROL_IDS.has(controlId)) {
    for (const a of changeLogAnswers ?? []) digests.add(a.sha256);
    return [...digests].sort();
  }
  const areas = liveAreasOf(controlId);
  if (areas.length === 0 || !answers) return [];
  for (const a of answers) if (a.area && areas.includes(a.area)) digests.add(a.sha256);
  return [...digests].sort();
}

/**
 * One digest for a list of answer digests: SHA-256 over the digests sorted, one per line.
 * A finding carries it (status.findings[].answersDigest) instead of the list, which its
 * control's entry in the evidence record holds; undefined for no answers.
 */
export function answersDigest(digests: readonly string[]): string | undefined {
  if (digests.length === 0) return undefined;
  return sha256Hex([...digests].sort().join('\n'));
}

/** The findings with the digest of the answers their control rests on (answersDigest). */
export function withAnswersDigests(findings: readonly Finding[], answers: readonly ApiAnswer[] | undefined, changeLogAnswers?: readonly ApiAnswer[]): Finding[] {
  const byControl = new Map<string, string | undefined>();
  return findings.map((f) => {
    if (!byControl.has(f.control)) byControl.set(f.control, answersDigest(controlAnswerDigests(f.control, answers, changeLogAnswers)));
    const digest = byControl.get(f.control);
    return digest ? { ...f, answersDigest: digest } : f;
  });
}
