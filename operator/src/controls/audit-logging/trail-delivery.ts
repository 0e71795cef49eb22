// A523-09-TRAIL-DELIVERY (AuditLogging, checklist step 9): the off-platform trails keep
// delivering (the "security scores are delayed" trap: only a trail that delivers now is
// monitoring).

import type { Control, ControlFinding } from '../types.js';
import { judgeItems, pass } from '../outcome.js';
import { readLive } from '../live.js';
import { listSome, plural, truncate } from '../text.js';
import { addHours, ageInHours, earliest, isCurrent, parseTime } from '../time.js';
import { offPlatformTrails } from './trails.js';

/** A trail whose last delivery is older than this is stale. */
export const DELIVERY_MAX_AGE_HOURS = 24;
/** Characters of the provider's "why unreadable" kept per trail in the Unknown message. */
const UNREADABLE_DETAIL_MAX = 240;

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
        unreadable.push(trail.lastDeliveryUnreadable ? `${trail.id} (${truncate(trail.lastDeliveryUnreadable, UNREADABLE_DETAIL_MAX)})` : trail.id);
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
