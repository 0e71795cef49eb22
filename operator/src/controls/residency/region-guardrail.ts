// A523-05-REGION-GUARDRAIL (DataResidency, checklist step 5): a guardrail (an SCP / an
// Azure Policy) stops anyone from creating resources outside the allowed regions: the
// "region lock" of step 5, without which a developer can move production data to a
// high-risk jurisdiction.

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { readLive, unreadFact } from '../live.js';
import { regionSet } from '../regions.js';
import { listSome } from '../text.js';

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
