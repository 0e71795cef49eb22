// RFC 7386 merge patch from two JSON values: removed keys become null so the
// server drops them; arrays and scalars are replaced whole.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function createMergePatch(from: Json | undefined, to: Json): Json {
  if (!isObject(from) || !isObject(to)) return to;
  const patch: { [key: string]: Json } = {};
  for (const key of Object.keys(from)) {
    if (!(key in to)) patch[key] = null;
  }
  for (const [key, value] of Object.entries(to)) {
    const before = from[key];
    if (before === undefined || canonical(before) !== canonical(value)) patch[key] = createMergePatch(before, value);
  }
  return patch;
}

/** Stable JSON text: key order does not matter, undefined members are dropped. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v as Json) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
