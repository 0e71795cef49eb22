// The providerAccess area on an assembled inventory, for any provider: the facts read
// (Azure Customer Lockbox, the AWS Support role), their evidence time, and the area's
// gaps merged in the order every gap list keeps (collection-log.ts).

import type { ProviderAccessFacts } from '../inventory/provider-access.js';
import type { CollectionGap, Inventory } from '../inventory/types.js';

/**
 * `inventory` with `providerAccess` (only when something was read: an unread area is
 * absent, never empty facts) and `gaps` added to its own. `readAt` is when the facts
 * were read (the collection's start, like the other live areas).
 */
export function withProviderAccess(inventory: Inventory, facts: ProviderAccessFacts | undefined, readAt: string, gaps: readonly CollectionGap[] = []): Inventory {
  const read = facts !== undefined && Object.keys(facts).length > 0;
  return {
    ...inventory,
    ...(read ? { providerAccess: facts, evidenceTimes: { ...inventory.evidenceTimes, providerAccess: readAt } } : {}),
    gaps: [...inventory.gaps, ...gaps].sort((a, b) => (a.area + a.reason).localeCompare(b.area + b.reason)),
  };
}
