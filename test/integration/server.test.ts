// The operator's HTTP endpoints: /metrics, /healthz and /readyz in plain HTTP, and the
// evidence report only over HTTPS (it carries bearer tokens).

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OperatorMetrics } from '../../operator/src/metrics.js';
import { startServer } from '../../operator/src/server.js';
import { generateCA, issueServingCert } from '../harness/certs.js';

const probe = (ready: boolean) => ({ healthy: () => true, ready: () => ready });

describe('operator HTTP endpoints', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloudposture-server-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves metrics and health in plain HTTP; /readyz is 503 until the caches synced; no /report', async () => {
    let ready = false;
    const server = await startServer('127.0.0.1:0', new OperatorMetrics(), { healthy: () => true, ready: () => ready });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
      server.close();
    }
  });

  it('refuses to serve the report without TLS', async () => {
    await expect(startServer('127.0.0.1:0', new OperatorMetrics(), probe(true), { report: async () => undefined })).rejects.toThrow(/needs TLS/);
  });

  it('serves the report, metrics and health over HTTPS when TLS is configured', async () => {
    const ca = await generateCA(join(dir, 'ca'));
    const cert = await issueServingCert(ca, join(dir, 'serving'), ['127.0.0.1', 'localhost']);
    const seen: string[] = [];
    const server = await startServer('127.0.0.1:0', new OperatorMetrics(), probe(true), {
      report: async (req, res) => {
        seen.push(req.headers.authorization ?? '');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"services":[]}');
      },
      tls: { certFile: cert.certPath, keyFile: cert.keyPath },
    });
    const port = (server.address() as AddressInfo).port;
    const caPem = await readFile(ca.certPath);
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, ca: caPem, headers }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get('/report?format=json', { Authorization: 'Bearer t0ken' })).toEqual({ status: 200, body: '{"services":[]}' });
      expect(seen).toEqual(['Bearer t0ken']);
      expect((await get('/healthz')).status).toBe(200);
      expect((await get('/metrics')).body).toContain('cloudposture_reconcile_total');
    } finally {
      server.close();
    }
  });
});
