// Which inventory areas each live control rests on: the areas its readLive / unreadFact
// calls name, reviewed per control. The evidence record lists, under each live control,
// the digests of the API answers that fed those areas (evidence/api-calls.ts). A test
// holds this table to the catalog: every control with `needs: 'live'` has an entry.

import type { InventoryArea } from '../inventory/types.js';

export const LIVE_CONTROL_AREAS: Readonly<Record<string, readonly InventoryArea[]>> = {
  // composes the encryption and MFA controls below (DUTY_EVIDENCE)
  'A523-03-CUSTOMER-DUTIES-MET': ['identities', 'resources', 'encryption', 'guardrails'],
  'A523-04-IAC-IN-SYNC': ['resources'],
  'A523-04-STORAGE-ENCRYPTED': ['resources', 'encryption'],
  // the per-region default lives in guardrails; its reads are the encryption area's
  'A523-04-DEFAULT-ENCRYPTION': ['resources', 'encryption', 'guardrails'],
  'A523-04-CUSTOMER-MANAGED-KEYS': ['resources', 'encryption'],
  'A523-04-NO-PUBLIC-RESOURCES': ['resources', 'exposure'],
  // AWS: s3control GetPublicAccessBlock (exposure); Azure: a policy assignment (guardrails)
  'A523-04-ACCOUNT-PUBLIC-ACCESS-BLOCK': ['exposure', 'guardrails'],
  'A523-04-DISK-EXPORT-NETWORK': ['resources', 'exposure'],
  'A523-05-DATA-IN-ALLOWED-REGIONS': ['resources', 'auditTrails'],
  'A523-05-REGION-GUARDRAIL': ['guardrails'],
  'A523-06-SCOPE-COVERS-USAGE': ['resources'],
  // AWS: iam:GetAccountSummary (AccountMFAEnabled); Azure: the registration report
  'A523-08-ROOT-MFA': ['identities'],
  'A523-08-PRIVILEGED-MFA': ['identities'],
  'A523-08-BREAK-GLASS-MFA': ['identities'],
  'A523-08-ACCESS-KEY-AGE': ['identities'],
  'A523-08-UNUSED-ACCESS': ['identities', 'signInActivity'],
  'A523-09-OFF-PLATFORM-TRAIL': ['auditTrails'],
  'A523-09-TRAIL-DELIVERY': ['auditTrails'],
  // Azure: tenantOptedIn, the Lockbox requests and their UpdateApproval Activity Log events
  'A523-09-LOCKBOX-ENABLED': ['providerAccess'],
  'A523-09-LOCKBOX-REQUESTS-ANSWERED': ['providerAccess'],
};

/** The areas a live control rests on; empty for a control that reads no inventory. */
export function liveAreasOf(controlId: string): readonly InventoryArea[] {
  return LIVE_CONTROL_AREAS[controlId] ?? [];
}
