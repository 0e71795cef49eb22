// Azure Policy -> guardrails: the assignments that apply at the subscription
// (`$filter=atScope()`) and the initiatives among them (one get each, capped), read by
// `readPolicy`; the region restriction ("Allowed locations") and the storage public
// access block decided from them by `guardrailsFromPolicy` (pure, unit-tested).

import type { PolicyClient } from '@azure/arm-policy';

import type { RegionRestriction } from '../../inventory/types.js';
import { collectAll, type AzureCollection, type Outcome } from './context.js';
import type { ClassifiedAzureError } from './errors.js';
import { lower, regionKey } from './ids.js';

export interface ArmPolicyAssignment {
  id?: string;
  name?: string;
  displayName?: string;
  policyDefinitionId?: string;
  scope?: string;
  notScopes?: string[];
  parameters?: Record<string, { value?: unknown } | undefined>;
  enforcementMode?: string;
}

export interface ArmPolicySetDefinition {
  id?: string;
  parameters?: Record<string, { defaultValue?: unknown } | undefined>;
  policyDefinitions?: Array<{ policyDefinitionId: string; parameters?: Record<string, { value?: unknown } | undefined> }>;
}

// ------------------------------------------------------------------ mapping

/** Built-in "Allowed locations" (deny), parameter listOfAllowedLocations. */
export const ALLOWED_LOCATIONS_DEFINITION_ID = '/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c';
/** Built-in "Storage account public access should be disallowed", parameter effect (Audit by default). */
export const STORAGE_PUBLIC_ACCESS_DEFINITION_ID = '/providers/Microsoft.Authorization/policyDefinitions/4fa4b6c0-31ca-4c0d-b10d-24b96f62a751';

export function isPolicySetId(id: string | undefined): boolean {
  return /\/providers\/microsoft\.authorization\/policysetdefinitions\//i.test(id ?? '');
}

function sameDefinition(a: string | undefined, b: string): boolean {
  return lower(a) === lower(b);
}

/** `[parameters('name')]` -> name. */
function parameterReference(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$/i.exec(value.trim());
  return m?.[1];
}

interface Member {
  definitionId: string;
  /** Resolves a member parameter to its effective value (undefined: not set). */
  param(name: string): unknown;
}

/** The policy definitions an assignment applies, with their effective parameter values. */
function membersOf(assignment: ArmPolicyAssignment, set: ArmPolicySetDefinition | undefined): Member[] {
  const assigned = (name: string): unknown => assignment.parameters?.[name]?.value;
  if (!isPolicySetId(assignment.policyDefinitionId)) {
    return assignment.policyDefinitionId ? [{ definitionId: assignment.policyDefinitionId, param: assigned }] : [];
  }
  if (!set) return [];
  return (set.policyDefinitions ?? []).map((ref) => ({
    definitionId: ref.policyDefinitionId,
    param: (name: string): unknown => {
      const raw = ref.parameters?.[name]?.value;
      const setParam = parameterReference(raw);
      if (setParam === undefined) return raw;
      return assigned(setParam) ?? set.parameters?.[setParam]?.defaultValue;
    },
  }));
}

export interface PolicyGuardrails {
  /** undefined: could not be decided (an initiative could not be read); null: none. */
  regionRestriction: RegionRestriction | null | undefined;
  /** Storage public blob access denied by policy; undefined when undecidable. */
  publicAccessBlocked: boolean | undefined;
}

/**
 * Region guardrail and public-access block from the assignments that apply at the
 * subscription (list with `$filter=atScope()`): enforced assignments of the built-in
 * definitions, directly or inside an initiative. Several allowed-locations
 * assignments all apply, so the permitted regions are their intersection.
 * `sets` maps a lower-cased set definition id to its definition (undefined: unreadable).
 */
