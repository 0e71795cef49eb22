// The scaffold of one collection, whatever the provider: the collection's own abort
// signal linked to the caller's, the failure that ends a collection, the mapping of
// every way out (fatal failure, abort, unexpected error) to `{ ok: false, failure }`,
// and the Inventory assembled from the areas read. Collectors only read their areas.

import type { Provider } from '../api/types.js';
import type {
  ApiAnswer,
  AuditTrail,
  CollectionFailure,
  CollectionGap,
  Guardrails,
  Identity,
  Inventory,
  InventoryResult,
  Resource,
} from '../inventory/types.js';

/** A provider error mapped to a reason, with a redacted, bounded message. */
export interface ClassifiedFailure {
  reason: string;
  /** Provider error code, Node errno or HTTP status. */
  code: string;
  message: string;
}

/** A failure that ends the whole collection (no inventory). */
export class FatalCollection extends Error {
  constructor(readonly failure: CollectionFailure) {
    super(failure.message);
  }

  /** `<context>: <code>: <message>` of a classified error. */
  static of(context: string, error: ClassifiedFailure): FatalCollection {
    return new FatalCollection({ reason: error.reason, message: `${context}: ${error.code}: ${error.message}` });
  }
}

/** What the body of a collection sees of its run. */
export interface CollectionControl {
  /** Aborted when the caller aborts or the collection stops itself. */
  readonly signal: AbortSignal;
  /** Stops every area still reading (a fatal failure in one of them). */
  stop(reason: unknown): void;
}

export interface CollectionOptions {
  /** The caller's signal. */
  signal?: AbortSignal | undefined;
  /** Maps an unexpected error (redacting the target's secrets). */
  classify: (err: unknown) => ClassifiedFailure;
  /** Runs after the body however it ended (closes clients and sockets). */
  cleanup?: () => void;
}

/** Runs one collection; never rejects. */
export async function runCollection(
  options: CollectionOptions,
  body: (control: CollectionControl) => Promise<Inventory>,
): Promise<InventoryResult> {
  const { signal } = options;
  const ctl = new AbortController();
  const onAbort = (): void => ctl.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return { ok: true, inventory: await body({ signal: ctl.signal, stop: (reason) => ctl.abort(reason) }) };
  } catch (err) {
    if (err instanceof FatalCollection) return { ok: false, failure: err.failure };
    if (signal?.aborted || ctl.signal.aborted) return { ok: false, failure: { reason: 'Aborted', message: 'collection cancelled' } };
    const c = options.classify(err);
    return { ok: false, failure: { reason: c.reason, message: `${c.code}: ${c.message}` } };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    options.cleanup?.();
  }
}

/**
 * Waits for every area. The first area to fail the whole collection (FatalCollection)
 * stops the others, and so does the caller's abort: nothing waits for their requests.
 * Otherwise the first rejection in `areas` order is thrown once all have settled.
 */
export async function settleAreas<T extends readonly unknown[]>(
  control: CollectionControl,
  areas: { readonly [K in keyof T]: Promise<T[K]> },
): Promise<T> {
  const guarded = (areas as readonly Promise<unknown>[]).map((p) =>
    p.catch((err: unknown) => {
      if (err instanceof FatalCollection) control.stop(err);
      throw err;
    }),
  );
  const stopped = new Promise<never>((_, reject) => {
    const onStop = (): void => reject(control.signal.reason);
    if (control.signal.aborted) onStop();
    else control.signal.addEventListener('abort', onStop, { once: true });
  });
  stopped.catch(() => undefined);
  const settled = await Promise.race([Promise.allSettled(guarded), stopped]);
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** The areas of one collection, read. */
export interface CollectedAreas {
  provider: Provider;
  accountId: string;
  /** Who the collection read as (Inventory.readAs). */
  readAs?: string;
  /** When the collection started: the evidence time of every area read live. */
  startedAt: string;
  collectedAt: string;
  /** When the identity facts were produced (a report's time); omitted when unknown. */
  identitiesAt?: string | undefined;
  identities: Identity[];
  rootMfaEnabled?: boolean | undefined;
  resources: Resource[];
  guardrails: Guardrails;
  auditTrails: AuditTrail[];
  gaps: CollectionGap[];
  apiCalls: number;
  /** The answers' digests (answers.ts), bounded; `answersOmitted` counts the rest. */
  answers?: ApiAnswer[];
  answersOmitted?: number;
}

export function assembleInventory(a: CollectedAreas): Inventory {
  return {
    provider: a.provider,
    accountId: a.accountId,
    ...(a.readAs ? { readAs: a.readAs } : {}),
    collectedAt: a.collectedAt,
    evidenceTimes: {
      ...(a.identitiesAt ? { identities: a.identitiesAt } : {}),
      resources: a.startedAt,
      guardrails: a.startedAt,
      auditTrails: a.startedAt,
      exposure: a.startedAt,
      encryption: a.startedAt,
    },
    identities: a.identities,
    ...(a.rootMfaEnabled !== undefined ? { rootMfaEnabled: a.rootMfaEnabled } : {}),
    resources: a.resources,
    guardrails: a.guardrails,
    auditTrails: a.auditTrails,
    gaps: a.gaps,
    apiCalls: a.apiCalls,
    ...(a.answers ? { answers: a.answers } : {}),
    ...(a.answersOmitted ? { answersOmitted: a.answersOmitted } : {}),
  };
}
