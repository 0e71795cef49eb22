// Gathers a service's change log (ChangesTracked, checklist steps 8 and 10): where the
// last read stopped (status.changeLog), one read through the provider's change-log
// reader (AWS CloudTrail files, the Azure Activity Log), merged with the records kept
// in status.changes. A failed read keeps the kept records and the old watermark.

import type { CloudService, CloudServiceStatus, EvidenceRead, Provider } from '../api/types.js';
import type { ChangeFeed, ChangeRecord } from '../inventory/changes.js';
import type { ApiAnswer, InventoryResult } from '../inventory/types.js';
import type { ChangeLogReader } from '../providers/types.js';
import { SharedChangeReads } from './shared-change-reads.js';
import { changeLogSince, changeRecordsFromStatus, mergeChangeRecords } from './change-records.js';
import type { TargetResult } from './account-target.js';

export type ChangeLogStatus = NonNullable<CloudServiceStatus['changeLog']>;

export interface ChangeLogRequest {
  service: CloudService;
  target: TargetResult;
  /** The AWS reader finds the trail's delivery bucket among the inventory's trails. */
  inventory: InventoryResult;
  now: Date;
  /** The service's interval: a read shared with the account's other services is this fresh at most. */
  intervalMs: number;
  signal: AbortSignal;
}

export interface ChangeLogRead {
  feed: ChangeFeed;
  records: ChangeRecord[];
  /** status.changeLog to write: the new watermark, or the previous one when the read failed. */
  status?: ChangeLogStatus;
  /** status.reads entry: when the records in use were read, and the failed attempt if this one failed. */
  read?: EvidenceRead;
  /** The answers of this read (evidence for ChangesTracked); none when it failed. */
  answers?: ApiAnswer[];
}

/** Bound of a read failure's message in status.reads (the CRD's maxLength). */
const READ_MESSAGE_MAX = 1024;

export interface ChangeLogGather {
  read(request: ChangeLogRequest): Promise<ChangeLogRead>;
  /** Forgets the shared reads of these accounts (their shard was lost). */
  forget(which: (accountName: string) => boolean): void;
}

export function createChangeLogGather(readers: Partial<Record<Provider, ChangeLogReader>>, shared = new SharedChangeReads()): ChangeLogGather {
  return {
    forget: (which) => shared.forget(which),
    async read({ service, target, inventory, now, intervalMs, signal }) {
      const previous = service.status;
      const kept = changeRecordsFromStatus(previous?.changes);
      const carried = previous?.changeLog ? { status: previous.changeLog } : {};
      const unread = (reason: string, message: string): ChangeLogRead => ({ feed: { failure: { reason, message } }, records: kept, ...carried });
      const failed = (reason: string, message: string): ChangeLogRead => ({
        ...unread(reason, message),
        read: {
          source: 'changeLog',
          ...(previous?.changeLog?.lastReadAt ? { obtainedAt: previous.changeLog.lastReadAt } : {}),
          failedAt: now.toISOString(),
          reason,
          message: message.slice(0, READ_MESSAGE_MAX),
        },
      });
      const reader = readers[service.spec.provider];
      // Nothing is attempted without a reader: no read to record.
      if (!reader) return unread('NotSupportedForProvider', `no change-log reader for ${service.spec.provider} configured`);
      if (!target.ok) return failed(target.failure.reason, target.failure.message);
      let read;
      let readAt = now;
      try {
        const query = {
          since: changeLogSince(service.spec, previous?.changeLog?.readUntil, now),
          now,
          watchedIdentities: service.spec.breakGlassIdentities ?? [],
          auditTrails: inventory.ok ? inventory.inventory.auditTrails : [],
          signal,
        };
        ({ result: read, readAt } = await shared.read(reader, target.target, query, intervalMs, `${service.metadata.namespace}/${service.metadata.name}`));
      } catch (error) {
        // Readers map cloud errors themselves; anything else is still not a finding.
        return failed('ChangeLogUnreadable', error instanceof Error ? error.message : String(error));
      }
      if (!read.ok) return failed(read.failure.reason, read.failure.message);
      const records = mergeChangeRecords(kept, read.records);
      return {
        feed: records,
        records,
        status: {
          source: read.source,
          readUntil: read.readUntil,
          lastReadAt: readAt.toISOString(),
          filesRead: read.filesRead,
          complete: read.complete,
        },
        // A read shared with the account's other services is dated when it was made.
        read: { source: 'changeLog', obtainedAt: readAt.toISOString() },
        ...(read.answers ? { answers: read.answers } : {}),
      };
    },
  };
}
