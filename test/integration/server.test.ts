// The operator's HTTP endpoints on the real control plane:
// - secure by default, as controller-runtime's metrics server: HTTPS with a self-signed
//   certificate made at start, /metrics only for a caller whose ServiceAccount token a
//   TokenReview authenticates and a SubjectAccessReview allows `get` /metrics (the chart's
//   metrics-reader ClusterRole): 401 without or with a bad token, 403 without the role,
//   200 with it. The reviews are made as the chart's operator ServiceAccount (impersonated),
//   so the chart's access-review ClusterRole is proven enough;
// - /healthz and /readyz answer without a token;
// - the plain, open HTTP endpoint only when asked for (metricsAccess 'anyone');
// - configured certificate files are reloaded when they change, and a bad new pair
//   leaves the one in use.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request, type Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';

import { KubeConfig } from '@kubernetes/client-node';

import { AccessReviewer, kubeReviewApi } from '../../operator/src/kube/access-review.js';
import { OperatorMetrics } from '../../operator/src/metrics.js';
import { startServer, startServing } from '../../operator/src/server.js';
import { generateCA, issueServingCert } from '../harness/certs.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, testKubeconfigPath, uniqueName, waitFor } from '../harness/kube.js';
import { freeLoopbackPort } from '../harness/moto.js';
import { installCrds } from '../harness/operator.js';
import { spawnOperator, type OperatorProcess } from '../harness/operator-process.js';
import { applyChartAccessRbac, countingReviewApi, deleteClusterObjects, serviceAccountToken, type CountingReviewApi } from '../harness/review-tokens.js';

const probe = (ready: boolean) => ({ healthy: () => true, ready: () => ready });
const portOf = (server: { address(): unknown }) => (server.address() as AddressInfo).port;
const close = (server: { close(cb: () => void): unknown }) => new Promise<void>((resolve) => void server.close(() => resolve()));

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  cert: PeerCertificate;
}

