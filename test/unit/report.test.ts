// The evidence report without a cluster: the model built from CloudServices with status
// as the operator writes it (operator/src/report/sample.ts runs the real pure pipeline),
// the HTML / Markdown / JSON renderers, the SVG charts and the command-line arguments.

import type { CloudService } from '../../operator/src/api/types.js';
import { bearerToken } from '../../operator/src/report/endpoint.js';
import { buildReportModel } from '../../operator/src/report/build-model.js';
import { CHECKLIST, reportControls, stepOfControl } from '../../operator/src/report/checklist.js';
import type { ReportModel } from '../../operator/src/report/model.js';
import { parseReportArgs, renderReport } from '../../operator/src/report/cli.js';
import { renderHtml } from '../../operator/src/report/render-html.js';
import { renderMarkdown } from '../../operator/src/report/render-markdown.js';
import { sampleServices } from '../../operator/src/report/sample.js';
import { barChart, donutChart, ratioBar, stackedBarChart } from '../../operator/src/report/svg.js';

const NOW = new Date('2026-11-15T12:00:00Z');

function model(services: CloudService[] = sampleServices(NOW), namespace?: string): ReportModel {
  return buildReportModel({ services, generatedAt: NOW, ...(namespace ? { namespace } : {}) });
}

function service(m: ReportModel, name: string) {
  const s = m.services.find((x) => x.name === name);
  if (!s) throw new Error(`no service ${name}`);
  return s;
}

