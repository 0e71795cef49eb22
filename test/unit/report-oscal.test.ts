// The OSCAL Assessment Results export (operator/src/report/oscal.ts) without a cluster:
// the mapping from the report model (sample services from the real pure pipeline),
// deterministic UUIDs, every reference resolving inside the document, the CLI format and
// the /report endpoint's format=oscal behind the same authentication. Validation with
// compliance-trestle is test/integration/report-oscal.test.ts.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { CloudService } from '../../operator/src/api/types.js';
import type { AccessReviewer } from '../../operator/src/kube/access-review.js';
import { buildReportModel } from '../../operator/src/report/build-model.js';
import { reportControls } from '../../operator/src/report/checklist.js';
import { parseReportArgs, renderReport } from '../../operator/src/report/cli.js';
import { createReportHandler } from '../../operator/src/report/endpoint.js';
import type { ReportModel } from '../../operator/src/report/model.js';
import { A523_CONTROL_ID, buildOscalAssessmentResults, OSCAL_PROP_NS, reportFindingIds, stepObjectiveId } from '../../operator/src/report/oscal.js';
import type { OscalAssessmentResultsDocument, OscalProperty } from '../../operator/src/report/oscal-types.js';
import { oscalUuid, uuidV5 } from '../../operator/src/report/oscal-uuid.js';
import { sampleServices } from '../../operator/src/report/sample.js';

const NOW = new Date('2026-11-15T12:00:00Z');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function model(services: CloudService[] = sampleServices(NOW), at: Date = NOW): ReportModel {
  return buildReportModel({ services, generatedAt: at });
}

function ar(m: ReportModel = model(), services?: readonly CloudService[]) {
  return buildOscalAssessmentResults(m, services ? { services } : {})['assessment-results'];
}

function propValue(list: readonly OscalProperty[] | undefined, name: string): string | undefined {
  return list?.find((p) => p.name === name)?.value;
}

/** Every value under `key` anywhere in the document. */
function valuesOf(node: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(node)) for (const item of node) valuesOf(item, key, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === key) out.push(v);
      valuesOf(v, key, out);
    }
  }
  return out;
}

describe('version 5 UUIDs', () => {
  it('match the RFC 9562 test vector and are stable', () => {
    // RFC 9562 appendix A.4: www.example.com in the DNS namespace.
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(oscalUuid('component', 'payments/x')).toBe(oscalUuid('component', 'payments/x'));
    expect(oscalUuid('component', 'payments/x')).toMatch(UUID);
    // Parts are separated unambiguously.
    expect(oscalUuid('k', 'a|b', 'c')).not.toBe(oscalUuid('k', 'a', 'b|c'));
  });
});

