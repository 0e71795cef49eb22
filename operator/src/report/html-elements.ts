// The building blocks of the HTML report: escaping, links, status badges, tables and
// evidence lists. Every value from the cluster goes through `esc` / escapeXml; only
// http(s) references become links.

import type { ConditionStatus, Severity } from '../api/types.js';
import { DASH, STEP_LABEL, conditionLabel, dateTime, days, text } from './format.js';
import type { Evidence, ServiceReport, StepStatus } from './model.js';
import { escapeXml } from './svg.js';

export const esc = (value: string | number | boolean | undefined | null): string => escapeXml(text(value));

export function link(value: string | undefined): string {
  if (!value) return DASH;
  return /^https?:\/\/[^\s"<>]+$/.test(value) ? `<a href="${escapeXml(value)}">${escapeXml(value)}</a>` : escapeXml(value);
}

const STEP_CLASS: Record<StepStatus, string> = { pass: 'pass', fail: 'fail', unknown: 'unknown', 'not-evaluated': 'na' };

function statusClass(status: ConditionStatus | 'Absent'): string {
  return status === 'True' ? 'pass' : status === 'False' ? 'fail' : status === 'Unknown' ? 'unknown' : 'na';
}

export function badge(status: ConditionStatus | 'Absent', label?: string): string {
  return `<span class="badge ${statusClass(status)}">${escapeXml(label ?? conditionLabel(status))}</span>`;
}

export function stepBadge(status: StepStatus): string {
  return `<span class="badge ${STEP_CLASS[status]}">${STEP_LABEL[status]}</span>`;
}

export function severityBadge(severity: Severity): string {
  return `<span class="sev ${severity}">${severity}</span>`;
}

export function table(head: string[], rows: string[][], cls = ''): string {
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

export function evidenceList(items: Evidence[]): string {
  return items
    .map((e) => `<div class="ev">${escapeXml(e.label)}: ${e.at ? `<time datetime="${escapeXml(e.at)}">${escapeXml(dateTime(e.at))}</time>${e.ageDays !== undefined ? ` <span class="muted">(${escapeXml(relative(e.ageDays))})</span>` : ''}` : '<span class="missing">missing</span>'}</div>`)
    .join('');
}

/** The id of a service's section, linked from the overview. */
export function anchor(s: ServiceReport): string {
  return `${s.namespace}-${s.name}`.replace(/[^A-Za-z0-9_-]/g, '-');
}