/** Well-formedness of an XML fragment: every tag closed in order, attributes quoted. */
function wellFormed(xml: string): string | undefined {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (const m of xml.matchAll(tag)) {
    const between = xml.slice(last, m.index);
    if (/[<>]/.test(between)) return `stray markup before offset ${m.index}: ${between.slice(0, 60)}`;
    last = (m.index ?? 0) + m[0].length;
    const [, closing, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (closing) {
      if (stack.pop() !== name) return `unexpected </${name}> at ${m.index}`;
    } else stack.push(name as string);
  }
  if (/[<>]/.test(xml.slice(last))) return 'stray markup at the end';
  return stack.length ? `unclosed <${stack.join('>, <')}>` : undefined;
}

describe('checklist mapping', () => {
  it('covers steps 1..10 and every control sits under a condition of its own step', () => {
    expect(CHECKLIST.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const c of reportControls()) {
      const step = CHECKLIST[c.checklistStep - 1];
      expect([c.id, step?.conditions]).toEqual([c.id, expect.arrayContaining([c.family])]);
      expect(stepOfControl(c.id)).toBe(c.checklistStep);
    }
  });
});

describe('report model', () => {
  const m = model();

  it('sorts services and counts totals', () => {
    expect(m.services.map((s) => `${s.namespace}/${s.name}`)).toEqual([
      'collab/azure-m365-collab',
      'marketing/aws-marketing-sandbox',
      'payments/aws-analytics-new',
      'payments/aws-payments-prod',
    ]);
    expect(m.totals.services).toBe(4);
    expect(m.totals.compliant).toEqual({ True: 1, False: 2, Unknown: 0, Absent: 1 });
    expect(m.totals.findings).toBe(m.services.reduce((n, s) => n + s.findings.length + s.findingsOmitted, 0));
    expect(m.totals.steps.map((s) => s.pass + s.fail + s.unknown + s['not-evaluated'])).toEqual(Array(10).fill(4));
    expect(m.scope).toEqual({ namespace: null, label: 'all namespaces' });
    expect(m.policy).toEqual({ name: 'default', source: 'defaults' });
  });

  it('a compliant service passes all 10 steps with evidence timestamps', () => {
    const prod = service(m, 'aws-payments-prod');
    expect(prod.checklist.map((s) => s.status)).toEqual(Array(10).fill('pass'));
    expect(prod.compliant.status).toBe('True');
    const step2 = prod.checklist[1];
    expect(step2?.evidence).toEqual([{ label: 'Contract reviewed', at: prod.contract.reviewedAt, ageDays: 120 }]);
    expect(step2?.conditions).toEqual([{ type: 'ContractReviewed', status: 'True', reason: expect.any(String), since: '2026-11-09T12:00:00Z' }]);
    const step7 = prod.checklist[6];
    expect(step7?.evidence.map((e) => e.label)).toEqual(['Last recorded dry run', 'Automated drill last run', 'Automated drill last passed']);
    expect(prod.exitPlan.drill?.status).toMatchObject({ result: 'Succeeded', withinRecoveryObjective: true });
    expect(prod.changes).toMatchObject({ openOutOfBand: 0, openBreakGlass: 0 });
    expect(prod.changes.entries.find((e) => e.id === 'a1f0c2d4-0003')).toMatchObject({ acknowledged: true, reference: 'https://jira.example.com/browse/CHG-1042' });
    expect(prod.mfa).toMatchObject({ coverage: 1, scope: 'privileged', status: 'True' });
    expect(prod.responsibility.missingAreas).toEqual([]);
  });

  it('a failing service: failing steps, findings with step and remediation, residency by region', () => {
    const sb = service(m, 'aws-marketing-sandbox');
    const byStep = Object.fromEntries(sb.checklist.map((s) => [s.step, s.status]));
    expect(byStep).toMatchObject({ 2: 'fail', 4: 'fail', 5: 'fail', 7: 'fail', 8: 'fail', 10: 'fail' });
    // Step 1's conditions are False because of steps 2 and 3: step 1 itself passes, with a note.
    expect(sb.checklist[0]).toMatchObject({ status: 'pass', note: expect.stringContaining("another step's controls") });
    expect(sb.findings.every((f) => f.remediation.length > 20 && f.step !== undefined)).toBe(true);
    expect(sb.findings[0]?.severity).toBe('critical');
    expect(sb.residency.byRegion).toEqual([
      { region: 'us-east-1', resources: 2 },
      { region: 'ap-southeast-2', resources: 1 },
      { region: 'eu-west-2', resources: 1 },
    ]);
    expect(sb.residency.guardrailFindings).toEqual(['No region guardrail: resources can be created in any region.']);
    expect(sb.exitPlan.drill?.status).toMatchObject({ result: 'Failed', reason: 'ExitDrillIntegrityFailure', withinRecoveryObjective: false });
    expect(sb.changes).toMatchObject({ openOutOfBand: 1, openBreakGlass: 1 });
    expect(sb.contract).toMatchObject({ ageDays: 500, maxAgeDays: 365, auditRight: false });
    expect(m.totals.residencyByRegion[0]).toEqual({ region: 'us-east-1', resources: 2 });
  });

  it('an unreadable account reads Unknown, a new service Not evaluated, never a pass', () => {
    const az = service(m, 'azure-m365-collab');
    expect(az.ready.status).toBe('False');
    expect(az.checklist[4]?.status).toBe('unknown'); // data residency needs the live account
    const fresh = service(m, 'aws-analytics-new');
    expect(fresh.statusCurrent).toBe(false);
    expect(fresh.checklist.every((s) => s.status === 'not-evaluated')).toBe(true);
    expect(fresh.compliant.status).toBe('Absent');
  });

  it('flags status computed for an older generation', () => {
    const [prod] = sampleServices(NOW).filter((s) => s.metadata.name === 'aws-payments-prod');
    const edited = { ...prod!, metadata: { ...prod!.metadata, generation: 5 } };
    expect(model([edited]).services[0]?.statusCurrent).toBe(false);
  });

  it('a step whose only False condition comes from another step is Unknown when findings were omitted', () => {
    const [sb] = sampleServices(NOW).filter((s) => s.metadata.name === 'aws-marketing-sandbox');
    const truncated = { ...sb!, status: { ...sb!.status!, findings: sb!.status!.findings!.filter((f) => !f.control.startsWith('A523-02')), findingsOmitted: 3 } };
    expect(model([truncated]).services[0]?.checklist[0]?.status).toBe('unknown');
  });

  it('falls back to the catalog remediation when a finding carries none', () => {
    const [sb] = sampleServices(NOW).filter((s) => s.metadata.name === 'aws-marketing-sandbox');
    const bare = { ...sb!, status: { ...sb!.status!, findings: sb!.status!.findings!.map(({ remediation: _r, ...f }) => f) } };
    const f = model([bare]).services[0]?.findings.find((x) => x.control === 'A523-05-REGION-GUARDRAIL');
    expect(f?.remediation).toMatch(/^Attach a region-restriction guardrail/);
  });

  it('reports on one namespace when asked', () => {
    const only = model(sampleServices(NOW).filter((s) => s.metadata.namespace === 'payments'), 'payments');
    expect(only.scope).toEqual({ namespace: 'payments', label: 'namespace payments' });
    expect(only.services.map((s) => s.name)).toEqual(['aws-analytics-new', 'aws-payments-prod']);
  });
});

describe('renderers', () => {
  const m = model();
  const html = renderHtml(m);

  it('HTML is self-contained: no script, no external asset, no broken values', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<img|<link|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/\bsrc=/);
    expect(html).not.toMatch(/\bundefined\b|\bNaN\b|\[object Object\]/);
    for (const section of ['A.5.23 checklist', 'Shared responsibility matrix', 'MFA', 'Data residency by region', 'Contract', 'Provider assurance', 'Exit plan', 'Network changes and break-glass use', 'Findings']) {
      expect(html.split(`<h3>${section}`).length - 1).toBe(4);
    }
  });

  it('every SVG chart is well-formed XML with a title', () => {
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).toBeGreaterThanOrEqual(8);
    for (const svg of svgs) {
      expect(wellFormed(svg)).toBeUndefined();
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*role="img"[^>]*aria-labelledby="([^"]+)"[^>]*><title id="\1">/);
    }
    const ids = [...html.matchAll(/<title id="([^"]+)"/g)].map((x) => x[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('escapes whatever the cluster holds, and links only http(s) references', () => {
    const [prod] = sampleServices(NOW).filter((s) => s.metadata.name === 'aws-payments-prod');
    const evil: CloudService = {
      ...prod!,
      spec: {
        ...prod!.spec,
        owner: '<script>alert(1)</script>',
        contract: { ...prod!.spec.contract!, reference: 'javascript:alert(1)' },
        exitPlan: { ...prod!.spec.exitPlan!, document: 'https://wiki.example.com/exit?a=1&b=2' },
      },
    };
    const out = renderHtml(model([evil]));
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).not.toMatch(/href="javascript:/);
    expect(out).toContain('href="https://wiki.example.com/exit?a=1&amp;b=2"');
    const md = renderMarkdown(model([evil]));
    expect(md).not.toContain('<script>');
  });

  it('is deterministic', () => {
    expect(renderHtml(model())).toBe(html);
    expect(renderMarkdown(model())).toBe(renderMarkdown(m));
  });

  it('Markdown tables are rectangular and carry the same facts', () => {
    const md = renderMarkdown(m);
    expect(md).not.toMatch(/\bundefined\b|\bNaN\b/);
    const lines = md.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^\|---/.test(lines[i + 1] ?? '')) continue;
      const columns = (lines[i] ?? '').split(/(?<!\\)\|/).length;
      for (let j = i + 2; j < lines.length && (lines[j] ?? '').startsWith('|'); j++) {
        expect([lines[j], (lines[j] ?? '').split(/(?<!\\)\|/).length]).toEqual([lines[j], columns]);
      }
    }
    expect(md).toContain('## marketing/aws-marketing-sandbox');
    expect(md).toContain('**out-of-band**');
    expect(md).toContain('| us-east-1 | **not allowed** | 2 |');
  });

  it('JSON is the model', () => {
    expect(JSON.parse(renderReport(m, 'json'))).toEqual(JSON.parse(JSON.stringify(m)));
  });

  it('shows the answers digest a finding rests on (evidence history), and nothing for a finding without one', () => {
    const digest = 'c0ffee'.repeat(10) + 'abcd';
    // the sample service with the most findings
    const [prod] = sampleServices(NOW).sort((a, b) => (b.status?.findings?.length ?? 0) - (a.status?.findings?.length ?? 0));
    const findings = prod!.status?.findings ?? [];
    expect(findings.length).toBeGreaterThan(1);
    const tagged: CloudService = { ...prod!, status: { ...prod!.status, findings: findings.map((f, i) => (i === 0 ? { ...f, answersDigest: digest } : f)) } };
    const withDigest = model([tagged]);
    expect(withDigest.services[0]?.findings.filter((f) => f.answersDigest === digest)).toHaveLength(1);
    const html = renderHtml(withDigest);
    expect(html.split(`answers SHA-256 <code>${digest}</code>`).length - 1).toBe(1);
    const md = renderMarkdown(withDigest);
    expect(md.split(`(answers SHA-256 \`${digest}\`)`).length - 1).toBe(1);
    expect(renderMarkdown(model([prod!]))).not.toContain('answers SHA-256');
  });
});

