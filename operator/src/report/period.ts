// The findings opened and resolved within a period, from one service's evidence records
// (pure): consecutive records' status.findings compared by finding id
// (`<control>/<resource>`). What an auditor samples: "every change since".

import type { Finding } from '../api/types.js';
import type { PeriodFinding } from './model.js';

/** What the diff needs of one record, in chain order. */
export interface PeriodRecord {
  key: string;
  at: string;
  /** status.findings; undefined when the record holds no status (written before statuses were recorded). */
  findings?: readonly Finding[];
  /** status.findingsOmitted: findings cut from status are not seen coming or going. */
  findingsOmitted?: number;
}

export interface PeriodDiff {
  findings: PeriodFinding[];
  /** Why the list may be incomplete, when it may be. */
  note?: string;
}

/** A finding's id across records: its control and resource. */
export function findingId(f: Pick<Finding, 'control' | 'resource'>): string {
  return `${f.control}/${f.resource ?? '-'}`;
}

function byId(findings: readonly Finding[]): Map<string, Finding> {
  const out = new Map<string, Finding>();
  for (const f of findings) if (!out.has(findingId(f))) out.set(findingId(f), f);
  return out;
}

function entry(id: string, f: Finding): PeriodFinding {
  return { id, control: f.control, ...(f.resource ? { resource: f.resource } : {}), severity: f.severity, message: f.message };
}

/**
 * Findings opened (in a record but not in the one before) and resolved (the other way
 * round) in records with `from < at <= to`. The baseline is the last record at or before
 * `from`; without one (the service began within the period) its first record's findings
 * count as opened then. One entry per finding occurrence: opened and resolved within the
 * period, opened only (still open at `to`), or resolved only (open before `from`).
 */
export function periodFindings(records: readonly PeriodRecord[], from: Date, to: Date): PeriodDiff {
  const start = from.getTime();
  const end = to.getTime();
  let previous: Map<string, Finding> | undefined;
  const open = new Map<string, PeriodFinding>();
  const out: PeriodFinding[] = [];
  const notes = new Set<string>();

  for (const r of records) {
    const t = Date.parse(r.at);
    if (t > end) break;
    if (!r.findings) {
      if (t > start) notes.add(`record ${r.key} holds no status: changes around it are not seen`);
      continue;
    }
    const current = byId(r.findings);
    if (t <= start) {
      previous = current; // the baseline: the state at `from`
      continue;
    }
    if ((r.findingsOmitted ?? 0) > 0) notes.add(`record ${r.key}: ${r.findingsOmitted} findings omitted from status are not compared`);
    const before = previous ?? new Map<string, Finding>();
    for (const [id, f] of current) {
      if (before.has(id)) continue;
      const e = { ...entry(id, f), opened: { at: r.at, key: r.key } };
      open.set(id, e);
      out.push(e);
    }
    for (const [id, f] of before) {
      if (current.has(id)) continue;
      const e = open.get(id);
      if (e) {
        e.resolved = { at: r.at, key: r.key };
        open.delete(id);
      } else {
        out.push({ ...entry(id, f), resolved: { at: r.at, key: r.key } });
      }
    }
    previous = current;
  }
  out.sort((a, b) => Date.parse(a.opened?.at ?? a.resolved?.at ?? '') - Date.parse(b.opened?.at ?? b.resolved?.at ?? '') || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { findings: out, ...(notes.size ? { note: [...notes].join('; ') } : {}) };
}
