// The bounds of kube/access-review.ts with a counting, hand-released fake of the two
// review calls: single flight, LRU eviction one entry at a time, rejected tokens kept
// apart from valid users, the process-wide bound on reviews in flight and its waiting
// line, and the audience checks. The same module on the real API server:
// test/integration/server.test.ts and report-endpoint.test.ts.

import { AccessReviewer, mayCarryAudience, reviewRequest, type AccessAttributes, type ReviewApi, type ReviewedUser } from '../../operator/src/kube/access-review.js';
import { LruCache, Semaphore, SemaphoreFullError } from '../../operator/src/kube/review-bounds.js';

const jwt = (claims: Record<string, unknown>) =>
  ['{"alg":"RS256"}', JSON.stringify(claims), 'signature'].map((p) => Buffer.from(p).toString('base64url')).join('.');

/** Tokens "user:<name>" (or JWTs whose sub is that) authenticate; the rest do not. Answers wait until released when `hold` is set. */
function fakeApi(opts: { hold?: boolean; allow?: (user: ReviewedUser, a: AccessAttributes) => boolean; audiences?: string[] } = {}) {
  const waiting: Array<() => void> = [];
  let inFlight = 0;
  const api = {
    tokenReviews: 0,
    reviews: 0,
    peak: 0,
    release: () => waiting.splice(0).forEach((go) => go()),
    waitingCount: () => waiting.length,
    gate: () => (opts.hold ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve()),
  };
  const reviewApi: ReviewApi = {
    async tokenReview(token, audiences) {
      api.tokenReviews++;
      await api.gate();
      const sub = token.includes('.') ? (JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { sub: string }).sub : token;
      const name = /^user:(.+)$/.exec(sub)?.[1];
      return name ? { authenticated: true, user: { username: name }, audiences: opts.audiences ?? [...audiences] } : { authenticated: false };
    },
    async subjectAccessReview(user, attributes) {
      api.reviews++;
      api.peak = Math.max(api.peak, ++inFlight);
      try {
        await api.gate();
        return opts.allow?.(user, attributes) ?? false;
      } finally {
        inFlight--;
      }
    },
  };
  return { api, reviewApi };
}

const GET_METRICS = { nonResourceURL: '/metrics', verb: 'get' };
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('LruCache', () => {
  it('evicts the least recently used entry, one at a time, and forgets expired ones', () => {
    const c = new LruCache<number>(3);
    c.set('a', 1, 1000, 0);
    c.set('b', 2, 1000, 0);
    c.set('c', 3, 1000, 0);
    expect(c.get('a', 1)).toBe(1); // a is now the most recent
    c.set('d', 4, 1000, 1);
    expect([c.get('a', 2), c.get('b', 2), c.get('c', 2), c.get('d', 2)]).toEqual([1, undefined, 3, 4]);
    expect(c.size).toBe(3);
    expect(c.get('a', 1000)).toBeUndefined();
    expect(c.size).toBe(2);
  });
});

