// Runs the operator as a real process (what a Pod runs), for tests that need
// SIGTERM, SIGKILL or several replicas.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './binaries.js';

export interface OperatorProcess {
  child: ChildProcess;
  identity: string;
  /** Parsed JSON log lines so far. */
  logs: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  /** Clock milliseconds when the process exited, once it has. */
  exitedAt?: number;
  kill(signal: NodeJS.Signals): void;
}

/**
 * `compiled`: run `dist/operator/src/main.js` (after `npm run build`) with `nodeArgs`, as
 * the image runs it; default: the sources through tsx, as the tests do.
 */
export function spawnOperator(options: {
  kubeconfig: string;
  identity: string;
  env: Record<string, string>;
  compiled?: { nodeArgs: string[]; /** Default dist/operator/src/main.js. */ entry?: string };
}): OperatorProcess {
  const args = options.compiled
    ? [...options.compiled.nodeArgs, options.compiled.entry ?? join(repoRoot, 'dist', 'operator', 'src', 'main.js')]
    : ['--import', 'tsx', join(repoRoot, 'operator', 'src', 'main.ts')];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: {
      ...process.env,
      KUBECONFIG: options.kubeconfig,
      CLOUDPOSTURE_INSTANCE_NAME: options.identity,
      CLOUDPOSTURE_METRICS_ADDRESS: '127.0.0.1:0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let buffer = '';
  const collect = (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ message: line });
      }
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const replica: OperatorProcess = {
    child,
    identity: options.identity,
    logs,
    exited: new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        replica.exitedAt = Date.now();
        resolve(code);
      }),
    ),
    kill: (signal) => child.kill(signal),
  };
  return replica;
}
