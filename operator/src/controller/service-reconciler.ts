// Reconciles one CloudService: read (cache + live inventory), decide (pure
// controls), publish (status, Events, metrics). Level-based: the key is all it gets.

import { randomUUID } from 'node:crypto';
import type { CloudSecurityPolicy, CloudService, CloudServiceStatus, ConditionStatus } from '../api/types.js';
import { newBreakGlassUses } from '../controls/changes.js';
import { evaluateService, type Evaluation } from '../controls/evaluate.js';
import { resolvePolicy } from '../controls/policy.js';
import { regionViolations } from '../controls/residency.js';
import { parseDuration } from '../duration.js';
import type { InventoryResult } from '../inventory/types.js';
import type { DeclaredStateResult } from '../iac/types.js';
import { driftCounts, driftOf } from '../controls/insync.js';
import type { ControlInput, EffectivePolicy } from '../controls/types.js';
import type { Evidence, EvidenceSource } from './evidence-source.js';
import { exitDrillLastSuccessSeconds } from '../exitdrill/status.js';
import { apiErrorDetail, statusCode, type KubeApi } from '../kube/api.js';
import { createMergePatch, type Json } from '../kube/merge-patch.js';
import type { Logger } from '../log.js';
import type { OperatorMetrics, ServiceSnapshot } from '../metrics.js';
import { buildStatus, conditionTransitions, statusNeedsWrite, type Transition } from './status.js';
import type { ReconcileResult } from './workqueue.js';

/** Reads the live account behind a service; never throws for cloud errors. */
export type InventorySource = (service: CloudService, signal: AbortSignal) => Promise<InventoryResult>;

/** Reads the declared IaC state a service names (spec.iac); never throws. */
export type DeclaredStateSource = (service: CloudService, signal: AbortSignal) => Promise<DeclaredStateResult>;

export interface ObjectStore<T> {
  get(key: string): T | undefined;
}

export interface ServiceReconcilerDeps {
  api: KubeApi;
  services: ObjectStore<CloudService>;
  policies: ObjectStore<CloudSecurityPolicy>;
  policyName: string;
  inventory: InventorySource;
  declared?: DeclaredStateSource;
  /** Change log, break-glass uses and exit drill (AWS). */
  evidence?: EvidenceSource;
  /** Queues a service again (background evidence is ready); the manager's work queue. */
  requeue?: (key: string) => void;
  metrics: OperatorMetrics;
  log: Logger;
  defaultIntervalMs: number;
  clock?: () => Date;
  random?: () => number;
}

const MAX_CONFLICT_RETRIES = 3;

export class ServiceReconciler {
  private readonly clock: () => Date;
  private readonly random: () => number;

  constructor(private readonly deps: ServiceReconcilerDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.random = deps.random ?? Math.random;
  }

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const [namespace, name] = key.split('/') as [string, string];
    const started = performance.now();
    const cached = this.deps.services.get(key);
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
    let intervalMs: number;
    try {
      intervalMs = cached.spec.interval ? parseDuration(cached.spec.interval) : this.deps.defaultIntervalMs;
    } catch {
      intervalMs = this.deps.defaultIntervalMs; // admission validates the pattern; stay total anyway
    }

