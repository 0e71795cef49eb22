// Reconciles one CloudService, level-based (the key is all it gets): gather once
// (gather.ts), evaluate once (controls/evaluate.ts, pure), publish what the evaluation
// returned (publish.ts). A status conflict (409) re-reads the object and evaluates the
// same gathered facts against it again; nothing is read from the cloud twice.
// A failed account read ends as the evaluation decided (controls/readiness.ts): a
// permanent one as `terminal` (Stalled; back after the ceiling or a watched change), a
// transient one as `retry` at the account cache's next attempt (one backoff, not two).

import { randomUUID } from 'node:crypto';
import type { CloudSecurityPolicy, CloudService, CloudServiceStatus } from '../api/types.js';
import { evaluateService, type Evaluation } from '../controls/evaluate.js';
import { controlAnswerDigests, evidenceApiCalls, withAnswersDigests } from '../evidence/api-calls.js';
import { listedFailureReason } from '../inventory/failure-kind.js';
import type { KubeApi } from '../kube/api.js';
import type { Logger } from '../log.js';
import type { OperatorMetrics } from '../metrics.js';
import type { ChangeLogGather } from './change-log.js';
import { evidenceStatusParts, type EvidenceChainState } from './evidence-status.js';
import type { EvidenceSink } from './evidence-writer.js';
import type { TargetResolver } from './account-target.js';
import type { ExitDrillGather } from './exit-drill.js';
import { Gatherer, type DeclaredStateSource, type Gathered, type InventorySource, type ObjectStore } from './gather.js';
import { Publisher } from './publish.js';
import { buildStatus, conditionTransitions } from '../kube/status.js';
import { isProjected } from './service-projection.js';
import type { ReconcileResult } from './workqueue.js';

/** The read side a reconciler is wired to (controller/sources.ts builds the real ones). */
export interface ReadSources {
  targets: TargetResolver;
  inventory: InventorySource;
  declared?: DeclaredStateSource;
  changeLog?: ChangeLogGather;
  exitDrills?: ExitDrillGather;
}

export interface ServiceReconcilerDeps {
  api: KubeApi;
  /** The cache; `offer` takes a service read whole in place of its projection (sharding). */
  services: ObjectStore<CloudService> & { offer?(service: CloudService): void };
  policies: ObjectStore<CloudSecurityPolicy>;
  policyName: string;
  sources: ReadSources;
  /** Queues a service again (background evidence is ready); the manager's work queue. */
  requeue?: (key: string) => void;
  metrics: OperatorMetrics;
  /** Evidence history (opt-in): handed each evaluation once its status is published; it queues and returns. */
  evidence?: EvidenceSink;
  log: Logger;
  defaultIntervalMs: number;
  clock?: () => Date;
  random?: () => number;
}

const MAX_CONFLICT_RETRIES = 3;
/** Shortest wait (ms) before retrying a transient failure at the account cache's next attempt. */
const MIN_RETRY_DELAY_MS = 1000;

export class ServiceReconciler {
  private readonly clock: () => Date;
  private readonly random: () => number;
  private readonly gatherer: Gatherer;
  private readonly publisher: Publisher;

  constructor(private readonly deps: ServiceReconcilerDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.random = deps.random ?? Math.random;
    this.gatherer = new Gatherer({
      policies: deps.policies,
      policyName: deps.policyName,
      defaultIntervalMs: deps.defaultIntervalMs,
      ...deps.sources,
      clock: this.clock,
    });
    this.publisher = new Publisher({ api: deps.api, metrics: deps.metrics, clock: this.clock });
  }

