// A minimal Microsoft Graph reader over the platform `fetch`: bearer token from the
// collector's credential, GET lists with `@odata.nextLink` paging (only ever to the
// configured Graph host: the token is never sent elsewhere), POSTs to read-only actions
// (directoryObjects/getByIds), 429 / 503 / 504 retried after
// `Retry-After`, one API-call record per attempt, and a client-side pace for the
// identity and access reports (about 5 requests per 10 seconds per tenant).
// With `apiPath: ''` the same reader lists Resource Manager collections that no SDK
// client of package.json covers (subscriptions, management-group descendants): ARM
// pages with `nextLink` and errors in the same `{"error":{"code","message"}}` shape.

import type { TokenCredential } from '@azure/identity';

import { jsonAnswerDigest, textAnswerDigest } from '../answers.js';
import { GraphError, attemptCode } from './errors.js';

export interface GraphReaderOptions {
  /** Graph base URL without version, e.g. https://graph.microsoft.com. */
  endpoint: string;
  /** Path segment before every request path (default `v1.0`; `''` for Resource Manager). */
  apiPath?: string;
  credential: TokenCredential;
  /** Token scope, e.g. https://graph.microsoft.com/.default. */
  scope: string;
  record: (operation: string, code: string) => void;
  /** Each HTTP answer's status and digest (canonical JSON of the parsed body), for the evidence (answers.ts). */
  answer?: (operation: string, status: number, sha256: string) => void;
  signal: AbortSignal;
  /** Retries after the first attempt (default 3). */
  maxRetries?: number;
  /** Base delay for retries without Retry-After (default 1 s, doubled per retry). */
  retryDelayMs?: number;
  /** Upper bound for any single wait, Retry-After included (default 60 s). */
  maxRetryDelayMs?: number;
  /** Per-attempt timeout (default 30 s). */
  requestTimeoutMs?: number;
  /** Awaited before each report request (pace of the reports API). */
  reportGate?: (signal: AbortSignal) => Promise<void>;
}

/** Pages are capped so a server that keeps answering nextLink cannot loop forever. */
const MAX_PAGES = 5_000;

interface Page<T> {
  value?: T[];
  '@odata.nextLink'?: string;
  /** Resource Manager's paging link. */
  nextLink?: string;
}

