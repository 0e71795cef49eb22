// Formatting shared by the HTML and Markdown renderers: every value an auditor reads
// goes through here, so a missing value reads "—" and never "undefined" or "NaN".

import type { ConditionStatus } from '../api/types.js';
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
