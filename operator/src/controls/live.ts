// Access to the live inventory for controls with `needs: 'live'`.
//
// Rule: a control never reports False on missing data. When the collection failed,
// or a gap covers an area the control reads, the control is Unknown with the
// failure's / gap's reason. List areas (identities, resources, auditTrails, and the
// per-resource facts `encryption` / `exposure`) are all-or-nothing: a gap means the
// list may be incomplete. Guardrails are independent facts, each `undefined` when
// unread; a control reading one of them looks at that fact, and a guardrails gap only
// supplies the reason when the fact is missing.

import type { CollectionGap, Inventory, InventoryArea } from '../inventory/types.js';
import type { ControlInput, ControlOutcome } from './types.js';
import { unknown } from './outcome.js';
import { earliest, parseTime } from './time.js';
import { truncate } from './text.js';

export type LiveRead =
  { ok: true; inventory: Inventory; evidenceAt: Date | undefined } | { ok: false; outcome: ControlOutcome };

const DETAIL_MAX = 200;

/** The inventory, or the Unknown outcome a control returns when it cannot read `areas`. */
export function readLive(input: ControlInput, areas: readonly InventoryArea[]): LiveRead {
  const result = input.inventory;
  if (!result.ok) {
    return {
      ok: false,
      outcome: unknown(result.failure.reason, `Live account not read: ${truncate(result.failure.message, DETAIL_MAX)}`),
    };
  }
  const inventory = result.inventory;
  const gap = inventory.gaps.find((g) => areas.includes(g.area));
  if (gap !== undefined) return { ok: false, outcome: unknown(gap.reason, gapMessage(gap)) };
  return { ok: true, inventory, evidenceAt: evidenceTime(inventory, areas) };
}

/** Unknown outcome for a single unread fact (e.g. root MFA, region guardrail). */
export function unreadFact(inventory: Inventory, areas: readonly InventoryArea[], what: string): ControlOutcome {
  const gap = inventory.gaps.find((g) => areas.includes(g.area));
  if (gap !== undefined) return unknown(gap.reason, `${what} could not be read: ${truncate(gap.message, DETAIL_MAX)}`);
  return unknown('NotCollected', `${what} was not collected`);
}

/** When the evidence was produced: the oldest of the areas read, else the collection time. */
export function evidenceTime(inventory: Inventory, areas: readonly InventoryArea[]): Date | undefined {
  const times = areas.map((area) => parseTime(inventory.evidenceTimes[area]));
  return earliest(times) ?? parseTime(inventory.collectedAt);
}

function gapMessage(gap: CollectionGap): string {
  return `Could not read ${gap.area}: ${truncate(gap.message, DETAIL_MAX)}`;
}
