// moto in server mode on a free loopback port: the AWS account the real AWS SDK v3
// clients talk to in tests, benchmarks and the demo.
//
//   const moto = await startMoto();
//   ... clients with { endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS } ...
//   await moto.reset();   // POST /moto-api/reset: every account back to empty
//   await moto.stop();    // the process (and its process group) is gone afterwards
//
// The server runs with MOTO_IAM_LOAD_MANAGED_POLICIES=true so AWS managed policies
// (AdministratorAccess, ReadOnlyAccess, ...) exist. IAM authorisation can be switched
// on at run time with `setAuth(0)` (moto's /moto-api/reset-auth): requests are then
// checked against the IAM policies of the access key's user or role.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { killGroup, outputTail } from './emulator-process.js';

export interface MotoServer {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  port: number;
  pid: number;
  /** Forget everything (all accounts, all regions). */
  reset(): Promise<void>;
  /**
   * moto's IAM authorisation: `number` = requests left before every request is checked
   * (0: from now on), `'off'` = never check (the default).
   */
  setAuth(initialNoAuthActionCount: number | 'off'): Promise<void>;
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** Python interpreter with moto installed (default `$PYTHON` or `python3`). */
  python?: string;
  /** Extra environment for the server. */
  env?: Record<string, string>;
  /** How long to wait for the server to answer (default 60 s). */
  timeoutMs?: number;
  /** Forward the server's output to stderr (default false; the last lines are kept for errors). */
  log?: boolean;
}

/** Dummy credentials moto accepts (access key `testing` maps to account 123456789012). */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;
/** moto's default account id. */
export const MOTO_DEFAULT_ACCOUNT_ID = '123456789012';

/** A free TCP port on 127.0.0.1 (released before returning; a small race is possible). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) killGroup(c, 'SIGKILL');
  });
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/**
 * moto's server, ended within a second of its parent process dying however it died
 * (SIGKILL included): a harness or demo that is killed never leaves an AWS emulator
 * running (detached, it would not get the group's signals).
 */
const MOTO_WITH_PARENT_WATCH = [
  'import os, sys, threading, time',
  'from moto.server import main',
  'parent = os.getppid()',
  'def watch():',
  '    while os.getppid() == parent:',
  '        time.sleep(0.5)',
  '    os._exit(0)',
  'threading.Thread(target=watch, daemon=True).start()',
  'main(sys.argv[1:])',
].join('\n');

async function startOnce(port: number, opts: StartMotoOptions): Promise<MotoServer> {
  const python = opts.python ?? process.env.PYTHON ?? 'python3';
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(python, ['-c', MOTO_WITH_PARENT_WATCH, '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(child);
  installExitHook();
  const tail = outputTail(child, Boolean(opts.log));
  let exited = false;
  child.once('exit', () => {
    exited = true;
    live.delete(child);
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const stop = async (): Promise<void> => {
    killGroup(child, 'SIGTERM');
    if (!(await waitExit(child, 5_000))) {
      killGroup(child, 'SIGKILL');
      await waitExit(child, 5_000);
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
    live.delete(child);
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (await answers(endpoint)) break;
    const failed = await Promise.race([spawnError, new Promise<undefined>((r) => setTimeout(() => r(undefined), 150))]);
    if (failed || exited || Date.now() > deadline) {
      await stop();
      const why = failed ? failed.message : exited ? 'exited' : 'did not answer in time';
      throw new Error(`moto server on ${endpoint} ${why}: ${tail.slice(-5).join(' | ')}`);
    }
  }

  const post = async (path: string, body?: string): Promise<void> => {
    const res = await fetch(`${endpoint}${path}`, { method: 'POST', ...(body !== undefined ? { body } : {}) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`moto ${path}: HTTP ${res.status}`);
  };

  return {
    endpoint,
    port,
    pid: child.pid as number,
    reset: () => post('/moto-api/reset'),
    setAuth: (n) => post('/moto-api/reset-auth', n === 'off' ? 'inf' : String(n)),
    stop,
  };
}

/** Start moto on a free loopback port and wait until it answers. */
export async function startMoto(opts: StartMotoOptions = {}): Promise<MotoServer> {
  let lastError: unknown;
  for (let i = 0; i < 3; i++) {
    const port = await freeLoopbackPort();
    try {
      return await startOnce(port, opts);
    } catch (err) {
      lastError = err; // e.g. the port was taken between probe and bind: try another
    }
  }
  throw lastError;
}

// `node --import tsx test/harness/moto.ts`: run one until Ctrl-C (for manual poking).
if (import.meta.url === `file://${process.argv[1]}`) {
  const moto = await startMoto({ log: true });
  process.stdout.write(`moto listening on ${moto.endpoint}\n`);
  const shutdown = (): void => void moto.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
