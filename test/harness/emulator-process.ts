// What every emulator the harness starts as a detached child (moto, Azurite) needs: a
// signal to its whole process group, and the last lines of its output for the error
// message when it does not come up.

import type { ChildProcess } from 'node:child_process';

/** Lines of output kept for a start-up error. */
const OUTPUT_TAIL_LINES = 20;

/** Signals the child's process group (detached: the child leads it), else the child; never throws. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Keeps the last lines the child writes (and echoes them when `echo`); read the array for an error message. */
export function outputTail(child: ChildProcess, echo: boolean): string[] {
  const tail: string[] = [];
  const keep = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    if (echo) process.stderr.write(text);
    tail.push(...text.split('\n').filter((l) => l.trim() !== ''));
    if (tail.length > OUTPUT_TAIL_LINES) tail.splice(0, tail.length - OUTPUT_TAIL_LINES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return tail;
}