describe('Semaphore', () => {
  it('runs at most `limit` at once, queues up to `maxWaiting`, refuses beyond', async () => {
    const s = new Semaphore('test', 2, 1);
    const gates: Array<() => void> = [];
    let running = 0;
    let peak = 0;
    const task = () =>
      s.run(async () => {
        peak = Math.max(peak, ++running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
      });
    const started = [task(), task(), task()];
    await expect(task()).rejects.toBeInstanceOf(SemaphoreFullError);
    await flush();
    expect([s.inFlight, gates.length]).toEqual([2, 2]);
    gates.splice(0).forEach((go) => go());
    await flush();
    gates.splice(0).forEach((go) => go());
    await Promise.all(started);
    expect([peak, s.inFlight]).toEqual([2, 0]);
  });
});

describe('AccessReviewer', () => {
  it('single flight: twenty concurrent asks with one token cost one TokenReview and one SubjectAccessReview', async () => {
    const { api, reviewApi } = fakeApi({ hold: true, allow: () => true });
    const reviewer = new AccessReviewer({ api: reviewApi });
    const verdicts = Array.from({ length: 20 }, () => reviewRequest(reviewer, 'Bearer user:prometheus', [], GET_METRICS));
    await flush();
    api.release();
    await flush();
    api.release();
    expect((await Promise.all(verdicts)).map((v) => v.status)).toEqual(Array(20).fill(200));
    expect([api.tokenReviews, api.reviews]).toEqual([1, 1]);
    // Cached for the next request.
    expect((await reviewRequest(reviewer, 'Bearer user:prometheus', [], GET_METRICS)).status).toBe(200);
    expect([api.tokenReviews, api.reviews]).toEqual([1, 1]);
  });

  it('401 without or with a bad token, 403 when not allowed, and never names the token', async () => {
    const { reviewApi } = fakeApi({ allow: (u) => u.username === 'prometheus' });
    const reviewer = new AccessReviewer({ api: reviewApi });
    expect(await reviewRequest(reviewer, undefined, [], GET_METRICS)).toEqual({ status: 401, message: 'Unauthorized: a bearer token is required' });
    expect((await reviewRequest(reviewer, 'Basic dXNlcjpwdw==', [], GET_METRICS)).status).toBe(401);
    expect((await reviewRequest(reviewer, 'Bearer nobody-s3cret', [], GET_METRICS)).status).toBe(401);
    const denied = await reviewRequest(reviewer, 'Bearer user:stranger', [], GET_METRICS);
    expect(denied).toEqual({ status: 403, message: 'Forbidden: stranger may not get /metrics', user: { username: 'stranger' } });
  });

  it('a flood of bogus tokens evicts no valid user and no decision', async () => {
    const { api, reviewApi } = fakeApi({ allow: () => true });
    const reviewer = new AccessReviewer({ api: reviewApi, maxUsers: 4, maxRejectedTokens: 4, maxDecisions: 4, cacheTtlMs: 60_000 });
    expect((await reviewRequest(reviewer, 'Bearer user:prometheus', [], GET_METRICS)).status).toBe(200);
    for (let i = 0; i < 100; i++) expect((await reviewRequest(reviewer, `Bearer bogus-${i}`, [], GET_METRICS)).status).toBe(401);
    expect([api.tokenReviews, api.reviews]).toEqual([101, 1]);
    expect((await reviewRequest(reviewer, 'Bearer user:prometheus', [], GET_METRICS)).status).toBe(200);
    expect([api.tokenReviews, api.reviews]).toEqual([101, 1]);
  });

  it('bounds the SubjectAccessReviews in flight process-wide, and refuses past the waiting line (503)', async () => {
    const { api, reviewApi } = fakeApi({ hold: true, allow: () => true });
    const reviewer = new AccessReviewer({ api: reviewApi, maxConcurrentReviews: 3, maxWaitingReviews: 5 });
    const user = { username: 'auditor' };
    const asks = Array.from({ length: 8 }, (_, i) => reviewer.authorize(user, { group: 'cloudposture.io', resource: 'cloudservices', verb: 'get', namespace: `ns-${i}` }));
    await flush();
    expect([reviewer.reviewsInFlight, api.waitingCount()]).toEqual([3, 3]);
    await expect(reviewer.authorize(user, { group: 'cloudposture.io', resource: 'cloudservices', verb: 'get', namespace: 'one-too-many' })).rejects.toBeInstanceOf(
      SemaphoreFullError,
    );
    while (api.reviews < 8 || api.waitingCount() > 0) {
      api.release();
      await flush();
    }
    expect(await Promise.all(asks)).toEqual(Array(8).fill(true));
    expect(api.peak).toBe(3);
  });

  it('with an audience: only a JWT naming it reaches a TokenReview, whose status.audiences must include it', async () => {
    const { api, reviewApi } = fakeApi({ allow: () => true });
    const reviewer = new AccessReviewer({ api: reviewApi });
    const aud = ['cloud-posture-operator'];
    expect(await reviewer.authenticate('user:opaque', aud)).toBeNull();
    expect(await reviewer.authenticate(jwt({ sub: 'user:a', aud: ['https://kubernetes.default.svc'] }), aud)).toBeNull();
    expect(api.tokenReviews).toBe(0);
    expect(await reviewer.authenticate(jwt({ sub: 'user:a', aud: 'cloud-posture-operator' }), aud)).toEqual({ username: 'a' });
    expect(api.tokenReviews).toBe(1);
    // An authenticator that ignores the audience asked is not believed.
    const ignoring = fakeApi({ audiences: ['https://kubernetes.default.svc'] });
    const strict = new AccessReviewer({ api: ignoring.reviewApi });
    expect(await strict.authenticate(jwt({ sub: 'user:a', aud: 'cloud-posture-operator' }), aud)).toBeNull();
  });

  it('mayCarryAudience: anything without an audience asked; only well-formed JWTs with it otherwise', () => {
    expect(mayCarryAudience('anything', [])).toBe(true);
    expect(mayCarryAudience('a.b', ['x'])).toBe(false);
    expect(mayCarryAudience('a.!!.c', ['x'])).toBe(false);
    expect(mayCarryAudience(`a.${Buffer.from('not json').toString('base64url')}.c`, ['x'])).toBe(false);
    expect(mayCarryAudience(jwt({ aud: ['y', 'x'] }), ['x'])).toBe(true);
  });

  it('a failed review is not cached: the next ask tries again', async () => {
    let fail = true;
    const reviewer = new AccessReviewer({
      api: {
        tokenReview: async () => ({ authenticated: true, user: { username: 'p' } }),
        subjectAccessReview: async () => {
          if (fail) throw new Error('connection refused');
          return true;
        },
      },
    });
    expect((await reviewRequest(reviewer, 'Bearer t', [], GET_METRICS)).status).toBe(503);
    fail = false;
    expect((await reviewRequest(reviewer, 'Bearer t', [], GET_METRICS)).status).toBe(200);
  });
});
