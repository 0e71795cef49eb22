// The read side of a reconcile, done once: the effective policy, the interval, the
// account target (credentials Secret read once), the live inventory, the declared IaC
// state, the change log and the exit drill. Everything the pure evaluation needs comes
// out of here as plain data; nothing here decides a control.

import type { CloudSecurityPolicy, CloudService, EvidenceRead } from '../api/types.js';
import { resolvePolicy } from '../controls/policy.js';
import type { EffectivePolicy } from '../controls/types.js';
import { parseDuration } from '../api/duration.js';
import type { DeclaredStateResult } from '../inventory/declared-state.js';
import type { ChangeFeed, ChangeRecord } from '../inventory/changes.js';
import type { ApiAnswer, InventoryResult } from '../inventory/types.js';
import type { CollectTarget } from '../providers/types.js';
import type { ChangeLogGather, ChangeLogStatus } from './change-log.js';
import type { TargetResolver, TargetResult } from './account-target.js';
import { carriedExitDrill, type ExitDrillGather, type GatheredExitDrill } from './exit-drill.js';

import type { ObjectStore } from './object-store.js';

export type { ObjectStore } from './object-store.js';

/** One account read of one service: the resolved target and how fresh the read must be. */
export interface AccountRead {
  service: CloudService;
  target: CollectTarget;
  intervalMs: number;
}

/** Reads the live account behind a service (shared per-account cache); never rejects for cloud errors. */
export type InventorySource = (read: AccountRead, signal: AbortSignal) => Promise<InventoryResult>;

/**
 * Reads the declared IaC state a service names (spec.iac); `account` is the service's
 * resolved account (a state in S3 is read with it, never with the operator's own
 * identity). Never rejects.
 */
export type DeclaredStateSource = (service: CloudService, signal: AbortSignal, account: TargetResult) => Promise<DeclaredStateResult>;

export interface GatherDeps {
  policies: ObjectStore<CloudSecurityPolicy>;
  policyName: string;
  defaultIntervalMs: number;
  targets: TargetResolver;
  inventory: InventorySource;
  declared?: DeclaredStateSource;
  /** Change log (ChangesTracked); without it the change ledger is left as it is. */
  changeLog?: ChangeLogGather;
  /** Exit drills (spec.exitPlan.drill); without it status.exitDrill is left as it is. */
  exitDrills?: ExitDrillGather;
  clock: () => Date;
}

export interface Gathered {
  now: Date;
  policy: EffectivePolicy;
  intervalMs: number;
  inventory: InventoryResult;
  declared?: DeclaredStateResult;
  /** For the controls: the records (kept and fresh) or why the log could not be read. */
  changes?: ChangeFeed;
  /** For the change ledger: kept and fresh records, also when this read failed. */
  changeRecords?: ChangeRecord[];
  /** status.changeLog to write (the watermark), moved on only by a successful read. */
  changeLog?: ChangeLogStatus;
  /** The answers of this reconcile's change-log read (evidence for ChangesTracked). */
  changeLogAnswers?: ApiAnswer[];
  exitDrill?: GatheredExitDrill;
  /** status.reads: when the evidence in use was obtained, and the latest failed attempts. */
  reads: EvidenceRead[];
  /** status.accountId: the account read, only while the service may read it. */
  accountId?: string;
  /**
   * The service may not read the account it names (not found, not admitted, other
   * provider): evidence kept from an earlier account (change ledger, exit drill, reads)
   * is dropped rather than carried, so it never shows in this namespace.
   */
  refused?: boolean;
}

/** spec.interval, or the default; admission validates the pattern, so stay total anyway. */
export function intervalOf(service: CloudService, defaultMs: number): number {
  try {
    return service.spec.interval ? parseDuration(service.spec.interval) : defaultMs;
  } catch {
    return defaultMs;
  }
}

/**
 * status.reads entry of the declared state. A state that cannot be read is not replaced
 * by an older one: drift against a stale state would report resources the IaC added
 * since as unmanaged (a false finding); InSync stays Unknown and this entry says since
 * when the last good state is known. The reader's message is not kept: a parse error may
 * quote what it read.
 */
function declaredStateRead(service: CloudService, declared: DeclaredStateResult, now: Date): EvidenceRead {
  if (declared.ok) return { source: 'declaredState', obtainedAt: declared.state.readAt };
  const before = service.status?.reads?.find((r) => r.source === 'declaredState')?.obtainedAt;
  return {
    source: 'declaredState',
    ...(before ? { obtainedAt: before } : {}),
    failedAt: now.toISOString(),
    reason: declared.failure.reason,
    message: `The declared IaC state could not be read (${declared.failure.reason}).`,
  };
}

export class Gatherer {
  constructor(private readonly deps: GatherDeps) {}

  policyFor(service: CloudService): EffectivePolicy {
    return resolvePolicy(this.deps.policies.get(this.deps.policyName)?.spec, service.spec.classification);
  }

  /**
   * Reads everything once. `wake` queues the service again when background evidence
   * (an exit drill) is ready.
   */
  async gather(service: CloudService, signal: AbortSignal, wake?: () => void): Promise<Gathered> {
    const policy = this.policyFor(service);
    const intervalMs = intervalOf(service, this.deps.defaultIntervalMs);
    const resolved = await this.deps.targets(service);
    const [inventory, declared] = await Promise.all([
      resolved.ok ? this.readInventory({ service, target: resolved.target, intervalMs }, signal) : Promise.resolve<InventoryResult>(resolved),
      this.readDeclared(service, signal, resolved),
    ]);
    const now = this.deps.clock();
    const gathered: Gathered = { now, policy, intervalMs, inventory, reads: [], ...(declared ? { declared } : {}) };
    if (!resolved.ok && resolved.refused) {
      gathered.refused = true;
      if (declared) gathered.reads.push(declaredStateRead(service, declared, now));
      return gathered;
    }
    const account = resolved.ok ? resolved.target.account : undefined;
    const accountId = account?.aws?.accountId ?? account?.azure?.subscriptionId;
    if (accountId) gathered.accountId = accountId;
    if (this.deps.changeLog) {
      const read = await this.deps.changeLog.read({ service, target: resolved, inventory, now, intervalMs, signal });
      gathered.changes = read.feed;
      gathered.changeRecords = read.records;
      if (read.status) gathered.changeLog = read.status;
      if (read.answers) gathered.changeLogAnswers = read.answers;
      if (read.read) gathered.reads.push(read.read);
    }
    if (declared) gathered.reads.push(declaredStateRead(service, declared, now));
    if (this.deps.exitDrills && resolved.ok) {
      const drill = this.deps.exitDrills.read({ service, target: resolved.target, policy, now, ...(wake ? { wake } : {}) });
      if (drill) gathered.exitDrill = drill;
    } else {
      const carried = carriedExitDrill(service);
      if (carried) gathered.exitDrill = carried;
    }
    return gathered;
  }

  private async readInventory(read: AccountRead, signal: AbortSignal): Promise<InventoryResult> {
    try {
      return await this.deps.inventory(read, signal);
    } catch (error) {
      // Collectors map cloud errors themselves; anything else is still not a finding.
      return { ok: false, failure: { reason: 'CollectionError', message: (error as Error).message } };
    }
  }

  private async readDeclared(service: CloudService, signal: AbortSignal, account: TargetResult): Promise<DeclaredStateResult | undefined> {
    if (!service.spec.iac?.pulumi || !this.deps.declared) return undefined;
    try {
      return await this.deps.declared(service, signal, account);
    } catch (error) {
      return { ok: false, failure: { reason: 'StateUnreadable', message: (error as Error).message } };
    }
  }
}