describe('SVG charts', () => {
  it('never print NaN, and say "No data" when empty', () => {
    const charts = [
      barChart({ title: 't', bars: [{ label: 'a', value: Number.NaN }, { label: 'b', value: Infinity }, { label: 'c', value: -3 }] }),
      donutChart({ title: 't', slices: [{ label: 'a', value: Number.NaN, color: '#000' }] }),
      stackedBarChart({ title: 't', rows: [{ label: 'r', segments: [{ label: 's', value: Number.NaN, color: '#000' }] }], legend: [] }),
      ratioBar('t', Number.NaN),
      ratioBar('t', 0.5),
    ];
    for (const svg of charts) {
      expect(svg).not.toMatch(/NaN|Infinity/);
      expect(wellFormed(svg)).toBeUndefined();
    }
    expect(barChart({ title: 'empty', bars: [] })).toContain('No data');
  });

  it('escape labels', () => {
    const svg = barChart({ title: 'a<b', bars: [{ label: '"x" & <y>', value: 1 }] });
    expect(svg).toContain('&quot;x&quot; &amp; &lt;y&gt;');
    expect(wellFormed(svg)).toBeUndefined();
  });
});

describe('cloudposture report arguments', () => {
  it('parses namespace, format and output', () => {
    expect(parseReportArgs([])).toEqual({ format: 'html', policy: 'default', help: false });
    expect(parseReportArgs(['-n', 'payments', '--format=md', '-o', 'r.md'])).toEqual({ namespace: 'payments', format: 'md', output: 'r.md', policy: 'default', help: false });
    expect(parseReportArgs(['--namespace', 'x', '-A']).namespace).toBeUndefined();
    expect(() => parseReportArgs(['--format', 'docx'])).toThrow(/html, json, md, pdf/);
    expect(() => parseReportArgs(['--format', 'pdf'])).toThrow(/--output/);
    expect(() => parseReportArgs(['--bogus'])).toThrow(/unknown option/);
    expect(() => parseReportArgs(['-n'])).toThrow(/needs a value/);
  });
});

describe('report endpoint helpers', () => {
  it('reads a bearer token from the Authorization header', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer  xyz ')).toBe('xyz');
    expect(bearerToken('Basic dXNlcg==')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
  });
});
