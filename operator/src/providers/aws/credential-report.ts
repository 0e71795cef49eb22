// The IAM credential report: one CSV for every user of the account, the source of
// identities whose API cost does not grow with the number of users.
// Columns (AWS docs, "Getting credential reports"): user, arn, user_creation_time,
// password_enabled, password_last_used, password_last_changed, password_next_rotation,
// mfa_active, access_key_1_active, access_key_1_last_rotated, access_key_1_last_used_date,
// access_key_1_last_used_region, access_key_1_last_used_service, access_key_2_..., cert_...

import type { AccessKey } from '../../inventory/types.js';

export interface CredentialReportKey {
  slot: 1 | 2;
  active: boolean;
  /** When the key was created or last rotated (ISO), i.e. its age. */
  lastRotated: string;
  lastUsed?: string;
}

export interface CredentialReportRow {
  user: string;
  arn: string;
  isRoot: boolean;
  /** `undefined` for the root row (AWS reports `not_supported`). */
  passwordEnabled?: boolean;
  mfaActive: boolean;
  keys: CredentialReportKey[];
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
        active: get(r, `access_key_${slot}_active`) === 'true',
        lastRotated,
        ...(lastUsed ? { lastUsed } : {}),
      });
    }
    const isRoot = user === ROOT_USER;
    return {
      user,
      arn: get(r, 'arn') ?? '',
      isRoot,
      ...(pw === 'true' || pw === 'false' ? { passwordEnabled: pw === 'true' } : {}),
      mfaActive: get(r, 'mfa_active') === 'true',
      keys,
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
  }));
}
