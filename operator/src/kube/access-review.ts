// Who is calling, and may they? The one place the operator's HTTP endpoints (/metrics
// and /report) authenticate a bearer token and authorise its user, the way
// controller-runtime's secure metrics serving does (filters.WithAuthenticationAndAuthorization,
// which delegates to the API server): a TokenReview says who the token belongs to, a
// SubjectAccessReview says whether that user may do what the request does.
//
// Bounds, all in one place:
// - answers are cached under a SHA-256 of the audience and token (never the token), in LRU
//   caches with a size bound; authenticated users and rejected tokens live in separate
//   caches, so a flood of bogus tokens evicts only other bogus tokens, never a valid
//   user or a decision;
// - concurrent asks for the same answer share one review (single flight): twenty requests
//   with one token cost one TokenReview, and one SubjectAccessReview per question;
// - TokenReviews and SubjectAccessReviews in flight are bounded process-wide (a semaphore
//   each, with a bounded waiting line; past it the caller gets 503 at once);
// - with a dedicated audience, a token that is not a JWT naming that audience is refused
//   before any TokenReview (the TokenReview stays the authority for the rest), and the
//   TokenReview's status.audiences must include the audience asked for.
//
// The operator's ServiceAccount needs `create` on tokenreviews (authentication.k8s.io)
// and subjectaccessreviews (authorization.k8s.io): templates/access-review-rbac.yaml.

import { createHash } from 'node:crypto';

import { AuthenticationV1Api, AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';

import { LruCache, Semaphore, SemaphoreFullError } from './review-bounds.js';

export { SemaphoreFullError };

export interface ReviewedUser {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** What a request does, as a SubjectAccessReview asks it. */
export type AccessAttributes =
  | { nonResourceURL: string; verb: string }
  | { group: string; resource: string; verb: string; namespace?: string; name?: string };

export interface TokenReviewAnswer {
  authenticated: boolean;
  user?: ReviewedUser;
  /** status.audiences: the audiences the token is valid for, among those asked. */
  audiences?: string[];
}

/** The two review calls (the real API server in the operator; a wrapper may count them). */
export interface ReviewApi {
  tokenReview(token: string, audiences: readonly string[]): Promise<TokenReviewAnswer>;
  subjectAccessReview(user: ReviewedUser, attributes: AccessAttributes): Promise<boolean>;
}

/** TokenReview and SubjectAccessReview on the API server of `kubeConfig` (the operator's own credentials). */
export function kubeReviewApi(kubeConfig: KubeConfig): ReviewApi {
  const authn = kubeConfig.makeApiClient(AuthenticationV1Api);
  const authz = kubeConfig.makeApiClient(AuthorizationV1Api);
  return {
    async tokenReview(token, audiences) {
      const review = await authn.createTokenReview({
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences.length ? { audiences: [...audiences] } : {}) } },
      });
      const u = review.status?.user;
      return {
        authenticated: review.status?.authenticated === true,
        ...(u?.username
          ? {
              user: {
                username: u.username,
                ...(u.uid ? { uid: u.uid } : {}),
                ...(u.groups ? { groups: u.groups } : {}),
                ...(u.extra ? { extra: u.extra } : {}),
              },
            }
          : {}),
        ...(review.status?.audiences ? { audiences: review.status.audiences } : {}),
      };
    },
    async subjectAccessReview(user, attributes) {
      const review = await authz.createSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: user.username,
            ...(user.uid ? { uid: user.uid } : {}),
            ...(user.groups ? { groups: user.groups } : {}),
            ...(user.extra ? { extra: user.extra } : {}),
            ...('nonResourceURL' in attributes
              ? { nonResourceAttributes: { path: attributes.nonResourceURL, verb: attributes.verb } }
              : {
                  resourceAttributes: {
                    group: attributes.group,
                    resource: attributes.resource,
                    verb: attributes.verb,
                    ...(attributes.namespace ? { namespace: attributes.namespace } : {}),
                    ...(attributes.name ? { name: attributes.name } : {}),
                  },
                }),
          },
        },
      });
      return review.status?.allowed === true && review.status?.denied !== true;
    },
  };
}

export interface AccessReviewerOptions {
  api: ReviewApi;
  /** Lifetime of a cached answer, allowed or not (default 10 s, like the API server's webhook cache; 0: no cache). */
  cacheTtlMs?: number;
  /** SubjectAccessReviews in flight at once, process-wide; TokenReviews have a bound of the same size (default 8). */
  maxConcurrentReviews?: number;
  /** Reviews that may wait for a slot beyond those in flight (default 256); more are refused (503). */
  maxWaitingReviews?: number;
  /** Authenticated tokens kept (default 4,096). */
  maxUsers?: number;
  /** Rejected tokens kept, apart from the valid ones (default 512). */
  maxRejectedTokens?: number;
  /** SubjectAccessReview answers kept (default 16,384). */
  maxDecisions?: number;
  now?: () => number;
}

export const DEFAULT_REVIEW_CACHE_TTL_MS = 10_000;
export const DEFAULT_MAX_CONCURRENT_REVIEWS = 8;

/** A bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

/**
 * Whether `token` can be valid for one of `audiences` (none asked: any token can). With an
 * audience asked, only a JWT whose `aud` names it can (the API server's ServiceAccount
 * tokens and OIDC tokens are JWTs): its signature is not checked here, the TokenReview does that.
 */
export function mayCarryAudience(token: string, audiences: readonly string[]): boolean {
  if (audiences.length === 0) return true;
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return false;
  try {
    const claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as { aud?: unknown };
    const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
    return audiences.some((a) => aud.includes(a));
  } catch {
    return false;
  }
}

