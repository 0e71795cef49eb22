// A523-09-OFF-PLATFORM-TRAIL (AuditLogging, checklist step 9): account activity streams,
// from every region, to a log vault the audited account cannot modify or delete
// (trails.ts says which trails qualify).

import type { AuditTrail } from '../../inventory/types.js';
import type { Control, ControlFinding } from '../types.js';
import { fail, pass, unknown } from '../outcome.js';
import { readLive } from '../live.js';
import { compareText, listSome, plural } from '../text.js';
import { isOffPlatform, offPlatformTrails } from './trails.js';

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
