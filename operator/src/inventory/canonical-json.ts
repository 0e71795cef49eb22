// Canonical JSON (RFC 8785, JCS) and SHA-256: the bytes an evidence record is hashed and stored as,
// and the digest of a cloud API answer (providers/answers.ts). A leaf: evidence/ and providers/ both use it.
//
// JCS for the data we write: object keys sorted by UTF-16 code units, no whitespace,
// strings and numbers exactly as JSON.stringify writes them (RFC 8785 section 3.2.2
// defines its number and string forms as ECMAScript's). Anything that has no single
// JSON form is refused with an Error instead of being silently dropped or changed:
// non-finite numbers, undefined or functions inside arrays, functions, symbols, bigints,
// cycles and lone surrogates. An object property whose value is undefined is left out,
// as JSON.stringify does (that is how optional fields are absent). A value with
// `toJSON` (a Date) is written as what `toJSON` returns.

import { createHash } from 'node:crypto';

/** A JSON value as canonicalJson accepts it. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue | undefined };

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function fail(path: string, what: string): never {
  throw new Error(`canonical JSON: ${what} at ${path}`);
}

function str(value: string, path: string): string {
  // JSON.stringify escapes a lone surrogate as \udXXX, but RFC 8785 (I-JSON) has no such string.
  if (LONE_SURROGATE.test(value)) fail(path, 'lone surrogate in a string');
  return JSON.stringify(value);
}

/** Code-unit order: what Array.prototype.sort does without a comparator, spelt out. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function write(value: unknown, path: string, seen: Set<object>): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) fail(path, `non-finite number ${String(value)}`);
      return JSON.stringify(value); // -0 -> "0", shortest round-trip form, as JCS says
    case 'string':
      return str(value, path);
    case 'undefined':
      return undefined; // the caller decides: left out of an object, refused in an array
    case 'function':
      return fail(path, 'function');
    case 'symbol':
      return fail(path, 'symbol');
    case 'bigint':
      return fail(path, 'bigint');
    default:
      break;
  }
  const obj = value as object;
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write((toJSON as (key: string) => unknown).call(obj, ''), path, seen);
  if (seen.has(obj)) fail(path, 'cycle');
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      const items = obj.map((item: unknown, i) => {
        const out = write(item, `${path}[${i}]`, seen);
        if (out === undefined) fail(`${path}[${i}]`, 'undefined in an array');
        return out;
      });
      return `[${items.join(',')}]`;
    }
    const parts: string[] = [];
    for (const key of Object.keys(obj).sort(byCodeUnits)) {
      const out = write((obj as Record<string, unknown>)[key], `${path}.${key}`, seen);
      if (out !== undefined) parts.push(`${str(key, path)}:${out}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    seen.delete(obj);
  }
}

/** The RFC 8785 canonical form of `value`; throws an Error for what has none (see the header). */
export function canonicalJson(value: unknown): string {
  const out = write(value, '$', new Set());
  if (out === undefined) fail('$', 'undefined');
  return out;
}

/** Lower-case hex SHA-256 of a string (as UTF-8) or of bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Base64 SHA-256, the form S3's ChecksumSHA256 takes. */
export function sha256Base64(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('base64');
}