    const [inventory, declared] = await Promise.all([this.readInventory(cached, signal), this.readDeclared(cached, signal)]);
    const evidence = await this.readEvidence(key, cached, inventory, this.policyFor(cached), signal, log);
    let current: CloudService = cached;
    for (let attempt = 0; ; attempt++) {
      const outcome = this.decide(current, inventory, declared, evidence);
      let written = false;
      if (statusNeedsWrite(current.status, outcome.status, intervalMs, outcome.now)) {
        try {
          await this.deps.api.patchServiceStatus(
            namespace,
            name,
            current.metadata.resourceVersion ?? '',
            createMergePatch((current.status ?? {}) as Json, outcome.status as Json) as CloudServiceStatus,
          );
          written = true;
        } catch (error) {
          const code = statusCode(error);
          if (code === 409 && attempt < MAX_CONFLICT_RETRIES) {
            // Someone wrote in between: re-read and decide again (level-based).
            log.info('status conflict: re-reading', { attempt });
            const fresh = await this.deps.api.getService(namespace, name);
            if (!fresh) return { kind: 'done' };
            current = fresh;
            continue;
          }
          if (code === 404) return { kind: 'done' };
          const detail = apiErrorDetail(error);
          log.warn('reconciled', {
            generation: current.metadata.generation,
            outcome: 'status-write-failed',
            code,
            reason: detail.reason,
            error: detail.message,
            durationMs: elapsed(started),
          });
          return { kind: 'retry', reason: 'StatusWriteFailed' };
        }
      }
      // Metrics first: they follow the status just written and need no API call, while
      // Events may wait on the API server.
      this.deps.metrics.publishService(
        { namespace, service: name, provider: current.spec.provider },
        snapshot({ ...current, status: outcome.status }, outcome.evaluation, inventory, outcome.mfaScope, outcome.input, outcome.now),
      );
      const transitions = written ? conditionTransitions(current.status?.conditions, outcome.status.conditions ?? []) : [];
      await this.recordEvents(current, transitions, log);
      if (written && evidence) await this.recordBreakGlassUses(current, evidence, log);
      log.info('reconciled', {
        generation: current.metadata.generation,
        outcome: outcome.ready,
        compliant: outcome.evaluation.compliant.status,
        findings: outcome.evaluation.findings.length,
        statusWritten: written,
        transitions: transitions.length,
        durationMs: elapsed(started),
      });
      if (!inventory.ok && !('skipped' in inventory)) return { kind: 'retry', reason: inventory.failure.reason };
      const requeueAt = [outcome.evaluation.requeueAt, evidence?.nextDrillAt]
        .filter((d): d is Date => d !== undefined && d.getTime() > outcome.now.getTime())
        .sort((a, b) => a.getTime() - b.getTime())[0];
      return { kind: 'done', requeueAfterMs: this.nextCheckIn(intervalMs, requeueAt, outcome.now) };
    }
  }

  private policyFor(service: CloudService): EffectivePolicy {
    return resolvePolicy(this.deps.policies.get(this.deps.policyName)?.spec, service.spec.classification);
  }

  private decide(service: CloudService, inventory: InventoryResult, declared: DeclaredStateResult | undefined, evidence: Evidence | undefined) {
    const now = this.clock();
    const policy = this.policyFor(service);
    const input: ControlInput = {
      spec: service.spec,
      policy,
      inventory,
      now,
      ...(declared ? { declared } : {}),
      ...(evidence?.changes ? { changes: evidence.changes } : {}),
      ...(evidence?.exitDrill ? { exitDrill: evidence.exitDrill } : {}),
    };
    const evaluation = evaluateService(input);
    const ready = readiness(inventory);
    const status = buildStatus({
      previous: service.status,
      generation: service.metadata.generation ?? 0,
      conditions: [...evaluation.families, { type: 'Compliant', ...evaluation.compliant }],
      ready,
      summary: evaluation.summary,
      findings: evaluation.findings,
      now,
    });
    Object.assign(status, evidence?.status ?? {});
    return { now, evaluation, status, ready: ready.reason, mfaScope: policy.mfaScope, input };
  }

  private async readInventory(service: CloudService, signal: AbortSignal): Promise<InventoryResult> {
    try {
      return await this.deps.inventory(service, signal);
    } catch (error) {
      // Collectors map cloud errors themselves; anything else is still not a finding.
      return { ok: false, failure: { reason: 'CollectionError', message: (error as Error).message } };
    }
  }

  private async readDeclared(service: CloudService, signal: AbortSignal): Promise<DeclaredStateResult | undefined> {
    if (!service.spec.iac?.pulumi || !this.deps.declared) return undefined;
    try {
      return await this.deps.declared(service, signal);
    } catch (error) {
      return { ok: false, failure: { reason: 'StateUnreadable', message: (error as Error).message } };
    }
  }

  private async readEvidence(
    key: string,
    service: CloudService,
    inventory: InventoryResult,
    policy: EffectivePolicy,
    signal: AbortSignal,
    log: Logger,
  ): Promise<Evidence | undefined> {
    if (!this.deps.evidence) return undefined;
    try {
      const requeue = this.deps.requeue;
      const wake = requeue ? () => requeue(key) : undefined;
      return await this.deps.evidence({ service, inventory, policy, now: this.clock(), signal, ...(wake ? { wake } : {}) });
    } catch (error) {
      // Evidence reads map their own errors; anything else keeps the previous evidence.
      log.warn('evidence not read', { error: (error as Error).message });
      return undefined;
    }
  }

  private async recordBreakGlassUses(service: CloudService, evidence: Evidence, log: Logger): Promise<void> {
    const namespace = service.metadata.namespace ?? '';
    // Against the status just written over (a 409 re-read may hold uses the stale cache lacked): once per record id.
    for (const use of newBreakGlassUses(evidence.newBreakGlassUses, service.status?.changes)) {
      this.deps.metrics.breakGlassUse.inc({ namespace, service: service.metadata.name ?? '', provider: service.spec.provider });
      try {
        await this.deps.api.createEvent(
          {
            namespace,
            involved: {
              kind: 'CloudService',
              apiVersion: 'cloudposture.io/v1alpha1',
              name: service.metadata.name ?? '',
              uid: service.metadata.uid,
            },
            type: 'Warning',
            reason: 'BreakGlassUsed',
            message: use.message,
            action: 'Detect',
          },
          this.clock(),
        );
      } catch (error) {
        log.warn('event not recorded', { reason: 'BreakGlassUsed', code: statusCode(error) });
      }
    }
  }

  private async recordEvents(service: CloudService, transitions: Transition[], log: Logger): Promise<void> {
    if (transitions.length === 0) return;
    const involved = {
      kind: 'CloudService',
      apiVersion: 'cloudposture.io/v1alpha1',
      name: service.metadata.name ?? '',
      uid: service.metadata.uid,
      resourceVersion: service.metadata.resourceVersion,
    };
    const namespace = service.metadata.namespace ?? '';
    const firstEvaluation = transitions.every((t) => t.from === undefined);
    const events = firstEvaluation
      ? [firstEvaluationEvent(transitions)]
      : transitions.map((t) => ({
          type: t.to === 'True' ? ('Normal' as const) : ('Warning' as const),
          reason: t.reason,
          message: `${t.type} ${t.from ?? 'unset'} -> ${t.to}: ${t.message}`,
        }));
    for (const event of events) {
      try {
        await this.deps.api.createEvent({ namespace, involved, action: 'Evaluate', ...event }, this.clock());
      } catch (error) {
        // An Event is best effort; status already holds the truth.
        log.warn('event not recorded', { reason: event.reason, code: statusCode(error) });
      }
    }
  }

  private nextCheckIn(intervalMs: number, requeueAt: Date | undefined, now: Date): number {
    const jittered = intervalMs * (0.9 + this.random() * 0.2);
    if (!requeueAt) return Math.round(jittered);
    return Math.max(1000, Math.min(Math.round(jittered), requeueAt.getTime() - now.getTime()));
  }
}

