// DataResidency (checklist step 5): where every copy of the data is. Snapshots, replicas
// and audit-log destinations count (a copy is data too); region-less resources (IAM,
// global endpoints) are never a residency question. Computed once per evaluation: the
// control's findings and status.summary.regionViolations come from the same placement.

import type { Inventory } from '../../inventory/types.js';
import type { ControlInput, ControlOutcome } from '../types.js';
import { readLive } from '../live.js';
import { perInput } from '../memo.js';
import { isGlobal, normalizeRegion, regionSet } from '../regions.js';
import { compareText } from '../text.js';

export interface Placement {
  resource: string;
  region: string;
  what: string;
}

function placements(inventory: Inventory): Placement[] {
  const fromResources = inventory.resources.map((r) => ({
    resource: r.id,
    region: r.region,
    what: r.sourceId ? `${r.kind} (copy of ${r.sourceId})` : r.kind,
  }));
  // A destination the collector already listed as a resource is counted once.
  const listed = new Set(inventory.resources.map((r) => r.id));
  const fromTrails = inventory.auditTrails
    .filter((t) => t.destinationRegion !== undefined && !(t.destination !== undefined && listed.has(t.destination)))
    .map((t) => ({
      resource: t.destination ?? t.id,
      region: t.destinationRegion ?? '',
      what: `audit-log copy of trail ${t.id}`,
    }));
  return [...fromResources, ...fromTrails].filter((p) => !isGlobal(p.region));
}

/** Copies outside `allowed`, by resource id. */
export function placementsOutside(inventory: Inventory, allowed: readonly string[]): Placement[] {
  const permitted = regionSet(allowed);
  return placements(inventory)
    .filter((p) => !permitted.has(normalizeRegion(p.region)))
    .sort((a, b) => compareText(a.resource, b.resource));
}

function countByRegion(outside: readonly Placement[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const p of outside) {
    const region = normalizeRegion(p.region);
    counts.set(region, (counts.get(region) ?? 0) + 1);
  }
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => compareText(a, b)));
}

/** Resources (and audit-log copies) outside `allowed`, counted per normalised region. */
export function regionViolations(inventory: Inventory, allowed: readonly string[]): Record<string, number> {
  return countByRegion(placementsOutside(inventory, allowed));
}

export interface RegionPlacement {
  /** The copies outside the allowed regions, by resource id. */
  outside: Placement[];
  /** The same, counted per normalised region. */
  violations: Record<string, number>;
}

export type PlacementRead =
  | { ok: true; placement: RegionPlacement; evidenceAt: Date | undefined }
  /** Resources or audit trails not (fully) read: the Unknown outcome (readLive). */
  | { ok: false; outcome: ControlOutcome };

/** The region placement of one input, computed once, or why it could not be. */
export const readPlacement: (input: ControlInput) => PlacementRead = perInput('regionPlacement', (input) => {
  const live = readLive(input, ['resources', 'auditTrails']);
  if (!live.ok) return live;
  const outside = placementsOutside(live.inventory, input.spec.allowedRegions);
  return { ok: true, placement: { outside, violations: countByRegion(outside) }, evidenceAt: live.evidenceAt };
});

/** Copies outside the allowed regions per region (see readPlacement); undefined when resources or audit trails were not fully read. */
export function regionViolationsOf(input: ControlInput): Record<string, number> | undefined {
  const read = readPlacement(input);
  return read.ok ? read.placement.violations : undefined;
}
