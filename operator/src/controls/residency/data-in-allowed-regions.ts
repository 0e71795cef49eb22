// A523-05-DATA-IN-ALLOWED-REGIONS (DataResidency, checklist step 5): every copy of the
// data (snapshots, replicas and audit-log destinations included) is stored in
// spec.allowedRegions. The placement is placement.ts's.

import type { Control, ControlFinding } from '../types.js';
import { fail, pass } from '../outcome.js';
import { regionSet } from '../regions.js';
import { listSome, plural } from '../text.js';
import { readPlacement } from './placement.js';

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
    const read = readPlacement(input);
    if (!read.ok) return read.outcome;
    const misplaced = read.placement.outside;
    const timing = { evidenceAt: read.evidenceAt };
    if (misplaced.length > 0) {
      const perRegion = Object.entries(read.placement.violations).map(([region, count]) => `${region} (${count})`);
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
