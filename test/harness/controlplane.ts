// A real local Kubernetes control plane for tests and the demo: etcd and
// kube-apiserver built from their Go modules (see binaries.ts), started on loopback
// with a test PKI (see certs.ts), in the style of controller-runtime's envtest.
//
// No kube-controller-manager runs: there is no garbage collector, no namespace
// finaliser (a deleted namespace stays Terminating), no ServiceAccount / token
// controller (the ServiceAccount admission plugin is disabled so pods and other
// objects can be created without a "default" ServiceAccount).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';

import { ensureBinaries, type ControlPlaneBinaries } from './binaries.js';
import { generateControlPlaneCerts, type ControlPlaneCerts } from './certs.js';

export interface ControlPlaneOptions {
  /** Run folder (certs, etcd data, logs, kubeconfig). Default: a fresh temp folder, removed by stop(). */
  dir?: string;
  /** Print progress (ports, log files, timings) to stderr. */
  log?: boolean;
  /** Use these binaries instead of ensureBinaries(). */
  binaries?: ControlPlaneBinaries;
  /** How long to wait for etcd and for /readyz, each. Default 90 s. */
  readyTimeoutMs?: number;
  /** Extra kube-apiserver flags, e.g. ['--feature-gates=...']; later flags win. */
  apiServerFlags?: string[];
  /** Keep a temp run folder after stop() (for debugging). Default: CLOUDPOSTURE_KEEP_CONTROLPLANE=1. */
  keepDir?: boolean;
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface KubectlOptions {
  /** Written to kubectl's stdin (for `apply -f -`). */
  input?: string;
  /** Kill kubectl after this long. Default 60 s. */
  timeoutMs?: number;
}

export interface ControlPlane {
  /** Admin kubeconfig (client certificate CN=cloudposture-admin, O=system:masters). */
  kubeconfigPath: string;
  /** API server URL, e.g. https://127.0.0.1:41234 */
  server: string;
  /** Run folder. */
  dir: string;
  /** etcd client URL, e.g. http://127.0.0.1:41235 */
  etcdUrl: string;
  binaries: ControlPlaneBinaries;
  certs: ControlPlaneCerts;
  logs: { apiServer: string; etcd: string };
  /** Runs the built kubectl against this control plane. Never rejects on a non-zero exit. */
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** Stops and starts kube-apiserver only (same port, same etcd), waiting for /readyz. */
  restartApiServer(): Promise<void>;
  /** Stops kube-apiserver and etcd (SIGTERM, then SIGKILL); idempotent. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Child process bookkeeping: nothing outlives the Node process that started it.

const live = new Set<ChildProcess>();
let hooksInstalled = false;

function killAllSync(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      // Someone else handles the signal (the CLI stops gracefully); the exit hook
      // still covers whatever is left when the process exits.
      if (process.listenerCount(sig) > 1) return;
      // Nobody does: the default would kill Node without an 'exit' event, so kill
      // the children, then restore and re-raise the default (terminate) behaviour.
      killAllSync();
      process.removeListener(sig, handler);
      process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

// If the parent is SIGKILLed no JavaScript runs; on Linux, util-linux `setpriv
// --pdeathsig` makes the kernel kill the child then (it execs, so the pid is the
// binary's own). Used when available; the exit hooks cover the rest.
let pdeathsigPrefix: string[] | undefined;
function pdeathsig(): string[] {
  if (pdeathsigPrefix === undefined) {
    pdeathsigPrefix = [];
    if (process.platform === 'linux') {
      const r = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' });
      if (r.status === 0) pdeathsigPrefix = ['setpriv', '--pdeathsig', 'KILL', '--'];
    }
  }
  return pdeathsigPrefix;
}

interface Managed {
  child: ChildProcess;
  exited: Promise<number | null>;
  hasExited: () => boolean;
}

function startProcess(bin: string, args: string[], logPath: string, label: string): Managed {
  installExitHooks();
  const fd = openSync(logPath, 'a');
  writeSync(fd, `\n===== ${new Date().toISOString()} starting ${label}\n`);
  const [cmd, ...rest] = [...pdeathsig(), bin, ...args];
  const child = spawn(cmd as string, rest, { stdio: ['ignore', fd, fd], env: { ...process.env } });
  closeSync(fd);
  live.add(child);
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (err) => {
      done = true;
      live.delete(child);
      appendFileSync(logPath, `failed to start ${label}: ${err.message}\n`);
      resolve(null);
    });
    child.once('exit', (code, signal) => {
      done = true;
      live.delete(child);
      resolve(code ?? (signal ? 128 : null));
    });
  });
  return { child, exited, hasExited: () => done };
}

async function stopProcess(p: Managed | undefined, graceMs = 10_000): Promise<void> {
  if (!p || p.hasExited()) return;
  p.child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
  if ((await Promise.race([p.exited, timer])) === 'timeout' && !p.hasExited()) {
    p.child.kill('SIGKILL');
    await p.exited;
  }
}

// ---------------------------------------------------------------------------

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

async function tail(file: string, lines = 40): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function httpGet(
  url: string,
  tls?: { ca: string; cert: string; key: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { timeout: 3000, ...(tls ?? {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function waitUntil(
  what: string,
  proc: Managed,
  logPath: string,
  timeoutMs: number,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (proc.hasExited()) {
      throw new Error(`${what} exited before becoming ready; last log lines (${logPath}):\n${await tail(logPath)}`);
    }
    try {
      if (await probe()) return;
    } catch (e) {
      lastError = (e as Error).message;
    }
    await sleep(200);
  }
  throw new Error(
    `${what} not ready after ${Math.round(timeoutMs / 1000)} s${lastError ? ` (last error: ${lastError})` : ''}; ` +
      `last log lines (${logPath}):\n${await tail(logPath)}`,
  );
}

function runKubectl(kubectl: string, kubeconfig: string, args: string[], opts: KubectlOptions): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, ['--kubeconfig', kubeconfig, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      stderr += `\n(kubectl killed after ${opts.timeoutMs ?? 60_000} ms)`;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code: code ?? 1 });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Starts etcd and kube-apiserver on loopback and returns once /readyz answers ok. */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const t0 = Date.now();
  const say = (m: string): void => {
    if (opts.log) process.stderr.write(`[controlplane] ${m}\n`);
  };
  const timeoutMs = opts.readyTimeoutMs ?? 90_000;
  const binaries = opts.binaries ?? (await ensureBinaries());
  const tmpDir = !opts.dir;
  const dir = opts.dir ? path.resolve(opts.dir) : await mkdtemp(path.join(os.tmpdir(), 'cloudposture-cp-'));
  const keepDir = opts.keepDir ?? process.env.CLOUDPOSTURE_KEEP_CONTROLPLANE === '1';
  await mkdir(dir, { recursive: true });
  const pkiDir = path.join(dir, 'pki');
  const etcdData = path.join(dir, 'etcd-data');
  const logs = { apiServer: path.join(dir, 'kube-apiserver.log'), etcd: path.join(dir, 'etcd.log') };
  const kubeconfigPath = path.join(dir, 'kubeconfig');

