// The drill's scratch space: a private directory under the pod's local storage (an
// emptyDir; default the OS temp directory) holding the downloaded copies only while
// they are verified. Every copy is deleted after its check, the directory after the run.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type ScratchDir = { ok: true; dir: string } | { ok: false; message: string };

/** Creates the run's directory under `workDir`; a failure says which storage could not be written. */
export async function createScratchDir(workDir: string | undefined): Promise<ScratchDir> {
  try {
    return { ok: true, dir: await mkdtemp(join(workDir ?? tmpdir(), 'cloudposture-exit-drill-')) };
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
