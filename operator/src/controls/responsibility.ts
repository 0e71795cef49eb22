// ResponsibilityDefined, spec side (checklist steps 1 and 3): the service model is one
// the policy permits, and the shared-responsibility matrix is complete for that model,
// keeps the customer's duties with the customer, and is signed off.
//
// Required areas by model (every area the customer could hold a duty in):
//
// | area                   | IaaS | PaaS | SaaS |
// |------------------------|------|------|------|
// | physical-security      |  x   |  x   |      |
// | network                |  x   |  x   |      |
// | virtualization         |  x   |      |      |
// | os-patching            |  x   |      |      |
// | middleware             |  x   |  x   |      |
// | application-security   |  x   |  x   |  x   |
// | identity-and-access    |  x   |  x   |  x   |
// | data                   |  x   |  x   |  x   |
// | encryption-keys        |  x   |  x   |  x   |
// | logging-and-monitoring |  x   |  x   |  x   |
// | backup                 |  x   |  x   |  x   |
//
// PaaS drops only the two layers the provider runs wholly (hypervisor, OS); middleware
// stays because the runtime versions you pick are yours to patch (the "who patches
// the middleware" trap). Rows beyond the required ones are accepted.
//
// Areas that must never be provider-only (owner `provider`), the "vendor handles
// everything" trap; `shared` is fine:
//   IaaS: os-patching, middleware, application-security, identity-and-access, data
//   PaaS: application-security, identity-and-access, data
//   SaaS: identity-and-access, data

import { RESPONSIBILITY_AREA_VALUES, type ResponsibilityArea, type ResponsibilityEntry, type ServiceModel } from '../api/types.js';
import type { Control, ControlInput, ControlOutcome } from './types.js';
import { ALL_SERVICE_MODELS } from './policy.js';
import { fail, pass } from './outcome.js';
import { listSome, plural } from './text.js';
import { formatDay, isImplausiblyFuture, parseTime } from './time.js';

/** Every area of the matrix, in the CRD's order (the schema's enum is the source). */
export const ALL_RESPONSIBILITY_AREAS: readonly ResponsibilityArea[] = RESPONSIBILITY_AREA_VALUES;

export const REQUIRED_AREAS: Readonly<Record<ServiceModel, readonly ResponsibilityArea[]>> = {
  IaaS: ALL_RESPONSIBILITY_AREAS,
  PaaS: ALL_RESPONSIBILITY_AREAS.filter((a) => a !== 'virtualization' && a !== 'os-patching'),
  SaaS: ['identity-and-access', 'data', 'encryption-keys', 'logging-and-monitoring', 'backup', 'application-security'],
};

/** Duties that stay with the customer whatever the contract says. */
export const UNIVERSAL_CUSTOMER_AREAS: readonly ResponsibilityArea[] = ['identity-and-access', 'data'];

export const CUSTOMER_RETAINED_AREAS: Readonly<Record<ServiceModel, readonly ResponsibilityArea[]>> = {
  IaaS: ['os-patching', 'middleware', 'application-security', ...UNIVERSAL_CUSTOMER_AREAS],
  PaaS: ['application-security', ...UNIVERSAL_CUSTOMER_AREAS],
  SaaS: UNIVERSAL_CUSTOMER_AREAS,
};

export function isKnownModel(model: string): model is ServiceModel {
  return (ALL_SERVICE_MODELS as readonly string[]).includes(model);
}

function matrixRows(input: ControlInput): ResponsibilityEntry[] {
  return input.spec.sharedResponsibility?.areas ?? [];
}

function unknownModel(model: string): ControlOutcome {
  return fail('UnknownServiceModel', `Service model "${model}" is not one of ${ALL_SERVICE_MODELS.join(', ')}`);
}

export const modelPermitted: Control = {
  id: 'A523-01-MODEL-PERMITTED',
  family: 'ResponsibilityDefined',
  checklistStep: 1,
  severity: 'high',
  title: 'The service model is permitted by the cloud usage policy',
  remediation:
    'Either move the workload to a service model the cloud usage policy permits, or have the policy owner add this model to permittedModels in the CloudSecurityPolicy with its mandatory configuration.',
  needs: 'spec',
  evaluate(input) {
    const model = input.spec.model;
    if (!isKnownModel(model)) return unknownModel(model);
    if (!input.policy.permittedModels.includes(model)) {
      const permitted = input.policy.permittedModels.length > 0 ? input.policy.permittedModels.join(', ') : 'none';
      return fail('ModelNotPermitted', `Model ${model} is not permitted by the policy (permitted: ${permitted})`);
    }
    return pass('ModelPermitted', `Model ${model} is permitted by the policy`);
  },
};

