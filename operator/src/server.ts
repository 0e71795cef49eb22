// /metrics, /healthz, /readyz and, when enabled, the evidence report (/report, TLS only)
// on one small HTTP server.

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { OperatorMetrics } from './metrics.js';

export interface HealthProbe {
  /** Alive: the event loop answers, the manager has not failed for good, and neither the watches nor the queue are stuck. */
  healthy(): boolean;
  /** Why not healthy, one line each, for the /healthz body (optional). */
  problems?(): string[];
  /** Ready: caches synced, so reconciles see the real state. */
  ready(): boolean;
}

export interface ServerExtras {
  /** GET /report (authenticated and authorised per request by the handler). */
  report?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Serve HTTPS with these PEM files (required when the report is served: it carries bearer tokens). */
  tls?: { certFile: string; keyFile: string };
}

export async function startServer(address: string, metrics: OperatorMetrics, probe: HealthProbe, extras: ServerExtras = {}): Promise<Server> {
  const [host, port] = splitAddress(address);
  if (extras.report && !extras.tls) throw new Error('the report endpoint needs TLS (CLOUDPOSTURE_TLS_CERT_FILE, CLOUDPOSTURE_TLS_KEY_FILE)');
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, 'method not allowed\n');
    switch (path) {
      case '/metrics':
        metrics
          .render()
          .then(({ contentType, body }) => answer(200, body, contentType))
          .catch((error: Error) => answer(500, `metrics: ${error.message}\n`));
        return;
      case '/healthz': {
        if (probe.healthy()) return answer(200, 'ok\n');
        const problems = probe.problems?.() ?? [];
        return answer(500, ['unhealthy', ...problems].join('\n') + '\n');
      }
      case '/readyz':
        return probe.ready() ? answer(200, 'ok\n') : answer(503, 'caches not synced\n');
      case '/report':
        if (!extras.report) return answer(404, 'not found\n');
        extras.report(req, res).catch(() => answer(500, 'report failed\n'));
        return;
      default:
        return answer(404, 'not found\n');
    }
  };
  const server = extras.tls
    ? createTlsServer({ cert: readFileSync(extras.tls.certFile), key: readFileSync(extras.tls.keyFile) }, handler)
    : createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

function splitAddress(address: string): [string, number] {
  const index = address.lastIndexOf(':');
  return [address.slice(0, index) || '0.0.0.0', Number(address.slice(index + 1))];
}
