// The evidence report as one self-contained HTML document: inline CSS, inline SVG charts,
// no JavaScript, no external assets (fonts, images, scripts), so it can be archived as
// evidence, e-mailed, opened offline and printed to PDF by headless Chromium (pdf.ts).
// Every value from the cluster is HTML-escaped; links only for http(s) references.
// This module lays out the document: header, overview with the charts, the checklist,
// Shadow IT (render-html-shadow-it.ts), one section per service (render-html-service.ts),
// the controls appendix.

import { DASH, dateTime, percent } from './format.js';
import { CSS } from './html-style.js';
import { anchor, badge, esc, severityBadge, table } from './html-elements.js';
import type { ReportHistory, ReportModel } from './model.js';
import { serviceSection } from './render-html-service.js';
import { shadowItSection } from './render-html-shadow-it.js';
import { COLORS, barChart, donutChart, escapeXml, resetChartIds, stackedBarChart } from './svg.js';

function overview(model: ReportModel): string {
  const t = model.totals;
  const compliantShare = t.services > 0 ? `${t.compliant.True}/${t.services}` : '0';
  const cards = [
    ['Services', String(t.services)],
    ['Compliant', String(t.compliant.True)],
    ['Not compliant', String(t.compliant.False)],
    ['Not evaluable', String(t.compliant.Unknown + t.compliant.Absent)],
    ['Open findings', String(t.findings)],
    ...(model.shadowIt.shown ? [['Undeclared services', String(model.shadowIt.undeclared)]] : []),
  ]
    .map(([label, value]) => `<div class="card"><div class="value">${escapeXml(value ?? '')}</div><div class="label">${escapeXml(label ?? '')}</div></div>`)
    .join('');
  const donut = donutChart({
    title: 'Services by Compliant condition',
    center: compliantShare,
    caption: 'compliant',
    slices: [
      { label: 'Compliant', value: t.compliant.True, color: COLORS.pass },
      { label: 'Not compliant', value: t.compliant.False, color: COLORS.fail },
      { label: 'Unknown', value: t.compliant.Unknown, color: COLORS.unknown },
      { label: 'Not evaluated', value: t.compliant.Absent, color: COLORS.notEvaluated },
    ],
  });
  const severities = barChart({
    title: 'Open findings by severity',
    width: 380,
    bars: (['critical', 'high', 'medium', 'low'] as const).map((s) => ({ label: s, value: t.findingsBySeverity[s], color: COLORS[s] })),
  });
  const steps = stackedBarChart({
    title: 'A.5.23 checklist: services per step status',
    width: 720,
    rows: t.steps.map((s) => ({
      label: `${s.step}. ${s.title}`,
      segments: [
        { label: 'Pass', value: s.pass, color: COLORS.pass },
        { label: 'Fail', value: s.fail, color: COLORS.fail },
        { label: 'Unknown', value: s.unknown, color: COLORS.unknown },
        { label: 'Not evaluated', value: s['not-evaluated'], color: COLORS.notEvaluated },
      ],
    })),
    legend: [
      { label: 'Pass', color: COLORS.pass },
      { label: 'Fail', color: COLORS.fail },
      { label: 'Unknown', color: COLORS.unknown },
      { label: 'Not evaluated', color: COLORS.notEvaluated },
    ],
  });
  const mfa = barChart({
    title: 'MFA coverage per service (identities in the policy scope)',
    width: 460,
    max: 1,
    format: (v) => percent(v),
    bars: model.services
      .filter((s) => s.mfa.coverage !== undefined)
      .map((s) => ({
        label: `${s.namespace}/${s.name}`,
        value: s.mfa.coverage ?? 0,
        color: (s.mfa.coverage ?? 0) >= 1 ? COLORS.pass : COLORS.fail,
      })),
  });
  const residency = barChart({
    title: 'Resources outside the allowed regions, by region',
    width: 380,
    bars: t.residencyByRegion.map((r) => ({ label: r.region, value: r.resources, color: COLORS.fail })),
  });
  const rows = model.services.map((s) => [
    `<a href="#svc-${escapeXml(anchor(s))}">${escapeXml(`${s.namespace}/${s.name}`)}</a>`,
    `${esc(s.provider)} ${esc(s.model)}`,
    esc(s.classification),
    esc(s.criticality),
    esc(s.owner),
    badge(s.compliant.status),
    `<span class="num">${s.findings.length + s.findingsOmitted}</span>`,
    `<span class="nowrap">${esc(percent(s.mfa.coverage))}</span>`,
    esc(dateTime(s.lastCheckedAt)),
  ]);
  return (
    `<section id="overview"><h2>Overview</h2><div class="cards">${cards}</div>` +
    `<div class="charts"><figure><figcaption>Compliance</figcaption>${donut}</figure>` +
    `<figure><figcaption>Findings by severity</figcaption>${severities}</figure></div>` +
    `<div class="charts"><figure><figcaption>Checklist steps across services</figcaption>${steps}</figure></div>` +
    `<div class="charts"><figure><figcaption>MFA coverage</figcaption>${mfa}</figure>` +
    `<figure><figcaption>Data residency violations</figcaption>${residency}</figure></div>` +
    `<h3>Services</h3>` +
    table(['Service', 'Provider / model', 'Classification', 'Criticality', 'Owner', 'Compliant', 'Findings', 'MFA', 'Last checked'], rows) +
    `</section>`
  );
}

