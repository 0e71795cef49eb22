// Small stand-ins for the API server in unit tests of the request bounds and leader
// fencing: a server that accepts requests and never answers (a connection that stopped
// forwarding), and a Lease endpoint that can start hanging. The real API server is in the
// integration tests (leader-fencing.test.ts); these only need the HTTP shapes.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'fake' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return kc;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface HangingServer {
  url: string;
  /** Requests received (method and path). */
  requests: string[];
  /** Requests whose connection the client closed while the server held it. */
  abandoned: number;
  stop(): Promise<void>;
}

/** Accepts every request and never answers; `partialBody` sends the headers and part of a body first. */
export async function startHangingServer(options: { partialBody?: boolean } = {}): Promise<HangingServer> {
  const state: HangingServer = { url: '', requests: [], abandoned: 0, stop: async () => undefined };
  const server = createServer((req, res) => {
    state.requests.push(`${req.method} ${req.url}`);
    res.on('close', () => state.abandoned++);
    if (options.partialBody) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      res.write('{"items":[');
    }
  });
  state.url = await listen(server);
  state.stop = () => close(server);
  return state;
}

export interface LeaseStore {
  lease?: Record<string, unknown> & { metadata: { resourceVersion: string } };
  revision: number;
  /** Clock milliseconds of each successful create or replace, in order, with the writer. */
  writes: Array<{ at: number; holder: string }>;
}

export interface LeaseServer {
  url: string;
  /** hang: accept requests and never answer (the connection stopped forwarding). */
  setMode(mode: 'pass' | 'hang'): void;
  stop(): Promise<void>;
}

/** Serves one Lease (read, create, replace with resourceVersion check) from a store several servers may share. */
export async function startLeaseServer(store: LeaseStore): Promise<LeaseServer> {
  let mode: 'pass' | 'hang' = 'pass';
  const held = new Set<ServerResponse>();
  const json = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const notFound = { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 };
  const conflict = { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Conflict', code: 409 };
  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    if (mode === 'hang') {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    if (req.method === 'GET') return store.lease ? json(res, 200, store.lease) : json(res, 404, notFound);
    const body = JSON.parse(text) as Record<string, unknown> & { metadata?: { resourceVersion?: string }; spec?: { holderIdentity?: string } };
    if (req.method === 'POST') {
      if (store.lease) return json(res, 409, { ...conflict, reason: 'AlreadyExists' });
    } else if (req.method === 'PUT') {
      if (!store.lease) return json(res, 404, notFound);
      if (body.metadata?.resourceVersion !== store.lease.metadata.resourceVersion) return json(res, 409, conflict);
    } else return json(res, 405, {});
    store.revision++;
    store.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(store.revision) } };
    store.writes.push({ at: Date.now(), holder: body.spec?.holderIdentity ?? '' });
    return json(res, req.method === 'POST' ? 201 : 200, store.lease);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  const url = await listen(server);
  return {
    url,
    setMode: (next) => {
      mode = next;
      if (next === 'pass') for (const res of held) res.destroy();
    },
    stop: () => close(server),
  };
}
