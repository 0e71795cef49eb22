// Region names across providers. Azure reports both "westeurope" and "West Europe";
// comparing lower-cased names without spaces makes both spellings one region.

import type { Inventory } from '../inventory/types.js';
import { sortedUnique } from './text.js';

/** Region-less resources (IAM, global endpoints): never a residency question. */
export const GLOBAL_REGION = 'global';

export function normalizeRegion(region: string): string {
  return region.toLowerCase().replace(/\s+/g, '');
}

export function isGlobal(region: string): boolean {
  return normalizeRegion(region) === GLOBAL_REGION || region.trim() === '';
}

export function regionSet(regions: readonly string[] | undefined): Set<string> {
  return new Set((regions ?? []).filter((r) => !isGlobal(r)).map(normalizeRegion));
}

/** Regions in which the account holds resources, 'global' excluded, sorted. */
export function regionsInUse(inventory: Inventory): string[] {
  return sortedUnique(
    inventory.resources
      .map((r) => r.region)
      .filter((r) => !isGlobal(r))
      .map(normalizeRegion),
  );
}
