// Gathers a service's exit drill (checklist step 7, spec.exitPlan.drill): the last run
// from status.exitDrill, and when a run is due, a request to the background runner
// (exitdrill/runner.ts) that downloads a sample with the service's own credentials. The
// reconcile never waits for a drill: the runner wakes the service when it ends.
//
// The drills of this process share one scratch byte budget (exitdrill/budget.ts), kept
// below the scratch volume's sizeLimit, and the scratch directory is cleaned of what a
// crashed process left before the first drill starts.

import type { CloudService, ExitDrillStatus } from '../api/types.js';
import type { EffectivePolicy } from '../controls/types.js';
import { DEFAULT_SCRATCH_BUDGET_BYTES, ScratchBudget } from '../exitdrill/budget.js';
import { runExitDrill } from '../exitdrill/drill.js';
import { ExitDrillRunner } from '../exitdrill/runner.js';
import { cleanScratch } from '../exitdrill/scratch.js';
import { exitDrillResultFromStatus, exitDrillSchedule, exitDrillStatus } from '../exitdrill/status.js';
import { canonical } from '../kube/merge-patch.js';
import type { ObjectStore } from '../providers/aws/collector.js';
import type { CollectTarget } from '../providers/types.js';
import type { ExitDrillResult } from '../inventory/exit-drill.js';

/** S3 clients with a target's credentials, for one drill (the AWS provider's openObjectStore). */
export type ObjectStoreOpener = (target: CollectTarget) => ObjectStore;

/** status.exitDrill to write, the last result for the control, and when the next drill is due. */
export interface GatheredExitDrill {
  status?: ExitDrillStatus;
  result?: ExitDrillResult;
  nextAt?: Date;
}

export interface ExitDrillRequest {
  service: CloudService;
  target: CollectTarget;
  policy: EffectivePolicy;
  now: Date;
  wake?: () => void;
}

export interface ExitDrillGather {
  read(request: ExitDrillRequest): GatheredExitDrill | undefined;
  /** Ends the drills in flight (shutdown). */
  stop(): Promise<void>;
}

export interface ExitDrillGatherOptions {
  openObjectStore: ObjectStoreOpener;
  /** Scratch directory for downloads (default: the runner's own temporary directory). */
  workDir?: string;
  /** Drills at the same time across all services (default 2). */
  concurrency?: number;
  /** Bytes all running drills together may hold in `workDir` (below the volume's sizeLimit; default DEFAULT_SCRATCH_BUDGET_BYTES). */
  scratchBudgetBytes?: number;
  onError?: (key: string, error: unknown) => void;
  /** Told which leftover run directories the start-up clean removed. */
  onScratchCleaned?: (removed: string[]) => void;
}

/** The gather, and when the start-up clean of the scratch directory is done (what it removed). */
export type ExitDrillGatherWithScratch = ExitDrillGather & { scratchCleaned: Promise<string[]>; budget: ScratchBudget };

/** What status.exitDrill holds, for a reconcile that starts no drill (the control reads the last run back). */
export function carriedExitDrill(service: CloudService): GatheredExitDrill | undefined {
  const status = service.status?.exitDrill;
  if (!status) return undefined;
  const result = service.spec.exitPlan?.drill ? exitDrillResultFromStatus(status) : undefined;
  return { status, ...(result ? { result } : {}) };
}

export function createExitDrillGather(options: ExitDrillGatherOptions): ExitDrillGatherWithScratch {
  const runner = new ExitDrillRunner({ concurrency: options.concurrency, onError: options.onError });
  const budget = new ScratchBudget(options.scratchBudgetBytes ?? DEFAULT_SCRATCH_BUDGET_BYTES);
  // Before any drill writes: a leftover would count against the volume's limit but not the budget.
  const scratchCleaned = cleanScratch(options.workDir).then(
    (removed) => {
      if (removed.length > 0) options.onScratchCleaned?.(removed);
      return removed;
    },
    (error: unknown) => {
      options.onError?.('scratch', error);
      return [];
    },
  );
  return {
    scratchCleaned,
    budget,
    read({ service, target, policy, now, wake }) {
      const spec = service.spec;
      const previous = service.status?.exitDrill;
      const drill = spec.exitPlan?.drill;
      const schedule = exitDrillSchedule(spec, previous, now);
      // Drills read S3 only: other providers keep what status holds.
      if (spec.provider !== 'aws' || !target.account.aws || !schedule || !drill) return carriedExitDrill(service);
      let status = previous;
      let nextAt: Date | undefined = schedule.at;
      if (schedule.due) {
        const job = async (stop: AbortSignal) => {
          await scratchCleaned;
          const store = options.openObjectStore(target); // outlives this reconcile
          try {
            return await runExitDrill(drill, (region) => store.s3(region), options.workDir, new Date(), { signal: stop, budget });
          } finally {
            store.destroy();
          }
        };
        const key = `${service.metadata.namespace}/${service.metadata.name}`;
        const outcome = runner.request(key, canonical(drill), job, wake ?? (() => undefined));
        if (outcome.state === 'finished') {
          status = exitDrillStatus(previous, outcome.result, drill, policy, new Date());
          nextAt = exitDrillSchedule(spec, status, now)?.at;
        } else {
          nextAt = undefined; // the runner wakes the service when the drill ends
        }
      }
      const result = exitDrillResultFromStatus(status);
      return { ...(status ? { status } : {}), ...(result ? { result } : {}), ...(nextAt ? { nextAt } : {}) };
    },
    stop: () => runner.stop(),
  };
}
