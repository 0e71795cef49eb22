// Verifies one service's evidence chain as read back from storage (pure): every problem
// names the record key it was found at; no problems means the chain is sound.
//
// What the chain cannot show on its own: records cut off after the last one read
// (truncation). The store's Object Lock (COMPLIANCE retention, checked here per object)
// is what stops that; a reader that keeps the last hash it saw can check it too.

import { EVIDENCE_SCHEMA, parseRecordKey, recordHash, type EvidenceRecord } from './record.js';

export const DEFAULT_RETENTION_DAYS = 400;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Object Lock settings of one stored object, as HeadObject reports them. */
export interface ObjectRetention {
  mode?: string;
  retainUntil?: Date;
}

export interface ChainEntry {
  key: string;
  /** The parsed JSON body (checked here: it may be anything). */
  body: unknown;
  /** Why the object could not be read or parsed, when it could not (body is then ignored). */
  readError?: string;
  /** Omitted: retention is not checked for this entry (a reader that cannot see it). */
  retention?: ObjectRetention;
}

export type ProblemKind = 'unreadable' | 'hash' | 'key' | 'sequence' | 'missing' | 'previous' | 'time' | 'retention';

export interface ChainProblem {
  key: string;
  kind: ProblemKind;
  message: string;
}

export interface VerifyOptions {
  /** Minimum retention after a record's time (default 400 days). */
  retentionDays?: number;
}

