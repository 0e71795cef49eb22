// The OSCAL Assessment Results export in a real OSCAL tool: compliance-trestle (PyPI,
// pinned in the Makefile, installed by `make install` / `make trestle`). The document for
// the sample report (operator/src/report/sample.ts) is imported into a fresh trestle
// workspace (`trestle init`, `trestle import -f ... -o ...`: trestle parses it into its
// OSCAL models, validates it and writes it back out), then `trestle validate -a` checks
// every model of the workspace. The file trestle wrote is the round trip (load, dump): it
// must equal what was written, but for the date-time spelling trestle normalises. Every
// finding of the HTML report (service section, control, resource) must be an OSCAL finding.
// `cloudposture report --format oscal` against the real control plane gives a document
// trestle validates too, with the status.reads the API server holds as evidence.
//
// Trestle 5.2.0 is built on OSCAL 1.2.1 and reads this 1.1.3 document with those models.
// Its links validator only recognises version 4 UUIDs in "#uuid" references, so it warns
// that the back-matter resource import-ap points at is unreferenced; the warning does not
// fail validation (OSCAL allows version 4 and 5 UUIDs).

import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CustomObjectsApi } from '@kubernetes/client-node';

import type { CloudService } from '../../operator/src/api/types.js';
import { buildReportModel } from '../../operator/src/report/build-model.js';
import { runReportCommand } from '../../operator/src/report/cli.js';
import { anchor } from '../../operator/src/report/html-elements.js';
import type { ServiceReport } from '../../operator/src/report/model.js';
import { renderOscal } from '../../operator/src/report/oscal.js';
import type { OscalAssessmentResultsDocument } from '../../operator/src/report/oscal-types.js';
import { renderHtml } from '../../operator/src/report/render-html.js';
import { sampleServices } from '../../operator/src/report/sample.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, testKubeconfigPath } from '../harness/kube.js';
import { installCrds } from '../harness/operator.js';

const NOW = new Date('2026-11-15T12:00:00Z');
const PYTHON = process.env.PYTHON ?? 'python3';
const TRESTLE_VERSION = '5.2.0';
const NAME = 'cloudposture-a523';
/** OSCAL date-time fields in the document (trestle writes them as +00:00, without milliseconds). */
const DATE_TIME_KEYS = new Set(['last-modified', 'start', 'end', 'collected']);

let dir: string;
let workspace: string;
let written: string;
let html: string;

function trestle(args: string[]) {
  const run = spawnSync(PYTHON, ['-m', 'trestle', ...args], { cwd: workspace, encoding: 'utf8', timeout: 90_000 });
  return { status: run.status, out: `${run.stdout ?? ''}${run.stderr ?? ''}` };
}

beforeAll(async () => {
  const probe = spawnSync(PYTHON, ['-c', 'import importlib.metadata as m; print(m.version("compliance-trestle"))'], { encoding: 'utf8' });
  if (probe.status !== 0 || probe.stdout.trim() !== TRESTLE_VERSION) {
    throw new Error(`compliance-trestle ${TRESTLE_VERSION} is not installed for ${PYTHON} (found: ${probe.stdout.trim() || 'none'}): run make trestle`);
  }
  const services = sampleServices(NOW);
  const model = buildReportModel({ services, generatedAt: NOW });
  html = renderHtml(model);
  written = renderOscal(model, { services });
  dir = await mkdtemp(join(tmpdir(), 'oscal-'));
  workspace = join(dir, 'workspace');
  await mkdir(workspace);
  await writeFile(join(dir, 'assessment-results.json'), written);
  const init = trestle(['init']);
  if (init.status !== 0) throw new Error(`trestle init failed: ${init.out}`);
});

let ns: string | undefined;