const digest = (...parts: string[]): string => createHash('sha256').update(parts.join('\u0000')).digest('hex');

export class AccessReviewer {
  private readonly api: ReviewApi;
  private readonly ttl: number;
  private readonly now: () => number;
  private readonly users: LruCache<ReviewedUser>;
  private readonly rejected: LruCache<true>;
  private readonly decisions: LruCache<boolean>;
  // Single flight: one review per question in flight. Each entry holds a slot or a place
  // in a waiting line, so these maps are bounded by the semaphores' bounds.
  private readonly pendingTokens = new Map<string, Promise<ReviewedUser | null>>();
  private readonly pendingDecisions = new Map<string, Promise<boolean>>();
  private readonly tokenSlots: Semaphore;
  private readonly reviewSlots: Semaphore;

  constructor(options: AccessReviewerOptions) {
    this.api = options.api;
    this.ttl = options.cacheTtlMs ?? DEFAULT_REVIEW_CACHE_TTL_MS;
    this.now = options.now ?? Date.now;
    this.users = new LruCache(options.maxUsers ?? 4_096);
    this.rejected = new LruCache(options.maxRejectedTokens ?? 512);
    this.decisions = new LruCache(options.maxDecisions ?? 16_384);
    const limit = options.maxConcurrentReviews ?? DEFAULT_MAX_CONCURRENT_REVIEWS;
    const waiting = options.maxWaitingReviews ?? 256;
    this.tokenSlots = new Semaphore('TokenReviews', limit, waiting);
    this.reviewSlots = new Semaphore('SubjectAccessReviews', limit, waiting);
  }

  /** SubjectAccessReviews in flight now (never above the bound). */
  get reviewsInFlight(): number {
    return this.reviewSlots.inFlight;
  }

  /** The user `token` authenticates as for `audiences` (empty: the API server's own), or null. Throws when the API server cannot answer. */
  async authenticate(token: string, audiences: readonly string[]): Promise<ReviewedUser | null> {
    if (!mayCarryAudience(token, audiences)) return null;
    const key = digest(...audiences, token);
    const now = this.now();
    const known = this.users.get(key, now);
    if (known) return known;
    if (this.rejected.has(key, now)) return null;
    const pending = this.pendingTokens.get(key);
    if (pending) return pending;
    const review = this.tokenSlots
      .run(() => this.api.tokenReview(token, audiences))
      .then((answer) => {
        const user = answer.authenticated && answer.user?.username && audienceMatches(audiences, answer.audiences) ? answer.user : null;
        if (user) this.users.set(key, user, this.ttl, this.now());
        else this.rejected.set(key, true, this.ttl, this.now());
        return user;
      })
      .finally(() => this.pendingTokens.delete(key));
    this.pendingTokens.set(key, review);
    return review;
  }

  /** Whether `user` may do `attributes` (a SubjectAccessReview, cached). Throws when the API server cannot answer. */
  async authorize(user: ReviewedUser, attributes: AccessAttributes): Promise<boolean> {
    const key = digest(JSON.stringify([user.username, user.uid ?? '', user.groups ?? [], user.extra ?? {}, attributes]));
    const known = this.decisions.get(key, this.now());
    if (known !== undefined) return known;
    const pending = this.pendingDecisions.get(key);
    if (pending) return pending;
    const review = this.reviewSlots
      .run(() => this.api.subjectAccessReview(user, attributes))
      .then((allowed) => {
        this.decisions.set(key, allowed, this.ttl, this.now());
        return allowed;
      })
      .finally(() => this.pendingDecisions.delete(key));
    this.pendingDecisions.set(key, review);
    return review;
  }
}

/** A TokenReview asked for audiences must say the token is valid for one of them (an authenticator may ignore the question). */
function audienceMatches(asked: readonly string[], answered: readonly string[] | undefined): boolean {
  return asked.length === 0 || asked.some((a) => (answered ?? []).includes(a));
}

export type RequestAccess =
  | { status: 200; user: ReviewedUser }
  | { status: 401; message: string }
  | { status: 403; message: string; user: ReviewedUser }
  | { status: 503; message: string; user?: ReviewedUser };

/** The verdict on one HTTP request: 401 (no or bad token), 403 (not allowed), 503 (reviews unavailable or at their bound), 200. */
export async function reviewRequest(
  reviewer: AccessReviewer,
  authorization: string | undefined,
  audiences: readonly string[],
  attributes: AccessAttributes,
): Promise<RequestAccess> {
  const token = bearerToken(authorization);
  if (!token) return { status: 401, message: 'Unauthorized: a bearer token is required' };
  let user: ReviewedUser | null;
  try {
    user = await reviewer.authenticate(token, audiences);
  } catch (error) {
    return { status: 503, message: error instanceof SemaphoreFullError ? 'authentication busy, retry' : 'authentication unavailable' };
  }
  if (!user) return { status: 401, message: 'Unauthorized' };
  try {
    if (await reviewer.authorize(user, attributes)) return { status: 200, user };
  } catch (error) {
    return { status: 503, message: error instanceof SemaphoreFullError ? 'authorization busy, retry' : 'authorization unavailable', user };
  }
  return { status: 403, message: `Forbidden: ${user.username} may not ${describe(attributes)}`, user };
}

function describe(a: AccessAttributes): string {
  if ('nonResourceURL' in a) return `${a.verb} ${a.nonResourceURL}`;
  return `${a.verb} ${a.resource}.${a.group}${a.namespace ? ` in namespace ${a.namespace}` : ''}`;
}