export const matrixComplete: Control = {
  id: 'A523-03-MATRIX-COMPLETE',
  family: 'ResponsibilityDefined',
  checklistStep: 3,
  severity: 'high',
  title: 'The shared-responsibility matrix names an owner for every area of the service model',
  remediation:
    'Add spec.sharedResponsibility.areas with one row per area listed in the finding, each marked provider, customer or shared after reading the provider documentation for this service; do not assume the provider handles an area.',
  needs: 'spec',
  evaluate(input) {
    const model = input.spec.model;
    if (!isKnownModel(model)) return unknownModel(model);
    const rows = matrixRows(input);
    if (rows.length === 0) {
      return fail('MatrixMissing', 'No shared-responsibility matrix is recorded');
    }
    const owners = new Map<string, Set<string>>();
    for (const row of rows) owners.set(row.area, (owners.get(row.area) ?? new Set()).add(row.owner));
    const missing = REQUIRED_AREAS[model].filter((area) => !owners.has(area));
    const conflicting = [...owners.entries()]
      .filter(([, set]) => set.size > 1)
      .map(([area]) => area)
      .sort();
    const findings = [
      ...missing.map((area) => ({ resource: area, message: `No owner recorded for ${area} (required for ${model})` })),
      ...conflicting.map((area) => ({ resource: area, message: `${area} is listed with different owners` })),
    ];
    if (missing.length > 0) {
      return fail(
        'MatrixIncomplete',
        `Matrix lacks ${plural(missing.length, 'area')} required for ${model}: ${listSome(missing)}`,
        findings,
      );
    }
    if (conflicting.length > 0) {
      return fail('MatrixConflicting', `Matrix gives conflicting owners for ${listSome(conflicting)}`, findings);
    }
    return pass('MatrixComplete', `Matrix covers all ${REQUIRED_AREAS[model].length} areas required for ${model}`);
  },
};

export const customerAreasRetained: Control = {
  id: 'A523-03-CUSTOMER-AREAS-RETAINED',
  family: 'ResponsibilityDefined',
  checklistStep: 3,
  severity: 'high',
  title: 'No customer duty is assigned to the provider alone',
  remediation:
    'Re-assign the listed areas to customer or shared and name who in your organisation does the work (for example who patches the middleware you installed); the provider does not handle everything, whatever its tier.',
  needs: 'spec',
  evaluate(input) {
    const model = input.spec.model;
    const retained = isKnownModel(model) ? CUSTOMER_RETAINED_AREAS[model] : UNIVERSAL_CUSTOMER_AREAS;
    const rows = matrixRows(input);
    if (rows.length === 0) return pass('NoMatrix', 'No matrix rows to check (see A523-03-MATRIX-COMPLETE)');
    const misplaced = [
      ...new Set(rows.filter((r) => r.owner === 'provider' && retained.includes(r.area)).map((r) => r.area)),
    ].sort();
    if (misplaced.length > 0) {
      return fail(
        'CustomerDutyAssignedToProvider',
        `Matrix assigns customer duties to the provider alone: ${listSome(misplaced)}`,
        misplaced.map((area) => ({
          resource: area,
          message: `${area} is marked provider-only, but in ${isKnownModel(model) ? model : 'every model'} it stays with the customer`,
        })),
      );
    }
    return pass('CustomerDutiesRetained', 'Customer duties are kept by the customer');
  },
};

export const matrixSignedOff: Control = {
  id: 'A523-03-MATRIX-SIGNED-OFF',
  family: 'ResponsibilityDefined',
  checklistStep: 3,
  severity: 'medium',
  title: 'The shared-responsibility matrix is signed off by the head of IT',
  remediation:
    'Have the head of IT review the matrix and record spec.sharedResponsibility.signedOffBy (name or role) and signedOffAt (ISO 8601 date) once it is agreed.',
  needs: 'spec',
  evaluate(input) {
    const matrix = input.spec.sharedResponsibility;
    const by = matrix?.signedOffBy?.trim() ?? '';
    const at = parseTime(matrix?.signedOffAt);
    const problems: string[] = [];
    if (by === '') problems.push('no signatory recorded');
    if (matrix?.signedOffAt === undefined || matrix.signedOffAt.trim() === '') problems.push('no sign-off date');
    else if (at === undefined) problems.push(`sign-off date "${matrix.signedOffAt}" is not an ISO 8601 date`);
    else if (isImplausiblyFuture(at, input.now)) problems.push(`sign-off date ${formatDay(at)} is in the future`);
    if (problems.length > 0 || at === undefined) {
      return fail('SignOffMissing', `Matrix is not signed off: ${problems.join(', ')}`);
    }
    return pass('SignedOff', `Matrix signed off by ${by} on ${formatDay(at)}`, { evidenceAt: at });
  },
};
