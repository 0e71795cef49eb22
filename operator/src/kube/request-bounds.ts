// Bounds on Kubernetes API requests. client-node 1.4.0 sets no timeout, so a request on a
// connection that stopped forwarding waits forever. Its fetch passes RequestContext's
// signal to node-fetch, which aborts connect, headers and body reads alike: every client
// made here sets that signal to fire at the request timeout, or as soon as the call scope
// it was made in is aborted (a reconcile past its deadline, a leader past its renew
// deadline). The scope reaches the status write and the Events of a reconcile without
// threading a signal through every layer, and a request made in an aborted scope is
// refused before it is sent: that is the write fence of a leader that lost its Lease.

import { AsyncLocalStorage } from 'node:async_hooks';
import {
  createConfiguration,
  KubeConfig,
  Observable,
  ServerConfiguration,
  type ApiConstructor,
  type ApiType,
  type ConfigurationOptions,
  type Middleware,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { reuseConnections } from './connection-reuse.js';

/** A Kubernetes API request (connect to the last body byte) is cut after this long unless configured; milliseconds. */
export const DEFAULT_KUBE_REQUEST_TIMEOUT_MS = 30_000;

/** Why a request was cut at its timeout (a scope's abort carries the scope's own reason). */
export class KubeRequestTimeoutError extends Error {
  override readonly name = 'KubeRequestTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`Kubernetes API request timed out after ${timeoutMs} ms`);
  }
}

const callScope = new AsyncLocalStorage<AbortSignal>();

/** Runs `work` so that every Kubernetes request it makes, directly or in anything it starts, is aborted with `signal`. */
export function runInCallScope<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return callScope.run(signal, work);
}

/** The signal of the call scope the caller runs in, if any. */
export function currentCallScope(): AbortSignal | undefined {
  return callScope.getStore();
}

/** The signal one request carries: its timeout, the scope it was made in, and the caller's own signal. */
export function requestSignal(timeoutMs: number, extra?: AbortSignal, scope: AbortSignal | undefined = currentCallScope()): AbortSignal {
  // AbortSignal.timeout's reason is a DOMException without the bound in it: name it.
  const bounded = relabel(AbortSignal.timeout(timeoutMs), () => new KubeRequestTimeoutError(timeoutMs));
  const signals = [scope, extra, bounded].filter((s): s is AbortSignal => s !== undefined);
  return signals.length === 1 ? bounded : AbortSignal.any(signals);
}

function relabel(signal: AbortSignal, reason: () => Error): AbortSignal {
  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort(reason()), { once: true });
  return controller.signal;
}

/** Sets each request's signal just before it is sent (after authentication was applied). */
function boundedRequests(timeoutMs: number): Middleware {
  return {
    pre: async (context: RequestContext) => {
      context.setSignal(requestSignal(timeoutMs));
      return context;
    },
    post: async (context: ResponseContext) => context,
  };
}

/** Per-call options of the generated API methods (they take Observable middleware). */
export type RequestOptions = ConfigurationOptions<ObservableMiddleware>;

/** Per-call options that send the request with `signal`. */
function withSignal(signal: AbortSignal, base: RequestOptions | undefined): RequestOptions {
  const middleware: ObservableMiddleware = {
    pre: (context: RequestContext) => {
      context.setSignal(signal);
      return new Observable(Promise.resolve(context));
    },
    post: (context: ResponseContext) => new Observable(Promise.resolve(context)),
  };
  return { ...base, middleware: [...(base?.middleware ?? []), middleware], middlewareMergeStrategy: 'append' };
}

export interface BoundedCallOptions {
  /** Also abort on this signal (e.g. the reflector's own stop). */
  signal?: AbortSignal;
  /** Options the call needs anyway (e.g. the merge-patch Content-Type). */
  base?: RequestOptions;
}

/**
 * Makes one API call bounded by `timeoutMs`, the current call scope and `options.signal`.
 * Refused before it is sent when one of them has already fired; rejects with the reason
 * (KubeRequestTimeoutError, or the scope's) rather than node-fetch's generic AbortError,
 * and as soon as the signal fires even if the call ignored it.
 */
export async function boundedCall<T>(
  timeoutMs: number,
  call: (options: RequestOptions) => Promise<T>,
  options: BoundedCallOptions = {},
): Promise<T> {
  const signal = requestSignal(timeoutMs, options.signal);
  if (signal.aborted) throw signal.reason as Error;
  try {
    return await untilAborted(call(withSignal(signal, options.base)), signal);
  } catch (error) {
    throw signal.aborted ? (signal.reason as Error) : error;
  }
}

/** Like KubeConfig.makeApiClient, but every request of the client is bounded (see above). */
export function makeBoundedApiClient<T extends ApiType>(config: KubeConfig, apiClientType: ApiConstructor<T>, timeoutMs: number): T {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!');
  return new apiClientType(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: config },
      promiseMiddleware: [boundedRequests(timeoutMs)],
    }),
  );
}

/**
 * A KubeConfig whose API clients are all bounded, for the process's one config: readers
 * outside kube/ (Pulumi state in ConfigMaps, the report's TokenReview) get the same
 * bound without knowing about it. Watches are not API clients and keep their own
 * staleness watchdog (reflector.ts).
 */
export class BoundedKubeConfig extends KubeConfig {
  constructor(readonly requestTimeoutMs: number) {
    super();
    reuseConnections(this);
  }

  override makeApiClient<T extends ApiType>(apiClientType: ApiConstructor<T>): T {
    return makeBoundedApiClient(this, apiClientType, this.requestTimeoutMs);
  }
}

/**
 * Settles with `work`, or rejects with the signal's reason as soon as it aborts, whichever
 * comes first: the caller stops waiting even if `work` ignores the signal.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
