// One byte budget for the scratch space of every drill running in this process. The
// scratch volume is an emptyDir with a sizeLimit, and the kubelet evicts the pod when the
// files on it pass that limit: the budget is kept below it (config.ts checks), and a
// drill holds a lease on the bytes its sample needs on disk for as long as the copies
// exist. A drill whose sample does not fit next to the others waits, first come first
// served, until they release theirs; no drill asks for more than the whole budget, so
// every wait ends.

const MIB = 1024 * 1024;

/** The chart's default scratch volume sizeLimit (exitDrill.scratchSizeLimit: 1Gi), in bytes. */
export const DEFAULT_SCRATCH_SIZE_LIMIT_BYTES = 1024 * MIB;

/** Budget for a volume of `sizeLimitBytes` when none is configured: 7/8 of it, in whole MiB, leaving room for the filesystem's own bookkeeping. */
export function defaultScratchBudget(sizeLimitBytes: number): number {
  return Math.max(MIB, Math.floor((sizeLimitBytes * 7) / 8 / MIB) * MIB);
}

/** 896 MiB: the budget for the default 1 GiB volume. */
export const DEFAULT_SCRATCH_BUDGET_BYTES = defaultScratchBudget(DEFAULT_SCRATCH_SIZE_LIMIT_BYTES);

/** Filesystem allocation unit assumed for the copies: a file takes whole blocks on disk. */
export const SCRATCH_BLOCK_BYTES = 4096;

/** Bytes an object of `size` bytes takes on the scratch volume: its blocks and one for its directory entry. */
export function scratchBytes(size: number): number {
  return Math.ceil(Math.max(0, size) / SCRATCH_BLOCK_BYTES) * SCRATCH_BLOCK_BYTES + SCRATCH_BLOCK_BYTES;
}

export interface ScratchLease {
  readonly bytes: number;
  release(): void;
}

interface Waiter {
  bytes: number;
  grant: (lease: ScratchLease) => void;
}

export class ScratchBudget {
  private used = 0;
  private highWater = 0;
  private readonly waiting: Waiter[] = [];

  /** `totalBytes`: what all drills together may hold on the scratch volume. */
  constructor(readonly totalBytes: number) {
    if (!Number.isSafeInteger(totalBytes) || totalBytes <= 0) throw new Error(`scratch budget must be a positive number of bytes, got ${totalBytes}`);
  }

  /** Bytes held by running drills now. */
  get inUse(): number {
    return this.used;
  }

  /** The most bytes ever held at once (for tests and benchmarks). */
  get peak(): number {
    return this.highWater;
  }

  /**
   * A lease on `bytes` once they are free (waiting behind earlier requests). Rejects
   * when `bytes` exceeds the whole budget, or with the signal's reason when aborted.
   */
  acquire(bytes: number, signal?: AbortSignal): Promise<ScratchLease> {
    if (bytes > this.totalBytes) {
      return Promise.reject(new Error(`a sample of ${bytes} bytes does not fit the scratch budget of ${this.totalBytes} bytes`));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.waiting.length === 0 && this.used + bytes <= this.totalBytes) return Promise.resolve(this.lease(bytes));
    return new Promise<ScratchLease>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        grant: (lease) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(lease);
        },
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason);
        this.grantWaiting(); // the next in line may fit now that this one left
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private lease(bytes: number): ScratchLease {
    this.used += bytes;
    this.highWater = Math.max(this.highWater, this.used);
    let released = false;
    return {
      bytes,
      release: () => {
        if (released) return;
        released = true;
        this.used -= bytes;
        this.grantWaiting();
      },
    };
  }

  private grantWaiting(): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0] as Waiter;
      if (this.used + next.bytes > this.totalBytes) return;
      this.waiting.shift();
      next.grant(this.lease(next.bytes));
    }
  }
}
