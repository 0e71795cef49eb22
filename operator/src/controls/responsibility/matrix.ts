// ResponsibilityDefined (checklist steps 1 and 3): what the shared-responsibility matrix
// must hold for each service model, shared by the matrix controls and the report.
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

import {
  RESPONSIBILITY_AREA_VALUES,
  type ResponsibilityArea,
  type ResponsibilityEntry,
  type ServiceModel,
} from '../../api/types.js';
import type { ControlInput, ControlOutcome } from '../types.js';
import { ALL_SERVICE_MODELS } from '../policy.js';
import { fail } from '../outcome.js';

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

/** spec.sharedResponsibility.areas, none when there is no matrix. */
export function matrixRows(input: ControlInput): ResponsibilityEntry[] {
  return input.spec.sharedResponsibility?.areas ?? [];
}

/** The failure of a matrix control for a model outside the enum (controls are total). */
export function unknownModel(model: string): ControlOutcome {
  return fail('UnknownServiceModel', `Service model "${model}" is not one of ${ALL_SERVICE_MODELS.join(', ')}`);
}