  const [etcdPort, peerPort, apiPort] = (await distinctFreePorts(3)) as [number, number, number];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const server = `https://127.0.0.1:${apiPort}`;

  // Reuse the PKI of an existing run folder (restarting a developer's `up --dir`).
  const certs = existsSync(path.join(pkiDir, 'admin.crt'))
    ? await generateOrReuseCerts(pkiDir)
    : await generateControlPlaneCerts(pkiDir);
  const tls = {
    ca: await readFile(certs.ca.certPath, 'utf8'),
    cert: await readFile(certs.admin.certPath, 'utf8'),
    key: await readFile(certs.admin.keyPath, 'utf8'),
  };
  say(`run folder ${dir}; certificates ready after ${Date.now() - t0} ms`);

  let etcd: Managed | undefined;
  let apiServer: Managed | undefined;
  let stopped = false;

  const stopAll = async (): Promise<void> => {
    await stopProcess(apiServer);
    await stopProcess(etcd);
  };

  const etcdArgs = [
    '--name=cloudposture',
    `--data-dir=${etcdData}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=cloudposture=${peerUrl}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];

  const apiServerArgs = [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--tls-cert-file=${certs.apiserver.certPath}`,
    `--tls-private-key-file=${certs.apiserver.keyPath}`,
    `--client-ca-file=${certs.ca.certPath}`,
    '--authorization-mode=Node,RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${certs.serviceAccount.publicKeyPath}`,
    `--service-account-signing-key-file=${certs.serviceAccount.privateKeyPath}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--disable-admission-plugins=ServiceAccount',
    // The lease reconciler would try to publish 127.0.0.1 as the endpoint of the
    // `kubernetes` Service, which validation rejects (loopback), every 10 s.
    '--endpoint-reconciler-type=none',
    '--allow-privileged=true',
    '--profiling=false',
    ...(opts.apiServerFlags ?? []),
  ];

  const startApiServer = async (): Promise<void> => {
    const started = Date.now();
    apiServer = startProcess(binaries.kubeApiserver, apiServerArgs, logs.apiServer, 'kube-apiserver');
    await waitUntil('kube-apiserver', apiServer, logs.apiServer, timeoutMs, async () => {
      const r = await httpGet(`${server}/readyz`, tls);
      return r.status === 200;
    });
    say(`kube-apiserver ready at ${server} after ${Date.now() - started} ms (log ${logs.apiServer})`);
  };

  try {
    const started = Date.now();
    etcd = startProcess(binaries.etcd, etcdArgs, logs.etcd, 'etcd');
    await waitUntil('etcd', etcd, logs.etcd, timeoutMs, async () => {
      const r = await httpGet(`${etcdUrl}/health`);
      return r.status === 200 && /"health":\s*"true"/.test(r.body);
    });
    say(`etcd ready at ${etcdUrl} after ${Date.now() - started} ms (log ${logs.etcd})`);
    await startApiServer();
  } catch (e) {
    await stopAll();
    throw e;
  }

  await writeFile(
    kubeconfigPath,
    toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'cloudposture-test',
          cluster: { server, 'certificate-authority-data': Buffer.from(tls.ca).toString('base64') },
        },
      ],
      users: [
        {
          name: 'cloudposture-admin',
          user: {
            'client-certificate-data': Buffer.from(tls.cert).toString('base64'),
            'client-key-data': Buffer.from(tls.key).toString('base64'),
          },
        },
      ],
      contexts: [{ name: 'cloudposture-test', context: { cluster: 'cloudposture-test', user: 'cloudposture-admin' } }],
      'current-context': 'cloudposture-test',
      preferences: {},
    }),
    { mode: 0o600 },
  );
  say(`control plane up in ${Date.now() - t0} ms; KUBECONFIG=${kubeconfigPath}`);

  return {
    kubeconfigPath,
    server,
    dir,
    etcdUrl,
    binaries,
    certs,
    logs,
    kubectl: (args, kopts = {}) => runKubectl(binaries.kubectl, kubeconfigPath, args, kopts),
    restartApiServer: async () => {
      if (stopped) throw new Error('control plane is stopped');
      await stopProcess(apiServer);
      await startApiServer();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopAll();
      if (tmpDir && !keepDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The file layout generateControlPlaneCerts() writes, read back from an existing run folder. */
async function generateOrReuseCerts(pkiDir: string): Promise<ControlPlaneCerts> {
  const f = (name: string): string => path.join(pkiDir, name);
  const needed = ['ca.crt', 'ca.key', 'apiserver.crt', 'apiserver.key', 'admin.crt', 'admin.key', 'sa.key', 'sa.pub'];
  if (!needed.every((n) => existsSync(f(n)))) return generateControlPlaneCerts(pkiDir);
  return {
    ca: { certPath: f('ca.crt'), keyPath: f('ca.key'), subject: '/CN=cloudposture-test-ca' },
    apiserver: { certPath: f('apiserver.crt'), keyPath: f('apiserver.key') },
    admin: { certPath: f('admin.crt'), keyPath: f('admin.key') },
    serviceAccount: { privateKeyPath: f('sa.key'), publicKeyPath: f('sa.pub') },
  };
}
