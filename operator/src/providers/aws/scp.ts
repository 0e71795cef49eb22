// Region guardrails from service control policies: a Deny statement conditioned on
// `aws:RequestedRegion` not being in a list restricts the account to that list.
// Recognised operators: StringNotEquals, StringNotEqualsIgnoreCase, StringNotLike
// (values kept verbatim, so `eu-*` can appear), with or without IfExists.

const REGION_KEY = 'aws:requestedregion';

/** Allowed regions a policy document enforces, or undefined when it restricts none. */
export function regionRestrictionOf(content: string | undefined): string[] | undefined {
  if (!content) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch {
    return undefined;
  }
  const raw = (doc as { Statement?: unknown })?.Statement;
  const statements = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Record<string, unknown>[];
  let allowed: string[] | undefined;
  for (const st of statements) {
    if (!st || st.Effect !== 'Deny' || !st.Condition || typeof st.Condition !== 'object') continue;
    for (const [op, block] of Object.entries(st.Condition as Record<string, unknown>)) {
      if (!/^StringNot(Equals|EqualsIgnoreCase|Like)(IfExists)?$/i.test(op)) continue;
      if (!block || typeof block !== 'object') continue;
      for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
        if (key.toLowerCase() !== REGION_KEY) continue;
        const list = (Array.isArray(values) ? values : [values]).filter((v): v is string => typeof v === 'string');
        allowed = allowed ? allowed.filter((r) => list.includes(r)) : [...list];
      }
    }
  }
  return allowed;
}

/** Every restriction applies: the allowed set is their intersection. */
export function intersectRegions(lists: string[][]): string[] {
  const [first, ...rest] = lists;
  if (!first) return [];
  return [...new Set(first)].filter((r) => rest.every((l) => l.includes(r))).sort();
}
