// verifyChain: a sound chain has no problems; every kind of tampering is named by its record key.
import type { ControlResult } from '../../../operator/src/controls/evaluate.js';
import { evaluateService } from '../../../operator/src/controls/evaluate.js';
import { chainsOf, verifyChain, type ChainEntry, type ObjectRetention } from '../../../operator/src/evidence/chain.js';
import { buildEvidenceRecord, recordKey, type EvidenceRecord } from '../../../operator/src/evidence/record.js';
import { aPolicy, anInput, NOW } from '../builders.js';

const SERVICE = { namespace: 'payments', name: 'payments-aws', uid: 'uid-1' };
const CONTROLS: ControlResult[] = evaluateService(anInput()).controls;
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

function lockedFor(r: EvidenceRecord, days = 400): ObjectRetention {
  return { mode: 'COMPLIANCE', retainUntil: new Date(Date.parse(r.at) + days * DAY) };
}

/** A chain of n records an hour apart, each stored under its key with 400 days' COMPLIANCE retention. */
function chainOf(n: number): ChainEntry[] {
  const records: EvidenceRecord[] = [];
  for (let i = 0; i < n; i++) {
    const controls = CONTROLS.map((c, j) => (j === 0 ? { ...c, message: `evaluation ${i}` } : c));
    records.push(buildEvidenceRecord({ service: SERVICE, generation: 1, policy: aPolicy(), controls, previous: records[i - 1] ?? null, clock: () => new Date(NOW.getTime() + i * HOUR) }));
  }
  return records.map((r) => ({ key: recordKey(r), body: structuredClone(r), retention: lockedFor(r) }));
}

const keyOf = (i: number): string => recordKey({ service: SERVICE, sequence: i });
const bodyOf = (e: ChainEntry | undefined): EvidenceRecord => (e as ChainEntry).body as EvidenceRecord;

it('a sound chain of 10 has no problems', () => {
  expect(verifyChain(chainOf(10))).toEqual([]);
});

it('an empty chain has no problems', () => {
  expect(verifyChain([])).toEqual([]);
});

