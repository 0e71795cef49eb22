// One evidence record per CloudService evaluation worth keeping: the outcomes, what they
// were judged against, and the hash link to the record before it (pure; clock injected).

import type { CloudServiceSpec, CloudServiceStatus, ConditionStatus } from '../api/types.js';
import type { ControlResult } from '../controls/evaluate.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';

export const EVIDENCE_SCHEMA = 'cloudposture.io/evidence/v1';
/** Key prefix of the records in the bucket unless one is configured. */
export const DEFAULT_EVIDENCE_PREFIX = 'evidence';
/** A record is due at least this often even when nothing changed ("at least daily"). */
export const MAX_RECORD_GAP_MS = 24 * 60 * 60 * 1000;
/** Digits of the sequence number in a key: lexical key order is sequence order. */
export const SEQUENCE_DIGITS = 12;

export interface EvidenceService {
  namespace: string;
  name: string;
  /** The object's uid: a service deleted and created again under its name starts a new chain. */
  uid: string;
}

export interface EvidenceControlOutcome {
  control: string;
  family: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  findings: number;
  /** A live control: the sha256 of the API answers it rests on (`apiCalls[].responseSha256`). */
  answers?: string[];
}

/**
 * One cloud API answer behind the live controls (the collection's Inventory.answers,
 * deduplicated: evidence/api-calls.ts). Never the answer itself.
 */
export interface EvidenceApiCall {
  provider: 'aws' | 'azure';
  /** e.g. `IAM:GenerateCredentialReport`. */
  operation: string;
  /** AWS account id or Azure subscription / tenant id. */
  account: string;
  region?: string;
  /** ISO time of the answer. */
  at: string;
  /** HTTP status, or the error code when the call failed. */
  status: number | string;
  /** sha256 hex of the canonical JSON of the response body. */
  responseSha256: string;
}

export interface EvidenceRecord {
  schema: typeof EVIDENCE_SCHEMA;
  service: EvidenceService;
  /** 0 for a service's first record, then the previous record's + 1. */
  sequence: number;
  /** ISO time of the evaluation. */
  at: string;
  /** metadata.generation of the spec evaluated. */
  generation: number;
  /** sha256 hex of the canonical JSON of the effective policy. */
  policyDigest: string;
  controls: EvidenceControlOutcome[];
  apiCalls: EvidenceApiCall[];
  /**
   * The spec as evaluated (references only, no secret values) and the status this
   * evaluation published: what `cloudposture report --at` rebuilds the service from.
   * Absent from records written before they were recorded.
   */
  spec?: CloudServiceSpec;
  status?: CloudServiceStatus;
  /** `hash` of the service's previous record; null for the first. */
  previous: string | null;
  /** sha256 hex of the canonical JSON of this record without `hash`. */
  hash: string;
}

export interface EvidenceRecordInput {
  service: EvidenceService;
  generation: number;
  /** The effective policy (resolved CloudSecurityPolicy) the controls were judged against. */
  policy: unknown;
  /** `Evaluation.controls`, in catalog order; a live control may carry the digests it rests on. */
  controls: readonly (ControlResult & { answers?: readonly string[] })[];
  apiCalls?: readonly EvidenceApiCall[];
  /** The spec evaluated and the status published (copied as JSON: later changes to the objects do not reach the record). */
  spec?: CloudServiceSpec;
  status?: CloudServiceStatus;
  /** The service's last record, or null/undefined when this is its first. */
  previous?: EvidenceRecord | null;
  clock: () => Date;
}

export function policyDigest(policy: unknown): string {
  return sha256Hex(canonicalJson(policy));
}

/** The hash a record must carry: over everything but `hash` itself. */
export function recordHash(record: Omit<EvidenceRecord, 'hash'> | EvidenceRecord): string {
  const { hash: _ignored, ...rest } = record as EvidenceRecord;
  return sha256Hex(canonicalJson(rest));
}

