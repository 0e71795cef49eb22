// Trusting the mock's test CA inside the running process (jest workers), without a
// re-exec: `NODE_EXTRA_CA_CERTS` is read only at process start, and per-client TLS
// options would not reach the platform `fetch` used for Microsoft Graph. Node 24's
// `tls.setDefaultCACertificates` changes the default trust store for every later TLS
// connection (https, undici fetch, the Azure SDK's http client) in this process.
// Child processes (the demo's operator) get `NODE_EXTRA_CA_CERTS` instead.

import tls from 'node:tls';

const added = new Set<string>();

export function trustCaInProcess(caPem: string): void {
  const pem = caPem.trim();
  if (added.has(pem)) return;
  const current = tls.getCACertificates('default');
  if (!current.some((c) => c.trim() === pem)) tls.setDefaultCACertificates([...current, pem]);
  added.add(pem);
}
