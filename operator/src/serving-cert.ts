// The HTTPS serving certificate of the operator's endpoints, as controller-runtime's
// metrics server does it: the configured PEM files when there are some, reloaded when
// they change (cert-manager renews the Secret, the kubelet swaps the mounted files), or
// else a self-signed certificate made in memory at start (it only has to encrypt:
// Prometheus scrapes it with insecureSkipVerify, as kube-controller-manager's is).
//
// Reload is a periodic stat of both files (a Secret volume swaps a symlink, which file
// watchers miss): one stat per file per interval (default 10 s, certwatcher's), a read
// only when the inode, size or mtime changed, each file at most MAX_PEM_BYTES. A new
// pair is installed only if it parses and the key matches the certificate; otherwise the
// one in use stays and the problem is logged once per change.

import { X509Certificate } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { Server as TlsServer } from 'node:https';
import { hostname } from 'node:os';
import { createSecureContext } from 'node:tls';

import { generate } from 'selfsigned';

/** A certificate or key file larger than this is refused (a PEM chain is a few KiB). */
export const MAX_PEM_BYTES = 1024 * 1024;
export const DEFAULT_CERT_RELOAD_INTERVAL_MS = 10_000;
/** Validity of the self-signed certificate (a year, like controller-runtime's). */
export const SELF_SIGNED_VALIDITY_MS = 365 * 24 * 3600 * 1000;

export interface CertFiles {
  certFile: string;
  keyFile: string;
  /** How often the files are checked for a change (default 10 s). */
  reloadIntervalMs?: number;
}

export interface PemPair {
  cert: string;
  key: string;
}

export interface CertEvents {
  info?(message: string, meta: Record<string, unknown>): void;
  warn?(message: string, meta: Record<string, unknown>): void;
}

/** Facts of a certificate safe to log: subject, expiry, SHA-256 fingerprint. */
export function describeCert(pem: string): { subject: string; validTo: string; fingerprint256: string } {
  const x = new X509Certificate(pem);
  return { subject: x.subject, validTo: x.validTo, fingerprint256: x.fingerprint256 };
}

/** A self-signed EC P-256 serving certificate for localhost, 127.0.0.1, ::1 and this host's name. */
export async function selfSignedCert(now: Date = new Date()): Promise<PemPair> {
  const names = [...new Set(['localhost', hostname()])];
  const pems = await generate([{ name: 'commonName', value: 'cloud-posture-operator' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + SELF_SIGNED_VALIDITY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...names.map((value) => ({ type: 2 as const, value })), { type: 7 as const, ip: '127.0.0.1' }, { type: 7 as const, ip: '::1' }],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

async function readBounded(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_PEM_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_PEM_BYTES) throw new Error(`${file} is larger than ${MAX_PEM_BYTES} bytes`);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Reads and checks a pair: both parse, and the key belongs to the certificate (createSecureContext checks that). */
export async function readPemPair(files: CertFiles): Promise<PemPair> {
  const [cert, key] = await Promise.all([readBounded(files.certFile), readBounded(files.keyFile)]);
  createSecureContext({ cert, key });
  return { cert, key };
}

async function signature(files: CertFiles): Promise<string> {
  const [c, k] = await Promise.all([stat(files.certFile), stat(files.keyFile)]);
  return [c.ino, c.size, c.mtimeMs, k.ino, k.size, k.mtimeMs].join(':');
}

/**
 * Installs a new pair on `server` whenever the files change. Returns the stop function
 * (also called when the server closes). The first pair must already be in use.
 */
export async function watchCertFiles(server: TlsServer, files: CertFiles, events: CertEvents = {}): Promise<() => void> {
  let last = await signature(files);
  let reported = '';
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const now = await signature(files);
      if (now === last) return;
      const pair = await readPemPair(files);
      server.setSecureContext(pair);
      last = now;
      reported = '';
      events.info?.('serving certificate reloaded', { certFile: files.certFile, ...describeCert(pair.cert) });
    } catch (error) {
      // Mid-rotation (one file new, the other not yet) or a bad pair: keep serving the old one, retry next tick.
      const message = (error as Error).message;
      if (message !== reported) events.warn?.('serving certificate not reloaded, the previous one stays in use', { certFile: files.certFile, error: message });
      reported = message;
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), files.reloadIntervalMs ?? DEFAULT_CERT_RELOAD_INTERVAL_MS);
  timer.unref();
  const stop = () => clearInterval(timer);
  server.once('close', stop);
  return stop;
}
