// The IAM credential report: one CSV for every user of the account, the source of
// identities whose API cost does not grow with the number of users.
// Columns (AWS docs, "Getting credential reports"): user, arn, user_creation_time,
// password_enabled, password_last_used, password_last_changed, password_next_rotation,
// mfa_active, access_key_1_active, access_key_1_last_rotated, access_key_1_last_used_date,
// access_key_1_last_used_region, access_key_1_last_used_service, access_key_2_..., cert_...
// Booleans are read case-insensitively: AWS writes `true`/`false` in the CSV, but its
// documentation shows `TRUE`/`FALSE` in places.
// Last use: a date, or a word. `password_last_used` is `no_information` when the
// password was never used or not since IAM began recording (2014-10-20), `N/A` or
// `not_supported` without a password; `access_key_N_last_used_date` is `N/A` when the
// key was never used or not since recording began (2015-04-22).

import type { AccessKey, LastUse } from '../../inventory/types.js';

/** IAM began recording password use on this day (credential report documentation). */
export const PASSWORD_USE_RECORDED_SINCE = '2014-10-20T00:00:00.000Z';
/** IAM began recording access key use on this day (credential report documentation). */
export const KEY_USE_RECORDED_SINCE = '2015-04-22T00:00:00.000Z';

export interface CredentialReportKey {
  slot: 1 | 2;
  active: boolean;
  /** When the key was created or last rotated (ISO), i.e. its age. */
  lastRotated: string;
  lastUsed?: string;
}

/** `true` / `false` in any case; undefined for anything else (`not_supported`, `N/A`). */
export function reportBoolean(value: string | undefined): boolean | undefined {
  const v = value?.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

export interface CredentialReportRow {
  user: string;
  arn: string;
  isRoot: boolean;
  /** `undefined` for the root row (AWS reports `not_supported`). */
  passwordEnabled?: boolean;
  mfaActive: boolean;
  keys: CredentialReportKey[];
  /** user_creation_time (ISO), when readable. */
  createdAt?: string;
  /** password_last_used as a date, when it is one. */
  passwordLastUsed?: string;
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
  }
  return rows;
}

/** A report date, or undefined for N/A, no_information, not_supported and garbage. */
export function reportDate(value: string | undefined): string | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export const ROOT_USER = '<root_account>';

export function parseCredentialReport(csv: string): CredentialReportRow[] {
  const [header, ...rows] = parseCsv(csv);
  if (!header) return [];
  const col = new Map(header.map((h, i) => [h.trim(), i]));
  const need = ['user', 'arn', 'mfa_active'];
  for (const n of need) {
    if (!col.has(n)) throw new Error(`credential report: missing column ${n}`);
  }
  const get = (r: string[], name: string): string | undefined => {
    const i = col.get(name);
    return i === undefined ? undefined : r[i]?.trim();
  };
  return rows.map((r) => {
    const user = get(r, 'user') ?? '';
    const pw = get(r, 'password_enabled');
    const keys: CredentialReportKey[] = [];
    for (const slot of [1, 2] as const) {
      const lastRotated = reportDate(get(r, `access_key_${slot}_last_rotated`));
      if (!lastRotated) continue; // no key in this slot
      const lastUsed = reportDate(get(r, `access_key_${slot}_last_used_date`));
      keys.push({
        slot,
        active: reportBoolean(get(r, `access_key_${slot}_active`)) === true,
        lastRotated,
        ...(lastUsed ? { lastUsed } : {}),
      });
    }
    const isRoot = user === ROOT_USER;
    const passwordEnabled = reportBoolean(pw);
    const createdAt = reportDate(get(r, 'user_creation_time'));
    const passwordLastUsed = reportDate(get(r, 'password_last_used'));
    return {
      user,
      arn: get(r, 'arn') ?? '',
      isRoot,
      ...(passwordEnabled !== undefined ? { passwordEnabled } : {}),
      mfaActive: reportBoolean(get(r, 'mfa_active')) === true,
      keys,
      ...(createdAt ? { createdAt } : {}),
      ...(passwordLastUsed ? { passwordLastUsed } : {}),
    };
  });
}

/**
 * Access keys as inventory facts. The report carries no key ids (and listing them
 * would cost one ListAccessKeys call per user), so `id` names the report slot.
 */
export function accessKeysOf(row: CredentialReportRow): AccessKey[] {
  return row.keys.map((k) => ({
    id: `access_key_${k.slot}`,
    active: k.active,
    createdAt: k.lastRotated,
    ...(k.lastUsed ? { lastUsedAt: k.lastUsed } : {}),
    lastUse: k.lastUsed ? { at: k.lastUsed } : { noUseSince: later(k.lastRotated, KEY_USE_RECORDED_SINCE) },
  }));
}

function later(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/**
 * The console password's last use, for a row whose password is enabled (root
 * included): a date, or no use since creation / since IAM began recording. Undefined
 * without a password (nothing to sign in with) or when the creation time is unreadable.
 */
export function passwordLastUse(row: CredentialReportRow): LastUse | undefined {
  if (row.passwordLastUsed) return { at: row.passwordLastUsed };
  if (row.passwordEnabled !== true && !row.isRoot) return undefined;
  if (!row.createdAt) return undefined;
  return { noUseSince: later(row.createdAt, PASSWORD_USE_RECORDED_SINCE) };
}

/** Identity fields from a report row: `{ lastSignIn }` when the report says when the password was last used. */
export function signInFieldsOf(row: CredentialReportRow | undefined): { lastSignIn?: LastUse } {
  const lastSignIn = row ? passwordLastUse(row) : undefined;
  return lastSignIn ? { lastSignIn } : {};
}
