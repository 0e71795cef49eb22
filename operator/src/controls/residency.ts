// DataResidency (checklist step 5): every copy of the data stays in the allowed regions
// (snapshots, replicas and audit-log destinations count: a copy is data too), and a
// guardrail (SCP / Azure Policy) stops anyone from creating resources elsewhere: the
// "region lock" of step 5, without which a developer can move production data to a
// high-risk jurisdiction.

import type { Inventory } from '../inventory/types.js';
import type { Control, ControlFinding } from './types.js';
import { fail, pass } from './outcome.js';
import { readLive, unreadFact } from './live.js';
import { isGlobal, normalizeRegion, regionSet } from './regions.js';
import { compareText, listSome, plural } from './text.js';

interface Placement {
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

function outside(inventory: Inventory, allowed: readonly string[]): Placement[] {
  const permitted = regionSet(allowed);
  return placements(inventory)
    .filter((p) => !permitted.has(normalizeRegion(p.region)))
    .sort((a, b) => compareText(a.resource, b.resource));
}

/** Resources (and audit-log copies) outside `allowed`, counted per normalised region. */
export function regionViolations(inventory: Inventory, allowed: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const p of outside(inventory, allowed)) {
    const region = normalizeRegion(p.region);
    counts.set(region, (counts.get(region) ?? 0) + 1);
  }
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => compareText(a, b)));
}

export const dataInAllowedRegions: Control = {
  id: 'A523-05-DATA-IN-ALLOWED-REGIONS',
  family: 'DataResidency',
  checklistStep: 5,
  severity: 'high',
  title: 'All data, including snapshots, replicas and log copies, is stored in the allowed regions',
  remediation:
    'Move or delete the listed resources (check snapshot copies, cross-region replicas and log buckets too) so every copy is in spec.allowedRegions; if the region is acceptable, get the data owner to add it to spec.allowedRegions.',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, ['resources', 'auditTrails']);
    if (!live.ok) return live.outcome;
    const misplaced = outside(live.inventory, input.spec.allowedRegions);
    const timing = { evidenceAt: live.evidenceAt };
    if (misplaced.length > 0) {
      const perRegion = Object.entries(regionViolations(live.inventory, input.spec.allowedRegions)).map(
        ([region, count]) => `${region} (${count})`,
      );
      const findings: ControlFinding[] = misplaced.map((p) => ({
        resource: p.resource,
        message: `${p.what} in ${p.region}, outside the allowed regions`,
      }));
      return fail(
        'DataOutsideAllowedRegions',
        `${plural(misplaced.length, 'resource')} outside the allowed regions: ${listSome(perRegion)}`,
        findings,
        timing,
      );
    }
    return pass(
      'DataInAllowedRegions',
      `All data in the allowed regions (${listSome([...regionSet(input.spec.allowedRegions)])})`,
      timing,
    );
  },
};

export const regionGuardrail: Control = {
  id: 'A523-05-REGION-GUARDRAIL',
  family: 'DataResidency',
  checklistStep: 5,
  severity: 'high',
  title: 'A region guardrail denies resource creation outside the allowed regions',
  remediation:
    'Attach a region-restriction guardrail (an AWS Organizations SCP denying actions when aws:RequestedRegion is not allowed, or an Azure Policy "Allowed locations" assignment) whose regions are a subset of spec.allowedRegions.',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, []);
    if (!live.ok) return live.outcome;
    const restriction = live.inventory.guardrails.regionRestriction;
    if (restriction === undefined) return unreadFact(live.inventory, ['guardrails'], 'The region guardrail');
    const timing = { evidenceAt: live.evidenceAt };
    if (restriction === null) {
      return fail('NoRegionGuardrail', 'No region guardrail: resources can be created in any region', [], timing);
    }
    const allowed = regionSet(input.spec.allowedRegions);
    const extra = [...regionSet(restriction.allowedRegions)].filter((r) => !allowed.has(r)).sort();
    if (extra.length > 0) {
      return fail(
        'RegionGuardrailTooPermissive',
        `Guardrail ${restriction.source} also permits ${listSome(extra)}`,
        extra.map((region) => ({
          resource: restriction.source,
          message: `Guardrail permits region ${region}, not in spec.allowedRegions`,
        })),
        timing,
      );
    }
    return pass(
      'RegionGuardrailInPlace',
      `Guardrail ${restriction.source} restricts regions to the allowed ones`,
      timing,
    );
  },
};
