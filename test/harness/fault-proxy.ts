// A fault-injecting HTTP proxy in front of moto: passes requests through, or answers
// them the way AWS does when it throttles, fails, hangs or is slow. The real AWS SDK
// clients talk to it through the endpoint override, so retries, timeouts and error
// parsing are the SDK's own. And a TCP proxy in front of the API server whose
// connections can hang (one replica's link to the control plane stops forwarding).

import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect as connectTcp, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';

export type FaultMode =
  | { kind: 'pass' }
  /** 400 Throttling / RequestLimitExceeded / ThrottlingException / 503 SlowDown, by protocol. */
  | { kind: 'throttle' }
  /** 500 InternalFailure. */
  | { kind: 'error5xx' }
  /** Accept the request and never answer (the client's timeout decides). */
  | { kind: 'hang' }
  /** Forward after a delay. */
  | { kind: 'slow'; delayMs: number };

export interface FaultProxy {
  endpoint: string;
  setMode(mode: FaultMode): void;
  /** Requests seen per operation (Query Action, JSON target, or "S3"), since the last reset. */
  counts(): Record<string, number>;
  resetCounts(): void;
  stop(): Promise<void>;
}

function operationOf(req: IncomingMessage, body: string): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body)?.[1];
  return action ?? 'S3';
}

function throttleResponse(req: IncomingMessage, body: string): { status: number; type: string; body: string } {
  if (typeof req.headers['x-amz-target'] === 'string') {
    return { status: 400, type: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }) };
  }
  if (/Action=/.test(body)) {
    if (/Version=2016-11-15/.test(body)) {
      return {
        status: 503,
        type: 'text/xml',
        body: '<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>',
      };
    }
    return {
      status: 400,
      type: 'text/xml',
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>',
    };
  }
  return { status: 503, type: 'application/xml', body: '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>' };
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let mode: FaultMode = { kind: 'pass' };
  let counts: Record<string, number> = {};
  const hanging = new Set<ServerResponse>();

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    out.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const op = operationOf(req, text);
      counts[op] = (counts[op] ?? 0) + 1;
      switch (mode.kind) {
        case 'pass':
          return forward(req, res, body);
        case 'slow': {
          const timer = setTimeout(() => forward(req, res, body), mode.delayMs);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        case 'hang':
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        case 'error5xx':
          res.writeHead(500, { 'Content-Type': 'text/xml' });
          return res.end(
            '<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>We encountered an internal error.</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>',
          );
        case 'throttle': {
          const t = throttleResponse(req, text);
          res.writeHead(t.status, { 'Content-Type': t.type });
          return res.end(t.body);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    setMode: (next) => {
      mode = next;
      if (next.kind !== 'hang') for (const res of hanging) res.destroy();
    },
    counts: () => ({ ...counts }),
    resetCounts: () => {
      counts = {};
    },
    stop: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP proxy between one client and the API server, whose connections can stop forwarding. */
export interface TcpFaultProxy {
  /** The proxy's address, e.g. https://127.0.0.1:41234 for a kubeconfig (TLS passes through untouched). */
  server: string;
  /**
   * hang: every open connection stops forwarding both ways (bytes are read and dropped, as
   * on a partitioned link), and new connections are accepted but never forwarded. pass:
   * the connections that hung are reset (what they carried is lost, as after a partition
   * longer than TCP's retransmission), new ones are forwarded.
   */
  setMode(mode: 'pass' | 'hang'): void;
  stop(): Promise<void>;
}

/** Starts a TCP proxy in front of `target` (an https:// or http:// URL) on a free loopback port. */
export async function startTcpFaultProxy(target: string): Promise<TcpFaultProxy> {
  const upstreamUrl = new URL(target);
  let mode: 'pass' | 'hang' = 'pass';
  const open = new Set<{ client: Socket; upstream?: Socket; hung: boolean }>();
  const server = createTcpServer((client) => {
    const conn: { client: Socket; upstream?: Socket; hung: boolean } = { client, hung: mode === 'hang' };
    open.add(conn);
    const forget = () => {
      open.delete(conn);
      client.destroy();
      conn.upstream?.destroy();
    };
    client.on('error', forget);
    client.on('close', forget);
    client.on('data', (chunk: Buffer) => {
      if (!conn.hung) conn.upstream?.write(chunk);
    });
    if (conn.hung) return;
    const upstream = connectTcp(Number(upstreamUrl.port), upstreamUrl.hostname);
    conn.upstream = upstream;
    upstream.on('data', (chunk: Buffer) => {
      if (!conn.hung) client.write(chunk);
    });
    upstream.on('error', () => {
      if (!conn.hung) forget();
    });
    // While hung, the client must not learn that the far end closed: it learns nothing at all.
    upstream.on('close', () => {
      if (!conn.hung) forget();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    server: `${upstreamUrl.protocol}//127.0.0.1:${port}`,
    setMode: (next) => {
      mode = next;
      for (const conn of [...open]) {
        if (next === 'hang') conn.hung = true;
        else if (conn.hung) {
          open.delete(conn);
          conn.client.resetAndDestroy();
          conn.upstream?.destroy();
        }
      }
    },
    stop: async () => {
      for (const conn of open) {
        conn.client.destroy();
        conn.upstream?.destroy();
      }
      open.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
