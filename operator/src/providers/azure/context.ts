// What every Azure area module reads through during one collection: the abort signal,
// error classification (secrets redacted), each area's outcome, and gap recording.
// Unlike AWS, an area's failure is kept as an outcome first: only once every area has
// answered does the collector decide whether the failures end the collection.

import type { CollectionGap, InventoryArea } from '../../inventory/types.js';
import { GapLog } from '../collection-log.js';
import { classifyAzureError, azureGapReason, type AzureFailureReason, type ClassifiedAzureError } from './errors.js';

/** Reasons that make every read of the target fail: no inventory at all. */
export const FATAL_REASONS: ReadonlySet<AzureFailureReason> = new Set<AzureFailureReason>(['CredentialsMissing', 'CredentialsInvalid', 'AccountNotFound']);

/** A failed area: the classified error and the call it came from. */
export interface AreaFailure {
  error: ClassifiedAzureError;
  context: string;
}

/** One area's outcome: a value, or the classified error. */
export type Outcome<T> = { ok: true; value: T } | ({ ok: false } & AreaFailure);

export async function collectAll<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** One collection of one subscription and its tenant. */
export class AzureCollection {
  private readonly gapLog = new GapLog();
  readonly failures: AreaFailure[] = [];
  /** Options for SDK calls: every request stops with the collection. */
  readonly o: { abortSignal: AbortSignal };

  constructor(
    readonly signal: AbortSignal,
    private readonly secrets: readonly string[],
  ) {
    this.o = { abortSignal: signal };
  }

  classify(err: unknown): ClassifiedAzureError {
    return classifyAzureError(err, this.secrets);
  }

  /** Runs one area; a failure is kept as its outcome (and in `failures`). Aborts propagate. */
  async area<T>(context: string, fn: () => Promise<T>): Promise<Outcome<T>> {
    try {
      return { ok: true, value: await fn() };
    } catch (err) {
      if (this.signal.aborted) throw this.signal.reason ?? err;
      const error = this.classify(err);
      this.failures.push({ error, context });
      return { ok: false, error, context };
    }
  }

  /** True when `err` must end the collection rather than leave a gap. */
  mustStop(err: unknown): boolean {
    return this.signal.aborted || FATAL_REASONS.has(this.classify(err).reason);
  }

  gap(areas: readonly InventoryArea[], failure: AreaFailure): void {
    const reason = azureGapReason(failure.error.reason);
    const detail = `${failure.context}: ${failure.error.code}${failure.error.reason === 'LicenseRequired' ? ' (Microsoft Entra ID P1 or P2 required)' : ''}`;
    for (const area of areas) this.gapLog.add(area, reason, detail);
  }

  gaps(): CollectionGap[] {
    return this.gapLog.list();
  }
}