const STATUSES = new Set(['True', 'False', 'Unknown']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why `v` is not an EvidenceRecord, or undefined when it is one. */
export function recordShapeError(v: unknown): string | undefined {
  if (!isObject(v)) return 'not a JSON object';
  if (v.schema !== EVIDENCE_SCHEMA) return `schema is ${JSON.stringify(v.schema)}, not ${EVIDENCE_SCHEMA}`;
  const s = v.service;
  if (!isObject(s) || typeof s.namespace !== 'string' || typeof s.name !== 'string' || typeof s.uid !== 'string') return 'service is not {namespace, name, uid}';
  if (!Number.isSafeInteger(v.sequence) || (v.sequence as number) < 0) return 'sequence is not a whole number';
  if (typeof v.at !== 'string' || !Number.isFinite(Date.parse(v.at))) return 'at is not a time';
  if (!Number.isSafeInteger(v.generation)) return 'generation is not a whole number';
  if (typeof v.policyDigest !== 'string') return 'policyDigest is not a string';
  if (!Array.isArray(v.controls)) return 'controls is not a list';
  for (const c of v.controls) {
    if (!isObject(c) || typeof c.control !== 'string' || typeof c.family !== 'string' || !STATUSES.has(c.status as string) ||
      typeof c.reason !== 'string' || typeof c.message !== 'string' || !Number.isSafeInteger(c.findings)) {
      return 'a control outcome is not {control, family, status, reason, message, findings}';
    }
  }
  if (!Array.isArray(v.apiCalls) || !v.apiCalls.every(isObject)) return 'apiCalls is not a list of objects';
  if (v.spec !== undefined && !isObject(v.spec)) return 'spec is not an object';
  if (v.status !== undefined && !isObject(v.status)) return 'status is not an object';
  if (v.previous !== null && typeof v.previous !== 'string') return 'previous is neither a hash nor null';
  if (typeof v.hash !== 'string') return 'hash is not a string';
  return undefined;
}

function retentionProblem(key: string, record: EvidenceRecord, r: ObjectRetention, days: number): ChainProblem | undefined {
  const needed = Date.parse(record.at) + days * DAY_MS;
  if (r.mode !== 'COMPLIANCE') {
    return { key, kind: 'retention', message: `${key}: Object Lock mode is ${r.mode ?? 'none'}, not COMPLIANCE (GOVERNANCE can be lifted, none protects nothing)` };
  }
  if (!r.retainUntil || !(r.retainUntil.getTime() >= needed)) {
    return {
      key,
      kind: 'retention',
      message: `${key}: retained until ${r.retainUntil?.toISOString() ?? 'no date'}, earlier than ${new Date(needed).toISOString()} (record time + ${days} days)`,
    };
  }
  return undefined;
}

/**
 * Checks one chain, entries in key order (one service uid). Each record: its shape, its
 * hash (content altered), its key (service and sequence as the key says: a body moved to
 * another key), its sequence (the first is 0, then +1: a gap is a missing record),
 * its `previous` link, its time (never before the one before), its retention.
 */
export function verifyChain(entries: readonly ChainEntry[], options: VerifyOptions = {}): ChainProblem[] {
  const days = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
  const problems: ChainProblem[] = [];
  const add = (key: string, kind: ProblemKind, message: string): void => void problems.push({ key, kind, message: `${key}: ${message}` });
  // The last entry read and its (key) sequence, readable or not: the next one links to it.
  let before: { key: string; sequence: number; record?: EvidenceRecord } | undefined;
  let uid: string | undefined;

  for (const entry of entries) {
    const { key } = entry;
    const parsed = parseRecordKey(key);
    if (!parsed) {
      add(key, 'key', 'not an evidence record key (<prefix>/<namespace>/<name>/<uid>/<12-digit sequence>.json)');
      continue;
    }
    if (uid !== undefined && parsed.uid !== uid) add(key, 'key', `belongs to service uid ${parsed.uid}, not this chain's ${uid}`);
    uid ??= parsed.uid;

    // Sequence from the key: entries must follow on, the first at 0.
    const expected = before ? before.sequence + 1 : 0;
    if (parsed.sequence > expected) {
      const range = parsed.sequence - 1 === expected ? `${expected}` : `${expected}-${parsed.sequence - 1}`;
      add(key, 'missing', `record${parsed.sequence - 1 === expected ? '' : 's'} ${range} missing before this one`);
    } else if (parsed.sequence < expected) {
      // Not linked or followed on from: the entries after it are checked against `before`.
      add(key, 'sequence', `sequence ${parsed.sequence} out of order after ${before?.key ?? 'the start'}`);
      continue;
    }

    const shapeError = entry.readError ?? recordShapeError(entry.body);
    if (shapeError) {
      add(key, 'unreadable', shapeError);
      before = { key, sequence: parsed.sequence };
      continue;
    }
    const record = entry.body as EvidenceRecord;

    if (recordHash(record) !== record.hash) add(key, 'hash', 'content does not match its hash (altered)');
    const s = record.service;
    if (s.namespace !== parsed.namespace || s.name !== parsed.name || s.uid !== parsed.uid) {
      add(key, 'key', `record is of service ${s.namespace}/${s.name} (uid ${s.uid}), not the one its key names`);
    }
    if (record.sequence !== parsed.sequence) add(key, 'sequence', `record says sequence ${record.sequence}, its key ${parsed.sequence} (moved or swapped)`);

    // The link: only meaningful to the record right before it (a gap is reported above).
    if (parsed.sequence === 0 && record.previous !== null) add(key, 'previous', 'first record links to a previous one');
    if (before && parsed.sequence === before.sequence + 1) {
      if (before.record && record.previous !== before.record.hash) {
        add(key, 'previous', `previous link does not match the hash of ${before.key}`);
      }
      if (before.record && Date.parse(record.at) < Date.parse(before.record.at)) {
        add(key, 'time', `time ${record.at} is before ${before.record.at} of ${before.key}`);
      }
    }

    if (entry.retention) {
      const p = retentionProblem(key, record, entry.retention, days);
      if (p) problems.push(p);
    }
    before = { key, sequence: parsed.sequence, record };
  }
  return problems;
}

/** Groups keys by chain (everything but the file name: prefix, namespace, name, uid), each in key order. */
export function chainsOf(keys: readonly string[]): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  for (const key of [...keys].sort()) {
    const chain = key.slice(0, Math.max(0, key.lastIndexOf('/')));
    const list = chains.get(chain);
    if (list) list.push(key);
    else chains.set(chain, [key]);
  }
  return chains;
}