/** GET over HTTPS; `ca` verifies the server, without it the certificate is only read. */
function httpsGet(port: number, path: string, opts: { ca?: Buffer; token?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        servername: 'localhost',
        agent: false,
        ...(opts.ca ? { ca: opts.ca } : { rejectUnauthorized: false }),
        headers: opts.token ? { Authorization: `Bearer ${opts.token}` } : {},
      },
      (res) => {
        let body = '';
        const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, cert }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('operator HTTP endpoints', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloudposture-server-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('plain HTTP only when asked for (metricsAccess "anyone"); /readyz is 503 until the caches synced; no /report', async () => {
    let ready = false;
    const server = await startServer('127.0.0.1:0', new OperatorMetrics(), { healthy: () => true, ready: () => ready }, { metricsAccess: 'anyone' });
    const base = `http://127.0.0.1:${portOf(server)}`;
    try {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      expect(await metrics.text()).toContain('cloudposture_queue_depth');
      expect((await fetch(`${base}/report`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await close(server);
    }
  });

  it('fails closed: without a metrics access setting /metrics is refused', async () => {
    const server = await startServer('127.0.0.1:0', new OperatorMetrics({ defaultMetrics: false }), probe(true));
    try {
      expect((await fetch(`http://127.0.0.1:${portOf(server)}/metrics`)).status).toBe(403);
    } finally {
      await close(server);
    }
  });

  it('refuses to send tokens in the clear: the report and reviewed /metrics need TLS', async () => {
    const reviewer = new AccessReviewer({ api: kubeReviewApi(loadTestKubeConfig()) });
    await expect(startServer('127.0.0.1:0', new OperatorMetrics(), probe(true), { report: async () => undefined, metricsAccess: 'anyone' })).rejects.toThrow(/needs TLS/);
    await expect(startServer('127.0.0.1:0', new OperatorMetrics(), probe(true), { metricsAccess: { reviewer, audiences: [] } })).rejects.toThrow(/needs TLS/);
  });

  describe('secure /metrics on the real API server', () => {
    let ns: string;
    let release: string;
    let made: string[] = [];
    let server: TlsServer;
    let port: number;
    let readerToken: string;
    let strangerToken: string;
    let api: CountingReviewApi;

    /** The test's API server, as the chart's operator ServiceAccount (impersonated). */
    function asChartOperator(): KubeConfig {
      const kc = loadTestKubeConfig();
      const as = new KubeConfig();
      as.loadFromOptions({
        clusters: kc.clusters,
        contexts: [{ name: 'operator', cluster: kc.getCurrentCluster()?.name ?? '', user: 'operator' }],
        currentContext: 'operator',
        users: [{ ...(kc.getCurrentUser() ?? { name: 'admin' }), name: 'operator', impersonateUser: `system:serviceaccount:${ns}:${release}-cloud-posture-operator` }],
      });
      return as;
    }

    beforeAll(async () => {
      ns = await createTestNamespace('metrics-authz');
      release = uniqueName('m').slice(0, 20);
      made = await applyChartAccessRbac(release, ns, { namespace: ns, name: 'prometheus' });
      readerToken = await serviceAccountToken(ns, 'prometheus');
      strangerToken = await serviceAccountToken(ns, 'stranger');
      api = countingReviewApi(asChartOperator());
      const reviewer = new AccessReviewer({ api });
      const started = await startServing('127.0.0.1:0', new OperatorMetrics(), probe(true), { tls: { selfSigned: true }, metricsAccess: { reviewer, audiences: [] } });
      expect(started.selfSigned).toBe(true);
      server = started.server as TlsServer;
      port = portOf(server);
    }, 120_000);

    afterAll(async () => {
      if (server) await close(server);
      await deleteClusterObjects(made);
      if (ns) await deleteTestNamespace(ns);
    });

    it('401 without a token or with one the API server does not accept', async () => {
      const none = await httpsGet(port, '/metrics');
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Bearer /);
      expect((await httpsGet(port, '/metrics', { token: 'not-a-real-token' })).status).toBe(401);
      const forged = `${readerToken.split('.').slice(0, 2).join('.')}.AAAA`;
      expect((await httpsGet(port, '/metrics', { token: forged })).status).toBe(401);
    });

    it('403 for an authenticated caller without the chart metrics-reader role', async () => {
      const res = await httpsGet(port, '/metrics', { token: strangerToken });
      expect(res.status).toBe(403);
      expect(res.body).toBe(`Forbidden: system:serviceaccount:${ns}:stranger may not get /metrics\n`);
      expect(res.body).not.toContain('cloudposture_');
    });

    it("200 with the chart's metrics-reader role, and the answer is cached", async () => {
      const res = await httpsGet(port, '/metrics', { token: readerToken });
      expect(res.status).toBe(200);
      expect(res.body).toContain('cloudposture_queue_depth');
      const before = { ...api.counts };
      expect((await httpsGet(port, '/metrics', { token: readerToken })).status).toBe(200);
      expect(api.counts).toEqual(before);
    });

    it('the operator process (main.ts) serves this by default, and plain HTTP with CLOUDPOSTURE_METRICS_SECURE=false', async () => {
      await installCrds();
      const run = async (env: Record<string, string>, check: (port: number, replica: OperatorProcess) => Promise<void>) => {
        const port = await freeLoopbackPort();
        const replica = spawnOperator({
          kubeconfig: testKubeconfigPath(),
          identity: uniqueName('http'),
          env: { CLOUDPOSTURE_METRICS_ADDRESS: `127.0.0.1:${port}`, CLOUDPOSTURE_WATCH_NAMESPACE: ns, CLOUDPOSTURE_POLICY_NAME: uniqueName('nopolicy'), ...env },
        });
        try {
          await waitFor(() => replica.logs.some((l) => l.message === 'operator starting'), { timeoutMs: 60_000, description: 'the operator started' });
          await check(port, replica);
        } finally {
          replica.kill('SIGTERM');
          await replica.exited;
        }
      };
      await run({}, async (port, replica) => {
        expect(replica.logs.find((l) => l.message === 'operator starting')).toMatchObject({ metricsSecure: true, tls: 'self-signed' });
        expect((await httpsGet(port, '/healthz')).status).toBe(200);
        expect((await httpsGet(port, '/metrics')).status).toBe(401);
        expect((await httpsGet(port, '/metrics', { token: strangerToken })).status).toBe(403);
        const ok = await httpsGet(port, '/metrics', { token: readerToken });
        expect([ok.status, ok.body.includes('cloudposture_queue_depth')]).toEqual([200, true]);
        expect(JSON.stringify(replica.logs)).not.toContain(readerToken.split('.')[2]);
      });
      await run({ CLOUDPOSTURE_METRICS_SECURE: 'false' }, async (port, replica) => {
        expect(replica.logs.some((l) => l.level === 'warn' && String(l.message).includes('without authentication'))).toBe(true);
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect([res.status, (await res.text()).includes('cloudposture_queue_depth')]).toEqual([200, true]);
      });
    });

    it('/healthz and /readyz need no token; the certificate is self-signed for localhost', async () => {
      const health = await httpsGet(port, '/healthz');
      expect([health.status, health.body]).toEqual([200, 'ok\n']);
      expect((await httpsGet(port, '/readyz')).status).toBe(200);
      expect(health.cert.subject.CN).toBe('cloud-posture-operator');
      expect(health.cert.issuer.CN).toBe('cloud-posture-operator');
      expect(health.cert.subjectaltname).toContain('DNS:localhost');
      expect(health.cert.subjectaltname).toContain('IP Address:127.0.0.1');
    });
  });

  it('serves the report over HTTPS with the configured files, and reloads them when they change', async () => {
    const caA = await generateCA(join(dir, 'ca-a'));
    const caB = await generateCA(join(dir, 'ca-b'));
    const certA = await issueServingCert(caA, join(dir, 'serving-a'), ['127.0.0.1', 'localhost']);
    const certB = await issueServingCert(caB, join(dir, 'serving-b'), ['127.0.0.1', 'localhost']);
    const certFile = join(dir, 'tls.crt');
    const keyFile = join(dir, 'tls.key');
    await writeFile(certFile, await readFile(certA.certPath));
    await writeFile(keyFile, await readFile(certA.keyPath));
    const seen: string[] = [];
    const events: Array<{ message: string; meta: Record<string, unknown> }> = [];
    const log = { info: (message: string, meta: Record<string, unknown>) => void events.push({ message, meta }), warn: (message: string, meta: Record<string, unknown>) => void events.push({ message, meta }) };
    const server = await startServer('127.0.0.1:0', new OperatorMetrics(), probe(true), {
      report: async (req, res) => {
        seen.push(req.headers.authorization ?? '');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"services":[]}');
      },
      tls: { certFile, keyFile, reloadIntervalMs: 50 },
      metricsAccess: 'anyone',
      log,
    });
    const port = portOf(server);
    const [pemA, pemB] = [await readFile(caA.certPath), await readFile(caB.certPath)];
    try {
      const report = await httpsGet(port, '/report?format=json', { ca: pemA, token: 't0ken' });
      expect([report.status, report.body]).toEqual([200, '{"services":[]}']);
      expect(seen).toEqual(['Bearer t0ken']);
      expect((await httpsGet(port, '/metrics', { ca: pemA })).body).toContain('cloudposture_reconcile_total');

      // cert-manager renews: new files, signed by another CA.
      await writeFile(keyFile, await readFile(certB.keyPath));
      await writeFile(certFile, await readFile(certB.certPath));
      await waitFor(async () => (await httpsGet(port, '/healthz', { ca: pemB })).status === 200, { timeoutMs: 20_000, description: 'the renewed certificate served' });
      expect(events.map((e) => e.message)).toContain('serving certificate reloaded');
      expect(JSON.stringify(events)).not.toContain('PRIVATE KEY');

      // A key that does not match: logged, and the renewed pair stays in use.
      const from = events.length;
      await writeFile(keyFile, await readFile(certA.keyPath));
      await waitFor(() => events.slice(from).some((e) => e.message.includes('not reloaded')), { timeoutMs: 20_000, description: 'the bad pair refused' });
      expect((await httpsGet(port, '/healthz', { ca: pemB })).status).toBe(200);
      await expect(httpsGet(port, '/healthz', { ca: pemA })).rejects.toThrow();
    } finally {
      await close(server);
    }
  });
});
