// GET /report?namespace=&format=html|json|md|oscal on the operator: the evidence report,
// authenticated and authorised the way controller-runtime's secure metrics serving does
// (filters.WithAuthenticationAndAuthorization), through the reviews of
// kube/access-review.ts that /metrics uses too. Posture data is sensitive (it names who
// lacks MFA), so a caller sees exactly the CloudServices they may `get` (group
// cloudposture.io, resource cloudservices): per namespace, or object by object when their
// RBAC names objects (resourceNames).
//
// The token must be made for the operator: a TokenReview is asked for the dedicated
// audience (CLOUDPOSTURE_REPORT_TOKEN_AUDIENCE, default "cloud-posture-operator") and its
// status.audiences must include it. A caller gets one with
//   kubectl create token <serviceaccount> -n <namespace> --audience cloud-posture-operator
// Tokens for the API server's default audience are refused: a token the report accepts
// cannot be replayed against the API server, and a pod's mounted token is not a report pass.
//
//   401  no bearer token, or not one for the audience, or the TokenReview does not authenticate it
//   403  authenticated, but allowed to get no CloudService in the scope asked for
//   400  bad format; 405 other methods; 503 reviews unavailable or at their concurrency bound
//
// CloudOrganizations (Shadow IT, checklist step 1) are cluster-scoped: the report shows
// them only to a caller allowed to `list cloudorganizations.cloudposture.io` cluster-wide
// (one SubjectAccessReview, asked once the caller is known to see a service), and says
// otherwise that it leaves them out.
//
// One request consults at most `maxReviewsPerRequest` SubjectAccessReview answers (cached
// or not, so the same request gets the same report whatever the cache holds): first the
// whole scope, then namespace by namespace, then object by object; when organisations
// are served, one of the answers is kept for their review (with a bound of 1, they are
// left out). What the bound left
// unchecked makes the report truncated, and a truncated report says so: a `truncated`
// field in JSON, a banner in HTML and Markdown, a `truncated` prop and remarks on the OSCAL
// result, and the X-Report-Truncated header. It
// never says how much was left: that would tell a caller how many services others have.
// Every answered request is logged with the user and the namespaces shown, never the token.

import type { IncomingMessage, ServerResponse } from 'node:http';

import type { CloudOrganization, CloudSecurityPolicySpec, CloudService } from '../api/types.js';
import { API_GROUP } from '../api/types.js';
import { bearerToken, SemaphoreFullError, type AccessReviewer, type ReviewedUser } from '../kube/access-review.js';
import { buildReportModel } from './build-model.js';
import { renderReport } from './cli.js';
import type { ReportModel } from './model.js';
import { renderOscal, type OscalOptions } from './oscal.js';

/** Default bound on the SubjectAccessReview answers one report request consults. */
export const DEFAULT_MAX_REVIEWS_PER_REQUEST = 100;
export const DEFAULT_REPORT_AUDIENCE = 'cloud-posture-operator';
/** SubjectAccessReviews one request has in flight or waiting at once (the process-wide bound is the reviewer's). */
const REQUEST_PARALLELISM = 4;

/** Why a report is partial; rendered in every format. */
export interface Truncation {
  reason: 'ReviewBound';
  maxReviewsPerRequest: number;
  hint?: string;
}

export interface ReportViewLog {
  info(message: string, meta: Record<string, unknown>): void;
}

export interface ReportHandlerOptions {
  /** The reviews (shared with /metrics: one cache, one concurrency bound). */
  reviewer: AccessReviewer;
  /** The TokenReview audience the caller's token must carry (default "cloud-posture-operator"). */
  audience?: string;
  /** The services to report on (e.g. the operator's informer cache); undefined namespace: all. */
  listServices: (namespace?: string) => Promise<readonly CloudService[]> | readonly CloudService[];
  /**
   * The CloudOrganizations (cluster-scoped; e.g. the operator's informer cache), shown to
   * callers who may list them cluster-wide. Undefined: this operator does not read them
   * (it watches one namespace), and the report says so.
   */
  listOrganizations?: () => Promise<readonly CloudOrganization[]> | readonly CloudOrganization[];
  /** The CloudSecurityPolicy spec in force (undefined: built-in defaults). */
  getPolicy?: () => Promise<CloudSecurityPolicySpec | undefined> | CloudSecurityPolicySpec | undefined;
  policyName?: string;
  clock?: () => Date;
  /** Most SubjectAccessReview answers one request consults (default 100). */
  maxReviewsPerRequest?: number;
  /** Who viewed which report: one line per answered request (user, namespaces shown; never the token). */
  log?: ReportViewLog;
  /** Called for every answered request (no token, no user identity beyond the name). */
  onRequest?: (info: { user?: string; status: number; services: number; truncated?: boolean }) => void;
}

export type ReportRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const FORMATS = {
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  // OSCAL 1.1 Assessment Results (oscal.ts), JSON.
  oscal: 'application/json; charset=utf-8',
} as const;
type EndpointFormat = keyof typeof FORMATS;

