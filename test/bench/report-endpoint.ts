// Benchmark (a script, not a test): what GET /report costs the API server, in
// SubjectAccessReviews (and TokenReviews), for 300 namespaces of CloudServices, on a
// local control plane. The operator's real server (startServing: self-signed HTTPS, the
// report handler, the shared AccessReviewer with its defaults: 8 reviews in flight, 10 s
// cache, 100 answers per request) answers on loopback; the reviews go to the real
// kube-apiserver through a wrapper that counts them. The services come from the sample
// report data, two per namespace (the endpoint takes them from the operator's cache, so
// none is written to the API server); callers are ServiceAccount tokens for the report's
// audience. Every loop is bounded (counts below) and the whole run stops after 10 minutes.
//
//   npm exec -- node --import tsx test/bench/report-endpoint.ts [--namespaces 300] [--burst 20] [--flood 1000]
//
// The code before the bounds (one SubjectAccessReview per namespace and up to 500 per
// object, no single flight, no global bound) was measured once on the same data: one
// low-privilege request cost 801 SubjectAccessReviews, 20 concurrent ones 16,020.

import { request } from 'node:https';
import type { AddressInfo } from 'node:net';

import { KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';

import type { CloudService } from '../../operator/src/api/types.js';
import { AccessReviewer, DEFAULT_MAX_CONCURRENT_REVIEWS } from '../../operator/src/kube/access-review.js';
import { OperatorMetrics } from '../../operator/src/metrics.js';
import { createReportHandler, DEFAULT_MAX_REVIEWS_PER_REQUEST, DEFAULT_REPORT_AUDIENCE } from '../../operator/src/report/endpoint.js';
import { sampleServices } from '../../operator/src/report/sample.js';
import { startServing } from '../../operator/src/server.js';
import { startControlPlane } from '../harness/controlplane.js';
import { countingReviewApi, serviceAccountToken } from '../harness/review-tokens.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > 10_000) throw new Error(`--${name}: an integer from 1 to 10000`);
  return value;
};
const NAMESPACES = arg('namespaces', 300);
const BURST = arg('burst', 20);
const FLOOD = arg('flood', 1000);
const BEFORE = { single: 801, burst: 16_020 };
// The whole run is cut after this long, whatever happens.
const deadline = setTimeout(() => {
  process.stderr.write('report-endpoint bench: 10 minute bound reached, stopping\n');
  process.exit(2);
}, 10 * 60_000);
deadline.unref();

const NOW = new Date('2026-11-15T12:00:00Z');
const templates = sampleServices(NOW);
const namespaceName = (i: number) => `team-${String(i).padStart(3, '0')}`;
const services: CloudService[] = Array.from({ length: NAMESPACES }, (_, i) =>
  [0, 1].map((j) => {
    const t = templates[(i * 2 + j) % templates.length] as CloudService;
    return { ...t, metadata: { ...t.metadata, namespace: namespaceName(i), name: `svc-${j}` } };
  }),
).flat();