export function guardrailsFromPolicy(
  assignments: readonly ArmPolicyAssignment[],
  sets: ReadonlyMap<string, ArmPolicySetDefinition | undefined>,
): PolicyGuardrails {
  let allowed: Set<string> | undefined;
  const sources: string[] = [];
  let blocked = false;
  let undecided = false;
  for (const a of assignments) {
    if (lower(a.enforcementMode) === 'donotenforce') continue;
    if (/\/resourcegroups\//i.test(a.scope ?? '')) continue; // only part of the subscription
    const isSet = isPolicySetId(a.policyDefinitionId);
    const set = isSet ? sets.get(lower(a.policyDefinitionId)) : undefined;
    if (isSet && set === undefined) {
      undecided = true;
      continue;
    }
    for (const m of membersOf(a, set)) {
      if (sameDefinition(m.definitionId, ALLOWED_LOCATIONS_DEFINITION_ID)) {
        const list = m.param('listOfAllowedLocations');
        if (!Array.isArray(list)) {
          undecided = true;
          continue;
        }
        const regions = new Set(list.filter((x): x is string => typeof x === 'string').map(regionKey));
        allowed = allowed === undefined ? regions : new Set([...allowed].filter((x) => regions.has(x)));
        const name = a.displayName || a.name || a.id || 'policy assignment';
        sources.push(a.notScopes && a.notScopes.length > 0 ? `${name} (with ${a.notScopes.length} excluded scope(s))` : name);
      } else if (sameDefinition(m.definitionId, STORAGE_PUBLIC_ACCESS_DEFINITION_ID)) {
        const effect = m.param('effect') ?? 'Audit';
        if (typeof effect === 'string' && effect.toLowerCase() === 'deny') blocked = true;
      }
    }
  }
  const regionRestriction: RegionRestriction | null | undefined =
    allowed !== undefined
      ? { allowedRegions: [...allowed].sort(), source: `Azure Policy: ${sources.join(', ')}` }
      : undecided
        ? undefined
        : null;
  return { regionRestriction, publicAccessBlocked: blocked ? true : undecided ? undefined : false };
}

// ------------------------------------------------------------------ reading

export interface PolicyRead {
  assignments: ArmPolicyAssignment[];
  /** Lower-cased initiative id -> its definition (undefined: unreadable). */
  sets: Map<string, ArmPolicySetDefinition | undefined>;
  unreadable: ClassifiedAzureError[];
}

/** Assignments that apply at the subscription, and the initiatives among them (at most `maxSetLookups`). */
export async function readPolicy(c: AzureCollection, policy: PolicyClient, subscriptionId: string, maxSetLookups: number): Promise<PolicyRead> {
  const assignments = (await collectAll(policy.policyAssignments.list({ ...c.o, filter: 'atScope()' }))) as ArmPolicyAssignment[];
  const setIds = [
    ...new Set(
      assignments
        .filter((a) => (a.enforcementMode ?? '').toLowerCase() !== 'donotenforce' && isPolicySetId(a.policyDefinitionId))
        .map((a) => (a.policyDefinitionId ?? '').toLowerCase()),
    ),
  ].slice(0, maxSetLookups);
  const sets = new Map<string, ArmPolicySetDefinition | undefined>();
  const unreadable: ClassifiedAzureError[] = [];
  await Promise.all(
    setIds.map(async (id) => {
      try {
        const set = (await policySet(policy, subscriptionId, id, c.o)) as ArmPolicySetDefinition | undefined;
        if (set === undefined) {
          unreadable.push({ reason: 'AccessDenied', code: 'OtherSubscription', message: 'initiative defined in another subscription' });
        }
        sets.set(id, set);
      } catch (err) {
        if (c.mustStop(err)) throw err;
        unreadable.push(c.classify(err));
        sets.set(id, undefined); // unreadable: the guardrail stays undecided unless found elsewhere
      }
    }),
  );
  return { assignments, sets, unreadable };
}

async function policySet(policy: PolicyClient, subscriptionId: string, id: string, o: { abortSignal: AbortSignal }): Promise<unknown> {
  const name = id.split('/').pop() ?? '';
  const mg = /^\/providers\/microsoft\.management\/managementgroups\/([^/]+)\/providers\/microsoft\.authorization\/policysetdefinitions\/[^/]+$/i.exec(id);
  if (mg?.[1]) return policy.policySetDefinitions.getAtManagementGroup(mg[1], name, o);
  const sub = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.authorization\/policysetdefinitions\/[^/]+$/i.exec(id);
  if (sub?.[1]) {
    if (sub[1].toLowerCase() !== subscriptionId.toLowerCase()) return undefined;
    return policy.policySetDefinitions.get(name, o);
  }
  return policy.policySetDefinitions.getBuiltIn(name, o);
}

/** The guardrails from the policy read; an unreadable read or initiative is a guardrails gap. */
export function guardrailsFromRead(c: AzureCollection, read: Outcome<PolicyRead>): PolicyGuardrails | undefined {
  if (!read.ok) {
    c.gap(['guardrails'], read);
    return undefined;
  }
  const g = guardrailsFromPolicy(read.value.assignments, read.value.sets);
  for (const error of read.value.unreadable) c.gap(['guardrails'], { error, context: 'ARM:policySetDefinitions.get' });
  return g;
}
