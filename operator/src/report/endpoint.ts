// GET /report?namespace=&format=html|json|md on the operator: the evidence report,
// authenticated and authorised the way controller-runtime's secure metrics serving does
// (filters.WithAuthenticationAndAuthorization): the caller's bearer token is checked
// with a TokenReview, and a SubjectAccessReview decides what they may see. Posture data
// is sensitive (it names who lacks MFA), so a caller sees exactly the CloudServices they
// may `get` (group cloudposture.io, resource cloudservices): per namespace, or object by
// object when their RBAC names objects (resourceNames).
//
//   401  no bearer token, or the TokenReview does not authenticate it
//   403  authenticated, but allowed to get no CloudService in the scope asked for
//   400  bad format; 405 other methods; 503 TokenReview / SubjectAccessReview unavailable
//
// Results are cached briefly (default 10 s, like the API server's webhook authenticator
// cache) under a SHA-256 of the token, never the token itself. The operator's
// ServiceAccount needs `create` on tokenreviews (authentication.k8s.io) and
// subjectaccessreviews (authorization.k8s.io).

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';

import type { CloudSecurityPolicySpec, CloudService } from '../api/types.js';
import { API_GROUP } from '../api/types.js';
import { buildReportModel } from './build-model.js';
import { renderReport } from './cli.js';

export interface ReportHandlerOptions {
  /** The operator's own credentials: used for TokenReview and SubjectAccessReview only. */
  kubeConfig: KubeConfig;
  /** The services to report on (e.g. the operator's informer cache); undefined namespace: all. */
  listServices: (namespace?: string) => Promise<readonly CloudService[]> | readonly CloudService[];
  /** The CloudSecurityPolicy spec in force (undefined: built-in defaults). */
  getPolicy?: () => Promise<CloudSecurityPolicySpec | undefined> | CloudSecurityPolicySpec | undefined;
  policyName?: string;
  clock?: () => Date;
  /** Cache lifetime of TokenReview / SubjectAccessReview answers (default 10 s; 0 disables). */
  cacheTtlMs?: number;
  /** Most per-object SubjectAccessReviews in one request (default 500). */
  maxObjectChecks?: number;
  /** Called for every answered request (no token, no user identity beyond the name). */
  onRequest?: (info: { user?: string; status: number; services: number }) => void;
}

export type ReportRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

const FORMATS = { html: 'text/html; charset=utf-8', json: 'application/json; charset=utf-8', md: 'text/markdown; charset=utf-8' } as const;
type EndpointFormat = keyof typeof FORMATS;

class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly max = 10_000,
  ) {}
  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: V, now: number): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, { value, expires: now + this.ttlMs });
  }
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

