// /metrics, /healthz, /readyz and, when enabled, the evidence report (/report) on one
// small server.
//
// Secure by default, as controller-runtime's metrics server: HTTPS (the configured
// certificate files, reloaded when they change, or a self-signed certificate made at
// start), and /metrics only for a caller whose bearer token a TokenReview authenticates
// and a SubjectAccessReview allows `get` on the non-resource URL /metrics (401 / 403
// otherwise; kube/access-review.ts, shared with /report). The plain HTTP endpoint open
// to anyone is an explicit choice (metricsAccess 'anyone', CLOUDPOSTURE_METRICS_SECURE=false).
//
// /healthz and /readyz answer without a token: the kubelet's probes carry none (over
// HTTPS the kubelet does not verify the certificate).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';

import { reviewRequest, type AccessReviewer } from './kube/access-review.js';
import type { OperatorMetrics } from './metrics.js';
import { readPemPair, selfSignedCert, watchCertFiles, type CertEvents, type CertFiles, type PemPair } from './serving-cert.js';

export interface HealthProbe {
  /** Alive: the event loop answers, the manager has not failed for good, and neither the watches nor the queue are stuck. */
  healthy(): boolean;
  /** Why not healthy, one line each, for the /healthz body (optional). */
  problems?(): string[];
  /** Ready: caches synced, so reconciles see the real state. */
  ready(): boolean;
}

/** Who may read /metrics. */
export type MetricsAccess =
  /** TokenReview (for `audiences`; empty: the API server's own) + SubjectAccessReview of get /metrics. */
  | { reviewer: AccessReviewer; audiences: readonly string[] }
  /** Anyone who reaches the port (CLOUDPOSTURE_METRICS_SECURE=false). */
  | 'anyone';

/** TLS: PEM files (reloaded when they change), or a self-signed certificate made at start. */
export type ServerTls = CertFiles | { selfSigned: true };

export interface ServerExtras {
  /** GET /report (authenticated and authorised per request by the handler). */
  report?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Serve HTTPS; required when tokens are sent (the report, reviewed /metrics). */
  tls?: ServerTls;
  /** Who may read /metrics; absent: nobody (403), so a forgotten setting fails closed. */
  metricsAccess?: MetricsAccess;
  /** Where certificate reloads and their failures are told. */
  log?: CertEvents;
}

export interface StartedServer {
  server: Server | TlsServer;
  /** Whether the certificate in use was made at start (no files configured). */
  selfSigned: boolean;
}

export async function startServer(address: string, metrics: OperatorMetrics, probe: HealthProbe, extras: ServerExtras = {}): Promise<Server | TlsServer> {
  return (await startServing(address, metrics, probe, extras)).server;
}

/** As startServer, and tells whether the certificate is self-signed. */
export async function startServing(address: string, metrics: OperatorMetrics, probe: HealthProbe, extras: ServerExtras = {}): Promise<StartedServer> {
  const [host, port] = splitAddress(address);
  const reviewed = extras.metricsAccess !== undefined && extras.metricsAccess !== 'anyone';
  if (extras.report && !extras.tls) throw new Error('the report endpoint needs TLS (CLOUDPOSTURE_TLS_CERT_FILE, CLOUDPOSTURE_TLS_KEY_FILE, or a self-signed certificate)');
  if (reviewed && !extras.tls) throw new Error('reviewed /metrics needs TLS: bearer tokens must not travel in the clear');
  const access = extras.metricsAccess;
  const answer = (res: ServerResponse, code: number, body: string, type = 'text/plain; charset=utf-8', headers: Record<string, string> = {}) => {
    res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
    res.end(body);
  };
  const serveMetrics = async (req: IncomingMessage, res: ServerResponse) => {
    if (access === undefined) return answer(res, 403, 'Forbidden: metrics access is not configured\n');
    if (access !== 'anyone') {
      const verdict = await reviewRequest(access.reviewer, req.headers.authorization, access.audiences, { nonResourceURL: '/metrics', verb: 'get' });
      if (verdict.status === 401) return answer(res, 401, `${verdict.message}\n`, undefined, { 'WWW-Authenticate': 'Bearer realm="cloud-posture-operator"' });
      if (verdict.status === 503) return answer(res, 503, `${verdict.message}\n`, undefined, { 'Retry-After': '1' });
      if (verdict.status === 403) return answer(res, 403, `${verdict.message}\n`);
    }
    const { contentType, body } = await metrics.render();
    return answer(res, 200, body, contentType);
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, 'method not allowed\n');
    switch (path) {
      case '/metrics':
        serveMetrics(req, res).catch((error: Error) => answer(res, 500, `metrics: ${error.message}\n`));
        return;
      case '/healthz': {
        if (probe.healthy()) return answer(res, 200, 'ok\n');
        const problems = probe.problems?.() ?? [];
        return answer(res, 500, ['unhealthy', ...problems].join('\n') + '\n');
      }
      case '/readyz':
        return probe.ready() ? answer(res, 200, 'ok\n') : answer(res, 503, 'caches not synced\n');
      case '/report':
        if (!extras.report) return answer(res, 404, 'not found\n');
        extras.report(req, res).catch(() => answer(res, 500, 'report failed\n'));
        return;
      default:
        return answer(res, 404, 'not found\n');
    }
  };
  let server: Server | TlsServer;
  let selfSigned = false;
  const tls = extras.tls;
  if (tls) {
    selfSigned = 'selfSigned' in tls;
    const pair: PemPair = 'selfSigned' in tls ? await selfSignedCert() : await readPemPair(tls);
    server = createTlsServer(pair, handler);
  } else {
    server = createServer(handler);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  if (tls && !('selfSigned' in tls)) await watchCertFiles(server as TlsServer, tls, extras.log);
  return { server, selfSigned };
}

function splitAddress(address: string): [string, number] {
  const index = address.lastIndexOf(':');
  return [address.slice(0, index) || '0.0.0.0', Number(address.slice(index + 1))];
}
