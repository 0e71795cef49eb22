// Shadow IT (issue 15, checklist step 1): which accounts, subscriptions and SaaS apps
// an organisation / tenant listing found that nobody declared, since when, which are
// new since the last pass, the counts for `cloudposture_undeclared_services{kind}`, and
// the `AllServicesDeclared` condition. Pure: no I/O, the clock is passed in.
//
// Where this lives: a top-level helper of controls/, not a family folder. It is not a
// catalogued per-service Control (it judges the organisation resource, not a
// CloudService, and has no ControlInput), and test/unit/controls/catalog.test.ts reads
// every file under controls/<folder>/ as the home of catalogued controls. Its table
// test is test/unit/controls/undeclared-services.test.ts.

import type { CloudAccount, CloudService, ConditionStatus } from '../api/types.js';
import {
  DISCOVERED_KINDS,
  type DiscoveredItem,
  type DiscoveredKind,
  type DiscoveredStatus,
  type DiscoveryGap,
  type OrganizationListing,
} from '../inventory/organization.js';
import { parseTime } from './time.js';

export const ALL_SERVICES_DECLARED = 'AllServicesDeclared';

/** Ids named in the condition message; the rest are counted. */
export const MAX_IDS_IN_MESSAGE = 5;

/**
 * Statuses that are not Shadow IT: a suspended, closing or closed account (or a
 * disabled / deleted subscription) cannot run workloads or hold reachable data, and it
 * cannot become usable again without someone acting at the provider (reinstating it),
 * at which point it is `active` and counted again. A `pending` account becomes usable
 * by itself, and a status this version does not know is counted rather than hidden.
 */
const NOT_SHADOW: ReadonlySet<DiscoveredStatus> = new Set(['suspended', 'closing', 'closed']);

/** An undeclared item, with when it was first seen undeclared. */
export interface UndeclaredItem extends DiscoveredItem {
  /** ISO 8601: carried over from the previous pass, or this pass's `now` when new. */
  firstSeen: string;
}

/** What a previous pass recorded (read back from status: only kind, id and firstSeen are relied on). */
export type PreviousUndeclared = Pick<UndeclaredItem, 'kind' | 'id' | 'firstSeen'> & Partial<UndeclaredItem>;

/** Declared ids per kind (AWS account ids, Azure subscription ids, Entra application ids). */
export type DeclaredIds = Partial<Record<DiscoveredKind, readonly string[]>>;

export interface UndeclaredInput {
  listing: Pick<OrganizationListing, 'items' | 'gaps'>;
  declared: DeclaredIds;
  previous: readonly PreviousUndeclared[];
  now: Date;
}

