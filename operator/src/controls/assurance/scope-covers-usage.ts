// A523-06-SCOPE-COVERS-USAGE (AssuranceCurrent, checklist step 6, live): the audit
// reports' scope covers every region the account actually holds resources in.

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { readLive } from '../live.js';
import { regionsInUse } from '../regions.js';
import { listSome, plural } from '../text.js';
import { assuranceReports, certificationNotRequired, scopeRegions } from './reports.js';

export const scopeCoversUsage: Control = {
  id: 'A523-06-SCOPE-COVERS-USAGE',
  family: 'AssuranceCurrent',
  checklistStep: 6,
  severity: 'high',
  title: "The audit reports' scope covers every region the account actually uses",
  remediation:
    "Move or delete the resources in regions outside the audited scope, or obtain the provider's report covering those regions and record them in spec.assurance.reports[].scope.regions.",
  needs: 'live',
  evaluate(input) {
    if (!input.policy.certifiedProviderRequired) return certificationNotRequired(input.policy);
    const list = assuranceReports(input);
    if (list.length === 0) return pass('NoReports', 'No reports to check (see A523-06-REPORTS-CURRENT)');
    const live = readLive(input, ['resources']);
    if (!live.ok) return live.outcome;
    const covered = scopeRegions(list);
    const missing = regionsInUse(live.inventory).filter((r) => !covered.has(r));
    const timing = { evidenceAt: live.evidenceAt };
    if (missing.length > 0) {
      return fail(
        'ScopeMissesRegionsInUse',
        `Resources in ${plural(missing.length, 'region')} outside the audited scope: ${listSome(missing)}`,
        missing.map((region) => ({
          resource: region,
          message: `Region ${region} holds resources but no audit report covers it`,
        })),
        timing,
      );
    }
    return pass('ScopeCoversRegionsInUse', 'Audit scope covers every region in use', timing);
  },
};
