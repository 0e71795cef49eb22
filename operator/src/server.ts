// /metrics, /healthz and /readyz on one small HTTP server.

import { createServer, type Server } from 'node:http';
import type { OperatorMetrics } from './metrics.js';

export interface HealthProbe {
  /** Alive: the event loop answers and the manager has not failed for good. */
  healthy(): boolean;
  /** Ready: caches synced, so reconciles see the real state. */
  ready(): boolean;
}

export async function startServer(address: string, metrics: OperatorMetrics, probe: HealthProbe): Promise<Server> {
  const [host, port] = splitAddress(address);
  const server = createServer((req, res) => {
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
      case '/healthz':
        return probe.healthy() ? answer(200, 'ok\n') : answer(500, 'unhealthy\n');
      case '/readyz':
        return probe.ready() ? answer(200, 'ok\n') : answer(503, 'caches not synced\n');
      default:
        return answer(404, 'not found\n');
    }
  });
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