export interface ServicesCondition {
  type: typeof ALL_SERVICES_DECLARED;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export interface UndeclaredOutcome {
  /** Every undeclared item, by kind then id. */
  undeclared: UndeclaredItem[];
  /** Undeclared now and not in the previous pass: one Event each. */
  appeared: UndeclaredItem[];
  /** In the previous pass, no longer undeclared (declared, suspended / closed, or gone). */
  resolved: PreviousUndeclared[];
  /**
   * `cloudposture_undeclared_services{kind}`. While the condition is Unknown this is a
   * lower bound (what the partial read found, plus what earlier passes found there).
   */
  counts: Record<DiscoveredKind, number>;
  condition: ServicesCondition;
}

/**
 * AWS and Entra ids compare as given (digits / GUIDs are normalised to lower case);
 * Azure subscription ids are GUIDs too. Whitespace never makes an id different.
 */
function norm(id: string): string {
  return id.trim().toLowerCase();
}

const keyOf = (kind: DiscoveredKind, id: string): string => `${kind}/${norm(id)}`;

/**
 * The ids declared: CloudAccounts' spec.aws.accountId and spec.azure.subscriptionId, and
 * the Entra application ids SaaS CloudServices name (spec.saas.entraApplicationId, any
 * namespace; admission allows it only on provider azure / model SaaS).
 */
export function declaredIdsOf(accounts: readonly Pick<CloudAccount, 'spec'>[], services: readonly Pick<CloudService, 'spec'>[] = []): DeclaredIds {
  const account: string[] = [];
  const subscription: string[] = [];
  const saas: string[] = [];
  for (const a of accounts) {
    if (a.spec.aws?.accountId) account.push(a.spec.aws.accountId);
    if (a.spec.azure?.subscriptionId) subscription.push(a.spec.azure.subscriptionId);
  }
  for (const s of services) if (s.spec.saas?.entraApplicationId) saas.push(s.spec.saas.entraApplicationId);
  return { account, subscription, 'saas-app': saas };
}

function byKindThenId(a: { kind: DiscoveredKind; id: string }, b: { kind: DiscoveredKind; id: string }): number {
  return DISCOVERED_KINDS.indexOf(a.kind) - DISCOVERED_KINDS.indexOf(b.kind) || norm(a.id).localeCompare(norm(b.id));
}

function listed(items: readonly { kind: DiscoveredKind; id: string }[]): string {
  const shown = items.slice(0, MAX_IDS_IN_MESSAGE).map((i) => `${i.kind} ${i.id}`);
  const rest = items.length - shown.length;
  return `${shown.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`;
}

export function undeclaredServices(input: UndeclaredInput): UndeclaredOutcome {
  const nowIso = input.now.toISOString();
  const declared = new Set<string>();
  for (const kind of DISCOVERED_KINDS) for (const id of input.declared[kind] ?? []) declared.add(keyOf(kind, id));
  const previous = new Map<string, PreviousUndeclared>();
  for (const p of input.previous) previous.set(keyOf(p.kind, p.id), p);

  // Only a `list` gap leaves the set of items incomplete; a `path` gap only leaves
  // where they sit unknown, which decides nothing here.
  const listGaps = input.listing.gaps.filter((g): g is DiscoveryGap => g.area === 'list');
  const partialKinds = new Set(listGaps.map((g) => g.kind));

  const undeclared: UndeclaredItem[] = [];
  const appeared: UndeclaredItem[] = [];
  const found = new Set<string>();
  for (const item of input.listing.items) {
    const key = keyOf(item.kind, item.id);
    found.add(key);
    if (declared.has(key) || NOT_SHADOW.has(item.status)) continue;
    const before = previous.get(key);
    const firstSeen = before ? (parseTime(before.firstSeen)?.toISOString() ?? nowIso) : nowIso;
    const u: UndeclaredItem = { ...item, firstSeen };
    undeclared.push(u);
    if (!before) appeared.push(u);
  }
  // A kind whose listing was partial resolves nothing: what earlier passes found there
  // and this one did not see stays undeclared (unless it has since been declared).
  for (const [key, p] of previous) {
    if (found.has(key) || declared.has(key) || !partialKinds.has(p.kind)) continue;
    undeclared.push({
      name: p.name ?? p.id,
      status: p.status ?? 'unknown',
      providerStatus: p.providerStatus ?? 'not read in this pass',
      ...p,
      kind: p.kind,
      id: p.id,
      firstSeen: parseTime(p.firstSeen)?.toISOString() ?? nowIso,
    });
  }
  undeclared.sort(byKindThenId);
  appeared.sort(byKindThenId);

  const still = new Set(undeclared.map((u) => keyOf(u.kind, u.id)));
  const resolved = input.previous.filter((p) => !still.has(keyOf(p.kind, p.id))).sort(byKindThenId);

  const counts = { account: 0, subscription: 0, 'saas-app': 0 } as Record<DiscoveredKind, number>;
  for (const u of undeclared) counts[u.kind] += 1;

  const condition = conditionOf(undeclared, listGaps);
  // A `details` gap leaves the items complete (the condition stands) but some facts
  // about them unknown (a subscription's state, an app's consents): the message says so.
  const detailGaps = input.listing.gaps.filter((g) => g.area === 'details');
  if (detailGaps.length > 0) condition.message += ` ${detailsNote(detailGaps)}`;
  return { undeclared, appeared, resolved, counts, condition };
}

/** "Facts missing: ..." for `details` gaps, the first in full, the rest counted. */
export function detailsNote(gaps: readonly DiscoveryGap[]): string {
  const first = gaps[0];
  if (!first) return '';
  const more = gaps.length > 1 ? ` (+${gaps.length - 1} more)` : '';
  return `Facts missing (${first.kind} ${first.reason}): ${first.message}${more}.`;
}

function conditionOf(undeclared: readonly UndeclaredItem[], listGaps: readonly DiscoveryGap[]): ServicesCondition {
  const type = ALL_SERVICES_DECLARED;
  const first = listGaps[0];
  if (first) {
    // Never False from a partial read: what it did find is in the status list and the
    // Events, but whether anything else is undeclared is not known.
    const found = undeclared.length > 0 ? ` ${undeclared.length} undeclared found so far: ${listed(undeclared)}.` : '';
    const more = listGaps.length > 1 ? ` (+${listGaps.length - 1} more gap${listGaps.length > 2 ? 's' : ''})` : '';
    return {
      type,
      status: 'Unknown',
      reason: first.reason,
      message: `The ${first.kind} listing is incomplete: ${first.message}${more}.${found}`,
    };
  }
  if (undeclared.length === 0) {
    return { type, status: 'True', reason: 'AllDeclared', message: 'Everything active the listing found is declared.' };
  }
  return {
    type,
    status: 'False',
    reason: 'UndeclaredServices',
    message: `${undeclared.length} undeclared: ${listed(undeclared)}. Declare each (a CloudAccount / CloudService) or close it.`,
  };
}
