// Evidence read beside the inventory: the audit trail's network changes and
// break-glass calls (step 10, step 8: AWS CloudTrail log files, the Azure Activity Log),
// and the exit drill (step 7, S3). Runs with the service's own credentials (role /
// workload identity / Secret), like the collector. The drill
// itself runs in the background (exitdrill/runner.ts); a reconcile starts it when due
// and records its result once the runner wakes the service.

import type { CloudService, CloudServiceStatus } from '../api/types.js';
import type { OperatorConfig } from '../config.js';
import { breakGlassUses, changeStatusEntries, newBreakGlassUses, type BreakGlassUse } from '../controls/changes/ledger.js';
import { changeLogSince, changeRecordsFromStatus, mergeChangeRecords } from './change-records.js';
import type { ChangeFeed, ChangeRecord } from '../inventory/changes.js';
import type { EffectivePolicy } from '../controls/types.js';
import { runExitDrill } from '../exitdrill/drill.js';
import { ExitDrillRunner } from '../exitdrill/runner.js';
import { exitDrillResultFromStatus, exitDrillSchedule, exitDrillStatus } from '../exitdrill/status.js';
import type { ExitDrillResult } from '../exitdrill/types.js';
import { canonical } from '../kube/merge-patch.js';
import type { InventoryResult } from '../inventory/types.js';
import { AwsInventoryCollector } from '../providers/aws/collector.js';
import type { ApiCallHook, ChangeQuery, ChangeReadResult, CollectTarget, StaticCredentials } from '../providers/types.js';

/** What the reconciler adds to the control input and to status. */
export interface Evidence {
  changes?: ChangeFeed;
  exitDrill?: ExitDrillResult;
  /** Carried into status every reconcile (the merge patch would drop them otherwise). */
  status: Pick<CloudServiceStatus, 'exitDrill' | 'changes' | 'changesOmitted' | 'changeLog'>;
  /** Break-glass uses not yet in the previous status: one Event and counter increment each. */
  newBreakGlassUses: BreakGlassUse[];
  /** When the next exit drill is due, for the requeue (unset while one runs: the runner wakes the service). */
  nextDrillAt?: Date;
}

export interface EvidenceRequest {
  service: CloudService;
  inventory: InventoryResult;
  policy: EffectivePolicy;
  now: Date;
  signal: AbortSignal;
  /** Queues the service again: called when background evidence (an exit drill) is ready. */
  wake?: () => void;
}

export interface EvidenceSource {
  (request: EvidenceRequest): Promise<Evidence>;
  /** Ends background work (exit drills in flight). */
  stop?: () => Promise<void>;
}

/** Reads an Azure service's Activity Log (providers/azure: AzureCollector.readChanges with the service's credentials). */
export type AzureChangeReader = (service: CloudService, query: ChangeQuery) => Promise<ChangeReadResult>;

export interface EvidenceSourceOptions {
  /** Exit drills at the same time across all services (default 2). */
  drillConcurrency?: number;
  onDrillError?: (key: string, error: unknown) => void;
  /** ChangesTracked for Azure services; without it they report Unknown (NotSupportedForProvider). */
  azureChanges?: AzureChangeReader;
}

/** Folds one pass over the audit log into the evidence; returns the records to judge. */
function applyChangeRead(evidence: Evidence, read: ChangeReadResult, kept: ChangeRecord[], now: Date): ChangeRecord[] {
  if (!read.ok) {
    evidence.changes = { failure: read.failure };
    return kept;
  }
  const records = mergeChangeRecords(kept, read.records);
  evidence.changes = records;
  evidence.status.changeLog = {
    source: read.source,
    readUntil: read.readUntil,
    lastReadAt: now.toISOString(),
    filesRead: read.filesRead,
    complete: read.complete,
  };
  return records;
}

/** status.changes (bounded) and the break-glass uses not yet recorded. */
function finishChanges(evidence: Evidence, records: ChangeRecord[], service: CloudService): void {
  const { changes, changesOmitted } = changeStatusEntries(records, service.spec);
  evidence.status.changes = changes;
  if (changesOmitted) evidence.status.changesOmitted = changesOmitted;
  else delete evidence.status.changesOmitted;
  evidence.newBreakGlassUses = newBreakGlassUses(breakGlassUses(records, service.spec), service.status?.changes);
}

