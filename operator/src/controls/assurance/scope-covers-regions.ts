// A523-06-SCOPE-COVERS-REGIONS (AssuranceCurrent, checklist step 6): the audit reports'
// scope covers every region the service may use (spec.allowedRegions): a logo on the
// provider is not evidence for a region it was not audited in (the "trusts a logo" trap).

import type { Control } from '../types.js';
import { fail, pass } from '../outcome.js';
import { regionSet } from '../regions.js';
import { listSome, plural } from '../text.js';
import { assuranceReports, certificationNotRequired, scopeRegions } from './reports.js';

export const scopeCoversRegions: Control = {
  id: 'A523-06-SCOPE-COVERS-REGIONS',
  family: 'AssuranceCurrent',
  checklistStep: 6,
  severity: 'medium',
  title: "The audit reports' scope covers every region the service may use",
  remediation:
    "Check the scope section of the provider's report: if the listed regions are covered, record them in spec.assurance.reports[].scope.regions; if not, obtain a report that covers them or remove the regions from spec.allowedRegions.",
  needs: 'spec',
  evaluate(input) {
    if (!input.policy.certifiedProviderRequired) return certificationNotRequired(input.policy);
    const list = assuranceReports(input);
    if (list.length === 0) return pass('NoReports', 'No reports to check (see A523-06-REPORTS-CURRENT)');
    const covered = scopeRegions(list);
    const missing = [...regionSet(input.spec.allowedRegions)].filter((r) => !covered.has(r)).sort();
    if (missing.length > 0) {
      return fail(
        'ScopeMissesAllowedRegions',
        `No audit report covers allowed ${plural(missing.length, 'region')} ${listSome(missing)}`,
        missing.map((region) => ({
          resource: region,
          message: `Allowed region ${region} is not in any report's scope`,
        })),
      );
    }
    return pass('ScopeCoversAllowedRegions', 'Audit scope covers every allowed region');
  },
};
