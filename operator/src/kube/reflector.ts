// List + watch into a local cache, hardened against the known failure modes of
// client-node's informer: it resumes from the last resourceVersion, relists on
// 410 Gone, restarts a watch that went silent, relists periodically, and never
// stops for good. A list is cut at its timeout (a hung list would otherwise stall the
// reflector: the watchdog only watches watches). Handlers only receive keys; they must
// not throw.

import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { apiErrorDetail, statusCode, type ApiErrorDetail, type ObjectList } from './api.js';
import { DEFAULT_KUBE_REQUEST_TIMEOUT_MS, KubeRequestTimeoutError, untilAborted } from './request-bounds.js';

export interface Keyed {
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
}

export interface ReflectorOptions<T extends Keyed> {
  name: string;
  /** API path to watch, e.g. /apis/cloudposture.io/v1alpha1/cloudservices */
  path: string;
  /** Lists everything; must give up when `signal` aborts (the list timeout, or stop()). */
  list: (signal: AbortSignal) => Promise<ObjectList<T>>;
  /** Called with the key of every object that was added, changed or deleted, and the cached object before. */
  onChange: (key: string, object: T | undefined, previous: T | undefined) => void;
  resyncPeriodMs: number;
  staleAfterMs: number;
  /** A list is abandoned after this long (milliseconds) and retried with backoff. */
  listTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  log: Logger;
  /**
   * What to keep of an object beyond cacheProjection (e.g. a sharded replica keeps other
   * shards' services as their routing fields); applied to every listed and watched
   * object, and again by reproject().
   */
  project?: (object: T) => T;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * What the cache keeps of an object: everything but metadata.managedFields and kubectl's
 * last-applied annotation, which nothing here reads. Both repeat the object's shape (the
 * status manager's managedFields entry names every status field), so together they were
 * about as large as the rest of a CloudService (controller-runtime's cache strips
 * managedFields the same way, TransformStripManagedFields).
 */
export function cacheProjection<T extends Keyed>(object: T): T {
  const meta = object.metadata as Keyed['metadata'] & { managedFields?: unknown; annotations?: Record<string, string> };
  if (meta.managedFields === undefined && meta.annotations?.[LAST_APPLIED] === undefined) return object;
  const { managedFields: _dropped, ...metadata } = meta;
  if (metadata.annotations?.[LAST_APPLIED] !== undefined) {
    const { [LAST_APPLIED]: _lastApplied, ...annotations } = metadata.annotations;
    metadata.annotations = annotations;
  }
  return { ...object, metadata };
}

export function objectKey(object: Keyed): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : `${object.metadata.name}`;
}

export class Reflector<T extends Keyed> {
  private readonly cache = new Map<string, T>();
  private readonly watcher: Watch;
  private resourceVersion = '';
  private abort: AbortController | undefined;
  /** Identifies the current watch, so callbacks of an abandoned one are ignored. */
  private watchToken: object | undefined;
  private stopped = false;
  private synced = false;
  private failures = 0;
  private lastEventAt = Date.now();
  private lastListAt = 0;
  /** Last time the API server answered this reflector: a list, a watch opened, any watch event. */
  private lastContactAt = Date.now();
  private listAbort: AbortController | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private firstSync: Promise<void>;
  private resolveFirstSync!: () => void;

