// The report rebuilt from evidence records: the period diff, a record as a CloudService,
// and loadHistory over an in-memory store (selection as of a time, broken chains, bound).
import type { CloudServiceStatus, Finding } from '../../operator/src/api/types.js';
import { evaluateService } from '../../operator/src/controls/evaluate.js';
import { canonicalJson } from '../../operator/src/evidence/canonical-json.js';
import type { EvidenceStore, StoredObject } from '../../operator/src/evidence/object-lock-store.js';
import { buildEvidenceRecord, recordKey, type EvidenceRecord } from '../../operator/src/evidence/record.js';
import { buildReportModel } from '../../operator/src/report/build-model.js';
import { parseReportArgs } from '../../operator/src/report/cli.js';
import { buildHistoryReport, loadHistory, serviceFromRecord } from '../../operator/src/report/history.js';
import { periodFindings, type PeriodRecord } from '../../operator/src/report/period.js';
import { renderMarkdown } from '../../operator/src/report/render-markdown.js';
import { sampleServices } from '../../operator/src/report/sample.js';
import { aPolicy, anInput, NOW } from './builders.js';

const DAY = 24 * 60 * 60 * 1000;
const day = (n: number): string => new Date(NOW.getTime() + n * DAY).toISOString();
const f = (control: string, resource?: string): Finding => ({ control, condition: 'MFAEnforced', severity: 'high', message: `${control} on ${resource ?? 'the account'}`, ...(resource ? { resource } : {}) });

describe('periodFindings', () => {
  const rec = (n: number, findings?: Finding[]): PeriodRecord => ({ key: `k/${n}`, at: day(n), ...(findings ? { findings } : {}) });
  const A = f('A523-08-MFA', 'alice');
  const B = f('A523-05-RES', 'bucket');
  const C = f('A523-04-ENC');

  it('opened and resolved within, opened only, resolved only; the baseline is the last record at or before from', () => {
    const records = [rec(0, [C]), rec(2, [C, A]), rec(3, [A, B]), rec(4, [B]), rec(6, [])];
    const { findings, note } = periodFindings(records, new Date(day(1)), new Date(day(5)));
    expect(note).toBeUndefined();
    expect(findings).toEqual([
      { id: 'A523-08-MFA/alice', control: 'A523-08-MFA', resource: 'alice', severity: 'high', message: A.message, opened: { at: day(2), key: 'k/2' }, resolved: { at: day(4), key: 'k/4' } },
      { id: 'A523-04-ENC/-', control: 'A523-04-ENC', severity: 'high', message: C.message, resolved: { at: day(3), key: 'k/3' } },
      { id: 'A523-05-RES/bucket', control: 'A523-05-RES', resource: 'bucket', severity: 'high', message: B.message, opened: { at: day(3), key: 'k/3' } },
    ]);
  });

  it('a service begun within the period: its first findings are opened then', () => {
    expect(periodFindings([rec(2, [A])], new Date(day(1)), new Date(day(5))).findings.map((x) => [x.id, x.opened?.at])).toEqual([['A523-08-MFA/alice', day(2)]]);
  });

  it('a finding that comes back is two entries; records without status are noted, not diffed', () => {
    const out = periodFindings([rec(0, []), rec(1, [A]), rec(2, []), rec(3), rec(4, [A])], new Date(day(0)), new Date(day(5)));
    expect(out.findings.map((x) => [x.opened?.at, x.resolved?.at])).toEqual([[day(1), day(2)], [day(4), undefined]]);
    expect(out.note).toContain('k/3 holds no status');
  });
});

describe('serviceFromRecord', () => {
  const sample = sampleServices(NOW)[1]!;
  const record = buildEvidenceRecord({
    service: { namespace: 'marketing', name: 'aws-marketing-sandbox', uid: 'u-1' },
    generation: 7,
    policy: aPolicy(),
    controls: evaluateService(anInput()).controls,
    spec: sample.spec,
    status: sample.status!,
    clock: () => NOW,
  });

  it('is the CloudService as recorded, and reports as the live one did', () => {
    const cs = serviceFromRecord(JSON.parse(canonicalJson(record)) as EvidenceRecord)!;
    expect(cs.metadata).toEqual({ namespace: 'marketing', name: 'aws-marketing-sandbox', uid: 'u-1', generation: 7 });
    expect(cs.kind).toBe('CloudService');
    const live = buildReportModel({ services: [sample], generatedAt: NOW });
    const rebuilt = buildReportModel({ services: [cs], generatedAt: NOW });
    expect(rebuilt).toEqual(JSON.parse(JSON.stringify(live)));
  });

  it('is nothing for a record without spec and status', () => {
    const { spec: _s, status: _t, ...old } = record;
    expect(serviceFromRecord(old as EvidenceRecord)).toBeUndefined();
  });
});

