// Wires the watched kinds, the work queue and the reconciler: the imperative shell.
// Fencing: when the elector's renew deadline passes (a local timer, even while a renew
// hangs), every running reconcile is aborted and loses Kubernetes access at once, and the
// queue stops; each reconcile also has its own deadline (reconcile-runner.ts).
// Sharding (CLOUDPOSTURE_SHARDS > 1, shards.ts): no leader; the queues run on every
// replica and take only the keys of the shards this replica holds (a service's shard is
// its account's). Each admitted attempt carries its shard's fence; a shard gained enqueues
// its services and accounts, a shard lost drops their waits, series and cached inventory.
// CloudOrganizations go with shard 0.

import type { KubeConfig } from '@kubernetes/client-node';
import type { CloudAccount, CloudOrganization, CloudSecurityPolicy, CloudService, ObjectMetaLite } from '../api/types.js';
import type { OperatorConfig } from '../config.js';
import { ACCOUNT_PLURAL, GROUP, KubeApi, POLICY_PLURAL, SERVICE_LIST_PAGE, SERVICE_PLURAL, VERSION, type NamespaceMeta } from '../kube/api.js';
import { coordinationLeaseApi, LeaderElector } from '../kube/leader.js';
import { findCondition } from '../kube/conditions.js';
import { canonical } from '../kube/merge-patch.js';
import { Reflector } from '../kube/reflector.js';
import type { Logger } from '../log.js';
import type { OperatorMetrics } from '../metrics.js';
import type { AccountProbe } from '../providers/types.js';
import { admitsNamespace, labelsOf } from './account-admission.js';
import { AccountReconciler } from './account-reconciler.js';
import { createTargetResolver } from './account-target.js';
import { createEvidenceWriter, type EvidenceWriter } from './evidence-writer.js';
import { judgeHealth, type Health } from './health.js';
import { OrganizationController } from './organization-controller.js';
import type { OrganizationSource } from './organization-source.js';
import { ReconcileRunner, type Admission } from './reconcile-runner.js';
import { ServiceReconciler, type ReadSources } from './service-reconciler.js';
import { AccountShards } from './shard-assignment.js';
import { projectForeignService } from './service-projection.js';
import { ShardOwnership } from './shards.js';
import { WorkQueue } from './workqueue.js';

export interface ManagerOptions {
  kubeConfig: KubeConfig;
  config: OperatorConfig;
  metrics: OperatorMetrics;
  log: Logger;
  /**
   * Inventory, declared state, change log, exit drills and the account probe
   * (controller/sources.ts); the manager resolves account targets from its CloudAccount cache.
   */
  sources: Omit<ReadSources, 'targets'> & {
    probe: AccountProbe;
    organization?: OrganizationSource;
    /** Sharding: forget the cached inventories of accounts another replica reads now. */
    dropAccounts?: (which: (accountName: string) => boolean) => void;
    stop?: () => Promise<void>;
  };
  /** The process's one Kubernetes client (shared with the sources); built from kubeConfig when absent. */
  api?: KubeApi;
  /** Leadership lost: reconciling has stopped; the process should exit and restart. */
  onLostLeadership?: () => void;
}

/** CloudAccount checks at once (one identity call each). */
const ACCOUNT_CHECK_CONCURRENCY = 2;

function readyOf(account: CloudAccount | undefined): string | undefined {
  return findCondition(account?.status?.conditions, 'Ready')?.status;
}

/** The Entra application id a SaaS CloudService declares (lower case), if any. */
function saasAppIdOf(service: CloudService | undefined): string | undefined {
  return service?.spec.saas?.entraApplicationId?.trim().toLowerCase();
}

function objectKeyOf(service: CloudService): string {
  return `${service.metadata.namespace}/${service.metadata.name}`;
}

/** The admission of work that belongs to no shard (a deleted service: only this replica's series go). */
const UNSHARDED: Admission = { signal: new AbortController().signal, done: () => undefined };

