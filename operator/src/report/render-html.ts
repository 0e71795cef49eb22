// The evidence report as one self-contained HTML document: inline CSS, inline SVG charts,
// no JavaScript, no external assets (fonts, images, scripts), so it can be archived as
// evidence, e-mailed, opened offline and printed to PDF by headless Chromium (pdf.ts).
// Every value from the cluster is HTML-escaped; links only for http(s) references.

import type { ChangeEntry, ConditionStatus, Severity } from '../api/types.js';
import { COLORS, barChart, donutChart, escapeXml, ratioBar, resetChartIds, stackedBarChart } from './svg.js';
import { DASH, STEP_LABEL, bytes, conditionLabel, dateTime, day, days, percent, seconds, text } from './format.js';
import type { Evidence, ReportModel, ServiceReport, StepReport, StepStatus } from './model.js';

const esc = (value: string | number | boolean | undefined | null): string => escapeXml(text(value));

function link(value: string | undefined): string {
  if (!value) return DASH;
  return /^https?:\/\/[^\s"<>]+$/.test(value) ? `<a href="${escapeXml(value)}">${escapeXml(value)}</a>` : escapeXml(value);
}

const STEP_CLASS: Record<StepStatus, string> = { pass: 'pass', fail: 'fail', unknown: 'unknown', 'not-evaluated': 'na' };

function statusClass(status: ConditionStatus | 'Absent'): string {
  return status === 'True' ? 'pass' : status === 'False' ? 'fail' : status === 'Unknown' ? 'unknown' : 'na';
}

function badge(status: ConditionStatus | 'Absent', label?: string): string {
  return `<span class="badge ${statusClass(status)}">${escapeXml(label ?? conditionLabel(status))}</span>`;
}

function stepBadge(status: StepStatus): string {
  return `<span class="badge ${STEP_CLASS[status]}">${STEP_LABEL[status]}</span>`;
}

function severityBadge(severity: Severity): string {
  return `<span class="sev ${severity}">${severity}</span>`;
}

function table(head: string[], rows: string[][], cls = ''): string {
  if (rows.length === 0) return `<p class="muted">None.</p>`;
  return (
    `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`
  );
}

/** "12 days ago" / "in 300 days". */
function relative(ageDays: number): string {
  return ageDays < 0 ? days(ageDays) : `${days(ageDays)} ago`;
}

function evidenceList(items: Evidence[]): string {
  return items
    .map((e) => `<div class="ev">${escapeXml(e.label)}: ${e.at ? `<time datetime="${escapeXml(e.at)}">${escapeXml(dateTime(e.at))}</time>${e.ageDays !== undefined ? ` <span class="muted">(${escapeXml(relative(e.ageDays))})</span>` : ''}` : '<span class="missing">missing</span>'}</div>`)
    .join('');
}

const CSS = `
:root { --pass:${COLORS.pass}; --fail:${COLORS.fail}; --unknown:${COLORS.unknown}; --na:${COLORS.notEvaluated}; --accent:${COLORS.accent}; }
* { box-sizing: border-box; }
body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; color: #222; margin: 0; background: #f4f5f7; font-size: 13px; line-height: 1.45; }
main { max-width: 1120px; margin: 0 auto; background: #fff; padding: 28px 36px 48px; }
header.report { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 18px; }
h1 { font-size: 22px; margin: 0 0 6px; color: var(--accent); }
h2 { font-size: 18px; margin: 28px 0 10px; color: var(--accent); border-bottom: 1px solid #d9dee5; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 8px; }
.meta { color: #555; display: flex; flex-wrap: wrap; gap: 4px 22px; }
.muted { color: #666; }
.missing { color: var(--fail); font-style: italic; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid #d9dee5; border-radius: 6px; padding: 10px 14px; min-width: 150px; background: #fafbfc; }
.card .value { font-size: 22px; font-weight: bold; }
.card .label { color: #555; font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 18px 28px; align-items: flex-start; margin: 10px 0; }
figure { margin: 0; }
figcaption { font-size: 12px; color: #444; font-weight: bold; margin-bottom: 4px; }
svg.chart { max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 12px; }
th, td { border: 1px solid #d9dee5; padding: 5px 7px; text-align: left; vertical-align: top; }
th { background: #eef1f5; font-weight: bold; }
tbody tr:nth-child(even) td { background: #fafbfc; }
td.num, th.num { text-align: right; white-space: nowrap; }
.badge { display: inline-block; border-radius: 3px; padding: 1px 7px; font-size: 11px; font-weight: bold; color: #fff; white-space: nowrap; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); } .badge.unknown { background: var(--unknown); } .badge.na { background: var(--na); color: #333; }
.sev { display: inline-block; border-radius: 3px; padding: 1px 6px; font-size: 11px; font-weight: bold; color: #fff; text-transform: uppercase; }
.sev.critical { background: ${COLORS.critical}; } .sev.high { background: ${COLORS.high}; } .sev.medium { background: ${COLORS.medium}; color: #222; } .sev.low { background: ${COLORS.low}; }
.cond { display: block; white-space: nowrap; margin-bottom: 2px; }
.ev { white-space: nowrap; font-size: 11.5px; }
.note { font-size: 11.5px; color: #555; margin-top: 3px; }
section.service { margin-top: 30px; border-top: 2px solid #d9dee5; padding-top: 6px; }
.service-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: 8px; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0 10px; }
.kv dt { color: #555; } .kv dd { margin: 0; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 0 28px; }
.warn { background: #fff4e5; border-left: 4px solid ${COLORS.high}; padding: 6px 10px; margin: 8px 0; }
.owner-provider { color: #1565c0; font-weight: bold; } .owner-customer { color: #6a1b9a; font-weight: bold; } .owner-shared { color: #00695c; font-weight: bold; }
.mark { text-align: center; font-weight: bold; font-size: 15px; }
table.checklist td:nth-child(2) { width: 22%; } table.checklist td:nth-child(3) { width: 30%; } table.checklist td:nth-child(4) { width: 16%; }
table.findings td:nth-child(3) { width: 15%; } table.findings td:nth-child(4) { width: 16%; } table.findings td:nth-child(6) { width: 30%; }
footer { margin-top: 36px; color: #777; font-size: 11px; border-top: 1px solid #d9dee5; padding-top: 8px; }
.nowrap { white-space: nowrap; }
code { font-family: 'DejaVu Sans Mono', monospace; font-size: 11.5px; word-break: break-all; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { background: #fff; font-size: 11px; }
  main { max-width: none; padding: 0; }
  section.service { break-before: page; border-top: none; }
  table, figure, .card { break-inside: avoid; }
  tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`;

function overview(model: ReportModel): string {
  const t = model.totals;
  const compliantShare = t.services > 0 ? `${t.compliant.True}/${t.services}` : '0';
  const cards = [
    ['Services', String(t.services)],
    ['Compliant', String(t.compliant.True)],
    ['Not compliant', String(t.compliant.False)],
    ['Not evaluable', String(t.compliant.Unknown + t.compliant.Absent)],
    ['Open findings', String(t.findings)],
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

function anchor(s: ServiceReport): string {
  return `${s.namespace}-${s.name}`.replace(/[^A-Za-z0-9_-]/g, '-');
}

function checklistTable(s: ServiceReport): string {
  const rows = s.checklist.map((step: StepReport) => [
    `<strong>${step.step}</strong>`,
    `<strong>${escapeXml(step.title)}</strong><div class="note">${escapeXml(step.requirement)}</div>`,
    step.conditions
      .map((c) => `<span class="cond">${badge(c.status, `${c.type}`)} ${c.since ? `<span class="muted">since ${escapeXml(dateTime(c.since))}</span>` : ''}</span>`)
      .join(''),
    `${stepBadge(step.status)}${step.findings > 0 ? `<div class="note">${step.findings} finding${step.findings === 1 ? '' : 's'}</div>` : ''}${step.note ? `<div class="note">${escapeXml(step.note)}</div>` : ''}`,
    evidenceList(step.evidence),
  ]);
  return table(['#', 'Checklist step', 'Implemented by (condition, since)', 'Status', 'Evidence (timestamp)'], rows, 'checklist');
}

function responsibilityTable(s: ServiceReport): string {
  const mark = (owner: string | undefined, column: string) => (owner === column ? `<span class="owner-${column}">&#x2713;</span>` : '');
  const rows = s.responsibility.rows.map((r) => [
    `${escapeXml(r.area)}${r.required ? '' : ' <span class="muted">(optional)</span>'}`,
    `<div class="mark">${mark(r.owner, 'provider')}</div>`,
    `<div class="mark">${mark(r.owner, 'shared')}</div>`,
    `<div class="mark">${mark(r.owner, 'customer')}</div>`,
    r.owner ? esc(r.notes) : '<span class="missing">no owner</span>',
  ]);
  const signed = s.responsibility.signedOffAt
    ? `Signed off by ${esc(s.responsibility.signedOffBy)} on ${esc(day(s.responsibility.signedOffAt))}.`
    : '<span class="missing">Not signed off.</span>';
  return table(['Area', 'Provider', 'Shared', 'Customer', 'Notes'], rows, 'matrix') + `<p>${signed}</p>`;
}

function changesTable(entries: ChangeEntry[]): string {
  const rows = entries.map((e) => {
    const state = e.breakGlass
      ? badge(e.acknowledged ? 'True' : 'False', e.acknowledged ? 'Break-glass, reviewed' : 'Break-glass use')
      : e.tracked
        ? badge('True', 'Tracked (deployer)')
        : e.acknowledged
          ? badge('True', 'Acknowledged')
          : badge('False', 'Out-of-band');
    return [
      esc(dateTime(e.time)),
      `<code>${esc(e.actor)}</code>`,
      `${esc(e.action)}${e.failed ? ' <span class="muted">(refused)</span>' : ''}`,
      `<code>${esc(e.resource)}</code>`,
      esc(e.region),
      state,
      e.reference ? link(e.reference) : DASH,
      `<code>${esc(e.id)}</code>`,
    ];
  });
  return table(['Time', 'Actor', 'Change', 'Resource', 'Region', 'State', 'Change record', 'Id'], rows);
}

function serviceSection(s: ServiceReport): string {
  const head =
    `<div class="service-head"><h2>${escapeXml(`${s.namespace}/${s.name}`)}</h2><div>Compliant ${badge(s.compliant.status)} &nbsp; Ready ${badge(s.ready.status)}</div></div>` +
    `<dl class="kv"><dt>Provider / model</dt><dd>${esc(s.provider)} ${esc(s.model)}, account <code>${esc(s.account)}</code></dd>` +
    `<dt>Owner</dt><dd>${esc(s.owner)}</dd><dt>Classification / criticality</dt><dd>${esc(s.classification)} / ${esc(s.criticality)}</dd>` +
    `<dt>Last checked</dt><dd>${esc(dateTime(s.lastCheckedAt))} (generation ${esc(s.observedGeneration)})</dd>` +
    (s.compliant.message ? `<dt>Compliant</dt><dd>${esc(s.compliant.message)}</dd>` : '') +
    `</dl>` +
    (s.statusCurrent
      ? ''
      : `<div class="warn">The status was computed for generation ${esc(s.observedGeneration)}, the spec is at generation ${esc(s.generation)}: the operator has not evaluated the latest change yet.</div>`);

  const mfa =
    `<div class="charts"><figure><figcaption>MFA coverage (${escapeXml(s.mfa.scope)} identities)</figcaption>${ratioBar(`MFA coverage of ${s.namespace}/${s.name}`, s.mfa.coverage)}</figure></div>` +
    `<dl class="kv"><dt>Condition MFAEnforced</dt><dd>${badge(s.mfa.status)}</dd><dt>Identities</dt><dd>${esc(s.mfa.identities)}</dd>` +
    `<dt>Can write or delete without MFA</dt><dd>${esc(s.mfa.privilegedWithoutMFA)}</dd>` +
    `<dt>Declared break-glass identities</dt><dd>${s.mfa.breakGlassIdentities.length ? s.mfa.breakGlassIdentities.map((b) => `<code>${escapeXml(b)}</code>`).join(', ') : DASH}</dd></dl>`;

  const residencyRows = [
    ...s.residency.allowedRegions.map((r) => [esc(r), badge('True', 'Allowed'), '<span class="num">0</span>']),
    ...s.residency.byRegion.map((r) => [esc(r.region), badge('False', 'Not allowed'), `<span class="num">${r.resources}</span>`]),
  ];
  const residency =
    `<dl class="kv"><dt>Condition DataResidency</dt><dd>${badge(s.residency.status)}</dd><dt>Resources outside the allowed regions</dt><dd>${esc(s.residency.violations)}</dd></dl>` +
    table(['Region', 'Policy', 'Resources found outside'], residencyRows) +
    (s.residency.guardrailFindings.length ? `<p class="missing">${s.residency.guardrailFindings.map(escapeXml).join('<br>')}</p>` : '');

  const c = s.contract;
  const contract =
    `<dl class="kv"><dt>Agreement</dt><dd>${link(c.reference)}</dd>` +
    `<dt>Reviewed</dt><dd>${esc(day(c.reviewedAt))} (${esc(days(c.ageDays))} ago; policy allows ${c.maxAgeDays} days)</dd>` +
    `<dt>Audit right</dt><dd>${esc(c.auditRight)}</dd>` +
    `<dt>Breach notification</dt><dd>${c.breachNotificationHours !== undefined ? `${c.breachNotificationHours} h` : DASH} (policy: at most ${c.maxBreachNotificationHours} h)</dd>` +
    `<dt>Data jurisdictions</dt><dd>${c.jurisdictions.length ? escapeXml(c.jurisdictions.join(', ')) : DASH}</dd></dl>`;
  const assurance =
    table(
      ['Report', 'Issuer', 'Period end / expiry', 'Age', 'Scope regions', 'Reviewed'],
      s.assurance.reports.map((r) => [
        `${esc(r.type)}${r.reference ? `<div class="note">${link(r.reference)}</div>` : ''}`,
        esc(r.issuer),
        r.periodEnd ? `period end ${esc(day(r.periodEnd))}` : `expires ${esc(day(r.expiresAt))}`,
        r.ageDays !== undefined ? `${esc(days(r.ageDays))} (max ${s.assurance.maxAgeDays})` : r.daysToExpiry !== undefined ? (r.daysToExpiry < 0 ? `<span class="missing">expired ${-r.daysToExpiry} days ago</span>` : `expires ${esc(days(-r.daysToExpiry))}`) : DASH,
        esc(r.regions.join(', ')),
        esc(day(r.reviewedAt)),
      ]),
    ) + `<p>CUECs implemented: ${s.assurance.cuecs.implemented} of ${s.assurance.cuecs.total}${s.assurance.cuecs.open.length ? ` <span class="missing">(open: ${escapeXml(s.assurance.cuecs.open.join(', '))})</span>` : ''}.</p>`;

  const e = s.exitPlan;
  let drill = '<p class="muted">No automated exit drill configured (spec.exitPlan.drill).</p>';
  if (e.drill) {
    const st = e.drill.status;
    const ratio = st?.estimatedFullExportSeconds !== undefined && st.recoveryTimeObjectiveSeconds ? st.estimatedFullExportSeconds / st.recoveryTimeObjectiveSeconds : undefined;
    drill =
      `<dl class="kv"><dt>Drilled data</dt><dd><code>${esc(e.drill.source)}</code>, ${e.drill.sampleObjects} objects per drill, every ${esc(e.drill.interval)}</dd>` +
      `<dt>Recovery time objective</dt><dd>${esc(e.drill.recoveryTimeObjective)}</dd>` +
      (st
        ? `<dt>Last drill</dt><dd>${esc(dateTime(st.lastRunAt))}: ${badge(st.result === 'Succeeded' ? 'True' : st.result === 'Failed' ? 'False' : 'Unknown', text(st.result))} ${esc(st.reason)}</dd>` +
          `<dt>Last successful drill</dt><dd>${esc(dateTime(st.lastSuccessAt))}</dd>` +
          `<dt>Verified</dt><dd>${esc(st.objectsVerified)} of ${esc(st.objectsSampled)} sampled objects (${esc(bytes(st.bytes))}; checksums: MD5 ${esc(st.checksums?.md5 ?? 0)}, SHA-256 ${esc(st.checksums?.sha256 ?? 0)}, CRC32 ${esc(st.checksums?.crc32 ?? 0)})</dd>` +
          `<dt>Data under the prefix</dt><dd>${esc(bytes(st.totalBytes))} in ${esc(st.totalObjects)} objects${st.listingComplete === false ? ' (listing incomplete: lower bound)' : ''}</dd>` +
          `<dt>Throughput</dt><dd>${esc(bytes(st.throughputBytesPerSecond))}/s</dd>` +
          `<dt>Estimated full export</dt><dd>${esc(seconds(st.estimatedFullExportSeconds))} vs RTO ${esc(seconds(st.recoveryTimeObjectiveSeconds))} ${badge(st.withinRecoveryObjective ? 'True' : 'False', st.withinRecoveryObjective ? 'within RTO' : 'exceeds RTO')}</dd>` +
          `<dt>Summary</dt><dd>${esc(st.message)}</dd></dl>` +
          (ratio !== undefined
            ? `<figure><figcaption>Estimated export time as a share of the RTO</figcaption>${barChart({
                title: 'Estimated full export vs recovery time objective',
                width: 460,
                max: Math.max(1, ratio),
                format: (v) => `${Math.round(v * 100)} %`,
                bars: [
                  { label: 'Estimate', value: ratio, color: ratio <= 1 ? COLORS.pass : COLORS.fail, valueLabel: seconds(st.estimatedFullExportSeconds) },
                  { label: 'RTO', value: 1, color: COLORS.accent, valueLabel: seconds(st.recoveryTimeObjectiveSeconds) },
                ],
              })}</figure>`
            : '') +
          ((st.failures ?? []).length
            ? table(['Object', 'Reason', 'Details'], (st.failures ?? []).map((f) => [`<code>${esc(f.key)}</code>`, esc(f.reason), esc(f.message)]))
            : '')
        : `<dt>Last drill</dt><dd><span class="missing">not run yet</span></dd></dl>`);
  }
  const exit =
    `<dl class="kv"><dt>Required</dt><dd>${esc(e.required)}</dd><dt>Exit manual</dt><dd>${link(e.document)}</dd>` +
    `<dt>Alternatives</dt><dd>${e.alternatives.length ? escapeXml(e.alternatives.join(', ')) : '<span class="missing">none listed</span>'}</dd>` +
    `<dt>Last recorded dry run</dt><dd>${e.lastDryRun ? `${esc(day(e.lastDryRun))} (${esc(days(e.dryRunAgeDays))} ago; policy allows ${e.maxAgeDays} days)` : `<span class="missing">none recorded</span> (policy allows ${e.maxAgeDays} days)`}, export verified: ${esc(e.dataExportVerified)}</dd></dl>` +
    `<h4>Automated exit drill</h4>${drill}`;

  const ch = s.changes;
  const changes =
    `<dl class="kv"><dt>Log read</dt><dd>${ch.log ? `<code>${esc(ch.log.source)}</code>, up to ${esc(dateTime(ch.log.readUntil))} (last read ${esc(dateTime(ch.log.lastReadAt))})` : '<span class="muted">not read yet</span>'}</dd>` +
    `<dt>Open out-of-band changes</dt><dd>${ch.openOutOfBand}</dd><dt>Unreviewed break-glass uses</dt><dd>${ch.openBreakGlass}</dd></dl>` +
    changesTable(ch.entries) +
    (ch.omitted ? `<p class="muted">${ch.omitted} older changes not listed.</p>` : '');

  const findings =
    table(
      ['Severity', 'Step', 'Control', 'Resource', 'Finding', 'Remediation'],
      s.findings.map((f) => [
        severityBadge(f.severity),
        esc(f.step),
        `<code>${esc(f.control)}</code>${f.title ? `<div class="note">${escapeXml(f.title)}</div>` : ''}`,
        f.resource ? `<code>${escapeXml(f.resource)}</code>` : DASH,
        esc(f.message),
        esc(f.remediation),
      ]),
      'findings',
    ) + (s.findingsOmitted ? `<p class="muted">${s.findingsOmitted} more findings not listed in status.</p>` : '');

  const conditions = table(
    ['Condition', 'Status', 'Reason', 'Message', 'Since'],
    s.conditions.map((c) => [esc(c.type), badge(c.status), esc(c.reason), esc(c.message), esc(dateTime(c.since))]),
  );

  return (
    `<section class="service" id="svc-${escapeXml(anchor(s))}">${head}` +
    `<h3>A.5.23 checklist</h3>${checklistTable(s)}` +
    `<h3>Shared responsibility matrix (${escapeXml(s.model)})</h3>${responsibilityTable(s)}` +
    `<div class="grid2"><div><h3>MFA</h3>${mfa}</div><div><h3>Data residency by region</h3>${residency}</div></div>` +
    `<div class="grid2"><div><h3>Contract</h3>${contract}</div><div><h3>Provider assurance</h3>${assurance}</div></div>` +
    `<h3>Exit plan</h3>${exit}` +
    `<h3>Network changes and break-glass use</h3>${changes}` +
    `<h3>Findings</h3>${findings}` +
    `<h3>Conditions</h3>${conditions}` +
    `</section>`
  );
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
    overview(model) +
    `<section id="checklist"><h2>The A.5.23 implementation checklist</h2>${steps}</section>` +
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
