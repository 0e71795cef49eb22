// The evidence report as Markdown (GitHub-flavoured tables): for pull requests, wikis and
// tickets. Same content as the HTML, charts replaced by their numbers.

import type { ChangeEntry, ConditionStatus } from '../api/types.js';
import { DASH, STEP_LABEL, bytes, conditionLabel, consentSummary, dateTime, day, days, lockboxVerdict, percent, seconds, text, wherePlaced } from './format.js';
import type { OrganizationReport, PeriodFinding, ReportHistory, ReportModel, ServiceReport, ShadowItReport } from './model.js';

/** Escapes a value for a table cell: pipes, newlines and Markdown/HTML specials. */
function cell(value: string | number | boolean | undefined | null): string {
  return text(value)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'))
    .replace(/([*_`[\]])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

function code(value: string | undefined): string {
  if (!value) return DASH;
  return `\`${value.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '_None._\n';
  return `| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`;
}

const ICON: Record<ConditionStatus | 'Absent', string> = { True: '✅ True', False: '❌ False', Unknown: '❔ Unknown', Absent: '➖ Not evaluated' };
const STEP_ICON = { pass: '✅', fail: '❌', unknown: '❔', 'not-evaluated': '➖' } as const;

function status(s: ConditionStatus | 'Absent'): string {
  return ICON[s] ?? conditionLabel(s);
}

function changeState(e: ChangeEntry): string {
  if (e.breakGlass) return e.acknowledged ? 'break-glass, reviewed' : '**break-glass use**';
  if (e.tracked) return 'tracked (deployer)';
  // A call by the provider's own staff: shown for step 9, never an out-of-band change.
  if (e.kind === 'provider-access') return "provider's staff (step 9)";
  return e.acknowledged ? 'acknowledged' : '**out-of-band**';
}

/** The provider's own access: Customer Lockbox and its requests (Azure), the Support role and attestation (AWS). */
function providerAccess(s: ServiceReport): string {
  const p = s.providerAccess;
  const c = p.condition;
  const out: string[] = [`\n### Provider's own access\n\n`];
  out.push(`- ProviderAccessControlled: ${status(c.status)}${c.reason ? ` (${cell(c.reason)})` : ''}${c.message ? ` — ${cell(c.message)}` : ''}\n`);
  const azure = s.provider === 'azure';
  if (azure) {
    out.push(
      `- Customer Lockbox: ${p.lockboxOptedIn === undefined ? 'not read yet' : p.lockboxOptedIn ? 'on' : '**off**'}; declared approvers: ${p.lockboxApprovers.length ? p.lockboxApprovers.map(code).join(', ') : '**none declared**'}\n` +
        `- Requests not answered by a declared approver: ${p.openLockboxFindings}\n`,
    );
  } else {
    out.push(
      `- AWS Support role last used: ${p.supportRoleLastUsedAt ? cell(dateTime(p.supportRoleLastUsedAt)) : p.read ? 'no use recorded' : 'not read yet'}; calls by AWS Support in the change ledger: ${p.providerCalls}\n`,
    );
  }
  const a = p.attestation;
  out.push(
    `- Provider attestation: ${
      a
        ? `${cell(a.reference)}, reviewed ${cell(day(a.reviewedAt))}${a.reviewedBy ? ` by ${cell(a.reviewedBy)}` : ''} (${cell(days(a.ageDays))} ago; policy allows ${a.maxAgeDays} days)`
        : azure
          ? 'none declared (Customer Lockbox covers it)'
          : '**none declared**'
    }\n`,
  );
  if (azure || p.lockboxRequests.length > 0) {
    out.push('\n');
    out.push(
      table(
        ['Asked', 'Request', 'Resource', 'Status', 'Answered by', 'Answered', 'Verdict'],
        p.lockboxRequests.map((r) => {
          const v = lockboxVerdict(r);
          return [
            cell(dateTime(r.createdAt)),
            code(r.id),
            code(r.resource),
            cell(r.status),
            r.answeredBy ? code(r.answeredBy) : 'no answer recorded',
            cell(dateTime(r.answeredAt)),
            `${v.status === 'False' ? `**${cell(v.label)}**` : cell(v.label)}${r.finding ? `: ${cell(r.finding)}` : ''}`,
          ];
        }),
      ),
    );
    if (p.lockboxRequestsOmitted) out.push(`\n${p.lockboxRequestsOmitted} more requests not listed in status.\n`);
  }
  return out.join('');
}

function organization(o: OrganizationReport): string {
  const out: string[] = [];
  const d = o.allServicesDeclared;
  const r = o.ready;
  out.push(`\n### ${cell(o.name)}${o.provider ? ` (${cell(o.provider)})` : ''}\n\n`);
  out.push(
    `- Organisation / tenant: ${code(o.organizationId)}, listed through CloudAccount ${code(o.account)}; last listed ${cell(dateTime(o.lastCheckedAt))}${o.listed !== undefined ? `, ${o.listed} items found` : ''}\n` +
      `- AllServicesDeclared: ${status(d.status)}${d.since ? ` since ${cell(dateTime(d.since))}` : ''}${d.message ? ` — ${cell(d.message)}` : ''}\n` +
      `- Listing (Ready): ${status(r.status)}${r.reason ? ` (${cell(r.reason)})` : ''}${r.message ? ` — ${cell(r.message)}` : ''}\n` +
      `- Undeclared: ${o.undeclaredCount}\n`,
  );
  if (!o.statusCurrent) out.push(`\n> **Note:** status was computed for generation ${cell(o.observedGeneration)}; the spec is at generation ${cell(o.generation)}.\n`);
  out.push('\n');
  out.push(
    table(
      ['Kind', 'Id', 'Name', 'Where it sits', 'Status', 'Joined / created', 'First seen undeclared', 'Consent (SaaS apps)'],
      o.undeclared.map((u) => [
        cell(u.kind),
        code(u.id),
        cell(u.name),
        cell(wherePlaced(u)),
        `${cell(u.status)}${u.providerStatus ? ` (${cell(u.providerStatus)})` : ''}`,
        cell(day(u.joinedAt)),
        cell(dateTime(u.firstSeen)),
        u.kind === 'saas-app' ? cell(consentSummary(u.consent)) : DASH,
      ]),
    ),
  );
  if (o.undeclaredOmitted) out.push(`\n${o.undeclaredOmitted} more undeclared items not listed here.\n`);
  if (o.ignored.length) {
    out.push(`\nAccepted as undeclared (spec.ignore):\n\n`);
    out.push(table(['Kind', 'Id', 'Reason'], o.ignored.map((i) => [cell(i.kind), code(i.id), cell(i.reason)])));
  }
  return out.join('');
}

/** Step 1 across the organisation: the CloudOrganizations' undeclared services, or why they are left out. */
function shadowIt(s: ShadowItReport): string {
  const out: string[] = [`\n## Shadow IT: undeclared services\n\n`];
  out.push('Step 1 of the checklist asks for no shadow IT: every cloud account, subscription and SaaS app in use is declared.\n');
  if (!s.shown) {
    out.push(`\n_${cell(s.note)}_\n`);
    return out.join('');
  }
  if (s.note) out.push(`\n_${cell(s.note)}_\n`);
  if (s.organizations.length === 0) out.push('\n_No CloudOrganization is declared: nothing lists the organisation for undeclared services._\n');
  for (const o of s.organizations) out.push(organization(o));
  if (s.organizationsOmitted) out.push(`\n${s.organizationsOmitted} more CloudOrganizations not listed.\n`);
  return out.join('');
}

function service(s: ServiceReport): string {
  const out: string[] = [];
  out.push(`## ${cell(`${s.namespace}/${s.name}`)}\n`);
  out.push(
    `- Compliant: ${status(s.compliant.status)}${s.compliant.message ? ` — ${cell(s.compliant.message)}` : ''}\n` +
      `- Ready: ${status(s.ready.status)}\n` +
      `- Provider / model: ${cell(s.provider)} ${cell(s.model)}, account ${code(s.account)}\n` +
      `- Owner: ${cell(s.owner)}; classification ${cell(s.classification)}; criticality ${cell(s.criticality)}\n` +
      `- Last checked: ${cell(dateTime(s.lastCheckedAt))} (generation ${cell(s.observedGeneration)})\n` +
      (s.record ? `- Evidence record: ${code(s.record.key)} (sequence ${s.record.sequence}, ${cell(dateTime(s.record.at))}, sha256 ${code(s.record.hash)})\n` : ''),
  );
  if (!s.statusCurrent) {
    out.push(`> **Note:** status was computed for generation ${cell(s.observedGeneration)}; the spec is at generation ${cell(s.generation)}.\n`);
  }
  out.push(`\n### A.5.23 checklist\n\n`);
  out.push(
    table(
      ['#', 'Step', 'Implemented by (since)', 'Status', 'Evidence'],
      s.checklist.map((st) => [
        String(st.step),
        cell(st.title),
        st.conditions.map((c) => `${cell(c.type)} ${status(c.status)}${c.since ? ` since ${cell(dateTime(c.since))}` : ''}`).join('<br>'),
        `${STEP_ICON[st.status]} ${STEP_LABEL[st.status]}${st.findings ? ` (${st.findings} finding${st.findings === 1 ? '' : 's'})` : ''}${st.note ? `<br>${cell(st.note)}` : ''}`,
        st.evidence.map((e) => `${cell(e.label)}: ${e.at ? `${cell(dateTime(e.at))}${e.ageDays !== undefined ? ` (${e.ageDays < 0 ? cell(days(e.ageDays)) : `${cell(days(e.ageDays))} ago`})` : ''}` : '**missing**'}`).join('<br>'),
      ]),
    ),
  );
  out.push(`\n### Shared responsibility matrix (${cell(s.model)})\n\n`);
  out.push(
    table(
      ['Area', 'Owner', 'Notes'],
      s.responsibility.rows.map((r) => [`${cell(r.area)}${r.required ? '' : ' (optional)'}`, r.owner ? cell(r.owner) : '**no owner**', cell(r.notes)]),
    ),
  );
  out.push(s.responsibility.signedOffAt ? `\nSigned off by ${cell(s.responsibility.signedOffBy)} on ${cell(day(s.responsibility.signedOffAt))}.\n` : '\n**Not signed off.**\n');
  out.push(`\n### MFA\n\n`);
  out.push(
    `- Coverage (${cell(s.mfa.scope)} identities): ${cell(percent(s.mfa.coverage))}; MFAEnforced ${status(s.mfa.status)}\n` +
      `- Identities: ${cell(s.mfa.identities)}; can write or delete without MFA: ${cell(s.mfa.privilegedWithoutMFA)}\n` +
      `- Break-glass identities: ${s.mfa.breakGlassIdentities.length ? s.mfa.breakGlassIdentities.map(code).join(', ') : DASH}\n`,
  );
  out.push(`\n### Data residency by region\n\n`);
  out.push(`DataResidency ${status(s.residency.status)}; resources outside the allowed regions: ${cell(s.residency.violations)}.\n\n`);
  out.push(
    table(['Region', 'Policy', 'Resources found outside'], [
      ...s.residency.allowedRegions.map((r) => [cell(r), 'allowed', '0']),
      ...s.residency.byRegion.map((r) => [cell(r.region), '**not allowed**', String(r.resources)]),
    ]),
  );
  const c = s.contract;
  out.push(`\n### Contract and provider assurance\n\n`);
  out.push(
    `- Agreement: ${cell(c.reference)}, reviewed ${cell(day(c.reviewedAt))} (${cell(days(c.ageDays))} ago; policy allows ${c.maxAgeDays} days)\n` +
      `- Audit right: ${cell(c.auditRight)}; breach notification: ${c.breachNotificationHours !== undefined ? `${c.breachNotificationHours} h` : DASH} (policy: at most ${c.maxBreachNotificationHours} h); jurisdictions: ${cell(c.jurisdictions.join(', '))}\n\n`,
  );
  out.push(
    table(
      ['Report', 'Issuer', 'Period end / expiry', 'Age', 'Scope regions'],
      s.assurance.reports.map((r) => [
        cell(r.type),
        cell(r.issuer),
        r.periodEnd ? `period end ${cell(day(r.periodEnd))}` : `expires ${cell(day(r.expiresAt))}`,
        r.ageDays !== undefined ? cell(days(r.ageDays)) : r.daysToExpiry !== undefined ? (r.daysToExpiry < 0 ? `**expired ${-r.daysToExpiry} days ago**` : `expires ${cell(days(-r.daysToExpiry))}`) : DASH,
        cell(r.regions.join(', ')),
      ]),
    ),
  );
  out.push(`\nCUECs implemented: ${s.assurance.cuecs.implemented} of ${s.assurance.cuecs.total}${s.assurance.cuecs.open.length ? ` (open: ${cell(s.assurance.cuecs.open.join(', '))})` : ''}.\n`);
  const e = s.exitPlan;
  out.push(`\n### Exit plan\n\n`);
  out.push(
    `- Required: ${cell(e.required)}; manual: ${cell(e.document)}; alternatives: ${cell(e.alternatives.join(', '))}\n` +
      `- Last recorded dry run: ${e.lastDryRun ? `${cell(day(e.lastDryRun))} (${cell(days(e.dryRunAgeDays))} ago; policy allows ${e.maxAgeDays} days)` : `**none recorded** (policy allows ${e.maxAgeDays} days)`}; export verified: ${cell(e.dataExportVerified)}\n`,
  );
  if (e.drill) {
    const st = e.drill.status;
    out.push(`- Automated drill: ${code(e.drill.source)}, ${e.drill.sampleObjects} objects every ${cell(e.drill.interval)}, RTO ${cell(e.drill.recoveryTimeObjective)}\n`);
    if (st) {
      out.push(
        `- Last drill ${cell(dateTime(st.lastRunAt))}: **${cell(st.result)}** (${cell(st.reason)}); last success ${cell(dateTime(st.lastSuccessAt))}\n` +
          `- Verified ${cell(st.objectsVerified)} of ${cell(st.objectsSampled)} objects (${cell(bytes(st.bytes))}) at ${cell(bytes(st.throughputBytesPerSecond))}/s; ` +
          `full export of ${cell(bytes(st.totalBytes))} estimated at ${cell(seconds(st.estimatedFullExportSeconds))} vs RTO ${cell(seconds(st.recoveryTimeObjectiveSeconds))} (${st.withinRecoveryObjective ? 'within' : '**exceeds**'})\n`,
      );
      if ((st.failures ?? []).length) out.push(`\n${table(['Object', 'Reason', 'Details'], (st.failures ?? []).map((f) => [code(f.key), cell(f.reason), cell(f.message)]))}`);
    } else {
      out.push('- Last drill: **not run yet**\n');
    }
  }
  const ch = s.changes;
  out.push(`\n### Network changes and break-glass use\n\n`);
  out.push(
    ch.log
      ? `Log ${code(ch.log.source)} read up to ${cell(dateTime(ch.log.readUntil))}. Open out-of-band changes: ${ch.openOutOfBand}; unreviewed break-glass uses: ${ch.openBreakGlass}.\n\n`
      : `Change log not read yet.\n\n`,
  );
  out.push(
    table(
      ['Time', 'Actor', 'Change', 'Resource', 'Region', 'State', 'Change record', 'Id'],
      ch.entries.map((x) => [cell(dateTime(x.time)), code(x.actor), `${cell(x.action)}${x.failed ? ' (refused)' : ''}`, code(x.resource), cell(x.region), changeState(x), cell(x.reference), code(x.id)]),
    ),
  );
  out.push(providerAccess(s));
  out.push(`\n### Findings\n\n`);
  out.push(
    table(
      ['Severity', 'Step', 'Control', 'Resource', 'Finding', 'Remediation'],
      s.findings.map((f) => [`**${f.severity}**`, cell(f.step), code(f.control), code(f.resource), cell(f.message) + (f.answersDigest ? ` (answers SHA-256 ${code(f.answersDigest)})` : ''), cell(f.remediation)]),
    ),
  );
  if (s.findingsOmitted) out.push(`\n${s.findingsOmitted} more findings not listed in status.\n`);
  out.push(`\n### Conditions\n\n`);
  out.push(table(['Condition', 'Status', 'Reason', 'Message', 'Since'], s.conditions.map((x) => [cell(x.type), status(x.status), cell(x.reason), cell(x.message), cell(dateTime(x.since))])));
  return out.join('');
}

function when(p: { at: string; key: string } | undefined): string {
  return p ? `${cell(dateTime(p.at))} (${code(p.key)})` : DASH;
}

/** Where a report rebuilt from the evidence store came from, and the period's findings. */
function history(h: ReportHistory): string {
  const out: string[] = [];
  out.push(
    `## Evidence history\n\n- Rebuilt from ${code(h.source)} as of ${cell(dateTime(h.asOf))} (built ${cell(dateTime(h.builtAt))}); ` +
      `${h.chains} service chain${h.chains === 1 ? '' : 's'}, ${h.recordsRead} records read and verified\n` +
      (h.from ? `- Period: ${cell(dateTime(h.from))} to ${cell(dateTime(h.to))}\n` : '') +
      (h.truncated ? `- **Truncated:** ${cell(h.truncated)}\n` : '') +
      h.broken.map((b) => `- **Broken chain, left out:** ${code(b.chain)}: ${b.problems.map(cell).join('; ')}\n`).join('') +
      h.skipped.map((k) => `- Left out: ${cell(k.service)}: ${cell(k.reason)} (${code(k.key)})\n`).join(''),
  );
  if (h.period) {
    out.push(`\n### Findings opened and resolved in the period\n\n`);
    const rows = h.period.flatMap((p) => p.findings.map((f: PeriodFinding) => [cell(p.service), code(f.control), cell(f.resource), cell(f.severity), cell(f.message), when(f.opened), when(f.resolved)]));
    out.push(table(['Service', 'Control', 'Resource', 'Severity', 'Finding', 'Opened', 'Resolved'], rows));
    for (const p of h.period) if (p.note) out.push(`\n> ${cell(p.service)}: ${cell(p.note)}\n`);
  }
  return `${out.join('')}\n`;
}

export function renderMarkdown(model: ReportModel): string {
  const t = model.totals;
  const out: string[] = [];
  out.push(`# ${cell(model.title)}\n\n`);
  out.push(
    `- Scope: **${cell(model.scope.label)}**\n- Generated: ${cell(dateTime(model.generatedAt))}\n` +
      `- Policy: ${cell(model.policy.name)} (${model.policy.source === 'cluster' ? 'CloudSecurityPolicy in the cluster' : 'built-in defaults'})\n` +
      `- Services: ${t.services} — compliant ${t.compliant.True}, not compliant ${t.compliant.False}, unknown ${t.compliant.Unknown}, not evaluated ${t.compliant.Absent}\n` +
      `- Open findings: ${t.findings} (critical ${t.findingsBySeverity.critical}, high ${t.findingsBySeverity.high}, medium ${t.findingsBySeverity.medium}, low ${t.findingsBySeverity.low})\n` +
      (model.shadowIt.shown ? `- Undeclared services (Shadow IT): ${model.shadowIt.undeclared} in ${model.shadowIt.organizations.length} CloudOrganization${model.shadowIt.organizations.length === 1 ? '' : 's'}\n` : '') +
      '\n',
  );
  if (model.history) out.push(history(model.history));
  out.push(`## Services\n\n`);
  out.push(
    table(
      ['Service', 'Provider', 'Classification', 'Compliant', 'Findings', 'MFA', 'Last checked'],
      model.services.map((s) => [cell(`${s.namespace}/${s.name}`), `${cell(s.provider)} ${cell(s.model)}`, cell(s.classification), status(s.compliant.status), String(s.findings.length + s.findingsOmitted), cell(percent(s.mfa.coverage)), cell(dateTime(s.lastCheckedAt))]),
    ),
  );
  out.push(`\n## Checklist across services\n\n`);
  out.push(
    table(
      ['#', 'Step', 'Implemented by', 'Pass', 'Fail', 'Unknown', 'Not evaluated'],
      t.steps.map((s, i) => [String(s.step), cell(s.title), cell(model.checklist[i]?.conditions.join(', ')), String(s.pass), String(s.fail), String(s.unknown), String(s['not-evaluated'])]),
    ),
  );
  if (t.residencyByRegion.length) {
    out.push(`\n## Resources outside the allowed regions\n\n`);
    out.push(table(['Region', 'Resources'], t.residencyByRegion.map((r) => [cell(r.region), String(r.resources)])));
  }
  out.push(shadowIt(model.shadowIt));
  out.push('\n');
  for (const s of model.services) out.push(`${service(s)}\n`);
  out.push(`## Appendix: controls\n\n`);
  out.push(table(['Control', 'Step', 'Condition', 'Severity', 'Checks', 'Remediation'], model.controls.map((c) => [code(c.id), String(c.step), cell(c.family), cell(c.severity), cell(c.title), cell(c.remediation)])));
  return out.join('');
}