export function createEvidenceSource(
  config: OperatorConfig,
  credentialsFor: (service: CloudService) => Promise<StaticCredentials | undefined>,
  onApiCall?: ApiCallHook,
  options: EvidenceSourceOptions = {},
): EvidenceSource {
  const drills = new ExitDrillRunner({ concurrency: options.drillConcurrency, onError: options.onDrillError });
  const awsCollector = new AwsInventoryCollector({ endpoint: config.awsEndpoint || undefined, maxAttempts: 3, ...(onApiCall ? { onApiCall } : {}) });
  const source: EvidenceSource = async ({ service, inventory, policy, now, signal, wake }) => {
    const spec = service.spec;
    const previous = service.status;
    const carried: Evidence['status'] = {
      ...(previous?.exitDrill ? { exitDrill: previous.exitDrill } : {}),
      ...(previous?.changes ? { changes: previous.changes } : {}),
      ...(previous?.changesOmitted ? { changesOmitted: previous.changesOmitted } : {}),
      ...(previous?.changeLog ? { changeLog: previous.changeLog } : {}),
    };
    const since = changeLogSince(spec, previous?.changeLog?.readUntil, now);
    if (spec.provider === 'azure' && spec.account.azure && options.azureChanges) {
      const evidence: Evidence = { status: { ...carried }, newBreakGlassUses: [] };
      const read = await options.azureChanges(service, {
        since,
        now,
        watchedIdentities: spec.breakGlassIdentities ?? [],
        signal,
      });
      finishChanges(evidence, applyChangeRead(evidence, read, changeRecordsFromStatus(previous?.changes), now), service);
      return evidence;
    }
    if (spec.provider !== 'aws' || !spec.account.aws) {
      return {
        changes: { failure: { reason: 'NotSupportedForProvider', message: `no change-log reader for ${spec.provider} configured` } },
        status: carried,
        newBreakGlassUses: [],
      };
    }
    const credentials = await credentialsFor(service);
    const target: CollectTarget = {
      provider: 'aws',
      account: spec.account,
      allowedRegions: spec.allowedRegions,
      ...(spec.logVault ? { logVault: spec.logVault } : {}),
      ...(spec.changeManagement?.logSource ? { changeLogSource: spec.changeManagement.logSource } : {}),
      ...(credentials ? { credentials } : {}),
    };
    const evidence: Evidence = { status: { ...carried }, newBreakGlassUses: [] };

    // Change log: read from the watermark on, merged with the records kept in status.
    const read = await awsCollector.readChanges(target, {
      since,
      now,
      watchedIdentities: spec.breakGlassIdentities ?? [],
      auditTrails: inventory.ok ? inventory.inventory.auditTrails : [],
      signal,
    });
    const records = applyChangeRead(evidence, read, changeRecordsFromStatus(previous?.changes), now);
    finishChanges(evidence, records, service);

    // Exit drill: only when due (it downloads a sample of the data), in the background.
    const schedule = exitDrillSchedule(spec, previous?.exitDrill, now);
    const drill = spec.exitPlan?.drill;
    if (schedule && drill) {
      let drillStatus = previous?.exitDrill;
      let nextDrillAt: Date | undefined = schedule.at;
      if (schedule.due) {
        const job = async (stop: AbortSignal) => {
          const store = awsCollector.openObjectStore(target); // outlives this reconcile
          try {
            return await runExitDrill(drill, (region) => store.s3(region), config.exitDrillDir || undefined, new Date(), { signal: stop });
          } finally {
            store.destroy();
          }
        };
        const key = `${service.metadata.namespace}/${service.metadata.name}`;
        const outcome = drills.request(key, canonical(drill), job, wake ?? (() => undefined));
        if (outcome.state === 'finished') {
          drillStatus = exitDrillStatus(previous?.exitDrill, outcome.result, drill, policy, new Date());
          nextDrillAt = exitDrillSchedule(spec, drillStatus, now)?.at;
        } else {
          nextDrillAt = undefined;
        }
      }
      if (drillStatus) evidence.status.exitDrill = drillStatus;
      evidence.exitDrill = exitDrillResultFromStatus(drillStatus);
      if (nextDrillAt) evidence.nextDrillAt = nextDrillAt;
    }
    return evidence;
  };
  source.stop = () => drills.stop();
  return source;
}
