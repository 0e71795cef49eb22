// Evidence records carry the spec evaluated and the status published: what report --at
// rebuilds a service from. Hashed with the rest, copied (not shared), checked on read.
import type { ControlResult } from '../../../operator/src/controls/evaluate.js';
import { evaluateService } from '../../../operator/src/controls/evaluate.js';
import { recordShapeError, verifyChain } from '../../../operator/src/evidence/chain.js';
import { canonicalJson } from '../../../operator/src/evidence/canonical-json.js';
import { buildEvidenceRecord, recordHash, recordKey } from '../../../operator/src/evidence/record.js';
import { sampleServices } from '../../../operator/src/report/sample.js';
import { aPolicy, anInput, NOW } from '../builders.js';

const SERVICE = { namespace: 'marketing', name: 'aws-marketing-sandbox', uid: '9d3c6b1e-2f47-4a0e-8c15-7b6e2d9f0a41' };
const CONTROLS: ControlResult[] = evaluateService(anInput()).controls;
const SAMPLES = sampleServices(NOW);
const FAILING = SAMPLES[1]!;

function recordOf(extra: Partial<Parameters<typeof buildEvidenceRecord>[0]> = {}) {
  return buildEvidenceRecord({ service: SERVICE, generation: 7, policy: aPolicy(), controls: CONTROLS, spec: FAILING.spec, status: FAILING.status!, clock: () => NOW, ...extra });
}

it('holds the spec and the status as JSON, inside the hash', () => {
  const r = recordOf();
  expect(r.spec).toEqual(JSON.parse(JSON.stringify(FAILING.spec)));
  expect(r.status).toEqual(JSON.parse(JSON.stringify(FAILING.status)));
  expect(recordHash(r)).toBe(r.hash);
  // the status is part of what is hashed: another finding is another hash
  const other = recordOf({ status: { ...FAILING.status!, findings: [] } });
  expect(other.hash).not.toBe(r.hash);
  expect(recordShapeError(JSON.parse(canonicalJson(r)))).toBeUndefined();
});

it('is a copy: changing the status object afterwards does not reach the record', () => {
  const status = JSON.parse(JSON.stringify(FAILING.status)) as typeof FAILING.status;
  const r = recordOf({ status: status! });
  status!.findings = [];
  expect(r.status?.findings?.length).toBeGreaterThan(0);
  expect(recordHash(r)).toBe(r.hash);
});

it('leaves them out when not given (records written before), and a chain of both kinds verifies', () => {
  const old = buildEvidenceRecord({ service: SERVICE, generation: 7, policy: aPolicy(), controls: CONTROLS, clock: () => NOW });
  expect('spec' in old || 'status' in old).toBe(false);
  const next = recordOf({ previous: old, clock: () => new Date(NOW.getTime() + 60_000) });
  const entries = [old, next].map((r) => ({ key: recordKey(r), body: JSON.parse(canonicalJson(r)) as unknown }));
  expect(verifyChain(entries)).toEqual([]);
});

it('a status that is not an object is not a record', () => {
  const r = JSON.parse(canonicalJson(recordOf())) as Record<string, unknown>;
  expect(recordShapeError({ ...r, status: 'all good' })).toBe('status is not an object');
  expect(recordShapeError({ ...r, spec: [1] })).toBe('spec is not an object');
});

it('size of a record of 29 controls with a full status (printed, not asserted)', () => {
  const controls = Array.from({ length: 29 }, (_, i) => ({ ...(CONTROLS[i % CONTROLS.length] as ControlResult), control: `control-${i}` }));
  const sizes = SAMPLES.filter((s) => s.status).map((s) => {
    const r = recordOf({ controls, spec: s.spec, status: s.status!, service: { ...SERVICE, name: s.metadata.name ?? '' } });
    return { service: `${s.metadata.namespace}/${s.metadata.name}`, findings: s.status?.findings?.length ?? 0, changes: s.status?.changes?.length ?? 0, bytes: Buffer.byteLength(canonicalJson(r)) };
  });
  const without = Buffer.byteLength(canonicalJson(buildEvidenceRecord({ service: SERVICE, generation: 7, policy: aPolicy(), controls, clock: () => NOW })));
  console.info(
    `evidence record, 29 controls, 0 API calls: ${without} bytes without spec/status; with spec + status: ${sizes
      .map((s) => `${s.service} (${s.findings} findings, ${s.changes} changes) ${s.bytes} bytes`)
      .join('; ')}`,
  );
  expect(sizes.length).toBeGreaterThan(0);
});