function firstEvaluationEvent(transitions: Transition[]): { type: 'Normal' | 'Warning'; reason: string; message: string } {
  const failing = transitions.filter((t) => t.to === 'False').map((t) => t.type);
  const unknown = transitions.filter((t) => t.to === 'Unknown').map((t) => t.type);
  const parts = [`first evaluation: ${transitions.length - failing.length - unknown.length} passing`];
  if (failing.length) parts.push(`failing: ${failing.join(', ')}`);
  if (unknown.length) parts.push(`unknown: ${unknown.join(', ')}`);
  return { type: failing.length ? 'Warning' : 'Normal', reason: 'Evaluated', message: parts.join('; ') };
}

function readiness(inventory: InventoryResult): { status: ConditionStatus; reason: string; message: string } {
  if (inventory.ok) return { status: 'True', reason: 'Reconciled', message: 'spec and live account evaluated' };
  if ('skipped' in inventory) {
    return { status: 'True', reason: 'Reconciled', message: `spec evaluated; live checks skipped: ${inventory.failure.message}` };
  }
  return { status: 'False', reason: inventory.failure.reason, message: `live account not read: ${inventory.failure.message}` };
}

const EVIDENCE_KINDS = { contract: 'contract-review', assurance: 'assurance-report', exit: 'exit-drill', identities: 'credential-report' };

function snapshot(
  service: CloudService,
  evaluation: Evaluation,
  inventory: InventoryResult,
  mfaScope: string,
  input: ControlInput,
  now: Date,
): ServiceSnapshot {
  const drift = driftOf(input);
  const findingCounts = new Map<string, { control: string; severity: string; count: number }>();
  for (const f of evaluation.findings) {
    const k = `${f.control}|${f.severity}`;
    const entry = findingCounts.get(k) ?? { control: f.control, severity: f.severity, count: 0 };
    entry.count++;
    findingCounts.set(k, entry);
  }
  const ages: ServiceSnapshot['evidenceAgeSeconds'] = [];
  const age = (kind: string, at: string | undefined) => {
    if (!at || Number.isNaN(Date.parse(at))) return;
    ages.push({ kind, seconds: Math.max(0, Math.round((now.getTime() - Date.parse(at)) / 1000)) });
  };
  const spec = service.spec;
  age(EVIDENCE_KINDS.contract, spec.contract?.reviewedAt);
  const reportDates = (spec.assurance?.reports ?? []).map((r) => r.periodEnd ?? r.reviewedAt).filter((d): d is string => !!d);
  age(EVIDENCE_KINDS.assurance, reportDates.sort().at(-1));
  age(EVIDENCE_KINDS.exit, spec.exitPlan?.lastDryRun);
  const live = inventory.ok ? inventory.inventory : undefined;
  if (live) age(EVIDENCE_KINDS.identities, live.evidenceTimes.identities);
  const mfaCoverage =
    live && evaluation.summary.mfaCoverage !== undefined
      ? [{ scope: mfaScope, ratio: evaluation.summary.mfaCoverage }]
      : [];
  const withMfa = live ? live.identities.filter((i) => i.mfaEnabled).length : 0;
  return {
    conditions: [
      ...evaluation.families.map((f) => ({ type: f.type, status: f.status })),
      { type: 'Compliant', status: evaluation.compliant.status },
    ],
    findings: [...findingCounts.values()],
    mfaCoverage,
    identities: live
      ? [
          { mfa: 'true', count: withMfa },
          { mfa: 'false', count: live.identities.length - withMfa },
        ]
      : [],
    regionViolations: live
      ? Object.entries(regionViolations(live, spec.allowedRegions)).map(([region, count]) => ({ region, count }))
      : [],
    driftResources: drift ? driftCounts(drift) : [],
    evidenceAgeSeconds: ages,
    lastCheckSeconds: Math.floor(now.getTime() / 1000),
    exitDrillLastSuccessSeconds: exitDrillLastSuccessSeconds(service.status?.exitDrill),
  };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
