// AuditLogging (checklist step 9): account activity streams to a log vault the provider
// account cannot modify or delete, and keeps arriving (the "security scores are
// delayed" trap: only a trail that delivers now is monitoring).
//
// Off-platform: when spec.logVault is declared, the trail must deliver into it (its
// accountId and / or bucket, whichever are declared); without a declared vault, any
// destination owned by another account than the audited one counts. A destination
// whose owner could not be read is Unknown, not a failure. Bucket names are compared
// without "arn:aws:s3:::" / "s3://" prefixes and object prefixes; Azure storage
// account ids by their account name.

import type { CloudServiceSpec } from '../api/types.js';
import type { AuditTrail, Inventory } from '../inventory/types.js';
import type { Control, ControlFinding } from './types.js';
import { fail, judgeItems, pass, unknown } from './outcome.js';
import { readLive } from './live.js';
import { compareText, listSome, plural, truncate } from './text.js';
import { addHours, ageInHours, earliest, isCurrent, parseTime } from './time.js';

/** A trail whose last delivery is older than this is stale. */
export const DELIVERY_MAX_AGE_HOURS = 24;

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

function whyNot(trail: AuditTrail, offPlatform: boolean | undefined, vaultDeclared: boolean): string[] {
  const problems: string[] = [];
  if (!trail.multiRegion) problems.push('single-region');
  if (!trail.logging) problems.push('not logging');
  if (offPlatform === false)
    problems.push(vaultDeclared ? 'not delivering to the declared log vault' : 'delivering inside the audited account');
  if (offPlatform === undefined) problems.push('destination owner unknown');
  return problems;
}

export const offPlatformTrail: Control = {
  id: 'A523-09-OFF-PLATFORM-TRAIL',
  family: 'AuditLogging',
  checklistStep: 9,
  severity: 'high',
  title: 'A multi-region audit trail is logging to an off-platform log vault',
  remediation:
    'Create (or fix) an organisation / multi-region CloudTrail or Azure Activity Log diagnostic setting that delivers to a log vault in a separate account or subscription with object lock / immutability, and declare it in spec.logVault.',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, ['auditTrails']);
    if (!live.ok) return live.outcome;
    const inventory = live.inventory;
    const timing = { evidenceAt: live.evidenceAt };
    const good = offPlatformTrails(inventory, input.spec);
    if (good.length > 0) {
      return pass(
        'OffPlatformTrail',
        `${plural(good.length, 'multi-region trail')} logging off-platform: ${listSome(
          good.map((t) => t.id),
          3,
        )}`,
        timing,
      );
    }
    if (inventory.auditTrails.length === 0) {
      return fail('NoAuditTrail', 'No audit trail is configured', [], timing);
    }
    const vaultDeclared = Boolean(input.spec.logVault?.accountId || input.spec.logVault?.bucket);
    const trails = [...inventory.auditTrails].sort((a, b) => compareText(a.id, b.id));
    const verdicts = trails.map((t) => ({ trail: t, offPlatform: isOffPlatform(t, inventory, input.spec) }));
    // Only an unknown owner stands between a trail and passing: that is missing data.
    const undecided = verdicts.filter((v) => v.trail.multiRegion && v.trail.logging && v.offPlatform === undefined);
    if (undecided.length > 0) {
      return unknown(
        'LogDestinationOwnerUnknown',
        `Owner of the log destination unreadable for ${listSome(
          undecided.map((v) => v.trail.id),
          3,
        )}`,
        timing,
      );
    }
    const findings: ControlFinding[] = verdicts.map((v) => ({
      resource: v.trail.id,
      message: `Trail ${v.trail.id}: ${whyNot(v.trail, v.offPlatform, vaultDeclared).join(', ')}`,
    }));
    return fail(
      'NoOffPlatformTrail',
      `No multi-region trail logs off-platform (${plural(trails.length, 'trail')} checked)`,
      findings,
      timing,
    );
  },
};

export const trailDelivery: Control = {
  id: 'A523-09-TRAIL-DELIVERY',
  family: 'AuditLogging',
  checklistStep: 9,
  severity: 'high',
  title: `Off-platform trails delivered within the last ${DELIVERY_MAX_AGE_HOURS} hours without errors`,
  remediation:
    'Fix the delivery error shown (usually the vault bucket policy or KMS key policy no longer lets the trail write), confirm new log files arrive in the vault, and alert on delivery failures.',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, ['auditTrails']);
    if (!live.ok) return live.outcome;
    const trails = offPlatformTrails(live.inventory, input.spec);
    if (trails.length === 0) {
      return pass('NoOffPlatformTrail', 'No off-platform trail to check (see A523-09-OFF-PLATFORM-TRAIL)', {
        evidenceAt: live.evidenceAt,
      });
    }
    const failures: ControlFinding[] = [];
    const unreadable: string[] = [];
    const staleAt: Date[] = [];
    let errored = false;
    for (const trail of trails) {
      if (trail.lastDeliveryError) {
        errored = true;
        failures.push({
          resource: trail.id,
          message: `Trail ${trail.id}: last delivery failed: ${truncate(trail.lastDeliveryError, 160)}`,
        });
        continue;
      }
      const last = parseTime(trail.lastDeliveryAt);
      if (last === undefined) {
        unreadable.push(trail.id);
        continue;
      }
      const expiresAt = addHours(last, DELIVERY_MAX_AGE_HOURS);
      if (isCurrent(input.now, expiresAt)) staleAt.push(expiresAt);
      else
        failures.push({
          resource: trail.id,
          message: `Trail ${trail.id}: delivery stale, last delivery ${ageInHours(last, input.now)} h ago`,
        });
    }
    return judgeItems(
      { failures, unreadable },
      {
        failReason: errored ? 'LogDeliveryFailing' : 'LogDeliveryStale',
        failMessage: `${plural(failures.length, 'trail')} not delivering: ${listSome(
          failures.map((f) => f.message),
          2,
          '; ',
        )}`,
        unknownReason: 'LogDeliveryUnreadable',
        unknownMessage: `Last delivery time unreadable for ${listSome(unreadable, 3)}`,
        passReason: 'LogsDelivered',
        passMessage: `${plural(trails.length, 'off-platform trail')} delivered within ${DELIVERY_MAX_AGE_HOURS} h`,
        timing: { changesAt: earliest(staleAt), evidenceAt: live.evidenceAt },
      },
    );
  },
};
