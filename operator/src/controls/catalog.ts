// The controls catalog: every control, grouped by family in CONTROL_FAMILIES order.
// A new control is a pure function plus its entry here.

import { CHANGE_CONTROLS } from './changes.js';
import { CONTROL_FAMILIES, type ConditionType, type Control } from './types.js';
import { customerAreasRetained, matrixComplete, matrixSignedOff, modelPermitted } from './responsibility.js';
import { customerDutiesMet } from './responsibility-live.js';
import { contractTerms, providerApproved } from './contract.js';
import { cuecsImplemented, reportsCurrent, scopeCoversRegions, scopeCoversUsage } from './assurance.js';
import { exitDrillCurrent, exitPlanDocumented } from './exitplan.js';
import { exitDrillVerified } from './exitdrill-live.js';
import { accessKeyAge, breakGlassMfa, privilegedMfa, rootMfa } from './mfa.js';
import { dataInAllowedRegions, regionGuardrail } from './residency.js';
import { customerManagedKeys, defaultVolumeEncryption, storageEncrypted } from './encryption.js';
import { accountPublicAccessBlock, noPublicResources } from './exposure.js';
import { offPlatformTrail, trailDelivery } from './auditlogging.js';
import { iacInSync } from './insync.js';

export const CATALOG: readonly Control[] = [
  modelPermitted,
  matrixComplete,
  customerAreasRetained,
  matrixSignedOff,
  customerDutiesMet,
  providerApproved,
  contractTerms,
  reportsCurrent,
  scopeCoversRegions,
  scopeCoversUsage,
  cuecsImplemented,
  exitPlanDocumented,
  exitDrillCurrent,
  exitDrillVerified,
  rootMfa,
  privilegedMfa,
  breakGlassMfa,
  accessKeyAge,
  dataInAllowedRegions,
  regionGuardrail,
  storageEncrypted,
  defaultVolumeEncryption,
  customerManagedKeys,
  noPublicResources,
  accountPublicAccessBlock,
  offPlatformTrail,
  trailDelivery,
  ...CHANGE_CONTROLS,
  iacInSync,
];

export function controlsByFamily(family: ConditionType, catalog: readonly Control[] = CATALOG): Control[] {
  return catalog.filter((c) => c.family === family);
}

export function controlById(id: string, catalog: readonly Control[] = CATALOG): Control | undefined {
  return catalog.find((c) => c.id === id);
}

/**
 * Families with at least one control, in CONTROL_FAMILIES order. Only these are
 * published as conditions: ChangesTracked and InSync have no evaluator yet, and a
 * condition that is permanently Unknown would hold Compliant at Unknown for no reason.
 */
export function evaluatedFamilies(catalog: readonly Control[] = CATALOG): ConditionType[] {
  return CONTROL_FAMILIES.filter((family) => catalog.some((c) => c.family === family));
}
