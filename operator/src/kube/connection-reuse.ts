// One keep-alive HTTPS agent for every request to the API server. client-node (1.4)
// builds a new https.Agent for each request (KubeConfig.createAgent, called from
// applySecurityAuthentication and applyToHTTPSOptions): every call paid a TLS handshake
// and a new TLS context (the CA and client certificate parsed again), and the native
// memory of thousands of those per interval kept the process's resident size up. The
// agent is chosen by what it was asked for (CA, client certificate and key, server name,
// verification), so a rotated client certificate gets its own.

import { createHash } from 'node:crypto';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** Agents kept (one per distinct TLS identity; a rotation adds one). */
const AGENTS_MAX = 4;
/** Idle connections kept open per agent; busy ones are bounded by the work queue and the watches. */
const FREE_SOCKETS_MAX = 16;

type Cluster = ReturnType<KubeConfig['getCurrentCluster']>;
type CreateAgent = (cluster: Cluster, options: AgentOptions) => unknown;

function identityOf(options: AgentOptions): string {
  const h = createHash('sha256');
  for (const part of [options.ca, options.cert, options.key, options.pfx, options.passphrase, options.servername, options.rejectUnauthorized]) {
    h.update(part === undefined ? '\u0000' : JSON.stringify(Buffer.isBuffer(part) ? part.toString('base64') : part));
    h.update('\u0001');
  }
  return h.digest('hex');
}

/**
 * Makes `config` reuse one keep-alive agent per TLS identity for plain HTTPS clusters;
 * a cluster behind a proxy or on plain HTTP keeps client-node's own agents.
 */
export function reuseConnections(config: KubeConfig): void {
  // createAgent is private in client-node's types: it is shadowed on this instance only.
  const target = config as unknown as { createAgent: CreateAgent };
  const original = target.createAgent.bind(config);
  const agents = new Map<string, HttpsAgent>();
  target.createAgent = (cluster, options) => {
    if (!cluster?.server.startsWith('https:') || cluster.proxyUrl) return original(cluster, options);
    const key = identityOf(options);
    let agent = agents.get(key);
    if (!agent) {
      agent = new HttpsAgent({ ...options, keepAlive: true, maxFreeSockets: FREE_SOCKETS_MAX });
      agents.set(key, agent);
      if (agents.size > AGENTS_MAX) agents.delete(agents.keys().next().value as string);
    }
    return agent;
  };
}
