// One service's section of the HTML report: its A.5.23 checklist, responsibility matrix,
// MFA, data residency, contract, provider assurance, exit plan and drill, changes and
// break-glass use, the provider's own access, findings and conditions.

import type { ChangeEntry } from '../api/types.js';
import { DASH, bytes, dateTime, day, days, lockboxVerdict, seconds, text } from './format.js';
import { anchor, badge, esc, evidenceList, link, severityBadge, stepBadge, table } from './html-elements.js';
import type { ServiceReport, StepReport } from './model.js';
import { COLORS, barChart, escapeXml, ratioBar } from './svg.js';

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
        : e.kind === 'provider-access'
          ? badge('Absent', "Provider's staff (step 9)")
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

/** The provider's own access: Customer Lockbox and its requests (Azure), the Support role and attestation (AWS). */
function providerAccessPart(s: ServiceReport): string {
  const p = s.providerAccess;
  const c = p.condition;
  const rows: string[] = [
    `<dt>Condition ProviderAccessControlled</dt><dd>${badge(c.status)}${c.reason ? ` ${esc(c.reason)}` : ''}${c.message ? `<div class="note">${esc(c.message)}</div>` : ''}</dd>`,
  ];
  const azure = s.provider === 'azure';
  if (azure) {
    const optedIn = p.lockboxOptedIn === undefined ? '<span class="muted">not read yet</span>' : p.lockboxOptedIn ? badge('True', 'On') : badge('False', 'Off');
    rows.push(
      `<dt>Customer Lockbox</dt><dd>${optedIn}</dd>`,
      `<dt>Declared Lockbox approvers</dt><dd>${p.lockboxApprovers.length ? p.lockboxApprovers.map((a) => `<code>${esc(a)}</code>`).join(', ') : '<span class="missing">none declared</span>'}</dd>`,
      `<dt>Requests not answered by a declared approver</dt><dd>${p.openLockboxFindings}</dd>`,
    );
  } else {
    rows.push(
      `<dt>AWS Support role last used</dt><dd>${p.supportRoleLastUsedAt ? esc(dateTime(p.supportRoleLastUsedAt)) : p.read ? 'no use recorded' : '<span class="muted">not read yet</span>'}</dd>`,
      `<dt>Calls by AWS Support in the change ledger</dt><dd>${p.providerCalls}</dd>`,
    );
  }
  const a = p.attestation;
  rows.push(
    `<dt>Provider attestation</dt><dd>${
      a
        ? `${link(a.reference)}, reviewed ${esc(day(a.reviewedAt))}${a.reviewedBy ? ` by ${esc(a.reviewedBy)}` : ''} (${esc(days(a.ageDays))} ago; policy allows ${a.maxAgeDays} days)`
        : azure
          ? '<span class="muted">none declared (Customer Lockbox covers it)</span>'
          : '<span class="missing">none declared</span>'
    }</dd>`,
  );
  const requests =
    azure || p.lockboxRequests.length > 0
      ? table(
          ['Asked', 'Request', 'Resource', 'Status', 'Answered by', 'Answered', 'Verdict'],
          p.lockboxRequests.map((r) => {
            const v = lockboxVerdict(r);
            return [
              esc(dateTime(r.createdAt)),
              `<code>${esc(r.id)}</code>`,
              r.resource ? `<code>${esc(r.resource)}</code>` : DASH,
              esc(r.status),
              r.answeredBy ? `<code>${esc(r.answeredBy)}</code>` : '<span class="muted">no answer recorded</span>',
              esc(dateTime(r.answeredAt)),
              `${badge(v.status, v.label)}${r.finding ? `<div class="note">${esc(r.finding)}</div>` : ''}`,
            ];
          }),
        ) + (p.lockboxRequestsOmitted ? `<p class="muted">${p.lockboxRequestsOmitted} more requests not listed in status.</p>` : '')
      : '';
  return `<dl class="kv">${rows.join('')}</dl>${requests}`;
}

/** The section of one service (a page of its own when printed). */
export function serviceSection(s: ServiceReport): string {
  const head =
    `<div class="service-head"><h2>${escapeXml(`${s.namespace}/${s.name}`)}</h2><div>Compliant ${badge(s.compliant.status)} &nbsp; Ready ${badge(s.ready.status)}</div></div>` +
    `<dl class="kv"><dt>Provider / model</dt><dd>${esc(s.provider)} ${esc(s.model)}, account <code>${esc(s.account)}</code></dd>` +
    `<dt>Owner</dt><dd>${esc(s.owner)}</dd><dt>Classification / criticality</dt><dd>${esc(s.classification)} / ${esc(s.criticality)}</dd>` +
    `<dt>Last checked</dt><dd>${esc(dateTime(s.lastCheckedAt))} (generation ${esc(s.observedGeneration)})</dd>` +
    (s.record
      ? `<dt>Evidence record</dt><dd><code>${esc(s.record.key)}</code> (sequence ${s.record.sequence}, ${esc(dateTime(s.record.at))}, sha256 <code>${esc(s.record.hash)}</code>)</dd>`
      : '') +
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
        // The digest over the answers the control rests on: the evidence record lists them under the control.
        esc(f.message) + (f.answersDigest ? `<div class="note">answers SHA-256 <code>${esc(f.answersDigest)}</code></div>` : ''),
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
    `<h3>Provider's own access</h3>${providerAccessPart(s)}` +
    `<h3>Findings</h3>${findings}` +
    `<h3>Conditions</h3>${conditions}` +
    `</section>`
  );
}
