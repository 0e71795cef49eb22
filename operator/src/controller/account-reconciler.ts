// Reconciles one CloudAccount: is it reachable with what it declares? One cheap identity
// call (providers' probe) per check interval, Ready True/False with the reason, the
// external id its role must require, and the admitted namespaces for the printer column.
// Everything said here is for the platform team, who own the CloudAccount (cluster
// scope): tenants' services only learn that the account is unavailable.

import type { CloudAccount, CloudAccountStatus, Condition } from '../api/types.js';
import { rfc3339, setStatusCondition } from '../kube/conditions.js';
import type { KubeApi } from '../kube/api.js';
import { statusCode } from '../kube/api.js';
import { changedOrDue } from '../kube/status.js';
import type { Logger } from '../log.js';
import type { AccountProbe } from '../providers/types.js';
import { describeAdmission } from './account-admission.js';
import { accountTarget, externalIdOf } from './account-target.js';
import { readAccountCredentials, type CredentialsReader } from './credentials.js';
import type { ObjectStore } from './object-store.js';
import type { ReconcileResult } from './workqueue.js';

/** Bound of status.admits (the CRD's maxLength). */
const ADMITS_MAX = 1024;
/** Bound of the Ready message (the CRD allows more; a probe message is one line). */
const MESSAGE_MAX = 1024;

export interface AccountReconcilerDeps {
  api: Pick<KubeApi, 'patchAccountStatus'>;
  accounts: ObjectStore<CloudAccount>;
  credentials: CredentialsReader;
  probe: AccountProbe;
  /** Re-check each account this often (the Ready condition stays current). */
  checkIntervalMs: number;
  log: Logger;
  clock?: () => Date;
}

export class AccountReconciler {
  private readonly clock: () => Date;

  constructor(private readonly deps: AccountReconcilerDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  async reconcile(name: string, signal: AbortSignal): Promise<ReconcileResult> {
    const account = this.deps.accounts.get(name);
    if (!account) return { kind: 'done' };
    const ready = await this.check(account, signal);
    const now = this.clock();
    const status = this.statusOf(account, ready, now);
    if (changedOrDue(account.status, status, 'checkedAt', this.deps.checkIntervalMs, now)) {
      try {
        await this.deps.api.patchAccountStatus(name, status);
      } catch (error) {
        if (statusCode(error) === 404) return { kind: 'done' };
        this.deps.log.warn('cloudaccount status not written', { account: name, code: statusCode(error) });
        return { kind: 'retry', reason: 'StatusWriteFailed' };
      }
    }
    this.deps.log.info('cloudaccount checked', { account: name, ready: ready.status, reason: ready.reason });
    return { kind: 'done', requeueAfterMs: this.deps.checkIntervalMs };
  }

  private async check(account: CloudAccount, signal: AbortSignal): Promise<{ status: 'True' | 'False' | 'Unknown'; reason: string; message: string }> {
    const target = accountTarget(account);
    const credentials = await readAccountCredentials(this.deps.credentials, account, target);
    if (credentials) {
      return { status: credentials.reason === 'CredentialsUnreadable' ? 'Unknown' : 'False', reason: credentials.reason, message: credentials.detail };
    }
    const probed = await this.deps.probe(target, signal);
    if (probed.ok) return { status: 'True', reason: 'Reachable', message: `read as ${probed.principal}`.slice(0, MESSAGE_MAX) };
    return { status: 'False', reason: probed.failure.reason, message: probed.failure.message.slice(0, MESSAGE_MAX) };
  }

  private statusOf(account: CloudAccount, ready: { status: 'True' | 'False' | 'Unknown'; reason: string; message: string }, now: Date): CloudAccountStatus {
    const generation = account.metadata.generation ?? 0;
    const conditions: Condition[] = setStatusCondition(account.status?.conditions ?? [], { type: 'Ready', ...ready, observedGeneration: generation }, now).conditions;
    const externalId = account.spec.provider === 'aws' ? externalIdOf(account) : undefined;
    const accountId = account.spec.aws?.accountId ?? account.spec.azure?.subscriptionId;
    return {
      observedGeneration: generation,
      ...(accountId ? { accountId } : {}),
      admits: describeAdmission(account.spec).slice(0, ADMITS_MAX),
      ...(externalId ? { externalId } : {}),
      checkedAt: rfc3339(now),
      conditions: conditions.filter((c) => c.type === 'Ready'),
    };
  }
}