  /**
   * The cached service, or, when the cache keeps only its projection (its shard was
   * another replica's when it last changed), the whole object from the API server.
   */
  private async serviceOf(key: string, namespace: string, name: string): Promise<CloudService | undefined> {
    const cached = this.deps.services.get(key);
    if (!cached || !isProjected(cached)) return cached;
    const whole = await this.deps.api.getService(namespace, name);
    if (whole) this.deps.services.offer?.(whole);
    return whole;
  }

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const started = performance.now();
    const cached = await this.serviceOf(key, namespace, name);
    const log = this.deps.log.child({ reconcileID: randomUUID(), namespace, name });
    if (!cached) {
      this.deps.metrics.forgetService({ namespace, service: name });
      log.info('reconciled', { outcome: 'deleted', durationMs: elapsed(started) });
      return { kind: 'done' };
    }
    if (cached.spec.suspend) {
      log.info('reconciled', { generation: cached.metadata.generation, outcome: 'suspended', durationMs: elapsed(started) });
      return { kind: 'done' };
    }
    const requeue = this.deps.requeue;
    const gathered = await this.gatherer.gather(cached, signal, requeue ? () => requeue(key) : undefined);

    let current: CloudService = cached;
    for (let attempt = 0; ; attempt++) {
      const evaluation = evaluate(current, gathered);
      const uid = current.metadata.uid;
      const evidence = uid ? this.deps.evidence?.stateOf(uid) : undefined;
      const status = statusFor(current, gathered, evaluation, evidence);
      const write = await this.publisher.writeStatus(current, status, gathered.intervalMs, gathered.now);
      if (write.kind === 'conflict' && attempt < MAX_CONFLICT_RETRIES) {
        // Someone wrote in between: re-read and decide again (level-based).
        log.info('status conflict: re-reading', { attempt });
        const fresh = await this.deps.api.getService(namespace, name);
        if (!fresh) return { kind: 'done' };
        current = fresh;
        continue;
      }
      if (write.kind === 'gone') return { kind: 'done' };
      if (write.kind === 'conflict' || write.kind === 'failed') {
        log.warn('reconciled', {
          generation: current.metadata.generation,
          outcome: 'status-write-failed',
          ...(write.kind === 'failed' ? { code: write.code, reason: write.reason, error: write.message } : { code: 409 }),
          durationMs: elapsed(started),
        });
        return { kind: 'retry', reason: 'StatusWriteFailed' };
      }
      const written = write.kind === 'written';
      this.publisher.publishMetrics(current, evaluation.metrics);
      // The status as published: the one written, or the one found when nothing needed writing.
      this.submitEvidence(current, gathered, evaluation, written ? status : (current.status ?? status), log);
      const transitions = written ? conditionTransitions(current.status?.conditions, status.conditions ?? []) : [];
      await this.publisher.recordTransitions(current, transitions, log);
      if (written) {
        await this.publisher.recordBreakGlassUses(current, evaluation.newBreakGlassUses, log);
        await this.publisher.recordLockboxAlerts(current, evaluation.newLockboxAlerts, log);
      }
      log.info('reconciled', {
        generation: current.metadata.generation,
        outcome: evaluation.ready.reason,
        compliant: evaluation.compliant.status,
        findings: evaluation.findings.length,
        statusWritten: written,
        transitions: transitions.length,
        ...(evaluation.retry ? { failure: evaluation.retry.kind } : {}),
        durationMs: elapsed(started),
      });
      return this.outcome(evaluation, gathered);
    }
  }

  /** The published evaluation to the evidence writer: it only queues, and nothing it does fails the reconcile. */
  private submitEvidence(service: CloudService, gathered: Gathered, evaluation: Evaluation, status: CloudServiceStatus, log: Logger): void {
    const uid = service.metadata.uid;
    if (!this.deps.evidence || !uid) return;
    try {
      // The answers behind the live controls: the record lists them once, and each live
      // control the digests of those it rests on (evidence/api-calls.ts).
      const answers = gathered.inventory.ok ? gathered.inventory.inventory.answers : undefined;
      const changeAnswers = gathered.changeLogAnswers;
      this.deps.evidence.submit({
        service: { namespace: service.metadata.namespace ?? '', name: service.metadata.name ?? '', uid },
        generation: service.metadata.generation ?? 0,
        policy: gathered.policy,
        controls: evaluation.controls.map((c) => {
          const digests = controlAnswerDigests(c.control, answers, changeAnswers);
          return digests.length > 0 ? { ...c, answers: digests } : c;
        }),
        apiCalls: evidenceApiCalls([...(answers ?? []), ...(changeAnswers ?? [])]),
        spec: service.spec,
        status,
        at: gathered.now,
      });
    } catch (error) {
      log.warn('evidence record not queued', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private outcome(evaluation: Evaluation, gathered: Gathered): ReconcileResult {
    const retry = evaluation.retry;
    if (!retry) return { kind: 'done', requeueAfterMs: this.nextCheckIn(gathered.intervalMs, evaluation.requeueAt, gathered.now) };
    this.deps.metrics.reconcileFailures.inc({ kind: retry.kind, reason: listedFailureReason(retry.reason) });
    const after = retry.at ? Math.max(MIN_RETRY_DELAY_MS, retry.at.getTime() - gathered.now.getTime()) : undefined;
    if (retry.kind === 'permanent') return { kind: 'terminal', reason: retry.reason, ...(after !== undefined ? { requeueAfterMs: after } : {}) };
    return { kind: 'retry', reason: retry.reason, ...(after !== undefined ? { retryAfterMs: after } : {}) };
  }

  private nextCheckIn(intervalMs: number, requeueAt: Date | undefined, now: Date): number {
    const jittered = intervalMs * (0.9 + this.random() * 0.2);
    if (!requeueAt) return Math.round(jittered);
    return Math.max(1000, Math.min(Math.round(jittered), requeueAt.getTime() - now.getTime()));
  }
}

/** The one evaluation of a reconcile attempt: the gathered facts against the object as last read. */
function evaluate(service: CloudService, gathered: Gathered): Evaluation {
  return evaluateService({
    spec: service.spec,
    policy: gathered.policy,
    inventory: gathered.inventory,
    now: gathered.now,
    ...(gathered.declared ? { declared: gathered.declared } : {}),
    ...(gathered.changes ? { changes: gathered.changes } : {}),
    ...(gathered.changeRecords ? { changeRecords: gathered.changeRecords } : {}),
    ...(gathered.exitDrill?.result ? { exitDrill: gathered.exitDrill.result } : {}),
    ...(gathered.exitDrill?.status ? { exitDrillStatus: gathered.exitDrill.status } : {}),
    ...(gathered.exitDrill?.nextAt ? { nextDrillAt: gathered.exitDrill.nextAt } : {}),
    ...(service.status?.changes && !gathered.refused ? { previousChanges: service.status.changes } : {}),
    ...(service.status?.providerAccess && !gathered.refused ? { previousProviderAccess: service.status.providerAccess } : {}),
  });
}

function statusFor(service: CloudService, gathered: Gathered, evaluation: Evaluation, evidence: EvidenceChainState | undefined): CloudServiceStatus {
  const history = evidence ? evidenceStatusParts(evidence, service.status) : undefined;
  const status = buildStatus({
    previous: service.status,
    generation: service.metadata.generation ?? 0,
    conditions: [...evaluation.families, { type: 'Compliant', ...evaluation.compliant }],
    ready: evaluation.ready,
    stalled: evaluation.stalled,
    ...(history ? { bookkeeping: [history.condition] } : {}),
    summary: evaluation.summary,
    // With an evidence history, each finding names the answers it rests on (by one digest).
    findings: history ? withAnswersDigests(evaluation.findings, gathered.inventory.ok ? gathered.inventory.inventory.answers : undefined, gathered.changeLogAnswers) : evaluation.findings,
    now: gathered.now,
  });
  if (history) status.evidenceHistory = history.status;
  if (gathered.exitDrill?.status) status.exitDrill = gathered.exitDrill.status;
  if (evaluation.changeLedger) {
    status.changes = evaluation.changeLedger.changes;
    if (evaluation.changeLedger.changesOmitted > 0) status.changesOmitted = evaluation.changeLedger.changesOmitted;
  }
  if (evaluation.providerAccess) status.providerAccess = evaluation.providerAccess;
  if (gathered.changeLog) status.changeLog = gathered.changeLog;
  if (gathered.reads.length > 0) status.reads = gathered.reads;
  if (gathered.accountId) status.accountId = gathered.accountId;
  else if (!gathered.refused && service.status?.accountId) status.accountId = service.status.accountId;
  return status;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