export class Manager {
  readonly services: Reflector<CloudService>;
  readonly policies: Reflector<CloudSecurityPolicy>;
  readonly accounts: Reflector<CloudAccount>;
  readonly namespaces: Reflector<NamespaceMeta>;
  readonly queue: WorkQueue;
  /** CloudAccount checks (Ready): few keys, their own small queue. */
  readonly accountQueue: WorkQueue;
  readonly accountRunner: ReconcileRunner;
  readonly reconciler: ServiceReconciler;
  readonly runner: ReconcileRunner;
  readonly elector: LeaderElector | undefined;
  /**
   * CloudOrganizations (Shadow IT discovery): cluster-scoped, so only an operator that
   * watches every namespace runs it; undefined with CLOUDPOSTURE_WATCH_NAMESPACE set.
   */
  readonly organizations: OrganizationController | undefined;
  /** Appends evidence records when CLOUDPOSTURE_EVIDENCE_BUCKET is set. */
  readonly evidence: EvidenceWriter | undefined;
  /** The shard Leases this replica holds (CLOUDPOSTURE_SHARDS > 1); undefined: leader election or none. */
  readonly shards: ShardOwnership | undefined;
  private readonly accountShards: AccountShards;
  private started = false;
  private working = false;

  constructor(private readonly options: ManagerOptions) {
    const { config, log, metrics, kubeConfig } = options;
    const api = options.api ?? new KubeApi(kubeConfig, config.instanceName, config.kubeRequestTimeoutMs, config.operatorNamespace);
    const namespace = config.watchNamespace;
    this.accountShards = new AccountShards(config.shards);
    const reflectorTimings = {
      resyncPeriodMs: config.resyncPeriodMs,
      staleAfterMs: config.watchStaleAfterMs,
      listTimeoutMs: config.kubeRequestTimeoutMs,
      log,
    };
    this.queue = new WorkQueue({
      concurrency: config.concurrency,
      backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
      onDepthChange: (depth) => metrics.queueDepth.set(depth),
      onResult: (_key, result, durationMs) => {
        if (result.kind === 'done' && result.dropped) return; // another replica's shard: nothing ran
        const label = result.kind === 'done' ? 'success' : result.kind === 'retry' ? 'requeue' : result.kind;
        metrics.reconcileTotal.inc({ result: label });
        metrics.reconcileDuration.observe({ result: label }, durationMs / 1000);
        if (result.kind === 'error') log.error('reconcile failed', { error: String(result.error) });
      },
    });
    this.services = new Reflector<CloudService>(kubeConfig, {
      name: 'cloudservices',
      path: namespace
        ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${SERVICE_PLURAL}`
        : `/apis/${GROUP}/${VERSION}/${SERVICE_PLURAL}`,
      // In pages, each kept (projected) as it arrives: a relist never holds every service whole.
      list: (signal) => api.listServices(namespace, { signal, pageSize: SERVICE_LIST_PAGE, keep: (s) => this.services.keep(s) }),
      // Sharded: another replica's services are kept as their routing fields (service-projection.ts).
      project: (service) => (this.shards && !this.ownsService(service) ? projectForeignService(service) : service),
      onChange: (key, object, previous) => {
        // A SaaS app declared, changed or undeclared: the organisations compare again.
        if (saasAppIdOf(object) !== saasAppIdOf(previous)) this.organizations?.accountsChanged();
        if (!object) this.queue.forget(key);
        else if (previous && onlyStatusChanged(previous, object)) return; // our own status write
        if (!this.shards) {
          this.queue.add(key);
          return;
        }
        // Sharded: reconciled where its shard is held; a deleted one where it was (its series go there).
        if (object ? this.ownsService(object) : previous !== undefined && this.ownsService(previous)) {
          this.queue.add(key);
        } else if (object && previous && this.ownsService(previous)) {
          // Its account reference moved it to another replica's shard: its waits and series here go.
          this.queue.forget(key);
          options.metrics.forgetService({ namespace: object.metadata.namespace ?? '', service: object.metadata.name ?? '' });
        }
      },
      ...reflectorTimings,
    });
    this.policies = new Reflector<CloudSecurityPolicy>(kubeConfig, {
      name: 'cloudsecuritypolicies',
      path: `/apis/${GROUP}/${VERSION}/${POLICY_PLURAL}`,
      list: (signal) => api.listPolicies({ signal }),
      // The policy is the rulebook of every service: a change re-evaluates all of them.
      onChange: (key) => {
        if (key !== config.policyName) return;
        for (const service of this.services.list()) this.enqueueService(service);
      },
      ...reflectorTimings,
    });
    this.accountQueue = new WorkQueue({
      concurrency: ACCOUNT_CHECK_CONCURRENCY,
      backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
      onResult: (_key, result) => {
        if (result.kind === 'error') log.error('cloudaccount check failed', { error: String(result.error) });
      },
    });
    this.accounts = new Reflector<CloudAccount>(kubeConfig, {
      name: 'cloudaccounts',
      path: `/apis/${GROUP}/${VERSION}/${ACCOUNT_PLURAL}`,
      list: (signal) => api.listAccounts({ signal }),
      onChange: (key, object, previous) => {
        const statusOnly = previous !== undefined && object !== undefined && onlyStatusChanged(previous, object);
        // Our own status write needs no new check; it matters to the services only when
        // the account became reachable or unreachable (e.g. its Secret was fixed).
        if (statusOnly && readyOf(previous) === readyOf(object)) return;
        // Declared ids changed, or the account an organisation is read through became (un)reachable.
        this.organizations?.accountsChanged();
        const owned = !this.shards || this.shards.owns(this.accountShards.of(key));
        if (!statusOnly) {
          if (object && owned && this.checksAccount(object)) this.accountQueue.add(key);
          else this.accountQueue.forget(key);
        }
        // Grants or reachability changed: every service naming the account is judged again
        // (they are all in the account's shard).
        if (!owned) return;
        for (const service of this.services.list()) {
          if (service.spec.accountRef?.name === key) this.queue.add(objectKeyOf(service));
        }
      },
      ...reflectorTimings,
    });
    this.namespaces = new Reflector<NamespaceMeta>(kubeConfig, {
      name: 'namespaces',
      path: '/api/v1/namespaces',
      list: (signal) => api.listNamespaces({ signal }),
      onChange: (key, object, previous) => {
        if (object && previous && canonical(object.metadata.labels ?? {}) === canonical(previous.metadata.labels ?? {})) return;
        // A namespace's labels may admit it to (or drop it from) an account's selector.
        for (const service of this.services.list()) {
          if (service.metadata.namespace === key) this.enqueueService(service);
        }
      },
      ...reflectorTimings,
    });
    const credentials = { api, operatorNamespace: config.operatorNamespace };
    const listOrganization = options.sources.organization;
    this.organizations =
      !namespace && listOrganization
        ? new OrganizationController({
            kubeConfig,
            config,
            api,
            accounts: this.accounts,
            // Read only: the organisation reconciler sees every namespace's services through the same cache.
            services: { list: () => this.services.list() },
            credentials,
            listOrganization,
            metrics,
            log,
            onlyStatusChanged,
            ...(config.shards > 1 ? { admit: () => this.shards?.admit(0) } : {}),
          })
        : undefined;
    this.evidence = createEvidenceWriter(config, metrics, log);
    this.reconciler = new ServiceReconciler({
      api,
      services: this.services,
      policies: this.policies,
      policyName: config.policyName,
      sources: { ...options.sources, targets: createTargetResolver({ accounts: this.accounts, namespaces: this.namespaces }, credentials) },
      requeue: (key) => this.queue.add(key),
      metrics,
      ...(this.evidence ? { evidence: this.evidence } : {}),
      log,
      defaultIntervalMs: config.defaultIntervalMs,
    });
    this.runner = new ReconcileRunner({
      reconcile: (key, signal) => this.reconciler.reconcile(key, signal),
      deadlineMs: config.reconcileTimeoutMs,
      log,
      ...(config.shards > 1 ? { admit: (key: string) => this.admitService(key) } : {}),
    });
    const accountReconciler = new AccountReconciler({
      api,
      accounts: this.accounts,
      credentials,
      probe: options.sources.probe,
      checkIntervalMs: config.accountCheckIntervalMs,
      log,
    });
    this.accountRunner = new ReconcileRunner({
      reconcile: (key, signal) => accountReconciler.reconcile(key, signal),
      deadlineMs: config.reconcileTimeoutMs,
      log,
      ...(config.shards > 1 ? { admit: (key: string) => this.shards?.admit(this.accountShards.of(key)) } : {}),
    });
    if (config.shards > 1) {
      this.shards = new ShardOwnership({
        leases: coordinationLeaseApi(kubeConfig),
        namespace: config.leaderElectionNamespace,
        prefix: config.leaseName,
        identity: config.instanceName,
        shards: config.shards,
        leaseDurationMs: config.leaseDurationMs,
        renewDeadlineMs: config.renewDeadlineMs,
        retryPeriodMs: config.retryPeriodMs,
        requestTimeoutMs: config.kubeRequestTimeoutMs,
        // A reconcile is aborted at its deadline anyway: the hand-over waits no longer.
        drainTimeoutMs: config.reconcileTimeoutMs,
        onGained: (shard) => this.shardGained(shard),
        onLost: (shard) => this.shardLost(shard),
        log,
        registry: metrics.registry,
      });
    } else if (config.leaderElection) {
      this.elector = new LeaderElector(kubeConfig, {
        namespace: config.leaderElectionNamespace,
        name: config.leaseName,
        identity: config.instanceName,
        leaseDurationMs: config.leaseDurationMs,
        renewDeadlineMs: config.renewDeadlineMs,
        retryPeriodMs: config.retryPeriodMs,
        requestTimeoutMs: config.kubeRequestTimeoutMs,
        log,
        onStartedLeading: () => this.startWorking(),
        onStoppedLeading: () => this.stopLeading(),
      });
    }
  }

  /** True while this replica reconciles (always, without leader election). */
  get isLeader(): boolean {
    return this.working;
  }

  get ready(): boolean {
    return this.started && [this.services, this.policies, this.accounts, this.namespaces, ...this.organizationReflector()].every((r) => r.hasSynced);
  }

  /** For /healthz: the watches and, while this replica reconciles, the queue. */
  health(now = Date.now()): Health {
    const { watchStuckAfterMs, queueStuckAfterMs } = this.options.config;
    return judgeHealth(
      {
        now,
        reflectors: [this.policies, this.accounts, this.namespaces, this.services, ...this.organizationReflector()].map((r) => ({ name: r.name, silentForMs: r.silentForMs(now) })),
        ...(this.working ? { queue: { depth: this.queue.depth, progress: this.runner.progress() } } : {}),
      },
      { watchStuckAfterMs, queueStuckAfterMs },
    );
  }

  /** Syncs the policy, account and namespace caches first so the first reconciles see the rulebook and the grants. */
  async start(): Promise<void> {
    await Promise.all([this.policies.start(), this.accounts.start(), this.namespaces.start()]);
    await this.services.start();
    await this.organizations?.organizations.start();
    this.started = true;
    this.options.log.info('manager started', {
      namespace: this.options.config.watchNamespace || '(all)',
      leaderElection: !!this.elector,
      shards: this.options.config.shards,
      // The first lists are done (caches synced): milliseconds since the process started.
      processUptimeMs: Math.round(performance.now()),
    });
    if (this.shards) this.startSharded();
    else if (this.elector) this.elector.start();
    else this.startWorking();
  }

  async stop(graceMs = this.options.config.shutdownGraceMs): Promise<void> {
    for (const reflector of [this.services, this.policies, this.accounts, this.namespaces, ...this.organizationReflector()]) reflector.stop();
    await Promise.all([this.queue.shutdown(graceMs), this.accountQueue.shutdown(graceMs), this.organizations?.queue.shutdown(graceMs)]);
    await this.options.sources.stop?.();
    // After the queue: no reconcile submits any more; appends in flight get the grace.
    await this.evidence?.stop(graceMs);
    // Release only after in-flight writes ended, so the next leader starts clean.
    await this.elector?.stop();
    await this.shards?.stop();
    this.working = false;
    this.options.log.info('manager stopped');
  }

  private startWorking(): void {
    if (this.working || this.runner.fenced) return;
    this.working = true;
    // The caches were filled before leadership: every known service needs a look.
    for (const key of this.services.keys()) this.queue.add(key);
    for (const account of this.accounts.list()) if (this.checksAccount(account)) this.accountQueue.add(account.metadata.name ?? '');
    this.queue.start(this.runner.handler);
    this.accountQueue.start(this.accountRunner.handler);
    this.organizations?.startWorking();
  }

  /** Sharding: the queues run from the start and take the keys of the shards held; a shard gained enqueues its keys. */
  private startSharded(): void {
    this.working = true;
    this.queue.start(this.runner.handler);
    this.accountQueue.start(this.accountRunner.handler);
    this.organizations?.startWorking();
    this.shards?.start();
  }

  private shardOfService(service: CloudService): number {
    return this.accountShards.of(service.spec.accountRef?.name ?? '');
  }

  private ownsService(service: CloudService): boolean {
    return !this.shards || this.shards.owns(this.shardOfService(service));
  }

  private enqueueService(service: CloudService): void {
    if (this.ownsService(service)) this.queue.add(objectKeyOf(service));
  }

  private admitService(key: string): Admission | undefined {
    const service = this.services.get(key);
    return service ? this.shards?.admit(this.shardOfService(service)) : UNSHARDED;
  }

  /** Every service and account of the shard needs a look here now (level-based: the previous owner may have left anything). */
  private shardGained(shard: number): void {
    for (const service of this.services.list()) if (this.shardOfService(service) === shard) this.queue.add(objectKeyOf(service));
    for (const account of this.accounts.list()) {
      const name = account.metadata.name ?? '';
      if (this.accountShards.of(name) === shard && this.checksAccount(account)) this.accountQueue.add(name);
    }
    if (shard === 0) this.organizations?.accountsChanged();
  }

  /** Another replica reconciles the shard now: its pending keys, series and cached inventory go from this one. */
  private shardLost(shard: number): void {
    for (const service of this.services.list()) {
      if (this.shardOfService(service) !== shard) continue;
      this.queue.forget(objectKeyOf(service));
      this.options.metrics.forgetService({ namespace: service.metadata.namespace ?? '', service: service.metadata.name ?? '' });
    }
    for (const account of this.accounts.list()) {
      const name = account.metadata.name ?? '';
      if (this.accountShards.of(name) === shard) this.accountQueue.forget(name);
    }
    this.options.sources.dropAccounts?.((name) => this.accountShards.of(name) === shard);
    this.services.reproject();
    if (shard === 0) this.organizations?.dropAll();
  }

  private organizationReflector(): Reflector<CloudOrganization>[] {
    return this.organizations ? [this.organizations.organizations] : [];
  }

  /**
   * An operator limited to one namespace checks (and writes the status of) only the
   * accounts that admit it: the others belong to the operators of other namespaces.
   */
  private checksAccount(account: CloudAccount): boolean {
    const watched = this.options.config.watchNamespace;
    return !watched || admitsNamespace(account.spec, watched, labelsOf(this.namespaces.get(watched)));
  }

  /** The renew deadline passed: another replica may lead soon, so nothing of ours may write from now on. */
  private stopLeading(): void {
    this.runner.fence('leadership lost');
    this.accountRunner.fence('leadership lost');
    this.organizations?.runner.fence('leadership lost');
    this.working = false;
    // Running attempts were aborted above; the queues let go of them within the runners' grace.
    void Promise.all([this.queue.shutdown(0), this.accountQueue.shutdown(0), this.organizations?.queue.shutdown(0)]).then(() => {
      this.options.log.info('reconciling stopped', { reason: 'leadership lost' });
      this.options.onLostLeadership?.();
    });
  }
}

/**
 * Like controller-runtime's GenerationChangedPredicate, plus labels, annotations and
 * deletion: a status-only update (most often the operator's own write) needs no reconcile.
 */
export function onlyStatusChanged(previous: { metadata: ObjectMetaLite }, next: { metadata: ObjectMetaLite }): boolean {
  const a = previous.metadata;
  const b = next.metadata;
  return (
    a.generation === b.generation &&
    a.deletionTimestamp === b.deletionTimestamp &&
    canonical(a.labels ?? {}) === canonical(b.labels ?? {}) &&
    canonical(a.annotations ?? {}) === canonical(b.annotations ?? {})
  );
}