describe('OSCAL Assessment Results from the report model', () => {
  const m = model();
  const doc = ar(m, sampleServices(NOW));
  const result = doc.results[0]!;
  const observations = result.observations ?? [];
  const findings = result.findings ?? [];

  it('is deterministic: two runs of the same report give the same document', () => {
    expect(JSON.stringify(buildOscalAssessmentResults(model()))).toBe(JSON.stringify(buildOscalAssessmentResults(model())));
    const later = ar(model(sampleServices(NOW), new Date(NOW.getTime() + 60_000)));
    expect(later.uuid).not.toBe(doc.uuid);
    // Subjects keep their UUID across reports (OSCAL: assigned per subject).
    expect(later.results[0]!['local-definitions']!.components!.map((c) => c.uuid)).toEqual(result['local-definitions']!.components!.map((c) => c.uuid));
  });

  it('has the metadata, the import-ap placeholder in back-matter and the A.5.23 objectives', () => {
    expect(doc.metadata['oscal-version']).toMatch(/^1\.1\.\d+$/);
    expect(doc.metadata['last-modified']).toBe(m.generatedAt);
    expect(doc.metadata.title).toContain('Annex A 5.23');
    const plan = doc['back-matter']!.resources![0]!;
    expect(doc['import-ap'].href).toBe(`#${plan.uuid}`);
    const objective = doc['local-definitions']!['objectives-and-methods']![0]!;
    expect(objective['control-id']).toBe(A523_CONTROL_ID);
    expect(objective.parts.map((p) => p.id)).toEqual(Array.from({ length: 10 }, (_, i) => stepObjectiveId(i + 1)));
    expect(objective.parts[7]!.title).toBe('Step 8: MFA for administrative access');
    // Each step names the operator controls assessing it; together, the whole catalog.
    expect(objective.parts.flatMap((p) => (p.props ?? []).filter((x) => x.name === 'operator-control').map((x) => x.value)).sort()).toEqual(reportControls().map((c) => c.id).sort());
    const reviewed = result['reviewed-controls'];
    expect(reviewed['control-selections'][0]!['include-controls']).toEqual([{ 'control-id': 'a.5.23' }]);
    expect(reviewed['control-objective-selections']![0]!['include-objectives'].map((o) => o['objective-id'])).toEqual(objective.parts.map((p) => p.id));
    expect(Date.parse(result.start)).toBeLessThanOrEqual(Date.parse(result.end!));
  });

  it('defines one component per service and one inventory item per resource a finding names', () => {
    const components = result['local-definitions']!.components!;
    for (const s of m.services) expect(components.some((c) => c.title === `CloudService ${s.namespace}/${s.name}` && c.type === 'service')).toBe(true);
    const resources = new Set(m.services.flatMap((s) => s.findings.flatMap((f) => (f.resource ? [`${s.namespace}/${s.name} ${f.resource}`] : []))));
    const items = result['local-definitions']!['inventory-items'] ?? [];
    expect(items).toHaveLength(resources.size);
    for (const item of items) expect(components.some((c) => c.uuid === item['implemented-components']![0]!['component-uuid'])).toBe(true);
  });

  it('has one observation per control outcome per evaluated service: EXAMINE for spec controls, TEST for live ones', () => {
    const byId = new Map(reportControls().map((c) => [c.id, c]));
    for (const s of m.services) {
      const published = new Set(s.conditions.map((c) => c.type));
      const own = observations.filter((o) => o.subjects![0]!.title === `CloudService ${s.namespace}/${s.name}`);
      const expected = reportControls().filter((c) => published.has(c.family)).map((c) => c.id);
      expect(own.map((o) => propValue(o.props, 'control-id')).sort()).toEqual(expected.sort());
      for (const o of own) {
        const control = byId.get(propValue(o.props, 'control-id')!)!;
        expect(o.methods).toEqual([control.needs === 'spec' ? 'EXAMINE' : 'TEST']);
        expect(o.collected).toBe(new Date(s.lastCheckedAt!).toISOString());
        const condition = s.conditions.find((c) => c.type === control.family)!;
        const expected = s.findings.some((f) => f.control === control.id)
          ? 'fail'
          : condition.status === 'Unknown' || (condition.status === 'False' && s.findingsOmitted > 0)
            ? 'unknown'
            : 'pass';
        expect(propValue(o.props, 'outcome')).toBe(expected);
        expect(o['relevant-evidence']!.some((e) => e.description.startsWith(`status.conditions[${control.family}]`))).toBe(true);
      }
    }
    // The service not evaluated yet has none, and the result says so.
    expect(result.remarks).toContain('payments/aws-analytics-new: not evaluated yet');
  });

  it('an outcome is unknown when its condition is Unknown (a failed read is not a finding)', () => {
    const unreadable = m.services.find((s) => s.conditions.some((c) => c.status === 'Unknown'))!;
    const unknownFamilies = new Set(unreadable.conditions.filter((c) => c.status === 'Unknown').map((c) => c.type));
    const own = observations.filter((o) => o.subjects![0]!.title === `CloudService ${unreadable.namespace}/${unreadable.name}`);
    const inUnknown = own.filter((o) => unknownFamilies.has(propValue(o.props, 'condition')!));
    expect(inUnknown.length).toBeGreaterThan(0);
    for (const o of inUnknown) expect(propValue(o.props, 'outcome')).toBe('unknown');
    expect(unreadable.findings.filter((f) => unknownFamilies.has(f.condition))).toEqual([]);
  });

  it('carries every finding of the report, targeting its step, not satisfied, linked to its observation and subjects', () => {
    const controlFindings = findings.filter((f) => propValue(f.props, 'finding-kind') === 'control-finding');
    const ids = m.services.flatMap((s) => reportFindingIds(s));
    expect(ids.length).toBe(m.services.reduce((n, s) => n + s.findings.length, 0));
    expect(new Set(ids).size).toBe(ids.length);
    expect(controlFindings.map((f) => propValue(f.props, 'finding-id'))).toEqual(ids);
    for (const s of m.services) {
      reportFindingIds(s).forEach((id, i) => {
        const rf = s.findings[i]!;
        const f = controlFindings.find((x) => propValue(x.props, 'finding-id') === id)!;
        expect(f.description).toBe(rf.message);
        expect(f.target).toMatchObject({ type: 'objective-id', 'target-id': stepObjectiveId(rf.step!), status: { state: 'not-satisfied', reason: 'fail' } });
        const o = observations.find((x) => x.uuid === f['related-observations']![0]!['observation-uuid'])!;
        expect(propValue(o.props, 'control-id')).toBe(rf.control);
        expect(propValue(o.props, 'outcome')).toBe('fail');
        if (rf.resource) expect(o.subjects!.some((x) => x.type === 'inventory-item' && x.title === rf.resource)).toBe(true);
      });
    }
  });

  it('has one finding per evaluated checklist step per service, satisfied exactly when the step passes', () => {
    const stepFindings = findings.filter((f) => propValue(f.props, 'finding-kind') === 'checklist-step');
    for (const s of m.services) {
      const key = `${s.namespace}/${s.name}`;
      for (const step of s.checklist) {
        const f = stepFindings.find((x) => propValue(x.props, 'service') === key && propValue(x.props, 'checklist-step') === String(step.step));
        if (step.status === 'not-evaluated') {
          expect(f).toBeUndefined();
          continue;
        }
        expect(f!.target['target-id']).toBe(stepObjectiveId(step.step));
        expect(f!.target.status.state).toBe(step.status === 'pass' ? 'satisfied' : 'not-satisfied');
        for (const r of f!['related-observations'] ?? []) {
          const o = observations.find((x) => x.uuid === r['observation-uuid'])!;
          expect(propValue(o.props, 'checklist-step')).toBe(String(step.step));
        }
      }
    }
    expect(stepFindings.some((f) => f.target.status.state === 'satisfied')).toBe(true);
    expect(stepFindings.some((f) => f.target.status.state === 'not-satisfied')).toBe(true);
  });

  it('is well-formed OSCAL: unique UUIDs, resolving references, no empty lists, single-line titles, trimmed props', () => {
    const uuids = valuesOf(doc, 'uuid') as string[];
    expect(new Set(uuids).size).toBe(uuids.length);
    for (const u of uuids) expect(u).toMatch(UUID);
    const defined = new Set(uuids);
    for (const ref of [...valuesOf(doc, 'subject-uuid'), ...valuesOf(doc, 'observation-uuid'), ...valuesOf(doc, 'component-uuid'), ...valuesOf(doc, 'actor-uuid')]) {
      expect(defined.has(ref as string)).toBe(true);
    }
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) {
        expect([path, node.length]).not.toEqual([path, 0]);
        node.forEach((n, i) => walk(n, `${path}[${i}]`));
      } else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, `${path}.${k}`);
    };
    walk(doc, '');
    for (const t of valuesOf(doc, 'title') as string[]) expect(t).toMatch(/^[^\n]+$/);
    for (const p of valuesOf(doc, 'props').flat() as OscalProperty[]) {
      expect(p.value).toMatch(/^\S(.*\S)?$/);
      if (p.name !== 'asset-id') expect(p.ns).toBe(OSCAL_PROP_NS);
    }
  });

  it('takes status.reads as relevant evidence of the controls they serve, and an evidence record when one is given', () => {
    const services = sampleServices(NOW);
    const failing = services.find((s) => (s.status?.findings ?? []).length > 0)!;
    failing.status!.reads = [{ source: 'changeLog', obtainedAt: '2026-11-15T11:00:00Z', failedAt: '2026-11-15T11:55:00Z', reason: 'AccessDenied', message: 'GetObject denied' }];
    const key = `${failing.metadata.namespace}/${failing.metadata.name}`;
    const built = buildOscalAssessmentResults(model(services), {
      services,
      evidenceRecord: (svc, control) => (svc.name === failing.metadata.name && control === 'A523-10-NETWORK-CHANGES-TRACKED' ? { id: 'rec-1', digests: ['sha256:ab'] } : undefined),
    })['assessment-results'].results[0]!;
    const own = built.observations!.filter((o) => o.subjects![0]!.title === `CloudService ${key}`);
    const tracked = own.filter((o) => propValue(o.props, 'condition') === 'ChangesTracked');
    expect(tracked.length).toBeGreaterThan(0);
    for (const o of tracked) expect(o['relevant-evidence']!.some((e) => e.description.includes('status.reads[changeLog]') && e.description.includes('AccessDenied'))).toBe(true);
    for (const o of own.filter((x) => propValue(x.props, 'condition') !== 'ChangesTracked')) expect(o['relevant-evidence']!.some((e) => e.description.includes('status.reads'))).toBe(false);
    const withRecord = own.find((o) => propValue(o.props, 'control-id') === 'A523-10-NETWORK-CHANGES-TRACKED')!;
    expect(propValue(withRecord.props, 'evidence-record-id')).toBe('rec-1');
    expect(withRecord['relevant-evidence']!.some((e) => propValue(e.props, 'evidence-digest') === 'sha256:ab')).toBe(true);
    expect(own.filter((o) => propValue(o.props, 'evidence-record-id') !== undefined)).toHaveLength(1);
  });
});

