// Evidence records: what one holds, its hash and link, its key, and when one is due.
import type { ControlResult } from '../../../operator/src/controls/evaluate.js';
import { evaluateService } from '../../../operator/src/controls/evaluate.js';
import { canonicalJson, sha256Hex } from '../../../operator/src/evidence/canonical-json.js';
import {
  buildEvidenceRecord,
  EVIDENCE_SCHEMA,
  parseRecordKey,
  recordHash,
  recordKey,
  shouldRecord,
  type EvidenceRecord,
} from '../../../operator/src/evidence/record.js';
import { aPolicy, anInput, NOW } from '../builders.js';

const SERVICE = { namespace: 'payments', name: 'payments-aws', uid: '6f1c2b9e-0d4a-4c1e-9a57-3f0e8d2b7c11' };
const POLICY = aPolicy();
const CONTROLS: ControlResult[] = evaluateService(anInput()).controls;
const HOUR = 60 * 60 * 1000;

function at(ms: number): () => Date {
  return () => new Date(NOW.getTime() + ms);
}

function first(controls: readonly ControlResult[] = CONTROLS): EvidenceRecord {
  return buildEvidenceRecord({ service: SERVICE, generation: 3, policy: POLICY, controls, clock: at(0) });
}

describe('buildEvidenceRecord', () => {
  it('holds the service, time, generation, policy digest and every control outcome', () => {
    const r = first();
    expect(r).toMatchObject({ schema: EVIDENCE_SCHEMA, service: SERVICE, sequence: 0, at: NOW.toISOString(), generation: 3, previous: null, apiCalls: [] });
    expect(r.policyDigest).toBe(sha256Hex(canonicalJson(POLICY)));
    expect(r.controls).toHaveLength(CONTROLS.length);
    expect(r.controls[0]).toEqual({
      control: CONTROLS[0]?.control,
      family: CONTROLS[0]?.family,
      status: CONTROLS[0]?.status,
      reason: CONTROLS[0]?.reason,
      message: CONTROLS[0]?.message,
      findings: CONTROLS[0]?.findings,
    });
  });

  it('hashes the canonical JSON of everything but the hash', () => {
    const r = first();
    const { hash, ...rest } = r;
    expect(hash).toBe(sha256Hex(canonicalJson(rest)));
    expect(recordHash(r)).toBe(hash);
  });

  it('links the next record to the previous one by hash, sequence + 1', () => {
    const r0 = first();
    const r1 = buildEvidenceRecord({ service: SERVICE, generation: 3, policy: POLICY, controls: CONTROLS, previous: r0, clock: at(HOUR) });
    expect(r1.sequence).toBe(1);
    expect(r1.previous).toBe(r0.hash);
    expect(r1.hash).not.toBe(r0.hash);
  });

  it('refuses a previous record of another service', () => {
    expect(() => buildEvidenceRecord({ service: { ...SERVICE, uid: 'other' }, generation: 1, policy: POLICY, controls: CONTROLS, previous: first(), clock: at(0) })).toThrow(/uid/);
  });

  const control0 = CONTROLS[0] as ControlResult;
  it.each<[string, (r: EvidenceRecord) => void]>([
    ['namespace', (r) => void (r.service.namespace = 'other')],
    ['name', (r) => void (r.service.name = 'other')],
    ['uid', (r) => void (r.service.uid = 'other')],
    ['sequence', (r) => void (r.sequence = 1)],
    ['at', (r) => void (r.at = '2026-11-15T12:00:01.000Z')],
    ['generation', (r) => void (r.generation = 4)],
    ['policy digest', (r) => void (r.policyDigest = sha256Hex('other'))],
    ['a status', (r) => void ((r.controls[0] as EvidenceRecord['controls'][number]).status = control0.status === 'True' ? 'False' : 'True')],
    ['a reason', (r) => void ((r.controls[0] as EvidenceRecord['controls'][number]).reason = 'Other')],
    ['a message', (r) => void ((r.controls[0] as EvidenceRecord['controls'][number]).message += '.')],
    ['a findings count', (r) => void ((r.controls[0] as EvidenceRecord['controls'][number]).findings += 1)],
    ['the control order', (r) => void r.controls.reverse()],
    ['an api call', (r) => void r.apiCalls.push({ provider: 'aws', operation: 'IAM:GetAccountSummary', account: '111111111111', at: r.at, status: 200, responseSha256: sha256Hex('{}') })],
    ['previous', (r) => void (r.previous = sha256Hex('x'))],
  ])('the hash changes when %s changes', (_field, change) => {
    const r = structuredClone(first());
    change(r);
    expect(recordHash(r)).not.toBe(r.hash);
  });
});

