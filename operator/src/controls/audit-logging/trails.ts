// AuditLogging (checklist step 9): which audit trails deliver off-platform, shared by the
// trail controls. When spec.logVault is declared, the trail must deliver into it (its
// accountId and / or bucket, whichever are declared); without a declared vault, any
// destination owned by another account than the audited one counts. A destination whose
// owner could not be read is undecided (undefined), not a failure. Bucket names are
// compared without "arn:aws:s3:::" / "s3://" prefixes and object prefixes; Azure storage
// account ids by their account name.

import type { CloudServiceSpec } from '../../api/types.js';
import type { AuditTrail, Inventory } from '../../inventory/types.js';
import { compareText } from '../text.js';

/** "arn:aws:s3:::vault/prefix", "s3://vault", ".../storageAccounts/vault" → "vault". */
export function storageName(value: string): string {
  let name = value.trim().toLowerCase();
  const azure = name.match(/\/storageaccounts\/([^/]+)/);
  if (azure?.[1] !== undefined) return azure[1];
  for (const prefix of ['arn:aws:s3:::', 's3://', 'https://']) {
    if (name.startsWith(prefix)) name = name.slice(prefix.length);
  }
  return name.split('/')[0] ?? name;
}

/** true / false, or undefined when the destination's owner could not be read. */
export function isOffPlatform(trail: AuditTrail, inventory: Inventory, spec: CloudServiceSpec): boolean | undefined {
  const vault = spec.logVault;
  const checks: Array<boolean | undefined> = [];
  if (vault?.accountId) {
    checks.push(trail.destinationAccountId === undefined ? undefined : trail.destinationAccountId === vault.accountId);
  }
  if (vault?.bucket) {
    checks.push(
      trail.destination === undefined ? undefined : storageName(trail.destination) === storageName(vault.bucket),
    );
  }
  if (checks.length === 0) {
    checks.push(
      trail.destinationAccountId === undefined ? undefined : trail.destinationAccountId !== inventory.accountId,
    );
  }
  if (checks.includes(false)) return false;
  if (checks.includes(undefined)) return undefined;
  return true;
}

/** Trails that record every region, are logging, and deliver off-platform. */
export function offPlatformTrails(inventory: Inventory, spec: CloudServiceSpec): AuditTrail[] {
  return inventory.auditTrails
    .filter((t) => t.multiRegion && t.logging && isOffPlatform(t, inventory, spec) === true)
    .sort((a, b) => compareText(a.id, b.id));
}
