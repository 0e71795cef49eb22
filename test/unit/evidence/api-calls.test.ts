// The API answers an evidence record holds (evidence/api-calls.ts): the inventory's answers
// deduplicated as `apiCalls`, and per live control the digests of the areas it reads
// (controls/live-areas.ts, held to the catalog here).
import { createHash } from 'node:crypto';

import type { Finding } from '../../../operator/src/api/types.js';
import { CATALOG } from '../../../operator/src/controls/catalog.js';
import { evaluateService } from '../../../operator/src/controls/evaluate.js';
import { LIVE_CONTROL_AREAS } from '../../../operator/src/controls/live-areas.js';
import { answersDigest, controlAnswerDigests, evidenceApiCalls, withAnswersDigests } from '../../../operator/src/evidence/api-calls.js';
import { buildEvidenceRecord } from '../../../operator/src/evidence/record.js';
import type { ApiAnswer } from '../../../operator/src/inventory/types.js';
import { aPolicy, anInput } from '../builders.js';

const D = (c: string): string => c.repeat(64);

function anAnswer(overrides: Partial<ApiAnswer> = {}): ApiAnswer {
  return { provider: 'aws', operation: 'IAM:GetAccountSummary', area: 'identities', account: '111111111111', region: 'us-east-1', at: '2026-09-30T12:00:00.000Z', status: 200, sha256: D('a'), ...overrides };
}

const ANSWERS: ApiAnswer[] = [
  anAnswer(),
  anAnswer({ operation: 'IAM:GetCredentialReport', sha256: D('b') }),
  // the same report polled again: one entry
  anAnswer({ operation: 'IAM:GetCredentialReport', sha256: D('b'), at: '2026-09-30T12:00:02.000Z' }),
  anAnswer({ operation: 'EC2:DescribeVolumes', area: 'resources', region: 'eu-west-1', sha256: D('c') }),
  anAnswer({ operation: 'S3:GetBucketEncryption', area: 'encryption', sha256: D('d') }),
  anAnswer({ operation: 'STS:GetCallerIdentity', area: undefined, sha256: D('e') }),
];

describe('LIVE_CONTROL_AREAS', () => {
  it('names the areas of every live control of the catalog, and of nothing else', () => {
    const live = CATALOG.filter((c) => c.needs === 'live').map((c) => c.id).sort();
    expect(Object.keys(LIVE_CONTROL_AREAS).sort()).toEqual(live);
    for (const id of live) expect(LIVE_CONTROL_AREAS[id]!.length).toBeGreaterThan(0);
  });
});

describe('evidenceApiCalls', () => {
  it('one entry per distinct answer, the first time it came, in the record shape', () => {
    const calls = evidenceApiCalls(ANSWERS);
    expect(calls).toHaveLength(5);
    expect(calls[1]).toEqual({ provider: 'aws', operation: 'IAM:GetCredentialReport', account: '111111111111', region: 'us-east-1', at: '2026-09-30T12:00:00.000Z', status: 200, responseSha256: D('b') });
    expect(evidenceApiCalls(undefined)).toEqual([]);
  });
});

describe('controlAnswerDigests', () => {
  it('a live control rests on the answers of its areas; a spec control on none', () => {
    expect(controlAnswerDigests('A523-08-ROOT-MFA', ANSWERS)).toEqual([D('a'), D('b')]);
    expect(controlAnswerDigests('A523-04-STORAGE-ENCRYPTED', ANSWERS)).toEqual([D('c'), D('d')]);
    expect(controlAnswerDigests('A523-09-TRAIL-DELIVERY', ANSWERS)).toEqual([]);
    expect(controlAnswerDigests('A523-01-PROVIDER-APPROVED', ANSWERS)).toEqual([]);
    expect(controlAnswerDigests('A523-08-ROOT-MFA', undefined)).toEqual([]);
  });

  it('a ChangesTracked control rests on the change-log read, and only on it', () => {
    const files = [anAnswer({ operation: 'S3:GetObject', area: undefined, sha256: D('f') }), anAnswer({ operation: 'S3:ListObjectsV2', area: undefined, sha256: D('1') })];
    expect(controlAnswerDigests('A523-10-NETWORK-CHANGES-TRACKED', ANSWERS, files)).toEqual([D('1'), D('f')]);
    expect(controlAnswerDigests('A523-08-BREAK-GLASS-USED', ANSWERS)).toEqual([]);
    expect(controlAnswerDigests('A523-08-ROOT-MFA', ANSWERS, files)).toEqual([D('a'), D('b')]);
  });

  it('a record built with them lists the digests under the control and the answers once', () => {
    const controls = evaluateService(anInput()).controls.map((c) => {
      const answers = controlAnswerDigests(c.control, ANSWERS);
      return answers.length > 0 ? { ...c, answers } : c;
    });
    const record = buildEvidenceRecord({ service: { namespace: 'n', name: 's', uid: 'u' }, generation: 1, policy: aPolicy(), controls, apiCalls: evidenceApiCalls(ANSWERS), clock: () => new Date('2026-09-30T12:00:00Z') });
    expect(record.controls.find((c) => c.control === 'A523-08-PRIVILEGED-MFA')?.answers).toEqual([D('a'), D('b')]);
    expect(record.controls.find((c) => c.control === 'A523-01-MODEL-PERMITTED')).not.toHaveProperty('answers');
    expect(record.apiCalls.map((c) => c.responseSha256)).toEqual([D('a'), D('b'), D('c'), D('d'), D('e')]);
  });
});

describe('the digest a finding carries (answersDigest)', () => {
  it('is SHA-256 over the sorted digests, one per line, whatever their order; none for no answers', () => {
    const expected = createHash('sha256').update(`${D('a')}\n${D('b')}`).digest('hex');
    expect(answersDigest([D('b'), D('a')])).toBe(expected);
    expect(answersDigest([D('a'), D('b')])).toBe(expected);
    expect(answersDigest([D('a')])).not.toBe(expected);
    expect(answersDigest([])).toBeUndefined();
  });

  it('tags each finding with its control’s answers, and leaves a spec-only finding alone', () => {
    const findings: Finding[] = [
      { control: 'A523-08-ROOT-MFA', condition: 'MFAEnforced', severity: 'critical', message: 'root has no MFA' },
      { control: 'A523-08-ROOT-MFA', condition: 'MFAEnforced', severity: 'critical', resource: 'x', message: 'again' },
      { control: 'A523-01-MODEL-PERMITTED', condition: 'ContractReviewed', severity: 'high', message: 'spec' },
    ];
    const tagged = withAnswersDigests(findings, ANSWERS);
    const rootDigest = answersDigest(controlAnswerDigests('A523-08-ROOT-MFA', ANSWERS));
    expect(rootDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(tagged.map((f) => f.answersDigest)).toEqual([rootDigest, rootDigest, undefined]);
    expect(tagged[2]).toEqual(findings[2]);
  });
});