describe('recordKey', () => {
  it.each<[string | undefined, number, string]>([
    [undefined, 0, `evidence/payments/payments-aws/${SERVICE.uid}/000000000000.json`],
    ['org/evidence/', 42, `org/evidence/payments/payments-aws/${SERVICE.uid}/000000000042.json`],
    ['', 123456789012, `payments/payments-aws/${SERVICE.uid}/123456789012.json`],
  ])('prefix %p, sequence %p', (prefix, sequence, key) => {
    expect(recordKey({ service: SERVICE, sequence }, prefix)).toBe(key);
    expect(parseRecordKey(key)).toEqual({ prefix: (prefix ?? 'evidence').replace(/\/$/, ''), ...SERVICE, sequence });
  });

  it('orders keys as sequences (zero-padded)', () => {
    const keys = [10, 9, 100, 2].map((sequence) => recordKey({ service: SERVICE, sequence }));
    expect([...keys].sort()).toEqual([2, 9, 10, 100].map((sequence) => recordKey({ service: SERVICE, sequence })));
  });

  it.each(['evidence/a/b/c/1.json', 'evidence/a/b/c/000000000001.txt', '000000000001.json'])('does not parse %p', (key) => {
    expect(parseRecordKey(key)).toBeUndefined();
  });
});

describe('shouldRecord', () => {
  const prev = first();
  const flipped = CONTROLS.map((c, i) => (i === 0 ? { ...c, status: c.status === 'True' ? ('False' as const) : ('True' as const), reason: 'Flipped' } : c));
  const next = (opts: { controls?: ControlResult[]; generation?: number; policy?: unknown; ms: number }): EvidenceRecord =>
    buildEvidenceRecord({ service: SERVICE, generation: opts.generation ?? 3, policy: opts.policy ?? POLICY, controls: opts.controls ?? CONTROLS, previous: prev, clock: at(opts.ms) });

  it.each<[string, () => EvidenceRecord, boolean]>([
    ['same outcome, 10 minutes later', () => next({ ms: HOUR / 6 }), false],
    ['same outcome, 23h59m later', () => next({ ms: 24 * HOUR - 60_000 }), false],
    ['same outcome, 24h later', () => next({ ms: 24 * HOUR }), true],
    ['same outcome, 30h later', () => next({ ms: 30 * HOUR }), true],
    ['a status flipped, 10 minutes later', () => next({ controls: flipped, ms: HOUR / 6 }), true],
    ['a message changed', () => next({ controls: CONTROLS.map((c, i) => (i === 1 ? { ...c, message: `${c.message} (again)` } : c)), ms: 1 }), true],
    ['a findings count changed', () => next({ controls: CONTROLS.map((c, i) => (i === 2 ? { ...c, findings: c.findings + 1 } : c)), ms: 1 }), true],
    ['a control fewer', () => next({ controls: CONTROLS.slice(1), ms: 1 }), true],
    ['the generation changed', () => next({ generation: 4, ms: 1 }), true],
    ['the policy changed', () => next({ policy: { ...POLICY, maxContractReviewAgeDays: 1 }, ms: 1 }), true],
  ])('%s -> %p', (_name, make, due) => {
    const n = make();
    expect(shouldRecord(prev, n, new Date(n.at))).toBe(due);
  });

  it('always records a service\'s first record', () => {
    expect(shouldRecord(null, prev, NOW)).toBe(true);
  });

  it('does not depend on the order of the controls', () => {
    const n = next({ controls: [...CONTROLS].reverse(), ms: 1 });
    expect(shouldRecord(prev, n, new Date(n.at))).toBe(false);
  });
});

it('a record of 29 controls and no API calls stays a few KiB', () => {
  const r = first(Array.from({ length: 29 }, (_, i) => ({ ...(CONTROLS[i % CONTROLS.length] as ControlResult), control: `control-${i}` })));
  const bytes = Buffer.byteLength(canonicalJson(r));
  expect(bytes).toBeLessThan(16 * 1024);
  // printed for the record: the size the store writes per evaluation
  process.stdout.write(`evidence record, 29 controls, 0 API calls: ${bytes} bytes\n`);
});