/** A JSON copy: what the store will hold (undefined left out, dates as ISO text), detached from the caller's object. */
function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function buildEvidenceRecord(input: EvidenceRecordInput): EvidenceRecord {
  const prev = input.previous ?? null;
  if (prev && (prev.service.uid !== input.service.uid)) {
    throw new Error(`previous record belongs to service uid ${prev.service.uid}, not ${input.service.uid}`);
  }
  const body: Omit<EvidenceRecord, 'hash'> = {
    schema: EVIDENCE_SCHEMA,
    service: { namespace: input.service.namespace, name: input.service.name, uid: input.service.uid },
    sequence: prev ? prev.sequence + 1 : 0,
    at: input.clock().toISOString(),
    generation: input.generation,
    policyDigest: policyDigest(input.policy),
    // severity is the catalog's, not an outcome: it is not recorded
    controls: input.controls.map((c) => ({
      control: c.control,
      family: c.family,
      status: c.status,
      reason: c.reason,
      message: c.message,
      findings: c.findings,
      ...(c.answers && c.answers.length > 0 ? { answers: [...c.answers] } : {}),
    })),
    apiCalls: (input.apiCalls ?? []).map((c) => ({ ...c })),
    ...(input.spec ? { spec: jsonCopy(input.spec) } : {}),
    ...(input.status ? { status: jsonCopy(input.status) } : {}),
    previous: prev ? prev.hash : null,
  };
  return { ...body, hash: recordHash(body) };
}

/** `<prefix>/<namespace>/<name>/<uid>/<sequence, 12 digits>.json` (no leading slash for an empty prefix). */
export function recordKey(record: Pick<EvidenceRecord, 'service' | 'sequence'>, prefix: string = DEFAULT_EVIDENCE_PREFIX): string {
  const { namespace, name, uid } = record.service;
  const head = prefix.replace(/\/+$/, '');
  const tail = `${namespace}/${name}/${uid}/${String(record.sequence).padStart(SEQUENCE_DIGITS, '0')}.json`;
  return head ? `${head}/${tail}` : tail;
}

/** What a key says about its record, read from the end (a prefix may hold slashes). */
export interface ParsedKey {
  prefix: string;
  namespace: string;
  name: string;
  uid: string;
  sequence: number;
}

export function parseRecordKey(key: string): ParsedKey | undefined {
  const parts = key.split('/');
  const file = parts.pop();
  const uid = parts.pop();
  const name = parts.pop();
  const namespace = parts.pop();
  const m = file ? new RegExp(`^(\\d{${SEQUENCE_DIGITS}})\\.json$`).exec(file) : null;
  if (!m || !uid || !name || !namespace) return undefined;
  return { prefix: parts.join('/'), namespace, name, uid, sequence: Number(m[1]) };
}

function sameOutcomes(a: readonly EvidenceControlOutcome[], b: readonly EvidenceControlOutcome[]): boolean {
  if (a.length !== b.length) return false;
  const before = new Map(a.map((o) => [o.control, o]));
  // The message counts too: it names what is wrong (which identity, which bucket). Ages in
  // messages ("40 days ago") move with the clock, at most hourly, which bounds the extra records.
  return b.every((o) => {
    const p = before.get(o.control);
    return p !== undefined && p.family === o.family && p.status === o.status && p.reason === o.reason && p.message === o.message && p.findings === o.findings;
  });
}

/**
 * Whether `next` (built but not yet stored) is worth a record after `previous`: on each
 * evaluation that changes anything (an outcome, the spec generation, the policy), and at
 * least daily otherwise. Always for a service's first record.
 */
export function shouldRecord(
  previous: EvidenceRecord | null | undefined,
  next: Pick<EvidenceRecord, 'controls' | 'generation' | 'policyDigest'>,
  now: Date,
): boolean {
  if (!previous) return true;
  if (previous.generation !== next.generation || previous.policyDigest !== next.policyDigest) return true;
  if (!sameOutcomes(previous.controls, next.controls)) return true;
  const last = Date.parse(previous.at);
  // an unreadable time cannot show the record is recent
  return !Number.isFinite(last) || now.getTime() - last >= MAX_RECORD_GAP_MS;
}