export { bearerToken };

/** `fn` over `items`, at most `limit` at a time, results in order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The report rendered with what says it is partial: a JSON field, an HTML or Markdown banner, the OSCAL result's remarks. */
export function markTruncated(model: ReportModel, format: EndpointFormat, truncation: Truncation, oscal: OscalOptions = {}): string {
  const text =
    `Truncated: this report shows only the services found within ${truncation.maxReviewsPerRequest} access checks; ` +
    `others you may read can be missing.${truncation.hint ? ` To see them all, ${truncation.hint}.` : ''}`;
  switch (format) {
    case 'oscal':
      return renderOscal(model, { ...oscal, truncated: text });
    case 'json':
      return `${JSON.stringify({ ...model, truncated: truncation }, null, 2)}\n`;
    case 'md':
      return renderReport(model, 'md').replace(/^(# [^\n]*\n\n)/, `$1> **${text.replace(/</g, '&lt;')}**\n\n`);
    case 'html':
      return renderReport(model, 'html').replace(
        '<main>',
        `<main><div class="truncated" role="alert" style="border:2px solid #b00020;padding:8px 12px;margin:0 0 12px;font-weight:600">${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</div>`,
      );
  }
}

/** The services of `all` that `user` may get, within `budget` answers, and whether the budget cut the search short. */
async function visibleServices(
  reviewer: AccessReviewer,
  user: ReviewedUser,
  namespace: string | undefined,
  all: readonly CloudService[],
  budget: number,
): Promise<{ services: CloudService[]; truncated: boolean }> {
  const may = (ns: string | undefined, name?: string) =>
    reviewer.authorize(user, { group: API_GROUP, resource: 'cloudservices', verb: 'get', ...(ns ? { namespace: ns } : {}), ...(name ? { name } : {}) });
  // 1. The whole scope at once: the cluster (no namespace asked) or the namespace asked.
  if (await may(namespace)) return { services: [...all], truncated: false };
  let left = budget - 1;
  const byNamespace = new Map<string, CloudService[]>();
  for (const s of all) {
    const ns = s.metadata.namespace ?? '';
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), s]);
  }
  // 2. Namespace by namespace (a namespace asked was answered in step 1), in name order.
  const namespaces = namespace === undefined ? [...byNamespace.keys()].sort() : [];
  const askedNamespaces = namespaces.slice(0, Math.max(0, left));
  left -= askedNamespaces.length;
  const granted = await mapBounded(askedNamespaces, REQUEST_PARALLELISM, (ns) => may(ns));
  const services: CloudService[] = [];
  const denied: string[] = namespace === undefined ? [] : [namespace];
  askedNamespaces.forEach((ns, i) => (granted[i] ? services.push(...(byNamespace.get(ns) ?? [])) : denied.push(ns)));
  let truncated = askedNamespaces.length < namespaces.length;
  // 3. Object by object in the namespaces denied as a whole (RBAC resourceNames).
  const objects = denied.flatMap((ns) => [...(byNamespace.get(ns) ?? [])].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')));
  const askedObjects = objects.slice(0, Math.max(0, left));
  if (askedObjects.length < objects.length) truncated = true;
  const objectGrants = await mapBounded(askedObjects, REQUEST_PARALLELISM, (s) => may(s.metadata.namespace, s.metadata.name));
  askedObjects.forEach((s, i) => objectGrants[i] && services.push(s));
  return { services, truncated };
}

/** Shown to a caller allowed nothing of CloudOrganizations, or when this operator does not read them. */
export const ORGANIZATIONS_NOT_SERVED = 'Shadow IT left out of this report: this operator does not read CloudOrganizations (only an operator watching every namespace lists them).';

/** The organisations `user` may list cluster-wide (one review), or the note saying why they are left out. */
async function visibleOrganizations(
  options: ReportHandlerOptions,
  user: ReviewedUser,
  reviewLeft: boolean,
): Promise<{ organizations?: readonly CloudOrganization[]; note?: string }> {
  if (!options.listOrganizations) return { note: ORGANIZATIONS_NOT_SERVED };
  if (!reviewLeft) return { note: 'Shadow IT left out of this report: no access check was left for CloudOrganizations within this request\'s bound.' };
  let allowed: boolean;
  try {
    allowed = await options.reviewer.authorize(user, { group: API_GROUP, resource: 'cloudorganizations', verb: 'list' });
  } catch {
    return { note: 'Shadow IT left out of this report: the access check for CloudOrganizations could not be made (authorization unavailable); ask again.' };
  }
  if (!allowed) return { note: `Shadow IT left out of this report: ${user.username} may not list cloudorganizations.${API_GROUP} cluster-wide.` };
  return { organizations: await options.listOrganizations() };
}

