// The controls catalog: every control, grouped by family in CONTROL_FAMILIES order, each
// imported from its own file, controls/<family>/<export-in-kebab-case>.ts, with its table
// test at test/unit/controls/<family>/<same name>.test.ts. A new control is a pure
// function in such a file plus its entry here.

import { CONTROL_FAMILIES, type ConditionType, type Control } from './types.js';
import { modelPermitted } from './responsibility/model-permitted.js';
import { matrixComplete } from './responsibility/matrix-complete.js';
import { customerAreasRetained } from './responsibility/customer-areas-retained.js';
import { matrixSignedOff } from './responsibility/matrix-signed-off.js';
import { customerDutiesMet } from './responsibility/customer-duties-met.js';
import { providerApproved } from './contract/provider-approved.js';
import { contractTerms } from './contract/contract-terms.js';
import { reportsCurrent } from './assurance/reports-current.js';
import { scopeCoversRegions } from './assurance/scope-covers-regions.js';
import { scopeCoversUsage } from './assurance/scope-covers-usage.js';
import { cuecsImplemented } from './assurance/cuecs-implemented.js';
import { exitPlanDocumented } from './exit-plan/exit-plan-documented.js';
import { exitDrillCurrent } from './exit-plan/exit-drill-current.js';
import { exitDrillVerified } from './exit-plan/exit-drill-verified.js';
import { rootMfa } from './mfa/root-mfa.js';
import { privilegedMfa } from './mfa/privileged-mfa.js';
import { breakGlassMfa } from './mfa/break-glass-mfa.js';
import { accessKeyAge } from './mfa/access-key-age.js';
import { unusedAccess } from './mfa/unused-access.js';
import { dataInAllowedRegions } from './residency/data-in-allowed-regions.js';
import { regionGuardrail } from './residency/region-guardrail.js';
import { storageEncrypted } from './encryption/storage-encrypted.js';
import { defaultVolumeEncryption } from './encryption/default-volume-encryption.js';
import { customerManagedKeys } from './encryption/customer-managed-keys.js';
import { noPublicResources } from './exposure/no-public-resources.js';
import { accountPublicAccessBlock } from './exposure/account-public-access-block.js';
import { diskExportNetwork } from './exposure/disk-export-network.js';
import { offPlatformTrail } from './audit-logging/off-platform-trail.js';
import { trailDelivery } from './audit-logging/trail-delivery.js';
import { breakGlassUsed } from './changes/break-glass-used.js';
import { networkChangesTracked } from './changes/network-changes-tracked.js';
import { iacInSync } from './insync/iac-in-sync.js';
import { lockboxEnabled } from './provider-access/lockbox-enabled.js';
import { lockboxRequestsAnswered } from './provider-access/lockbox-requests-answered.js';
import { providerAccessAttested } from './provider-access/provider-access-attested.js';

/** The ChangesTracked controls, in catalog order (family ChangesTracked). */
export const CHANGE_CONTROLS: readonly Control[] = [breakGlassUsed, networkChangesTracked];

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
  unusedAccess,
  dataInAllowedRegions,
  regionGuardrail,
  storageEncrypted,
  defaultVolumeEncryption,
  customerManagedKeys,
  noPublicResources,
  accountPublicAccessBlock,
  diskExportNetwork,
  offPlatformTrail,
  trailDelivery,
  ...CHANGE_CONTROLS,
  lockboxEnabled,
  lockboxRequestsAnswered,
  providerAccessAttested,
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
 * published as conditions: a family without controls would be permanently Unknown and
 * hold Compliant at Unknown for no reason. Every family has controls today; a test
 * catalog may leave some out.
 */
export function evaluatedFamilies(catalog: readonly Control[] = CATALOG): ConditionType[] {
  return CONTROL_FAMILIES.filter((family) => catalog.some((c) => c.family === family));
}
