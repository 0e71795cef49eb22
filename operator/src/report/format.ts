// Formatting shared by the HTML and Markdown renderers: every value an auditor reads
// goes through here, so a missing value reads "—" and never "undefined" or "NaN".

import type { ConditionStatus, LockboxRequestEntry, SaasConsent, UndeclaredService } from '../api/types.js';
import { formatBytes, formatSeconds } from '../controls/text.js';
import type { StepStatus } from './model.js';

export const DASH = '—';

export function text(value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null || value === '') return DASH;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : DASH;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return value;
}

/** "2026-11-15 12:00 UTC" */
export function dateTime(value: string | undefined): string {
  if (!value) return DASH;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return value;
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function day(value: string | undefined): string {
  if (!value) return DASH;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString().slice(0, 10);
}

/** "120 days" / "1 day" / "in 30 days" (negative ages are in the future). */
export function days(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return DASH;
  if (value < 0) return `in ${-value} day${value === -1 ? '' : 's'}`;
  return `${value} day${value === 1 ? '' : 's'}`;
}

export function percent(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return DASH;
  return `${Math.floor(ratio * 100)} %`;
}

export function bytes(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? DASH : formatBytes(value);
}

export function seconds(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? DASH : formatSeconds(value);
}

export const STEP_LABEL: Record<StepStatus, string> = {
  pass: 'Pass',
  fail: 'Fail',
  unknown: 'Unknown',
  'not-evaluated': 'Not evaluated',
};

export function conditionLabel(status: ConditionStatus | 'Absent'): string {
  return status === 'Absent' ? 'Not evaluated' : status;
}

const WAITING_LOCKBOX = new Set(['pending', 'initializing']);

/** How the report reads one Customer Lockbox request: a finding (open or reviewed), waiting, or in order. */
export function lockboxVerdict(e: LockboxRequestEntry): { status: ConditionStatus; label: string } {
  if (e.finding !== undefined) return e.acknowledged ? { status: 'True', label: 'Finding, reviewed' } : { status: 'False', label: 'Not controlled' };
  if (WAITING_LOCKBOX.has(e.status.toLowerCase())) return { status: 'Unknown', label: 'Waiting for an answer' };
  return { status: 'True', label: 'In order' };
}

/** Where an undeclared item sits: the path by names, else by ids. */
export function wherePlaced(u: UndeclaredService): string {
  return text(u.pathNames ?? u.path);
}

/** A SaaS app's consents in one line: "admin consent; 14 users; 2 app permissions; scopes Mail.Read, User.Read (+3)". */
export function consentSummary(c: SaasConsent | undefined): string {
  if (!c) return DASH;
  const parts: string[] = [];
  if (c.adminConsent) parts.push('admin consent for all users');
  if (c.consentingUsers > 0) parts.push(`${c.consentingUsers} user${c.consentingUsers === 1 ? '' : 's'} consented`);
  if (c.appRoleAssignments > 0) parts.push(`${c.appRoleAssignmentsAtLeast ? 'at least ' : ''}${c.appRoleAssignments} app permission${c.appRoleAssignments === 1 ? '' : 's'}`);
  if (c.scopes.length > 0) parts.push(`scopes ${c.scopes.join(', ')}${c.scopesOmitted ? ` (+${c.scopesOmitted})` : ''}`);
  return parts.length > 0 ? parts.join('; ') : 'no grant';
}