afterAll(async () => {
  if (ns) await deleteTestNamespace(ns);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Differences between what was written and what trestle wrote back, date-times compared as instants. */
function differences(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}: ${a.length} items, then ${b.length}`);
    else a.forEach((x, i) => differences(x, b[i], `${path}[${i}]`, out));
  } else if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const x = (a as Record<string, unknown>)[k];
      const y = (b as Record<string, unknown>)[k];
      if (DATE_TIME_KEYS.has(k) && typeof x === 'string' && typeof y === 'string' && Date.parse(x) === Date.parse(y) && !Number.isNaN(Date.parse(x))) continue;
      differences(x, y, `${path}.${k}`, out);
    }
  } else if (a !== b) out.push(`${path}: ${JSON.stringify(a)} then ${JSON.stringify(b)}`);
  return out;
}

function unescapeHtml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** The finding ids of the HTML report: "<namespace>/<name>/<control>/<resource or ->", "#n" on repeats, read from each service's findings table. */
function htmlFindingIds(page: string, services: readonly ServiceReport[]): string[] {
  const ids: string[] = [];
  for (const s of services) {
    const start = page.indexOf(`<section class="service" id="svc-${anchor(s)}">`);
    expect(start).toBeGreaterThanOrEqual(0);
    const section = page.slice(start, page.indexOf('</section>', start));
    const table = /<table class="findings">([\s\S]*?)<\/table>/.exec(section)?.[1];
    if (!table) continue;
    const seen = new Map<string, number>();
    for (const row of table.split('<tbody>')[1]!.split('</tr>').filter((r) => r.includes('<td>'))) {
      const cells = row.split('<td>').slice(1).map((c) => c.replace(/<\/td>$/, ''));
      const control = unescapeHtml(/<code>([^<]*)<\/code>/.exec(cells[2]!)![1]!);
      const resourceCode = /^<code>([^<]*)<\/code>$/.exec(cells[3]!);
      const base = `${s.namespace}/${s.name}/${control}/${resourceCode ? unescapeHtml(resourceCode[1]!) : '-'}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      ids.push(n === 1 ? base : `${base}#${n}`);
    }
  }
  return ids;
}

