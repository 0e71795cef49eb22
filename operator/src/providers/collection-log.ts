// Bookkeeping every collector keeps during one collection, whatever the provider:
// API attempts for the calls metric, and gaps (areas not fully read) for status.

import type { Provider } from '../api/types.js';
import type { CollectionGap, InventoryArea } from '../inventory/types.js';
import type { ApiCallHook } from './types.js';

/** Counts the API attempts of one collection and forwards them to the metric hook. */
export class ApiCallRecorder {
  total = 0;
  readonly byOperation = new Map<string, number>();
  readonly byOperationAndCode = new Map<string, number>();

  constructor(
    private readonly provider: Provider,
    private readonly hook?: ApiCallHook,
  ) {}

  record(operation: string, code: string): void {
    this.total += 1;
    this.byOperation.set(operation, (this.byOperation.get(operation) ?? 0) + 1);
    const key = `${operation} ${code}`;
    this.byOperationAndCode.set(key, (this.byOperationAndCode.get(key) ?? 0) + 1);
    try {
      this.hook?.(this.provider, operation, code);
    } catch {
      // a metrics hook must never break a collection
    }
  }
}

/** A few examples per gap keep status readable when a whole region or page set fails. */
const MAX_GAP_DETAILS = 3;

/** Gaps deduplicated by area + reason, each with up to three distinct details. */
export class GapLog {
  private readonly entries = new Map<string, { area: InventoryArea; reason: CollectionGap['reason']; details: string[]; count: number }>();

  add(area: InventoryArea, reason: CollectionGap['reason'], detail: string): void {
    const key = `${area}/${reason}`;
    const entry = this.entries.get(key);
    if (!entry) {
      this.entries.set(key, { area, reason, details: [detail], count: 1 });
      return;
    }
    entry.count++;
    if (entry.details.length < MAX_GAP_DETAILS && !entry.details.includes(detail)) entry.details.push(detail);
  }

  /** Sorted, so the same failures give the same status whatever order calls finished in. */
  list(): CollectionGap[] {
    return [...this.entries.values()]
      .map(({ area, reason, details, count }) => ({
        area,
        reason,
        message: `${details.join('; ')}${count > details.length ? ` (+${count - details.length} more)` : ''}`,
      }))
      .sort((a, b) => (a.area + a.reason).localeCompare(b.area + b.reason));
  }
}