  constructor(
    config: KubeConfig,
    private readonly options: ReflectorOptions<T>,
  ) {
    this.watcher = new Watch(config);
    this.firstSync = new Promise((resolve) => (this.resolveFirstSync = resolve));
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get name(): string {
    return this.options.name;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  /** What the cache keeps of an object (list() callers may apply it to pages as they arrive). */
  keep(object: T): T {
    const kept = cacheProjection(object);
    return this.options.project ? this.options.project(kept) : kept;
  }

  /** Applies `project` to every cached object again (what it keeps has changed, e.g. a shard was lost). */
  reproject(): void {
    for (const [key, object] of this.cache) this.cache.set(key, this.keep(object));
  }

  /**
   * An object read whole from the API server, kept in place of its projection when the
   * cache still holds that same version (a newer one arrives by the watch anyway).
   */
  offer(object: T): void {
    const key = objectKey(object);
    const cached = this.cache.get(key);
    if (cached && cached.metadata.resourceVersion === object.metadata.resourceVersion) this.cache.set(key, this.keep(object));
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  keys(): string[] {
    return [...this.cache.keys()];
  }

  /** How long the API server has not answered this reflector (milliseconds): /healthz judges it. */
  silentForMs(now = Date.now()): number {
    return Math.max(0, now - this.lastContactAt);
  }

  /** Starts the loop; resolves after the first successful list. */
  start(): Promise<void> {
    void this.relist();
    this.watchdog = setInterval(() => this.checkHealth(), Math.min(this.options.staleAfterMs, 15_000));
    this.watchdog.unref();
    return this.firstSync;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    this.listAbort?.abort(new Error('reflector stopped'));
    this.abandonWatch();
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    this.abandonWatch();
    this.listAbort?.abort(new Error('superseded by a new list'));
    const abort = new AbortController();
    this.listAbort = abort;
    const timeoutMs = this.options.listTimeoutMs ?? DEFAULT_KUBE_REQUEST_TIMEOUT_MS;
    const timer = setTimeout(() => abort.abort(new KubeRequestTimeoutError(timeoutMs)), timeoutMs);
    timer.unref();
    try {
      const { items, resourceVersion } = await untilAborted(this.options.list(abort.signal), abort.signal).finally(() => clearTimeout(timer));
      if (this.listAbort !== abort) return;
      this.lastContactAt = Date.now();
      const seen = new Set<string>();
      for (const listed of items) {
        const item = this.keep(listed);
        const key = objectKey(item);
        seen.add(key);
        const previous = this.cache.get(key);
        this.cache.set(key, item);
        if (!previous || previous.metadata.resourceVersion !== item.metadata.resourceVersion) this.options.onChange(key, item, previous);
      }
      for (const key of [...this.cache.keys()]) {
        if (!seen.has(key)) {
          const previous = this.cache.get(key);
          this.cache.delete(key);
          this.options.onChange(key, undefined, previous);
        }
      }
      this.resourceVersion = resourceVersion;
      this.lastListAt = Date.now();
      this.failures = 0;
      if (!this.synced) {
        this.synced = true;
        this.resolveFirstSync();
      }
      this.options.log.debug('relisted', { reflector: this.options.name, objects: items.length });
      await this.watch();
    } catch (error) {
      if (this.listAbort !== abort || this.stopped) return;
      this.retry('list failed', apiErrorDetail(error), () => this.relist());
    }
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    this.lastEventAt = Date.now();
    let gone = false;
    const token = {};
    this.watchToken = token;
    let controller: AbortController;
    try {
      controller = await this.watcher.watch(
      this.options.path,
      {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        // Server-side timeout spread over 5-10 min so replicas do not reconnect in step.
        timeoutSeconds: 300 + Math.floor(Math.random() * 300),
      },
      (phase: string, object: T & { code?: number }) => {
        if (this.watchToken !== token) return;
        this.lastEventAt = Date.now();
        this.lastContactAt = this.lastEventAt;
        switch (phase) {
          case 'ADDED':
          case 'MODIFIED': {
            const kept = this.keep(object);
            const previous = this.cache.get(objectKey(kept));
            this.cache.set(objectKey(kept), kept);
            this.resourceVersion = kept.metadata.resourceVersion ?? this.resourceVersion;
            this.options.onChange(objectKey(kept), kept, previous);
            break;
          }
          case 'DELETED': {
            const previous = this.cache.get(objectKey(object));
            this.cache.delete(objectKey(object));
            this.resourceVersion = object.metadata.resourceVersion ?? this.resourceVersion;
            this.options.onChange(objectKey(object), undefined, previous);
            break;
          }
          case 'BOOKMARK':
            this.resourceVersion = object.metadata.resourceVersion ?? this.resourceVersion;
            break;
          case 'ERROR':
            if (object.code === 410) gone = true;
            this.options.log.info('watch error event', { reflector: this.options.name, code: object.code });
            break;
        }
      },
      (error: unknown) => {
        if (this.stopped || this.watchToken !== token) return;
        this.watchToken = undefined;
        this.abort = undefined;
        if (gone || statusCode(error) === 410) {
          this.options.log.info('watch expired (410 Gone): relisting', { reflector: this.options.name });
          void this.relist();
        } else if (error) {
          this.retry('watch failed', apiErrorDetail(error), () => this.watch());
        } else {
          // A normal server-side close: resume from the last resourceVersion.
          void this.watch();
        }
      },
    );
    } catch (error) {
      if (this.watchToken === token) {
        this.watchToken = undefined;
        this.retry('watch failed to start', apiErrorDetail(error), () => this.watch());
      }
      return;
    }
    if (this.watchToken === token) {
      this.abort = controller;
      this.lastContactAt = Date.now();
    } else controller.abort();
  }

  private abandonWatch(): void {
    this.watchToken = undefined;
    this.abort?.abort();
    this.abort = undefined;
  }

  private retry(message: string, detail: ApiErrorDetail, action: () => Promise<void>): void {
    if (this.stopped) return;
    this.failures++;
    const base = this.options.backoffBaseMs ?? 500;
    const max = this.options.backoffMaxMs ?? 30_000;
    const delay = Math.min(max, base * 2 ** (this.failures - 1)) * (0.8 + Math.random() * 0.4);
    this.options.log.warn(message, {
      reflector: this.options.name,
      code: detail.code,
      reason: detail.reason,
      error: detail.message,
      retryInMs: Math.round(delay),
      failures: this.failures,
    });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void action(), delay);
    this.retryTimer.unref();
  }

  private checkHealth(): void {
    if (this.stopped || !this.watchToken) return;
    const now = Date.now();
    if (now - this.lastListAt > this.options.resyncPeriodMs * (0.9 + Math.random() * 0.2)) {
      this.options.log.debug('periodic relist', { reflector: this.options.name });
      void this.relist();
    } else if (now - this.lastEventAt > this.options.staleAfterMs) {
      this.options.log.warn('watch silent for too long: restarting it', { reflector: this.options.name });
      this.abandonWatch();
      void this.watch();
    }
  }
}
