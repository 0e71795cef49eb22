// The CloudOrganization part of the manager: its reflector, a small work queue, the
// runner (deadline, fencing) and the reconciler. Organisations are cluster-scoped: the
// manager builds this only when the operator watches every namespace, and starts its
// queue only while this replica leads, like the others.

import type { KubeConfig } from '@kubernetes/client-node';
import type { CloudAccount, CloudOrganization, CloudService } from '../api/types.js';
import type { OperatorConfig } from '../config.js';
import { GROUP, ORGANIZATION_PLURAL, VERSION, type KubeApi } from '../kube/api.js';
import { Reflector } from '../kube/reflector.js';
import type { Logger } from '../log.js';
import type { OperatorMetrics } from '../metrics.js';
import type { CredentialsReader } from './credentials.js';
import { OrganizationReconciler } from './organization-reconciler.js';
import type { OrganizationSource } from './organization-source.js';
import { ReconcileRunner, type Admission } from './reconcile-runner.js';
import { WorkQueue } from './workqueue.js';

/** Organisation listings at once (each is a few paged calls; Organizations throttles early). */
const ORGANIZATION_CONCURRENCY = 1;

export interface OrganizationControllerOptions {
  kubeConfig: KubeConfig;
  config: OperatorConfig;
  api: KubeApi;
  /** The manager's CloudAccount cache (declared ids, and the account read through). */
  accounts: Reflector<CloudAccount>;
  /** The manager's CloudService cache of every namespace, read only (SaaS application ids declared). */
  services: { list(): readonly CloudService[] };
  credentials: CredentialsReader;
  listOrganization: OrganizationSource;
  metrics: OperatorMetrics;
  log: Logger;
  /** True for a status-only update (the operator's own write). */
  onlyStatusChanged: (previous: CloudOrganization, next: CloudOrganization) => boolean;
  /** Sharding: organisations are reconciled by the owner of shard 0 only (the runner's admission). */
  admit?: (key: string) => Admission | undefined;
}

export class OrganizationController {
  readonly organizations: Reflector<CloudOrganization>;
  readonly queue: WorkQueue;
  readonly runner: ReconcileRunner;
  readonly reconciler: OrganizationReconciler;

  constructor(options: OrganizationControllerOptions) {
    const { config, log, api } = options;
    this.queue = new WorkQueue({
      concurrency: ORGANIZATION_CONCURRENCY,
      backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
      onResult: (_key, result) => {
        if (result.kind === 'error') log.error('cloudorganization check failed', { error: String(result.error) });
      },
    });
    this.reconciler = new OrganizationReconciler({
      api,
      organizations: { get: (name) => this.organizations.get(name) },
      accounts: options.accounts,
      services: options.services,
      credentials: options.credentials,
      listOrganization: options.listOrganization,
      metrics: options.metrics,
      log,
    });
    this.organizations = new Reflector<CloudOrganization>(options.kubeConfig, {
      name: 'cloudorganizations',
      path: `/apis/${GROUP}/${VERSION}/${ORGANIZATION_PLURAL}`,
      list: (signal) => api.listOrganizations({ signal }),
      onChange: (key, object, previous) => {
        if (!object) {
          this.queue.forget(key);
          this.reconciler.forget(key);
          return;
        }
        if (previous && options.onlyStatusChanged(previous, object)) return;
        this.queue.add(key);
      },
      resyncPeriodMs: config.resyncPeriodMs,
      staleAfterMs: config.watchStaleAfterMs,
      listTimeoutMs: config.kubeRequestTimeoutMs,
      log,
    });
    this.runner = new ReconcileRunner({
      reconcile: (key, signal) => this.reconciler.reconcile(key, signal),
      deadlineMs: config.reconcileTimeoutMs,
      log,
      ...(options.admit ? { admit: options.admit } : {}),
    });
  }

  /**
   * A CloudAccount was declared, changed or removed (or became reachable), or a SaaS
   * CloudService's application id changed: compare every organisation again (the last
   * listing is reused within its interval: no cloud call).
   */
  accountsChanged(): void {
    for (const key of this.organizations.keys()) this.queue.add(key);
  }

  /** Another replica reconciles the organisations now (sharding: shard 0 lost): drop their series and waits. */
  dropAll(): void {
    for (const key of this.organizations.keys()) {
      this.queue.forget(key);
      this.reconciler.forget(key);
    }
  }

  /** Leadership gained: every known organisation needs a look. */
  startWorking(): void {
    for (const key of this.organizations.keys()) this.queue.add(key);
    this.queue.start(this.runner.handler);
  }
}