describe('the OSCAL Assessment Results in compliance-trestle', () => {
  it('imports (trestle parses and validates it), and trestle validate -a passes', () => {
    const imported = trestle(['import', '-f', join(dir, 'assessment-results.json'), '-o', NAME]);
    expect([imported.status, imported.out]).toEqual([0, expect.not.stringMatching(/ERROR|failed/i)]);
    const validated = trestle(['validate', '-a']);
    expect(validated.status).toBe(0);
    expect(validated.out).toContain(`VALID: Model ${join(workspace, 'assessment-results', NAME, 'assessment-results.json')} passed`);
    expect(validated.out).not.toMatch(/INVALID|ERROR/);
  });

  it('round trip: what trestle wrote back is what was written, but for the date-time spelling', async () => {
    const back = JSON.parse(await readFile(join(workspace, 'assessment-results', NAME, 'assessment-results.json'), 'utf8')) as unknown;
    const original = JSON.parse(written) as OscalAssessmentResultsDocument;
    expect(differences(original, back)).toEqual([]);
    // The comparison does see a change: trestle's spelling of the same instant differs.
    expect((back as OscalAssessmentResultsDocument)['assessment-results'].metadata['last-modified']).not.toBe(original['assessment-results'].metadata['last-modified']);
  });

  it('refuses a broken document (the validation is not a formality)', async () => {
    const broken = JSON.parse(written) as OscalAssessmentResultsDocument;
    (broken['assessment-results'].results[0]!.observations![0] as { methods: string[] }).methods = ['LOOK AROUND '];
    delete (broken['assessment-results'].results[0]! as { 'reviewed-controls'?: unknown })['reviewed-controls'];
    await mkdir(join(workspace, 'assessment-results', 'broken'), { recursive: true });
    await writeFile(join(workspace, 'assessment-results', 'broken', 'assessment-results.json'), JSON.stringify(broken));
    const validated = trestle(['validate', '-t', 'assessment-results', '-n', 'broken']);
    expect(validated.status).not.toBe(0);
    expect(validated.out).toMatch(/INVALID[\s\S]*reviewed-controls: required field is missing[\s\S]*allowed: 'EXAMINE', 'INTERVIEW', 'TEST' or 'UNKNOWN'/);
    await rm(join(workspace, 'assessment-results', 'broken'), { recursive: true });
  });

  it('carries every finding of the HTML report', () => {
    const doc = JSON.parse(written) as OscalAssessmentResultsDocument;
    const model = buildReportModel({ services: sampleServices(NOW), generatedAt: NOW });
    const fromHtml = htmlFindingIds(html, model.services);
    expect(fromHtml.length).toBe(model.services.reduce((n, s) => n + s.findings.length, 0));
    expect(fromHtml.length).toBeGreaterThan(10);
    const inOscal = (doc['assessment-results'].results[0]!.findings ?? []).flatMap((f) => (f.props ?? []).filter((p) => p.name === 'finding-id').map((p) => p.value));
    expect([...inOscal].sort()).toEqual([...fromHtml].sort());
  });

  it('cloudposture report --format oscal on the real control plane validates, with status.reads as evidence', async () => {
    await installCrds();
    ns = await createTestNamespace('report-oscal');
    const custom = loadTestKubeConfig().makeApiClient(CustomObjectsApi);
    const [prod] = sampleServices(NOW) as [CloudService];
    const api = { group: 'cloudposture.io', version: 'v1alpha1', namespace: ns, plural: 'cloudservices' };
    await custom.createNamespacedCustomObject({ ...api, body: { apiVersion: 'cloudposture.io/v1alpha1', kind: 'CloudService', metadata: { name: 'payments-prod' }, spec: prod.spec } });
    const current = (await custom.getNamespacedCustomObject({ ...api, name: 'payments-prod' })) as CloudService;
    const reads = [{ source: 'changeLog' as const, obtainedAt: '2026-11-15T11:00:00Z', failedAt: '2026-11-15T11:55:00Z', reason: 'AccessDenied', message: 'GetObject on the trail bucket denied' }];
    await custom.replaceNamespacedCustomObjectStatus({ ...api, name: 'payments-prod', body: { ...current, status: { ...prod.status, reads, observedGeneration: current.metadata.generation } } });

    const file = join(dir, 'cli-assessment-results.json');
    const err: string[] = [];
    const code = await runReportCommand(['--kubeconfig', testKubeconfigPath(), '-n', ns, '--format', 'oscal', '-o', file], { stdout: () => undefined, stderr: (t) => void err.push(t) }, () => NOW);
    expect([code, err.join('')]).toEqual([0, expect.stringContaining(`wrote ${file} (1 services, oscal)`)]);
    const doc = JSON.parse(await readFile(file, 'utf8')) as OscalAssessmentResultsDocument;
    const result = doc['assessment-results'].results[0]!;
    expect(result['local-definitions']!.components!.map((c) => c.title)).toContain(`CloudService ${ns}/payments-prod`);
    const tracked = result.observations!.filter((o) => o.props?.some((p) => p.name === 'condition' && p.value === 'ChangesTracked'));
    expect(tracked.length).toBeGreaterThan(0);
    for (const o of tracked) expect(o['relevant-evidence']!.some((e) => e.description.includes('status.reads[changeLog]') && e.description.includes('AccessDenied'))).toBe(true);

    const imported = trestle(['import', '-f', file, '-o', 'cli']);
    expect([imported.status, imported.out]).toEqual([0, expect.not.stringMatching(/ERROR|failed/i)]);
    const validated = trestle(['validate', '-t', 'assessment-results', '-n', 'cli']);
    expect([validated.status, validated.out]).toEqual([0, expect.stringContaining('VALID: Model')]);
  });
});