describe('names the record key of', () => {
  it.each<[string, (c: ChainEntry[]) => ChainEntry[], { key: number; kind: string; message: RegExp }[]]>([
    [
      'an altered message',
      (c) => {
        (bodyOf(c[4]).controls[0] as EvidenceRecord['controls'][number]).message = 'all good';
        return c;
      },
      [{ key: 4, kind: 'hash', message: /does not match its hash/ }],
    ],
    [
      'an altered message with a recomputed hash (the next link breaks)',
      (c) => {
        const r = bodyOf(c[4]);
        const forged = buildEvidenceRecord({ service: SERVICE, generation: 1, policy: aPolicy(), controls: CONTROLS, previous: bodyOf(c[3]), clock: () => new Date(r.at) });
        c[4] = { ...(c[4] as ChainEntry), body: forged };
        return c;
      },
      [{ key: 5, kind: 'previous', message: new RegExp(`hash of ${keyOf(4)}`) }],
    ],
    ['a removed record', (c) => c.filter((_, i) => i !== 6), [{ key: 7, kind: 'missing', message: /record 6 missing/ }]],
    ['two removed records', (c) => c.filter((_, i) => i !== 2 && i !== 3), [{ key: 4, kind: 'missing', message: /records 2-3 missing/ }]],
    ['a removed first record', (c) => c.slice(1), [{ key: 1, kind: 'missing', message: /record 0 missing/ }]],
    [
      'two swapped bodies',
      (c) => {
        const a = (c[3] as ChainEntry).body;
        (c[3] as ChainEntry).body = (c[4] as ChainEntry).body;
        (c[4] as ChainEntry).body = a;
        return c;
      },
      [
        { key: 3, kind: 'sequence', message: /record says sequence 4, its key 3/ },
        { key: 3, kind: 'previous', message: /previous link/ },
        // kept 400 days from record 3's time, but the body now says record 4's
        { key: 3, kind: 'retention', message: /earlier than/ },
        { key: 4, kind: 'sequence', message: /record says sequence 3, its key 4/ },
        { key: 4, kind: 'previous', message: /previous link/ },
        { key: 4, kind: 'time', message: /is before/ },
        { key: 5, kind: 'previous', message: new RegExp(`hash of ${keyOf(4)}`) },
      ],
    ],
    ['two entries out of key order', (c) => [...c.slice(0, 3), c[4] as ChainEntry, c[3] as ChainEntry, ...c.slice(5)], [{ key: 4, kind: 'missing', message: /record 3 missing/ }, { key: 3, kind: 'sequence', message: /out of order/ }]],
    [
      'a broken previous link',
      (c) => {
        bodyOf(c[8]).previous = bodyOf(c[6]).hash;
        return c;
      },
      [{ key: 8, kind: 'hash', message: /altered/ }, { key: 8, kind: 'previous', message: new RegExp(`hash of ${keyOf(7)}`) }],
    ],
    [
      'a record of another service under this key',
      (c) => {
        const other = buildEvidenceRecord({ service: { ...SERVICE, name: 'other' }, generation: 1, policy: aPolicy(), controls: CONTROLS, previous: null, clock: () => NOW });
        c[0] = { ...(c[0] as ChainEntry), body: other };
        return c;
      },
      [{ key: 0, kind: 'key', message: /service payments\/other/ }, { key: 1, kind: 'previous', message: /previous link/ }],
    ],
    [
      'retention too short',
      (c) => {
        (c[2] as ChainEntry).retention = lockedFor(bodyOf(c[2]), 399);
        return c;
      },
      [{ key: 2, kind: 'retention', message: /earlier than .* \+ 400 days/ }],
    ],
    [
      'GOVERNANCE mode',
      (c) => {
        (c[5] as ChainEntry).retention = { ...lockedFor(bodyOf(c[5])), mode: 'GOVERNANCE' };
        return c;
      },
      [{ key: 5, kind: 'retention', message: /GOVERNANCE, not COMPLIANCE/ }],
    ],
    [
      'no Object Lock at all',
      (c) => {
        (c[9] as ChainEntry).retention = {};
        return c;
      },
      [{ key: 9, kind: 'retention', message: /none, not COMPLIANCE/ }],
    ],
    [
      'a body that is not a record',
      (c) => {
        (c[1] as ChainEntry).body = { hello: 'world' };
        return c;
      },
      // the next record's link cannot be checked against what is not a record
      [{ key: 1, kind: 'unreadable', message: /schema/ }],
    ],
  ])('%s', (_name, tamper, expected) => {
    const problems = verifyChain(tamper(chainOf(10)));
    expect(problems.map((p) => ({ key: p.key, kind: p.kind }))).toEqual(expected.map((e) => ({ key: keyOf(e.key), kind: e.kind })));
    problems.forEach((p, i) => {
      expect(p.message).toContain(keyOf(expected[i]?.key as number));
      expect(p.message).toMatch(expected[i]?.message as RegExp);
    });
  });
});

it('time going backwards is named even when the hashes are consistent', () => {
  const r0 = buildEvidenceRecord({ service: SERVICE, generation: 1, policy: aPolicy(), controls: CONTROLS, clock: () => NOW });
  const r1 = buildEvidenceRecord({ service: SERVICE, generation: 1, policy: aPolicy(), controls: CONTROLS, previous: r0, clock: () => new Date(NOW.getTime() - 1) });
  const problems = verifyChain([r0, r1].map((r) => ({ key: recordKey(r), body: r, retention: lockedFor(r) })));
  expect(problems).toEqual([expect.objectContaining({ key: recordKey(r1), kind: 'time' })]);
});

it('a shorter required retention passes what a longer one refuses', () => {
  const c = chainOf(3).map((e) => ({ ...e, retention: lockedFor(bodyOf(e), 30) }));
  expect(verifyChain(c, { retentionDays: 30 })).toEqual([]);
  expect(verifyChain(c, { retentionDays: 31 })).toHaveLength(3);
});

it('chainsOf groups keys by service uid, each in key order', () => {
  const other = { ...SERVICE, uid: 'uid-2' };
  const keys = [recordKey({ service: other, sequence: 1 }), keyOf(1), recordKey({ service: other, sequence: 0 }), keyOf(0)];
  expect([...chainsOf(keys).entries()]).toEqual([
    ['evidence/payments/payments-aws/uid-1', [keyOf(0), keyOf(1)]],
    ['evidence/payments/payments-aws/uid-2', [recordKey({ service: other, sequence: 0 }), recordKey({ service: other, sequence: 1 })]],
  ]);
});