/** Parses Retry-After (delta seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const RETRIABLE_STATUS = new Set([429, 503, 504]);

export class GraphReader {
  private readonly base: URL;
  private readonly apiPath: string;

  constructor(private readonly opts: GraphReaderOptions) {
    this.base = new URL(opts.endpoint.replace(/\/+$/, '') + '/');
    this.apiPath = opts.apiPath ?? 'v1.0';
  }

  /**
   * All items of a collection, following `@odata.nextLink` (Graph) or `nextLink` (ARM).
   * With `limit`, paging stops once more than `limit` items were read (the caller sees
   * `length > limit` and reports the bound).
   */
  async list<T>(path: string, operation: string, options: { report?: boolean; limit?: number } = {}): Promise<T[]> {
    return (await this.pages<T>(path, operation, { ...options, maxPages: MAX_PAGES })).items;
  }

  /**
   * The items of at most `maxPages` pages (and, with `limit`, until more than `limit`
   * items were read), and whether the collection ended there (`complete: false`: a
   * next link was left unfollowed).
   */
  async pages<T>(path: string, operation: string, options: { report?: boolean; limit?: number; maxPages: number }): Promise<{ items: T[]; complete: boolean }> {
    const items: T[] = [];
    let url: URL | undefined = this.urlOf(path);
    for (let page = 0; url !== undefined && page < Math.min(options.maxPages, MAX_PAGES); page++) {
      const body = (await this.get(url, operation, options.report === true)) as Page<T>;
      if (Array.isArray(body.value)) items.push(...body.value);
      const next = body['@odata.nextLink'] ?? body.nextLink;
      if (options.limit !== undefined && items.length > options.limit) return { items, complete: !next };
      url = next ? this.sameHost(next) : undefined;
    }
    return { items, complete: url === undefined };
  }

  /** One object (a GET without paging). */
  async object<T>(path: string, operation: string): Promise<T> {
    return (await this.get(this.urlOf(path), operation, false)) as T;
  }

  /**
   * One POST of a JSON body to a Graph action (e.g. `/directoryObjects/getByIds`), retried
   * like a GET: these actions only read, so a retry changes nothing.
   */
  async post<T>(path: string, body: unknown, operation: string, options: { report?: boolean } = {}): Promise<T> {
    return (await this.get(this.urlOf(path), operation, options.report === true, JSON.stringify(body))) as T;
  }

  /** `path` under the base URL (and its path prefix, e.g. a proxy's), after the API path. */
  private urlOf(path: string): URL {
    return new URL(this.apiPath ? `${this.apiPath}${path}` : path.replace(/^\/+/, ''), this.base);
  }

  private sameHost(link: string): URL {
    const next = new URL(link, this.base);
    if (next.origin !== this.base.origin) {
      throw new GraphError(0, 'UntrustedNextLink', `Graph returned a nextLink to another host (${next.host}); not followed`);
    }
    return next;
  }

  private async token(): Promise<string> {
    const token = await this.opts.credential.getToken(this.opts.scope, { abortSignal: this.opts.signal });
    if (!token?.token) throw new GraphError(401, 'NoToken', 'the credential returned no token for Microsoft Graph');
    return token.token;
  }

  /** GET `url`, or POST `jsonBody` to it when given. */
  private async get(url: URL, operation: string, report: boolean, jsonBody?: string): Promise<unknown> {
    const maxRetries = this.opts.maxRetries ?? 3;
    const baseDelay = this.opts.retryDelayMs ?? 1_000;
    const maxDelay = this.opts.maxRetryDelayMs ?? 60_000;
    for (let attempt = 0; ; attempt++) {
      if (report && this.opts.reportGate) await this.opts.reportGate(this.opts.signal);
      const token = await this.token();
      let response: Response;
      try {
        response = await fetch(url, {
          ...(jsonBody === undefined ? {} : { method: 'POST', body: jsonBody }),
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'application/json',
            ...(jsonBody === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
          signal: AbortSignal.any([this.opts.signal, AbortSignal.timeout(this.opts.requestTimeoutMs ?? 30_000)]),
        });
      } catch (err) {
        this.opts.record(operation, attemptCode(err));
        if (this.opts.signal.aborted || attempt >= maxRetries) throw err;
        await sleep(Math.min(maxDelay, baseDelay * 2 ** attempt), this.opts.signal);
        continue;
      }
      if (response.ok) {
        let body: unknown;
        try {
          body = await response.json();
        } catch (err) {
          this.opts.record(operation, 'InvalidResponse');
          throw new GraphError(response.status, 'InvalidResponse', `Graph answered with a body that is not JSON: ${(err as Error).message}`);
        }
        this.opts.record(operation, 'OK');
        const digest = jsonAnswerDigest(body);
        if (digest !== undefined) this.opts.answer?.(operation, response.status, digest);
        return body;
      }
      const text = await response.text().catch(() => '');
      this.opts.answer?.(operation, response.status, textAnswerDigest(text));
      const error = graphError(response, text);
      this.opts.record(operation, error.code);
      if (RETRIABLE_STATUS.has(response.status) && attempt < maxRetries) {
        const wait = retryAfterMs(response.headers.get('retry-after')) ?? baseDelay * 2 ** attempt;
        await sleep(Math.min(maxDelay, wait), this.opts.signal);
        continue;
      }
      throw error;
    }
  }
}

function graphError(response: Response, text: string): GraphError {
  let code = `HTTP${response.status}`;
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string' && /^[A-Za-z0-9_.-]{1,100}$/.test(body.error.code)) code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // keep the status
  }
  return new GraphError(response.status, code, message);
}

/**
 * At most `max` gated calls per `windowMs` per key (sliding window), shared by every
 * collection of one collector: Graph's identity and access reports allow about 5
 * requests per 10 seconds per tenant.
 */
export class SlidingWindowGate {
  private readonly calls = new Map<string, number[]>();

  constructor(
    private readonly max = 5,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(key: string, signal: AbortSignal): Promise<void> {
    for (;;) {
      const t = this.now();
      const recent = (this.calls.get(key) ?? []).filter((c) => c > t - this.windowMs);
      if (recent.length < this.max) {
        recent.push(t);
        this.calls.set(key, recent);
        return;
      }
      this.calls.set(key, recent);
      const oldest = recent[0] ?? t;
      await sleep(Math.max(1, oldest + this.windowMs - t), signal);
    }
  }
}