describe('cloudposture report --format oscal', () => {
  it('parses the format and renders the document as JSON', () => {
    expect(parseReportArgs(['-f', 'oscal']).format).toBe('oscal');
    expect(parseReportArgs(['--format=oscal', '-o', 'ar.json']).output).toBe('ar.json');
    const text = renderReport(model(), 'oscal');
    expect(text.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(text) as OscalAssessmentResultsDocument;
    expect(parsed['assessment-results'].results).toHaveLength(1);
  });
});

describe('GET /report?format=oscal', () => {
  let server: Server;
  let base: string;
  const services = sampleServices(NOW);
  // Stands in for the TokenReview / SubjectAccessReview client: one valid token, allowed
  // everything in namespaces payments and collab only.
  const reviewer = {
    authenticate: async (token: string) => (token === 'good' ? { username: 'auditor' } : null),
    authorize: async (_user: unknown, attrs: { namespace?: string; name?: string }) => attrs.namespace === 'payments' || attrs.namespace === 'collab',
  } as unknown as AccessReviewer;

  beforeAll(async () => {
    const handler = createReportHandler({ reviewer, listServices: () => services, clock: () => NOW, maxReviewsPerRequest: 3 });
    server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('needs the same bearer token as the other formats', async () => {
    expect((await fetch(`${base}/report?format=oscal`)).status).toBe(401);
    expect((await fetch(`${base}/report?format=oscal`, { headers: { authorization: 'Bearer bad' } })).status).toBe(401);
    expect((await fetch(`${base}/report?format=toString`, { headers: { authorization: 'Bearer good' } })).status).toBe(400);
  });

  it('serves application/json with only the services the caller may get', async () => {
    const res = await fetch(`${base}/report?format=oscal&namespace=payments`, { headers: { authorization: 'Bearer good' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const doc = (await res.json()) as OscalAssessmentResultsDocument;
    const titles = doc['assessment-results'].results[0]!['local-definitions']!.components!.map((c) => c.title);
    expect(titles.filter((t) => t.startsWith('CloudService ')).every((t) => t.startsWith('CloudService payments/'))).toBe(true);
    expect((await fetch(`${base}/report?format=oscal&namespace=marketing`, { headers: { authorization: 'Bearer good' } })).status).toBe(403);
  });

  it('says when the review bound truncated it', async () => {
    const res = await fetch(`${base}/report?format=oscal`, { headers: { authorization: 'Bearer good' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-report-truncated')).toBe('true');
    const result = ((await res.json()) as OscalAssessmentResultsDocument)['assessment-results'].results[0]!;
    expect(propValue(result.props, 'truncated')).toBe('true');
    expect(result.remarks).toMatch(/^Truncated: this report shows only the services found within 3 access checks/);
    // The cluster, collab and marketing were asked; collab is shown, payments was not reached.
    const titles = result['local-definitions']!.components!.map((c) => c.title).filter((t) => t.startsWith('CloudService '));
    expect(titles).toEqual(['CloudService collab/azure-m365-collab']);
  });
});