const cp = await startControlPlane();
try {
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  for (const args of [['create', 'namespace', 'bench'], ['create', 'namespace', namespaceName(7)]]) {
    const r = await cp.kubectl(args);
    if (r.code !== 0) throw new Error(r.stderr);
  }
  const token = (name: string) => serviceAccountToken('bench', name, [DEFAULT_REPORT_AUDIENCE], kc);
  // A reader of one namespace (team-007), and callers allowed nothing.
  await rbac.createNamespacedRole({ namespace: namespaceName(7), body: { metadata: { name: 'reader' }, rules: [{ apiGroups: ['cloudposture.io'], resources: ['cloudservices'], verbs: ['get'] }] } });
  await rbac.createNamespacedRoleBinding({
    namespace: namespaceName(7),
    body: { metadata: { name: 'reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', namespace: 'bench', name: 'reader' }] },
  });
  const reader = await token('reader');
  const lows = await Promise.all(Array.from({ length: BURST }, (_, i) => token(`low-${i}`)));

  /** A fresh operator endpoint (empty caches) on loopback, its counted reviews, and a GET helper. */
  const endpoint = async () => {
    const api = countingReviewApi(kc);
    const reviewer = new AccessReviewer({ api });
    const report = createReportHandler({ reviewer, listServices: () => services, clock: () => NOW });
    const { server } = await startServing('127.0.0.1:0', new OperatorMetrics({ defaultMetrics: false }), { healthy: () => true, ready: () => true }, { tls: { selfSigned: true }, report, metricsAccess: { reviewer, audiences: [] } });
    const port = (server.address() as AddressInfo).port;
    const get = (path: string, bearer: string) =>
      new Promise<{ status: number; truncated: boolean }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, agent: false, headers: { Authorization: `Bearer ${bearer}` } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, truncated: res.headers['x-report-truncated'] === 'true' }));
        });
        req.on('error', reject);
        req.end();
      });
    const counted = async <T>(work: () => Promise<T>) => {
      const before = { ...api.counts };
      api.peakSubjectAccessReviews = 0;
      const result = await work();
      return { result, sars: api.counts.subjectAccessReviews - before.subjectAccessReviews, tokenReviews: api.counts.tokenReviews - before.tokenReviews, peak: api.peakSubjectAccessReviews };
    };
    return { get, counted, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  };

  const rows: string[] = [];
  const row = (what: string, m: { sars: number; tokenReviews: number; peak: number }, answer: string) =>
    rows.push(`${what.padEnd(62)} ${String(m.sars).padStart(6)} SARs  ${String(m.tokenReviews).padStart(5)} TokenReviews  peak ${String(m.peak).padStart(2)} SARs in flight  ${answer}`);
  const statuses = (rs: Array<{ status: number; truncated: boolean }>) => {
    const byStatus = new Map<string, number>();
    for (const r of rs) byStatus.set(`${r.status}${r.truncated ? ' truncated' : ''}`, (byStatus.get(`${r.status}${r.truncated ? ' truncated' : ''}`) ?? 0) + 1);
    return [...byStatus].map(([k, n]) => `${n}x ${k}`).join(', ');
  };

  let e = await endpoint();
  const single = await e.counted(() => e.get('/report?format=json', lows[0] as string));
  row('one low-privilege request, all namespaces', single, statuses([single.result]));
  await e.close();

  e = await endpoint();
  const burst = await e.counted(() => Promise.all(Array.from({ length: BURST }, () => e.get('/report?format=json', lows[0] as string))));
  row(`${BURST} concurrent requests, one low-privilege token`, burst, statuses(burst.result));
  await e.close();

  e = await endpoint();
  const many = await e.counted(() => Promise.all(lows.map((t) => e.get('/report?format=json', t))));
  row(`${BURST} concurrent requests, ${BURST} different low-privilege users`, many, statuses(many.result));
  const again = await e.counted(() => Promise.all(lows.map((t) => e.get('/report?format=json', t))));
  row('  the same again within the cache lifetime', again, statuses(again.result));
  await e.close();

  e = await endpoint();
  const scoped = await e.counted(() => e.get(`/report?format=json&namespace=${namespaceName(7)}`, lows[0] as string));
  row(`one low-privilege request, ?namespace=${namespaceName(7)}`, scoped, statuses([scoped.result]));
  const readerAll = await e.counted(() => e.get('/report?format=json', reader));
  row(`reader of ${namespaceName(7)}, all namespaces`, readerAll, statuses([readerAll.result]));
  const readerScoped = await e.counted(() => e.get(`/report?format=json&namespace=${namespaceName(7)}`, reader));
  row(`reader of ${namespaceName(7)}, ?namespace=${namespaceName(7)}`, readerScoped, statuses([readerScoped.result]));

  // Bogus tokens that name the audience (so each reaches a TokenReview), then the reader again.
  const [header, payload] = reader.split('.');
  const flood = await e.counted(async () => {
    const out: Array<{ status: number; truncated: boolean }> = [];
    for (let i = 0; i < FLOOD; i += 50) {
      out.push(...(await Promise.all(Array.from({ length: Math.min(50, FLOOD - i) }, (_, j) => e.get(`/report?format=json&namespace=${namespaceName(7)}`, `${header}.${payload}.bogus${(i + j).toString(36)}`)))));
    }
    return out;
  });
  row(`${FLOOD} bogus tokens (forged signatures), 50 at a time`, flood, statuses(flood.result));
  const afterFlood = await e.counted(() => e.get(`/report?format=json&namespace=${namespaceName(7)}`, reader));
  row(`  then the reader again (cached answers kept)`, afterFlood, statuses([afterFlood.result]));
  await e.close();

  process.stdout.write(
    `GET /report on loopback, ${NAMESPACES} namespaces x 2 CloudServices, real kube-apiserver; bounds: ${DEFAULT_MAX_REVIEWS_PER_REQUEST} answers per request, ` +
      `${DEFAULT_MAX_CONCURRENT_REVIEWS} reviews in flight, 10 s cache\n` +
      `before (old code, measured once): one low-privilege request ${BEFORE.single} SARs; 20 concurrent ${BEFORE.burst.toLocaleString("en")} SARs\n` +
      `after:\n${rows.join('\n')}\n`,
  );
} finally {
  await cp.stop();
}
