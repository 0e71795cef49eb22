// Audit trails of the subscription: its Activity Log diagnostic settings, one trail
// per destination (storage account, Log Analytics workspace, event hub). Read by
// `readDiagnosticSettings`; mapped by `trailsFromDiagnosticSettings` (pure, unit-tested).

import type { MonitorClient } from '@azure/arm-monitor';

import type { AuditTrail } from '../../inventory/types.js';
import type { AzureCollection, Outcome } from './context.js';
import { lower, subscriptionOf } from './ids.js';

export interface ArmDiagnosticSetting {
  id?: string;
  name?: string;
  storageAccountId?: string;
  workspaceId?: string;
  eventHubAuthorizationRuleId?: string;
  serviceBusRuleId?: string;
  logs?: Array<{ category?: string; categoryGroup?: string; enabled: boolean }>;
}

/** Activity-log categories that record control-plane writes. */
function recordsAdministrative(s: ArmDiagnosticSetting): boolean {
  return (s.logs ?? []).some(
    (l) => l.enabled && (lower(l.category) === 'administrative' || ['alllogs', 'audit'].includes(lower(l.categoryGroup))),
  );
}

/**
 * Subscription activity-log diagnostic settings -> audit trails, one per destination
 * (storage account, Log Analytics workspace, event hub). The activity log covers
 * every region of the subscription. `locate` gives the region of a destination this
 * subscription holds (undefined for destinations elsewhere).
 */
export function trailsFromDiagnosticSettings(
  settings: readonly ArmDiagnosticSetting[],
  subscriptionId: string,
  locate: (resourceId: string) => string | undefined,
): AuditTrail[] {
  const trails: AuditTrail[] = [];
  for (const s of settings) {
    const id = s.id ?? `/subscriptions/${subscriptionId}/providers/microsoft.insights/diagnosticSettings/${s.name ?? 'unnamed'}`;
    const destinations = (
      [
        ['storage', s.storageAccountId],
        ['workspace', s.workspaceId],
        ['eventhub', s.eventHubAuthorizationRuleId ?? s.serviceBusRuleId],
      ] as const
    ).filter((d): d is readonly ['storage' | 'workspace' | 'eventhub', string] => typeof d[1] === 'string' && d[1] !== '');
    const logging = recordsAdministrative(s);
    if (destinations.length === 0) {
      trails.push({ id, region: 'global', multiRegion: true, logging });
      continue;
    }
    for (const [kind, destination] of destinations) {
      const owner = subscriptionOf(destination);
      const region = locate(destination);
      trails.push({
        id: destinations.length === 1 ? id : `${id}#${kind}`,
        region: 'global',
        multiRegion: true,
        logging,
        destination,
        ...(owner ? { destinationAccountId: owner } : {}),
        ...(region ? { destinationRegion: region } : {}),
      });
    }
  }
  return trails.sort((a, b) => a.id.localeCompare(b.id));
}

/** The subscription's diagnostic settings (one call, no paging). */
export async function readDiagnosticSettings(c: AzureCollection, monitor: Pick<MonitorClient, 'diagnosticSettings'>, subscriptionId: string): Promise<ArmDiagnosticSetting[]> {
  const r = await monitor.diagnosticSettings.list(`subscriptions/${subscriptionId}`, c.o);
  return (r.value ?? []) as ArmDiagnosticSetting[];
}

/** The trails from the settings read; an unreadable list is an auditTrails gap (no trails). */
export function trailsFromRead(
  c: AzureCollection,
  read: Outcome<ArmDiagnosticSetting[]>,
  subscriptionId: string,
  locate: (resourceId: string) => string | undefined,
): AuditTrail[] {
  if (read.ok) return trailsFromDiagnosticSettings(read.value, subscriptionId, locate);
  c.gap(['auditTrails'], read);
  return [];
}
