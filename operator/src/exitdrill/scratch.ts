// The drill's scratch space: a private directory under the pod's local storage (an
// emptyDir; default the OS temp directory) holding the downloaded copies only while
// they are verified. Every copy is deleted after its check, the directory after the run,
// and at start-up whatever a crashed process left behind (a container restart keeps the
// emptyDir): directories of this process id or of a process that no longer runs.

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type ScratchDir = { ok: true; dir: string } | { ok: false; message: string };

/** Prefix of every run's directory; the process id follows, so a leftover names its owner. */
const SCRATCH_PREFIX = 'cloudposture-exit-drill-';
const SCRATCH_NAME = /^cloudposture-exit-drill-(\d+)-/;

/** Creates the run's directory under `workDir`; a failure says which storage could not be written. */
export async function createScratchDir(workDir: string | undefined): Promise<ScratchDir> {
  try {
    return { ok: true, dir: await mkdtemp(join(workDir ?? tmpdir(), `${SCRATCH_PREFIX}${process.pid}-`)) };
  } catch (err) {
    return { ok: false, message: `cannot write to ${workDir ?? tmpdir()}: ${(err as Error).message}` };
  }
}

/** Where the sample's `index`-th copy is written. */
export function scratchFile(dir: string, index: number): string {
  return join(dir, `${index}.bin`);
}

/** Deletes a local copy (or a directory with everything in it); nothing there is fine. */
export async function removeScratch(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Removes the run directories a crash left under `workDir`: those named after this
 * process id (a restarted container often has the same one, and this process has
 * started none yet) or after a process that no longer runs. Another live process's
 * directories and anything not named like a run are left alone. Returns what was removed.
 */
export async function cleanScratch(workDir: string | undefined): Promise<string[]> {
  const base = workDir ?? tmpdir();
  let names: string[];
  try {
    names = await readdir(base);
  } catch {
    return []; // nothing there yet: the first drill reports a storage it cannot write
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(SCRATCH_NAME.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isInteger(pid) || (pid !== process.pid && running(pid))) continue;
    await removeScratch(join(base, name));
    removed.push(name);
  }
  return removed;
}