export function createReportHandler(options: ReportHandlerOptions): ReportRequestHandler {
  const clock = options.clock ?? (() => new Date());
  const audiences = [options.audience ?? DEFAULT_REPORT_AUDIENCE];
  const budget = options.maxReviewsPerRequest ?? DEFAULT_MAX_REVIEWS_PER_REQUEST;
  if (!Number.isInteger(budget) || budget < 1) throw new Error(`maxReviewsPerRequest must be a positive integer, got ${budget}`);

  return async (req, res) => {
    const answer = (
      status: number,
      body: string,
      type = 'text/plain; charset=utf-8',
      extra: Record<string, string> = {},
      view: { user?: string; services?: readonly CloudService[]; truncated?: boolean; namespace?: string; organizations?: number } = {},
    ) => {
      res.writeHead(status, {
        'Content-Type': type,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        // The report is self-contained: no script, no remote anything.
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ...(view.truncated ? { 'X-Report-Truncated': 'true' } : {}),
        ...extra,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      const services = view.services ?? [];
      if (view.user) {
        options.log?.info('report viewed', {
          user: view.user,
          status,
          ...(view.namespace ? { scope: view.namespace } : {}),
          namespaces: [...new Set(services.map((s) => s.metadata.namespace ?? ''))].sort(),
          services: services.length,
          truncated: view.truncated === true,
          ...(view.organizations !== undefined ? { organizations: view.organizations } : {}),
        });
      }
      options.onRequest?.({ ...(view.user ? { user: view.user } : {}), status, services: services.length, ...(view.truncated ? { truncated: true } : {}) });
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, 'method not allowed\n', undefined, { Allow: 'GET, HEAD' });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const format = (url.searchParams.get('format') ?? 'html') as EndpointFormat;
    if (!Object.hasOwn(FORMATS, format)) return answer(400, `format must be one of ${Object.keys(FORMATS).join(', ')}\n`);
    const namespace = url.searchParams.get('namespace') || undefined;
    if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) return answer(400, 'invalid namespace\n');

    const token = bearerToken(req.headers.authorization);
    const challenge = { 'WWW-Authenticate': `Bearer realm="cloud-posture-operator", audience="${audiences[0]}"` };
    if (!token) return answer(401, 'Unauthorized: a bearer token is required\n', undefined, challenge);
    let user: ReviewedUser | null;
    try {
      user = await options.reviewer.authenticate(token, audiences);
    } catch (error) {
      return answer(503, error instanceof SemaphoreFullError ? 'authentication busy, retry\n' : 'authentication unavailable\n', undefined, { 'Retry-After': '1' });
    }
    if (!user) return answer(401, `Unauthorized: a token for audience ${audiences[0]} is required (kubectl create token --audience ${audiences[0]})\n`, undefined, challenge);
    const viewer = { user: user.username, ...(namespace ? { namespace } : {}) };

    // One answer is kept for the organisations' review when they are served (and the bound allows two).
    const keepForOrganizations = options.listOrganizations !== undefined && budget > 1;
    let found: { services: CloudService[]; truncated: boolean };
    try {
      const all = await options.listServices(namespace);
      const inScope = namespace ? all.filter((s) => s.metadata.namespace === namespace) : all;
      found = await visibleServices(options.reviewer, user, namespace, inScope, keepForOrganizations ? budget - 1 : budget);
    } catch (error) {
      return answer(503, error instanceof SemaphoreFullError ? 'authorization busy, retry\n' : 'authorization unavailable\n', undefined, { 'Retry-After': '1' }, viewer);
    }
    const truncation: Truncation | undefined = found.truncated ? { reason: 'ReviewBound', maxReviewsPerRequest: budget, ...(namespace ? {} : { hint: 'ask for one namespace: ?namespace=<name>' }) } : undefined;
    if (found.services.length === 0) {
      const where = namespace ? ` in namespace ${namespace}` : '';
      const partly = truncation ? ` among those checked (at most ${budget} checks per request; ask for one namespace: ?namespace=<name>)` : '';
      return answer(403, `Forbidden: ${user.username} may not get cloudservices.${API_GROUP}${where}${partly}\n`, undefined, {}, { ...viewer, truncated: found.truncated });
    }
    const organizations = await visibleOrganizations(options, user, keepForOrganizations);
    const policy = await options.getPolicy?.();
    const model = buildReportModel({
      services: found.services,
      ...(policy ? { policy } : {}),
      ...(options.policyName ? { policyName: options.policyName } : {}),
      ...(namespace ? { namespace } : {}),
      ...(organizations.organizations ? { organizations: organizations.organizations } : {}),
      ...(organizations.note ? { organizationsNote: organizations.note } : {}),
      generatedAt: clock(),
    });
    const oscal = { services: found.services };
    const body = truncation ? markTruncated(model, format, truncation, oscal) : renderReport(model, format, oscal);
    return answer(200, body, FORMATS[format], {}, {
      ...viewer,
      services: found.services,
      truncated: found.truncated,
      ...(organizations.organizations ? { organizations: organizations.organizations.length } : {}),
    });
  };
}