class MemoryStore implements EvidenceStore {
  readonly objects = new Map<string, string>();
  async append(r: EvidenceRecord): Promise<string> {
    const key = recordKey(r);
    this.objects.set(key, canonicalJson(r));
    return key;
  }
  async list(prefix = 'evidence'): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(`${prefix}/`)).sort();
  }
  async read(key: string): Promise<StoredObject> {
    return { key, bytes: Buffer.from(this.objects.get(key) ?? ''), retention: { mode: 'COMPLIANCE', retainUntil: new Date(Date.parse(day(1000))) } };
  }
}

describe('loadHistory', () => {
  const controls = evaluateService(anInput()).controls;
  const spec = sampleServices(NOW)[0]!.spec;
  const status = (findings: Finding[]): CloudServiceStatus => ({ observedGeneration: 1, findings, conditions: [] });

  async function chain(store: MemoryStore, name: string, days: Array<[number, Finding[]]>): Promise<EvidenceRecord[]> {
    let prev: EvidenceRecord | null = null;
    const out: EvidenceRecord[] = [];
    for (const [n, fs] of days) {
      prev = buildEvidenceRecord({ service: { namespace: 'ns', name, uid: `uid-${name}` }, generation: 1, policy: aPolicy(), controls, spec, status: status(fs), previous: prev, clock: () => new Date(day(n)) });
      await store.append(prev);
      out.push(prev);
    }
    return out;
  }

  it('takes each service\'s last record at or before the time; a service with none is not there yet', async () => {
    const store = new MemoryStore();
    const a = await chain(store, 'a', [[0, []], [2, [f('X', 'r')]], [4, []]]);
    await chain(store, 'b', [[5, []]]);
    const loaded = await loadHistory({ store, prefix: 'evidence', source: 's3://b/evidence', at: new Date(day(3)) });
    expect(loaded.services.map((s) => [s.service.metadata.name, s.record.sequence])).toEqual([['a', 1]]);
    expect(loaded.services[0]?.record.hash).toBe(a[1]?.hash);
    expect(loaded.history).toMatchObject({ chains: 2, recordsRead: 4, broken: [], skipped: [] });
    const report = buildHistoryReport(loaded, { builtAt: NOW });
    expect(report.model.services[0]?.record).toEqual({ key: recordKey(a[1]!), sequence: 1, hash: a[1]?.hash, at: day(2), policyDigest: a[1]?.policyDigest });
    expect(report.model.generatedAt).toBe(day(3));
    expect(report.oscal.evidenceRecord?.({ namespace: 'ns', name: 'a' }, controls[0]!.control)).toEqual({ id: `${recordKey(a[1]!)}#sha256:${a[1]?.hash}` });
    expect(renderMarkdown(report.model)).toContain(`Evidence record: \`${recordKey(a[1]!)}\``);
  });

  it('a broken chain is reported and left out; the bound cuts the pack and says so', async () => {
    const store = new MemoryStore();
    const a = await chain(store, 'a', [[0, []], [1, []]]);
    await chain(store, 'b', [[0, []]]);
    await chain(store, 'c', [[0, []]]);
    const key = recordKey(a[0]!);
    store.objects.set(key, (store.objects.get(key) as string).replace('"generation":1', '"generation":2'));
    const loaded = await loadHistory({ store, prefix: 'evidence', source: 's3://b/evidence', at: new Date(day(3)), maxServices: 2 });
    expect(loaded.history.broken).toEqual([{ chain: 'evidence/ns/a/uid-a', problems: [expect.stringContaining(`${key}: content does not match its hash`)] }]);
    expect(loaded.services.map((s) => s.service.metadata.name)).toEqual(['b']);
    expect(loaded.history.truncated).toContain('2 of 3 service chains read');
  });
});

describe('parseReportArgs: history', () => {
  it('--at a date is the end of that day; --from its start', () => {
    expect(parseReportArgs(['--evidence-bucket', 'b', '--at', '2026-09-30']).history?.at.toISOString()).toBe('2026-09-30T23:59:59.999Z');
    const h = parseReportArgs(['--evidence-bucket=b', '--from', '2026-09-01', '--to', '2026-09-30T12:00:00Z', '--evidence-prefix', 'p']).history;
    expect([h?.from?.toISOString(), h?.at.toISOString(), h?.prefix]).toEqual(['2026-09-01T00:00:00.000Z', '2026-09-30T12:00:00.000Z', 'p']);
  });

  it.each([
    [['--at', '2026-09-30'], '--evidence-bucket'],
    [['--evidence-bucket', 'b'], '--at TIME'],
    [['--evidence-bucket', 'b', '--at', '2026-09-30', '--to', '2026-10-01'], 'exclude'],
    [['--evidence-bucket', 'b', '--from', '2026-09-30'], 'go together'],
    [['--evidence-bucket', 'b', '--from', '2026-10-02', '--to', '2026-10-01'], 'after'],
    [['--evidence-bucket', 'b', '--at', 'yesterday'], 'must be a date'],
    [['--evidence-bucket', 'b', '--at', '2026-09-30T12:00:00'], 'with a zone'],
  ])('%j is refused (%s)', (argv, message) => {
    expect(() => parseReportArgs(argv)).toThrow(message);
  });
});
