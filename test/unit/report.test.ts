// The evidence report without a cluster: the model built from CloudServices with status
// as the operator writes it (operator/src/report/sample.ts runs the real pure pipeline),
// the HTML / Markdown / JSON renderers, the SVG charts and the command-line arguments.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { CloudOrganization, CloudService, UndeclaredService } from '../../operator/src/api/types.js';
import type { AccessReviewer } from '../../operator/src/kube/access-review.js';
import { ORGANIZATIONS_NOT_SERVED, bearerToken, createReportHandler } from '../../operator/src/report/endpoint.js';
import { buildReportModel } from '../../operator/src/report/build-model.js';
import { CHECKLIST, reportControls, stepOfControl } from '../../operator/src/report/checklist.js';
import type { ReportModel } from '../../operator/src/report/model.js';
import { parseReportArgs, renderReport } from '../../operator/src/report/cli.js';
import { renderHtml } from '../../operator/src/report/render-html.js';
import { renderMarkdown } from '../../operator/src/report/render-markdown.js';
import { sampleOrganizations, sampleServices } from '../../operator/src/report/sample.js';
import { MAX_UNDECLARED_IN_REPORT, ORGANIZATIONS_NOT_READ } from '../../operator/src/report/shadow-it.js';
import { barChart, donutChart, ratioBar, stackedBarChart } from '../../operator/src/report/svg.js';

const NOW = new Date('2026-11-15T12:00:00Z');

