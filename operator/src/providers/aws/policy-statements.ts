// IAM policy documents as IAM returns them (URL-encoded JSON) -> statements with their
// actions expanded against iam-data (action-levels.ts), plus what the privilege
// evaluation needs to know about each: effect, NotAction, whether Resource is scoped,
// whether a Condition uses keys that vary by action or by principal. Expansions are
// cached per policy document for the life of the process.

import { ActionCatalog, expandActionPatterns, type ActionSet } from './action-levels.js';

/** Policy documents come URL-encoded from IAM (RFC 3986) or as JSON text / objects. */
export function parsePolicyDocument(doc: unknown): unknown {
  if (doc === undefined || doc === null) return undefined;
  if (typeof doc === 'object') return doc;
  if (typeof doc !== 'string') return undefined;
  let text = doc.trim();
  if (!text.startsWith('{')) {
    try {
      text = decodeURIComponent(text.replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    try {
      return JSON.parse(decodeURIComponent(text)) as unknown;
    } catch {
      return undefined;
    }
  }
}

type RawStatement = { Effect?: unknown; Action?: unknown; NotAction?: unknown; Resource?: unknown; NotResource?: unknown; Condition?: unknown };

function statementsOf(doc: unknown): RawStatement[] {
  if (!doc || typeof doc !== 'object') return [];
  const s = (doc as { Statement?: unknown }).Statement;
  if (Array.isArray(s)) return s.filter((x): x is RawStatement => !!x && typeof x === 'object');
  if (s && typeof s === 'object') return [s as RawStatement];
  return [];
}

function asList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

/** Condition keys that depend on who asks (a decision for one user is not one for all). */
const PRINCIPAL_KEY = /^aws:(username|userid|principalarn|principaltag\/|principalaccount)/i;

export interface ExpandedStatement {
  effect: 'Allow' | 'Deny';
  /** With NotAction the statement applies to every action outside `set`. */
  not: boolean;
  set: ActionSet;
  /** Resource is not only `*` (or NotResource is used): the outcome depends on the action's resource types. */
  scoped: boolean;
  /** A Condition is present. */
  conditional: boolean;
  /** A Condition uses service-specific keys (their presence depends on the action). */
  actionSpecificCondition: boolean;
  /** A Condition or a resource refers to the principal (aws:username, aws:PrincipalArn, `${...}`). */
  principalSpecific: boolean;
}

export interface ExpandedPolicy {
  /** Parsed document (for the simulator), undefined when it could not be parsed. */
  document: unknown;
  statements: ExpandedStatement[];
}

/** Whether the statement's Action / NotAction covers `lowerName`. */
export function statementCovers(st: ExpandedStatement, lowerName: string, service: string): boolean {
  return ActionCatalog.inSet(st.set, lowerName, service) !== st.not;
}

/** Enough for the policies of a large account; the cache starts over beyond it. */
const MAX_CACHED_POLICIES = 5_000;
const cache = new Map<string, Promise<ExpandedPolicy>>();

async function expand(document: unknown): Promise<ExpandedPolicy> {
  const statements: ExpandedStatement[] = [];
  for (const st of statementsOf(document)) {
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') continue;
    const not = st.NotAction !== undefined;
    const set = await expandActionPatterns(asList(not ? st.NotAction : st.Action));
    const resources = asList(st.Resource);
    const condition = st.Condition && typeof st.Condition === 'object' ? (st.Condition as Record<string, unknown>) : undefined;
    const keys = condition
      ? Object.values(condition).flatMap((block) => (block && typeof block === 'object' ? Object.keys(block as object) : []))
      : [];
    const text = JSON.stringify({ r: st.Resource, n: st.NotResource, c: st.Condition });
    statements.push({
      effect: st.Effect,
      not,
      set,
      scoped: st.NotResource !== undefined || resources.some((r) => r !== '*'),
      conditional: keys.length > 0,
      actionSpecificCondition: keys.some((k) => !k.toLowerCase().startsWith('aws:')),
      principalSpecific: keys.some((k) => PRINCIPAL_KEY.test(k)) || text.includes('${'),
    });
  }
  return { document, statements };
}

/**
 * Expand a policy document. `cacheKey` names one immutable document (a managed
 * policy's ARN and version); without it the document text is the key.
 */
export function expandPolicy(raw: unknown, cacheKey?: string): Promise<ExpandedPolicy> {
  const document = parsePolicyDocument(raw);
  const key = cacheKey ?? (typeof raw === 'string' ? raw : JSON.stringify(raw ?? null));
  const hit = cache.get(key);
  if (hit) return hit;
  if (cache.size >= MAX_CACHED_POLICIES) cache.clear();
  const p = expand(document);
  cache.set(key, p);
  p.catch(() => cache.delete(key));
  return p;
}
