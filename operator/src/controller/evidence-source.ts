// Evidence read beside the inventory for AWS services: the audit trail's network
// changes and break-glass calls (step 10, step 8), and the exit drill (step 7). Runs
// with the service's own credentials (role / Secret), like the collector.

import type { CloudService, CloudServiceStatus } from '../api/types.js';
import type { OperatorConfig } from '../config.js';
import {
  breakGlassUses,
  changeRecordsFromStatus,
  changeStatusEntries,
  mergeChangeRecords,
  newBreakGlassUses,
  type BreakGlassUse,
  type ChangeFeed,
} from '../controls/changes.js';
import type { EffectivePolicy } from '../controls/types.js';
import { runExitDrill } from '../exitdrill/drill.js';
import { exitDrillResultFromStatus, exitDrillSchedule, exitDrillStatus } from '../exitdrill/status.js';
import type { ExitDrillResult } from '../exitdrill/types.js';
import type { InventoryResult } from '../inventory/types.js';
import { AwsClients, buildCredentials } from '../providers/aws/clients.js';
import { ApiCallRecorder } from '../providers/collection-log.js';
import { changeLogLocation, changeLogSince, readCloudTrailChanges } from '../providers/aws/cloudtrail-changes.js';
import type { ApiCallHook, StaticCredentials } from '../providers/types.js';

/** What the reconciler adds to the control input and to status. */
export interface Evidence {
  changes?: ChangeFeed;
  exitDrill?: ExitDrillResult;
  /** Carried into status every reconcile (the merge patch would drop them otherwise). */
  status: Pick<CloudServiceStatus, 'exitDrill' | 'changes' | 'changesOmitted' | 'changeLog'>;
  /** Break-glass uses not yet in the previous status: one Event and counter increment each. */
  newBreakGlassUses: BreakGlassUse[];
  /** When the next exit drill is due, for the requeue. */
  nextDrillAt?: Date;
}

export interface EvidenceRequest {
  service: CloudService;
  inventory: InventoryResult;
  policy: EffectivePolicy;
  now: Date;
  signal: AbortSignal;
}

export type EvidenceSource = (request: EvidenceRequest) => Promise<Evidence>;

export function createEvidenceSource(
  config: OperatorConfig,
  credentialsFor: (service: CloudService) => Promise<StaticCredentials | undefined>,
  onApiCall?: ApiCallHook,
): EvidenceSource {
  return async ({ service, inventory, policy, now, signal }) => {
    const spec = service.spec;
    const previous = service.status;
    const carried: Evidence['status'] = {
      ...(previous?.exitDrill ? { exitDrill: previous.exitDrill } : {}),
      ...(previous?.changes ? { changes: previous.changes } : {}),
      ...(previous?.changesOmitted ? { changesOmitted: previous.changesOmitted } : {}),
      ...(previous?.changeLog ? { changeLog: previous.changeLog } : {}),
    };
    if (spec.provider !== 'aws' || !spec.account.aws) {
      return {
        changes: { failure: { reason: 'NotSupportedForProvider', message: `no change-log reader for ${spec.provider} yet` } },
        status: carried,
        newBreakGlassUses: [],
      };
    }
    const credentials = await credentialsFor(service);
    const recorder = new ApiCallRecorder('aws', onApiCall);
    const aws = spec.account.aws;
    const clients = new AwsClients(
      buildCredentials(
        { roleArn: aws.roleArn, externalId: aws.externalId, staticCredentials: credentials },
        { endpoint: config.awsEndpoint || undefined, homeRegion: 'us-east-1', maxAttempts: 3 },
        recorder,
      ),
      { endpoint: config.awsEndpoint || undefined, maxAttempts: 3 },
      recorder,
    );
    try {
      const evidence: Evidence = { status: { ...carried }, newBreakGlassUses: [] };

      // Change log: read from the watermark on, merged with the records kept in status.
      const location = changeLogLocation(spec, inventory.ok ? inventory.inventory.auditTrails : []);
      let records = changeRecordsFromStatus(previous?.changes);
      if (!location) {
        evidence.changes = { failure: { reason: 'NoChangeLogSource', message: 'no trail delivery bucket, log vault or spec.changeManagement.logSource to read' } };
      } else {
        const read = await readCloudTrailChanges({
          s3: clients.s3(location.region),
          source: location,
          since: changeLogSince(spec, previous?.changeLog?.readUntil, now),
          now,
          watchedIdentities: spec.breakGlassIdentities ?? [],
          signal,
        });
        if (read.ok) {
          records = mergeChangeRecords(records, read.records);
          evidence.changes = records;
          evidence.status.changeLog = {
            source: read.source,
            readUntil: read.readUntil,
            lastReadAt: now.toISOString(),
            filesRead: read.filesRead,
            complete: read.complete,
          };
        } else {
          evidence.changes = { failure: read.failure };
        }
      }
      const { changes, changesOmitted } = changeStatusEntries(records, spec);
      evidence.status.changes = changes;
      if (changesOmitted) evidence.status.changesOmitted = changesOmitted;
      else delete evidence.status.changesOmitted;
      evidence.newBreakGlassUses = newBreakGlassUses(breakGlassUses(records, spec), previous?.changes);

      // Exit drill: only when due (it downloads a sample of the data).
      const schedule = exitDrillSchedule(spec, previous?.exitDrill, now);
      const drill = spec.exitPlan?.drill;
      if (schedule && drill) {
        let drillStatus = previous?.exitDrill;
        if (schedule.due) {
          const run = await runExitDrill(drill, (region) => clients.s3(region), config.exitDrillDir || undefined, now, { signal });
          drillStatus = exitDrillStatus(previous?.exitDrill, run, drill, policy, new Date());
        }
        if (drillStatus) evidence.status.exitDrill = drillStatus;
        evidence.exitDrill = exitDrillResultFromStatus(drillStatus);
        evidence.nextDrillAt = exitDrillSchedule(spec, drillStatus, now)?.at;
      }
      return evidence;
    } finally {
      clients.destroy();
    }
  };
}