function model(services: CloudService[] = sampleServices(NOW), namespace?: string, organizations: CloudOrganization[] | null = sampleOrganizations(NOW)): ReportModel {
  return buildReportModel({ services, generatedAt: NOW, ...(namespace ? { namespace } : {}), ...(organizations ? { organizations } : {}) });
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
      'people/azure-hr-prod',
    ]);
    expect(m.totals.services).toBe(5);
    expect(m.totals.compliant).toEqual({ True: 1, False: 3, Unknown: 0, Absent: 1 });
    expect(m.totals.findings).toBe(m.services.reduce((n, s) => n + s.findings.length + s.findingsOmitted, 0));
    expect(m.totals.steps.map((s) => s.pass + s.fail + s.unknown + s['not-evaluated'])).toEqual(Array(10).fill(5));
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

  it("the provider's own access: Lockbox requests with who answered them (Azure), the Support role and attestation (AWS)", () => {
    const hr = service(m, 'azure-hr-prod');
    // Its only finding: a Lockbox request approved by someone who is not a declared approver.
    expect(hr.findings.map((f) => f.control)).toEqual(['A523-09-LOCKBOX-REQUESTS-ANSWERED']);
    expect(hr.checklist.map((s) => s.status)).toEqual([...Array(8).fill('pass'), 'fail', 'pass']);
    expect(hr.providerAccess).toMatchObject({
      condition: { type: 'ProviderAccessControlled', status: 'False', reason: 'LockboxRequestNotControlled', message: expect.stringContaining('helpdesk@example.onmicrosoft.com') },
      lockboxOptedIn: true,
      lockboxApprovers: ['secops@example.onmicrosoft.com'],
      lockboxRequestsOmitted: 0,
      openLockboxFindings: 1,
      read: true,
    });
    expect(hr.providerAccess.lockboxRequests.map((r) => [r.status, r.answeredBy, r.finding !== undefined])).toEqual([
      ['Pending', undefined, false],
      ['Approved', 'helpdesk@example.onmicrosoft.com', true],
      ['Approved', 'secops@example.onmicrosoft.com', false],
    ]);
    expect(hr.providerAccess.attestation).toBeUndefined();

    const prod = service(m, 'aws-payments-prod');
    expect(prod.providerAccess).toMatchObject({ condition: { status: 'True' }, supportRoleLastUsedAt: '2026-10-05T12:00:00Z', providerCalls: 1, lockboxRequests: [], read: true });
    expect(prod.providerAccess.attestation).toMatchObject({ reviewedBy: 'ciso@example.com', ageDays: 40, maxAgeDays: 365 });
    expect(prod.providerAccess.condition.message).toContain('AWS Support role was last used');
    expect(prod.checklist[8]?.evidence.map((e) => e.label)).toEqual(['Live account last checked', 'Provider access attestation reviewed']);
    // A call by AWS Support is in the ledger, never an open out-of-band change.
    expect(prod.changes.entries.filter((e) => e.kind === 'provider-access')).toHaveLength(1);
    expect(prod.changes.openOutOfBand).toBe(0);

    // Not read (the account was unreadable): Unknown, nothing claimed.
    expect(service(m, 'azure-m365-collab').providerAccess).toMatchObject({ condition: { status: 'Unknown' }, read: false, lockboxRequests: [], openLockboxFindings: 0 });
  });

  it('Shadow IT: each organisation with AllServicesDeclared and its undeclared items; accepted and closed ones not listed', () => {
    expect(m.shadowIt).toMatchObject({ shown: true, organizationsOmitted: 0, undeclared: 3, undeclaredByKind: { account: 1, subscription: 1, 'saas-app': 1 } });
    expect(m.shadowIt.note).toBeUndefined();
    const [aws, entra] = m.shadowIt.organizations;
    expect(aws).toMatchObject({
      name: 'acme-aws',
      provider: 'aws',
      account: 'aws-111111111111',
      organizationId: 'o-a1b2c3d4e5',
      listed: 6,
      statusCurrent: true,
      allServicesDeclared: { status: 'False', reason: 'UndeclaredServices', message: expect.stringContaining('444444444444') },
      ready: { status: 'True', reason: 'Listed' },
      undeclaredCount: 1,
      undeclaredOmitted: 0,
      ignored: [{ kind: 'account', id: '999999999999', reason: expect.stringContaining('log archive') }],
    });
    expect(aws?.undeclared).toEqual([expect.objectContaining({ kind: 'account', id: '444444444444', name: 'growth-experiments', pathNames: 'Root/Sandbox', firstSeen: '2026-11-03T12:00:00Z' })]);
    expect(entra?.undeclared.map((u) => [u.kind, u.name])).toEqual([
      ['subscription', 'Pay-As-You-Go'],
      ['saas-app', 'QuickSurvey Pro'],
    ]);
    expect(entra?.undeclared[1]?.consent).toMatchObject({ consentingUsers: 14, scopes: ['Files.Read.All', 'Mail.Read', 'User.Read'] });
  });

  it('Shadow IT is left out with a note when no organisation was read, and bounded when there are many', () => {
    expect(model(sampleServices(NOW), undefined, null).shadowIt).toEqual({
      shown: false,
      note: ORGANIZATIONS_NOT_READ,
      organizations: [],
      organizationsOmitted: 0,
      undeclared: 0,
      undeclaredByKind: { account: 0, subscription: 0, 'saas-app': 0 },
    });
    const refused = buildReportModel({ services: [], generatedAt: NOW, organizationsNote: 'Shadow IT left out of this report: you may not list cloudorganizations.cloudposture.io cluster-wide (403).' });
    expect(refused.shadowIt).toMatchObject({ shown: false, note: expect.stringContaining('403') });
    // None declared (the caller may list them): shown, and empty.
    expect(model([], undefined, []).shadowIt).toMatchObject({ shown: true, organizations: [], undeclared: 0 });

    const [aws] = sampleOrganizations(NOW);
    const many: UndeclaredService[] = Array.from({ length: 150 }, (_, i) => ({ kind: 'account', id: String(500000000000 + i), name: `shadow-${i}`, status: 'active', firstSeen: '2026-11-01T00:00:00Z' }));
    const big: CloudOrganization = { ...aws!, status: { ...aws!.status, undeclared: many, undeclaredCount: 170, undeclaredOmitted: 20 } };
    const o = model([], undefined, [big]).shadowIt.organizations[0];
    expect(o?.undeclared).toHaveLength(MAX_UNDECLARED_IN_REPORT);
    expect([o?.undeclaredCount, o?.undeclaredOmitted]).toEqual([170, 70]);
    expect(renderHtml(model([], undefined, [big]))).toContain('70 more undeclared items not listed here');
    // A spec newer than the status is flagged.
    const edited: CloudOrganization = { ...aws!, metadata: { ...aws!.metadata, generation: 3 } };
    expect(model([], undefined, [edited]).shadowIt.organizations[0]?.statusCurrent).toBe(false);
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
    for (const section of ['A.5.23 checklist', 'Shared responsibility matrix', 'MFA', 'Data residency by region', 'Contract', 'Provider assurance', 'Exit plan', 'Network changes and break-glass use', "Provider's own access", 'Findings']) {
      expect(html.split(`<h3>${section}`).length - 1).toBe(5);
    }
  });

  it("shows the Lockbox requests, who answered them and the finding, and a provider's call as such, not out-of-band", () => {
    const hr = html.slice(html.indexOf('id="svc-people-azure-hr-prod"'));
    const part = hr.slice(hr.indexOf("<h3>Provider's own access"), hr.indexOf('<h3>Findings'));
    expect(part).toContain('<span class="badge pass">On</span>');
    expect(part).toContain('<code>secops@example.onmicrosoft.com</code>');
    expect(part).toMatch(/<code>helpdesk@example\.onmicrosoft\.com<\/code><\/td><td>2026-11-11 12:12 UTC<\/td><td><span class="badge fail">Not controlled<\/span><div class="note">approved by helpdesk@example\.onmicrosoft\.com, who is not a declared Lockbox approver<\/div>/);
    expect(part).toContain('<span class="badge unknown">Waiting for an answer</span>');
    expect(part).toContain('<span class="badge pass">In order</span>');
    const prod = html.slice(html.indexOf('id="svc-payments-aws-payments-prod"'));
    const prodPart = prod.slice(prod.indexOf("<h3>Provider's own access"), prod.indexOf('<h3>Findings'));
    expect(prodPart).toContain('<dt>AWS Support role last used</dt><dd>2026-10-05 12:00 UTC</dd>');
    expect(prodPart).toContain('<dt>Calls by AWS Support in the change ledger</dt><dd>1</dd>');
    expect(prodPart).not.toContain('<th>Request</th>');
    expect(prod.slice(0, prod.indexOf("<h3>Provider's own access"))).toContain('<span class="badge na">Provider&#39;s staff (step 9)</span>');

    const md = renderMarkdown(m);
    expect(md).toContain('- Customer Lockbox: on; declared approvers: `secops@example.onmicrosoft.com`');
    expect(md).toMatch(/\| `helpdesk@example\.onmicrosoft\.com` \| 2026-11-11 12:12 UTC \| \*\*Not controlled\*\*: approved by helpdesk@example\.onmicrosoft\.com, who is not a declared Lockbox approver \|/);
    expect(md).toContain('- AWS Support role last used: 2026-10-05 12:00 UTC; calls by AWS Support in the change ledger: 1');
    expect(md).toContain("provider's staff (step 9)");
  });

  it('shows the Shadow IT section after the checklist, with every undeclared item, or why it is left out', () => {
    const section = html.slice(html.indexOf('<section id="shadow-it">'), html.indexOf('</section>', html.indexOf('<section id="shadow-it">')));
    expect(html.indexOf('<section id="shadow-it">')).toBeGreaterThan(html.indexOf('<section id="checklist">'));
    expect(html.indexOf('<section id="shadow-it">')).toBeLessThan(html.indexOf('<section class="service"'));
    for (const id of ['444444444444', '8d9e0f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a', '2b7c9e1d-4f6a-4b8c-9d2e-5f1a3c7b9e4d']) expect(section).toContain(`<code>${id}</code>`);
    expect(section).not.toContain('555555555555'); // closed
    expect(section).toContain('Root/Sandbox');
    expect(section).toContain('14 users consented; scopes Files.Read.All, Mail.Read, User.Read');
    expect(section).toContain('<h4>Accepted as undeclared (spec.ignore)</h4>');
    expect(html).toContain('<div class="value">3</div><div class="label">Undeclared services</div>');
    const md = renderMarkdown(m);
    expect(md).toContain('## Shadow IT: undeclared services');
    expect(md).toContain('| account | `444444444444` | growth-experiments | Root/Sandbox | active (ACTIVE) |');
    expect(md).toContain('- Undeclared services (Shadow IT): 3 in 2 CloudOrganizations');

    const left = model(sampleServices(NOW), undefined, null);
    expect(renderHtml(left)).toContain(`<section id="shadow-it"><h2>Shadow IT: undeclared services</h2>`);
    expect(renderHtml(left)).toContain(ORGANIZATIONS_NOT_READ);
    expect(renderHtml(left)).not.toContain('Undeclared services</div>');
    expect(renderMarkdown(left)).toContain(`_${ORGANIZATIONS_NOT_READ}_`);
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
    const [org] = sampleOrganizations(NOW);
    const evilOrg: CloudOrganization = {
      ...org!,
      metadata: { ...org!.metadata, name: 'org<script>' },
      status: { ...org!.status, undeclared: [{ kind: 'account', id: '000000000666', name: '<script>alert(2)</script>', pathNames: 'Root/<img src=x>', status: 'active', firstSeen: '2026-11-01T00:00:00Z' }] },
    };
    const out = renderHtml(model([evil], undefined, [evilOrg]));
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).not.toMatch(/href="javascript:/);
    expect(out).toContain('href="https://wiki.example.com/exit?a=1&amp;b=2"');
    const md = renderMarkdown(model([evil], undefined, [evilOrg]));
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('<img');
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

describe('GET /report: Shadow IT for callers who may list CloudOrganizations', () => {
  // Stands in for the TokenReview / SubjectAccessReview client: every caller may get every
  // CloudService; only "platform" may list cloudorganizations (cluster-wide).
  const asked: Array<{ user: string; resource: string; verb: string; namespace?: string }> = [];
  const reviewer = {
    authenticate: async (token: string) => (['auditor', 'platform'].includes(token) ? { username: token } : null),
    authorize: async (user: { username: string }, attrs: { resource: string; verb: string; namespace?: string }) => {
      asked.push({ user: user.username, ...attrs });
      return attrs.resource === 'cloudservices' || (user.username === 'platform' && attrs.resource === 'cloudorganizations' && attrs.verb === 'list' && !attrs.namespace);
    },
  } as unknown as AccessReviewer;
  const views: Array<Record<string, unknown>> = [];
  const servers: Server[] = [];

  async function serve(options: Partial<Parameters<typeof createReportHandler>[0]>): Promise<(token: string) => Promise<ReportModel>> {
    const handler = createReportHandler({ reviewer, listServices: () => sampleServices(NOW), clock: () => NOW, log: { info: (_m, meta) => void views.push(meta) }, ...options });
    const server = createServer((req, res) => void handler(req, res));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return async (token) => {
      const res = await fetch(`${base}/report?format=json`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return (await res.json()) as ReportModel;
    };
  }
  afterAll(async () => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))));

  it('shows the organisations to a caller allowed to list them cluster-wide, after one review; others get the note', async () => {
    const get = await serve({ listOrganizations: () => sampleOrganizations(NOW) });
    asked.length = 0;
    const platform = await get('platform');
    expect(platform.shadowIt).toMatchObject({ shown: true, undeclared: 3 });
    expect(platform.shadowIt.organizations.map((o) => o.name)).toEqual(['acme-aws', 'acme-entra']);
    expect(asked).toEqual([
      { user: 'platform', group: 'cloudposture.io', resource: 'cloudservices', verb: 'get' },
      { user: 'platform', group: 'cloudposture.io', resource: 'cloudorganizations', verb: 'list' },
    ]);
    expect(views.at(-1)).toMatchObject({ user: 'platform', organizations: 2 });

    const auditor = await get('auditor');
    expect(auditor.shadowIt).toMatchObject({ shown: false, organizations: [], note: 'Shadow IT left out of this report: auditor may not list cloudorganizations.cloudposture.io cluster-wide.' });
    expect(auditor.services).toHaveLength(5);
    expect(views.at(-1)).not.toHaveProperty('organizations');
  });

  it('says so when the operator does not read organisations, or no review is left for them', async () => {
    const without = await serve({});
    expect((await without('platform')).shadowIt).toMatchObject({ shown: false, note: ORGANIZATIONS_NOT_SERVED });
    const one = await serve({ listOrganizations: () => sampleOrganizations(NOW), maxReviewsPerRequest: 1 });
    asked.length = 0;
    expect((await one('platform')).shadowIt).toMatchObject({ shown: false, note: expect.stringContaining('no access check was left') });
    expect(asked).toHaveLength(1);
  });
});