function when(p: { at: string; key: string } | undefined): string {
  return p ? `${esc(dateTime(p.at))}<div class="note"><code>${esc(p.key)}</code></div>` : DASH;
}

/** Where a report rebuilt from the evidence store came from, and the period's findings. */
function history(h: ReportHistory): string {
  const items = [
    `<li>Rebuilt from <code>${esc(h.source)}</code> as of <strong>${esc(dateTime(h.asOf))}</strong> (built ${esc(dateTime(h.builtAt))}): ${h.chains} service chains, ${h.recordsRead} records read and verified.</li>`,
    ...(h.from ? [`<li>Period: ${esc(dateTime(h.from))} to ${esc(dateTime(h.to))}.</li>`] : []),
    ...(h.truncated ? [`<li class="warn">Truncated: ${esc(h.truncated)}</li>`] : []),
    ...h.broken.map((b) => `<li class="warn">Broken chain, left out: <code>${esc(b.chain)}</code>: ${b.problems.map((p) => esc(p)).join('; ')}</li>`),
    ...h.skipped.map((k) => `<li>Left out: ${esc(k.service)}: ${esc(k.reason)} (<code>${esc(k.key)}</code>)</li>`),
  ];
  const period = h.period
    ? `<h3>Findings opened and resolved in the period</h3>` +
      table(
        ['Service', 'Control', 'Resource', 'Severity', 'Finding', 'Opened', 'Resolved'],
        h.period.flatMap((p) => p.findings.map((f) => [esc(p.service), `<code>${esc(f.control)}</code>`, esc(f.resource), severityBadge(f.severity), esc(f.message), when(f.opened), when(f.resolved)])),
      ) +
      h.period.filter((p) => p.note).map((p) => `<p class="note">${esc(p.service)}: ${esc(p.note)}</p>`).join('')
    : '';
  return `<section id="history"><h2>Evidence history</h2><ul>${items.join('')}</ul>${period}</section>`;
}

function appendix(model: ReportModel): string {
  return (
    `<section id="controls" class="service"><h2>Appendix: controls</h2>` +
    `<p class="muted">Each condition is the worst of its controls (False, then Unknown, then True). A control that could not be evaluated is Unknown, never False.</p>` +
    table(
      ['Control', 'Step', 'Condition', 'Severity', 'Checks', 'Remediation'],
      model.controls.map((c) => [`<code>${escapeXml(c.id)}</code>`, String(c.step), escapeXml(c.family), severityBadge(c.severity), escapeXml(c.title), escapeXml(c.remediation)]),
    ) +
    `</section>`
  );
}

/** The whole report as one HTML document. */
export function renderHtml(model: ReportModel): string {
  resetChartIds();
  const steps = table(
    ['#', 'Step', 'Minimum requirement', 'Implemented by'],
    model.checklist.map((c) => [String(c.step), escapeXml(c.title), escapeXml(c.requirement), escapeXml(c.conditions.join(', '))]),
  );
  const body =
    `<header class="report"><h1>${escapeXml(model.title)}</h1><div class="meta">` +
    `<span>Scope: <strong>${escapeXml(model.scope.label)}</strong></span>` +
    `<span>Generated: <strong><time datetime="${escapeXml(model.generatedAt)}">${escapeXml(dateTime(model.generatedAt))}</time></strong></span>` +
    `<span>Policy: <strong>${escapeXml(model.policy.name)}</strong> (${model.policy.source === 'cluster' ? 'CloudSecurityPolicy in the cluster' : 'built-in defaults'})</span>` +
    `<span>Services: <strong>${model.totals.services}</strong></span></div></header>` +
    (model.history ? history(model.history) : '') +
    overview(model) +
    `<section id="checklist"><h2>The A.5.23 implementation checklist</h2>${steps}</section>` +
    shadowItSection(model.shadowIt) +
    (model.services.length ? model.services.map(serviceSection).join('') : '<p class="muted">No CloudService in scope.</p>') +
    appendix(model) +
    `<footer>Generated by cloud-posture-operator from the status the operator wrote on each CloudService. Timestamps are UTC. ` +
    `The JSON form of this report (cloudposture report --format json) carries the same data.</footer>`;
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="generator" content="cloud-posture-operator">` +
    `<title>${escapeXml(`${model.title} (${model.scope.label})`)}</title><style>${CSS}</style></head>` +
    `<body><main>${body}</main></body></html>\n`
  );
}