export function createReportHandler(options: ReportHandlerOptions): ReportRequestHandler {
  const authn = options.kubeConfig.makeApiClient(AuthenticationV1Api);
  const authz = options.kubeConfig.makeApiClient(AuthorizationV1Api);
  const ttl = options.cacheTtlMs ?? 10_000;
  const users = new TtlCache<UserInfo | null>(ttl);
  const decisions = new TtlCache<boolean>(ttl);
  const clock = options.clock ?? (() => new Date());
  const maxObjectChecks = options.maxObjectChecks ?? 500;

  async function authenticate(token: string): Promise<UserInfo | null> {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = users.get(key, Date.now());
    if (cached !== undefined) return cached;
    const review = await authn.createTokenReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    });
    const u = review.status?.authenticated ? review.status.user : undefined;
    const user: UserInfo | null = u?.username
      ? {
          username: u.username,
          ...(u.uid ? { uid: u.uid } : {}),
          ...(u.groups ? { groups: u.groups } : {}),
          ...(u.extra ? { extra: u.extra } : {}),
        }
      : null;
    users.set(key, user, Date.now());
    return user;
  }

  async function allowed(user: UserInfo, namespace: string | undefined, name?: string): Promise<boolean> {
    const key = JSON.stringify([user.username, user.uid ?? '', user.groups ?? [], namespace ?? '', name ?? '']);
    const cached = decisions.get(key, Date.now());
    if (cached !== undefined) return cached;
    const review = await authz.createSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          ...(user.uid ? { uid: user.uid } : {}),
          ...(user.groups ? { groups: user.groups } : {}),
          ...(user.extra ? { extra: user.extra } : {}),
          resourceAttributes: {
            group: API_GROUP,
            resource: 'cloudservices',
            verb: 'get',
            ...(namespace ? { namespace } : {}),
            ...(name ? { name } : {}),
          },
        },
      },
    });
    const ok = review.status?.allowed === true && review.status?.denied !== true;
    decisions.set(key, ok, Date.now());
    return ok;
  }

  /** The services of `all` the user may get: namespace-wide grants first, then object by object. */
  async function visible(user: UserInfo, all: readonly CloudService[]): Promise<CloudService[]> {
    const byNamespace = new Map<string, CloudService[]>();
    for (const s of all) {
      const ns = s.metadata.namespace ?? '';
      byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), s]);
    }
    const out: CloudService[] = [];
    let objectChecks = 0;
    for (const [ns, services] of byNamespace) {
      if (await allowed(user, ns)) {
        out.push(...services);
        continue;
      }
      for (const s of services) {
        if (objectChecks++ >= maxObjectChecks) break;
        if (await allowed(user, ns, s.metadata.name)) out.push(s);
      }
    }
    return out;
  }

  return async (req, res) => {
    const answer = (status: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}, user?: string, services = 0) => {
      res.writeHead(status, {
        'Content-Type': type,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        // The report is self-contained: no script, no remote anything.
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ...extra,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      options.onRequest?.({ ...(user ? { user } : {}), status, services });
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, 'method not allowed\n', undefined, { Allow: 'GET, HEAD' });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const format = (url.searchParams.get('format') ?? 'html') as EndpointFormat;
    if (!(format in FORMATS)) return answer(400, `format must be one of ${Object.keys(FORMATS).join(', ')}\n`);
    const namespace = url.searchParams.get('namespace') || undefined;
    if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) return answer(400, 'invalid namespace\n');

    const token = bearerToken(req.headers.authorization);
    const challenge = { 'WWW-Authenticate': 'Bearer realm="cloud-posture-operator"' };
    if (!token) return answer(401, 'Unauthorized: a bearer token is required\n', undefined, challenge);
    let user: UserInfo | null;
    try {
      user = await authenticate(token);
    } catch {
      return answer(503, 'authentication unavailable\n');
    }
    if (!user) return answer(401, 'Unauthorized\n', undefined, challenge);

    let services: CloudService[];
    let permitted: boolean;
    try {
      const all = await options.listServices(namespace);
      const inScope = namespace ? all.filter((s) => s.metadata.namespace === namespace) : all;
      if (namespace !== undefined && (await allowed(user, namespace))) {
        services = [...inScope];
        permitted = true;
      } else if (namespace === undefined && (await allowed(user, undefined))) {
        services = [...inScope];
        permitted = true;
      } else {
        services = await visible(user, inScope);
        permitted = services.length > 0;
      }
    } catch {
      return answer(503, 'authorization unavailable\n', undefined, {}, user.username);
    }
    if (!permitted) {
      const where = namespace ? ` in namespace ${namespace}` : '';
      return answer(403, `Forbidden: ${user.username} may not get cloudservices.${API_GROUP}${where}\n`, undefined, {}, user.username);
    }
    const policy = await options.getPolicy?.();
    const model = buildReportModel({
      services,
      ...(policy ? { policy } : {}),
      ...(options.policyName ? { policyName: options.policyName } : {}),
      ...(namespace ? { namespace } : {}),
      generatedAt: clock(),
    });
    return answer(200, renderReport(model, format), FORMATS[format], {}, user.username, services.length);
  };
}
