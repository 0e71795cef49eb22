// What the Go-built test binaries (control plane, helm, prometheus, lua) share: a
// stamp recording what a binary was built from, and a folder lock so two processes
// (a test run and a CLI, say) never run the same build at once; a lock left by a dead
// process is taken over.

import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Written beside a binary: rebuilt when the inputs hash differs. */
export interface Stamp {
  inputsHash: string;
  goVersion: string;
  builtAt: string;
  buildSeconds: number;
}

export async function readStamp(file: string): Promise<Stamp | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** Hash of a wrapper module's input files (go.mod, go.sum, ...) and the build command. */
export async function hashBuildInputs(moduleDir: string, inputs: readonly string[], buildArgs: unknown): Promise<string> {
  const h = createHash('sha256');
  for (const file of inputs) {
    h.update(`${file}\0`);
    h.update(await readFile(path.join(moduleDir, file)));
    h.update('\0');
  }
  // The build command (flags, ldflags) is part of the recipe too.
  h.update(JSON.stringify(buildArgs));
  return h.digest('hex');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` holding `lockDir`; `what` names the build in the "waiting" message. */
export async function withBuildLock<T>(lockDir: string, what: string, log: (m: string) => void, fn: () => Promise<T>): Promise<T> {
  const owner = path.join(lockDir, 'pid');
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(owner, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number((await readFile(owner, 'utf8').catch(() => '')).trim());
      const age = Date.now() - (await stat(lockDir).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if ((pid && !pidAlive(pid)) || (!pid && age > 10_000)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!announced) {
        log(`waiting for another process (pid ${pid || '?'}) that is building ${what}`);
        announced = true;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
