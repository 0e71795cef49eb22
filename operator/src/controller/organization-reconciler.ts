// Reconciles one CloudOrganization (Shadow IT, issue 15): lists the organisation through
// the CloudAccount it names (the account's own target and credentials, nothing else),
// compares what is active with what every CloudAccount and SaaS CloudService declares (controls/
// undeclared-services.ts decides), and publishes the result: status (bounded list,
// Ready, AllServicesDeclared), one UndeclaredServiceFound Event per newly found item,
// and `cloudposture_undeclared_services{organization,kind}`.
//
// "Newly found" is decided from the previous pass: the full list kept in memory, or
// after a restart the list in status. The last listing is kept too, so a change to a
// CloudAccount (an account declared) is compared again at once without a cloud call;
// the organisation is listed again once per interval (with jitter) or when its spec
// changes.

import { parseDuration } from '../api/duration.js';
import type { CloudAccount, CloudOrganization, CloudOrganizationStatus, CloudService, Condition, Provider } from '../api/types.js';
import {
  declaredIdsOf,
  detailsNote,
  undeclaredServices,
  type DeclaredIds,
  type PreviousUndeclared,
  type UndeclaredItem,
  type UndeclaredOutcome,
} from '../controls/undeclared-services.js';
import { DISCOVERED_KINDS, LISTED_KINDS, MAX_CONSENT_SCOPES, type DiscoveredKind, type OrganizationListing } from '../inventory/organization.js';
import type { KubeApi } from '../kube/api.js';
import { statusCode } from '../kube/api.js';
import { rfc3339, setStatusCondition } from '../kube/conditions.js';
import { changedOrDue } from '../kube/status.js';
import type { Logger } from '../log.js';
import type { OperatorMetrics } from '../metrics.js';
import { accountTarget } from './account-target.js';
import { readAccountCredentials, type CredentialsReader } from './credentials.js';
import type { ObjectStore } from './object-store.js';
import { failedListing, type OrganizationSource } from './organization-source.js';
import type { ReconcileResult } from './workqueue.js';

/** Bound of status.undeclared (the CRD's maxItems); the rest is counted in undeclaredOmitted. */
export const MAX_UNDECLARED_IN_STATUS = 200;
/** UndeclaredServiceFound Events per pass; more appearing at once get one summary Event. */
export const MAX_EVENTS_PER_PASS = 10;
/** Default of spec.interval (the CRD's default). */
const DEFAULT_INTERVAL = '1h';
/** A pass that could not read the organisation is tried again this soon (or at the interval, if shorter). */
const RETRY_FAILED_AFTER_MS = 5 * 60_000;
const MESSAGE_MAX = 1024;
/** Kubernetes records Events of cluster-scoped objects in the default namespace. */
export const CLUSTER_EVENT_NAMESPACE = 'default';
export const UNDECLARED_EVENT_REASON = 'UndeclaredServiceFound';

export interface OrganizationReconcilerDeps {
  api: Pick<KubeApi, 'patchOrganizationStatus' | 'createEvent'>;
  organizations: ObjectStore<CloudOrganization>;
  /** Every CloudAccount (the declared ids); the one named by spec.accountRef is read through. */
  accounts: ObjectStore<CloudAccount> & { list(): CloudAccount[] };
  /**
   * Every CloudService of every namespace, read only (the manager's cache): the Entra
   * application ids SaaS services declare (spec.saas.entraApplicationId). No API call.
   */
  services?: { list(): readonly CloudService[] };
  credentials: CredentialsReader;
  listOrganization: OrganizationSource;
  metrics: Pick<OperatorMetrics, 'undeclaredServices'>;
  log: Logger;
  clock?: () => Date;
  /** 0..1, for the interval's jitter (tests fix it). */
  random?: () => number;
}

/** What the last pass of one organisation left, in memory. */
interface Memory {
  uid: string | undefined;
  generation: number;
  accountName: string;
  /** The last complete listing, reused until `dueAt` when only the declarations changed. */
  listing: OrganizationListing | undefined;
  dueAt: number;
  /** Every undeclared item of the last published pass, beyond the status bound too. */
  undeclared: UndeclaredItem[];
  /** Kinds whose gauge series were written. */
  kinds: readonly DiscoveredKind[];
}

type Readiness = { status: 'True' | 'False'; reason: string; message: string };

export class OrganizationReconciler {
  private readonly clock: () => Date;
  private readonly random: () => number;
  private readonly memory = new Map<string, Memory>();

  constructor(private readonly deps: OrganizationReconcilerDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.random = deps.random ?? Math.random;
  }

  async reconcile(name: string, signal: AbortSignal): Promise<ReconcileResult> {
    const organization = this.deps.organizations.get(name);
    if (!organization) {
      this.forget(name);
      return { kind: 'done' };
    }
    const intervalMs = intervalOf(organization);
    const generation = organization.metadata.generation ?? 0;
    const accountName = organization.spec.accountRef.name;
    const remembered = this.memory.get(name);
    const memory = remembered && remembered.uid === organization.metadata.uid ? remembered : undefined;
    const reuse = memory?.listing && memory.generation === generation && memory.accountName === accountName && this.clock().getTime() < memory.dueAt;

    const account = this.deps.accounts.get(accountName);
    const provider: Provider | undefined = account?.spec.provider ?? organization.status?.provider;
    let listing: OrganizationListing;
    let readiness: Readiness;
    let listed: OrganizationListing | undefined;
    if (reuse && memory?.listing) {
      listing = memory.listing;
      listed = listing;
      readiness = readinessOf(listing);
    } else {
      const read = await this.list(account, accountName, provider, signal);
      listing = read.listing;
      readiness = read.readiness;
      listed = readiness.status === 'True' ? listing : undefined;
    }

    const now = this.clock();
    const truncatedBefore = !memory && (organization.status?.undeclaredOmitted ?? 0) > 0;
    const previous: readonly PreviousUndeclared[] = memory?.undeclared ?? organization.status?.undeclared ?? [];
    const outcome = undeclaredServices({
      listing,
      declared: this.declared(organization),
      previous,
      now,
    });
    const status = statusOf(organization, provider, listing, readiness, outcome, now);
    if (changedOrDue(organization.status, status, 'lastCheckedAt', intervalMs, now)) {
      try {
        await this.deps.api.patchOrganizationStatus(name, status);
      } catch (error) {
        if (statusCode(error) === 404) return { kind: 'done' };
        this.deps.log.warn('cloudorganization status not written', { organization: name, code: statusCode(error) });
        return { kind: 'retry', reason: 'StatusWriteFailed' };
      }
    }
    // Published: from here the pass is the previous one of the next.
    const kinds = provider ? LISTED_KINDS[provider] : DISCOVERED_KINDS;
    this.publishMetrics(name, kinds, outcome, memory?.kinds ?? []);
    // After a restart with a truncated list, what status omitted cannot be told from
    // what is new: that one pass announces nothing (status and metric stay exact).
    const appeared = truncatedBefore ? [] : outcome.appeared;
    await this.announce(organization, listing, appeared);
    const failedRetryMs = Math.min(intervalMs, RETRY_FAILED_AFTER_MS);
    const dueAt = reuse && memory ? memory.dueAt : now.getTime() + (listed ? Math.round(intervalMs * (0.9 + this.random() * 0.2)) : failedRetryMs);
    this.memory.set(name, { uid: organization.metadata.uid, generation, accountName, listing: listed, dueAt, undeclared: outcome.undeclared, kinds });
    this.deps.log.info('cloudorganization checked', {
      organization: name,
      ready: readiness.reason,
      allDeclared: outcome.condition.status,
      undeclared: outcome.undeclared.length,
      appeared: appeared.length,
      listed: !reuse,
      apiCalls: reuse ? 0 : listing.apiCalls,
    });
    return { kind: 'done', requeueAfterMs: Math.max(1000, dueAt - now.getTime()) };
  }

  /** Drops what is remembered of a deleted organisation, and its series. */
  forget(name: string): void {
    const memory = this.memory.get(name);
    for (const kind of memory?.kinds ?? DISCOVERED_KINDS) this.deps.metrics.undeclaredServices.remove({ organization: name, kind });
    this.memory.delete(name);
  }

  /** One listing pass through the named account, as the operator reaches that account. */
  private async list(account: CloudAccount | undefined, accountName: string, provider: Provider | undefined, signal: AbortSignal): Promise<{ listing: OrganizationListing; readiness: Readiness }> {
    const failed = (reason: string, message: string) => {
      const now = this.clock();
      const listing = provider ? failedListing(provider, reason, message, now) : { ...failedListing('aws', reason, message, now), gaps: allKindGaps(reason, message) };
      return { listing, readiness: { status: 'False' as const, reason, message: message.slice(0, MESSAGE_MAX) } };
    };
    if (!account) return failed('CloudAccountNotFound', `CloudAccount ${accountName} does not exist`);
    const target = accountTarget(account);
    const credentials = await readAccountCredentials(this.deps.credentials, account, target);
    // The organisation belongs to the platform team, who also own the account: the detail is theirs.
    if (credentials) return failed(credentials.reason, credentials.detail);
    const listing = await this.deps.listOrganization(target, signal);
    return { listing, readiness: readinessOf(listing) };
  }

  /** What counts as declared: every CloudAccount's id, every SaaS CloudService's application id, and what spec.ignore accepts. */
  private declared(organization: CloudOrganization): DeclaredIds {
    const fromAccounts = declaredIdsOf(this.deps.accounts.list(), this.deps.services?.list() ?? []);
    const ids: Record<DiscoveredKind, string[]> = { account: [], subscription: [], 'saas-app': [] };
    for (const kind of DISCOVERED_KINDS) ids[kind].push(...(fromAccounts[kind] ?? []));
    for (const entry of organization.spec.ignore ?? []) ids[entry.kind].push(entry.id);
    return ids;
  }

  private publishMetrics(name: string, kinds: readonly DiscoveredKind[], outcome: UndeclaredOutcome, before: readonly DiscoveredKind[]): void {
    const gauge = this.deps.metrics.undeclaredServices;
    for (const kind of before) if (!kinds.includes(kind)) gauge.remove({ organization: name, kind });
    for (const kind of kinds) gauge.set({ organization: name, kind }, outcome.counts[kind]);
  }

  /** One Warning Event per newly undeclared item (bounded per pass); a failed Event is logged, never retried. */
  private async announce(organization: CloudOrganization, listing: OrganizationListing, appeared: readonly UndeclaredItem[]): Promise<void> {
    if (appeared.length === 0) return;
    const name = organization.metadata.name ?? '';
    const where = listing.organizationId ? `organisation ${listing.organizationId}` : 'the organisation';
    const messages = appeared.slice(0, MAX_EVENTS_PER_PASS).map(
      (item) =>
        `${item.kind} ${item.id} "${item.name}" (${item.pathNames ?? item.path ?? 'path unknown'}, ${item.providerStatus}) is in ${where} and nothing declares it: ` +
        'declare it (a CloudAccount or CloudService), close it, or accept it in spec.ignore with a reason',
    );
    const rest = appeared.length - messages.length;
    if (rest > 0) messages.push(`${rest} more undeclared item${rest === 1 ? '' : 's'} found in ${where} in this pass: see status.undeclared`);
    const involved = {
      kind: 'CloudOrganization',
      apiVersion: organization.apiVersion ?? 'cloudposture.io/v1alpha1',
      name,
      ...(organization.metadata.uid ? { uid: organization.metadata.uid } : {}),
      ...(organization.metadata.resourceVersion ? { resourceVersion: organization.metadata.resourceVersion } : {}),
    };
    for (const message of messages) {
      try {
        await this.deps.api.createEvent(
          { namespace: CLUSTER_EVENT_NAMESPACE, involved, type: 'Warning', reason: UNDECLARED_EVENT_REASON, message, action: 'Discover' },
          this.clock(),
        );
      } catch (error) {
        this.deps.log.warn('event not recorded', { organization: name, reason: UNDECLARED_EVENT_REASON, code: statusCode(error) });
      }
    }
  }
}

function intervalOf(organization: CloudOrganization): number {
  try {
    return parseDuration(organization.spec.interval ?? DEFAULT_INTERVAL);
  } catch {
    return parseDuration(DEFAULT_INTERVAL);
  }
}

function allKindGaps(reason: string, message: string): OrganizationListing['gaps'] {
  return DISCOVERED_KINDS.map((kind) => ({ kind, area: 'list' as const, reason, message }));
}

/**
 * Ready: the listing was read completely. A `path` gap only leaves where items sit
 * unknown, a `details` gap some facts about them (a state, an app's consents): both are
 * named in the message, neither makes the listing incomplete.
 */
function readinessOf(listing: OrganizationListing): Readiness {
  const gap = listing.gaps.find((g) => g.area === 'list');
  if (gap) return { status: 'False', reason: gap.reason, message: `the ${gap.kind} listing is incomplete: ${gap.message}`.slice(0, MESSAGE_MAX) };
  const pathGap = listing.gaps.find((g) => g.area === 'path');
  const detailGaps = listing.gaps.filter((g) => g.area === 'details');
  const of = listing.organizationId ? ` of ${listing.organizationId}` : '';
  const note = pathGap ? `; where they sit is unknown (${pathGap.reason}: ${pathGap.message})` : '';
  const details = detailGaps.length > 0 ? `. ${detailsNote(detailGaps)}` : '';
  return { status: 'True', reason: 'Listed', message: `listed ${listing.items.length} items${of}${note}${details}`.slice(0, MESSAGE_MAX) };
}

/** The status of this pass; status.undeclared keeps the most recently found items up to the bound. */
export function statusOf(
  organization: CloudOrganization,
  provider: Provider | undefined,
  listing: OrganizationListing,
  readiness: Readiness,
  outcome: UndeclaredOutcome,
  now: Date,
): CloudOrganizationStatus {
  const generation = organization.metadata.generation ?? 0;
  const previous = organization.status;
  let conditions: Condition[] = previous?.conditions ?? [];
  conditions = setStatusCondition(conditions, { type: 'Ready', ...readiness, observedGeneration: generation }, now).conditions;
  conditions = setStatusCondition(
    conditions,
    { ...outcome.condition, message: outcome.condition.message.slice(0, MESSAGE_MAX), observedGeneration: generation },
    now,
  ).conditions;
  const kept = [...outcome.undeclared]
    .sort((a, b) => b.firstSeen.localeCompare(a.firstSeen))
    .slice(0, MAX_UNDECLARED_IN_STATUS);
  const keptKeys = new Set(kept.map((u) => `${u.kind}/${u.id}`));
  const undeclared = outcome.undeclared.filter((u) => keptKeys.has(`${u.kind}/${u.id}`)).map(toStatusItem);
  const read = readiness.status === 'True';
  const organizationId = listing.organizationId ?? previous?.organizationId;
  const accounts = read ? listing.items.length : previous?.accounts;
  const readAt = new Date(listing.readAt);
  const lastCheckedAt = rfc3339(Number.isNaN(readAt.getTime()) ? now : readAt);
  return {
    observedGeneration: generation,
    ...(provider ? { provider } : {}),
    lastCheckedAt,
    ...(organizationId ? { organizationId } : {}),
    ...(accounts !== undefined ? { accounts } : {}),
    undeclaredCount: outcome.undeclared.length,
    undeclared,
    undeclaredOmitted: outcome.undeclared.length - undeclared.length,
    conditions: conditions.filter((c) => c.type === 'Ready' || c.type === outcome.condition.type),
  };
}

function toStatusItem(item: UndeclaredItem): NonNullable<CloudOrganizationStatus['undeclared']>[number] {
  return {
    kind: item.kind,
    id: item.id,
    ...(item.name ? { name: item.name.slice(0, 256) } : {}),
    ...(item.path ? { path: item.path.slice(0, 1024) } : {}),
    ...(item.pathNames ? { pathNames: item.pathNames.slice(0, 1024) } : {}),
    status: item.status,
    ...(item.providerStatus ? { providerStatus: item.providerStatus.slice(0, 128) } : {}),
    ...(item.joinedAt && !Number.isNaN(Date.parse(item.joinedAt)) ? { joinedAt: rfc3339(new Date(item.joinedAt)) } : {}),
    ...(item.consent ? { consent: toStatusConsent(item.consent) } : {}),
    firstSeen: rfc3339(new Date(item.firstSeen)),
  };
}

/** A SaaS app's consents within the CRD's bounds (the reader bounds the scopes already). */
function toStatusConsent(c: NonNullable<UndeclaredItem['consent']>): NonNullable<NonNullable<CloudOrganizationStatus['undeclared']>[number]['consent']> {
  const scopes = c.scopes.slice(0, MAX_CONSENT_SCOPES).map((scope) => scope.slice(0, 256));
  const omitted = (c.scopesOmitted ?? 0) + Math.max(0, c.scopes.length - scopes.length);
  const first = c.firstConsentAt ? new Date(c.firstConsentAt) : undefined;
  return {
    publisherTenantId: c.publisherTenantId.slice(0, 64),
    scopes,
    ...(omitted > 0 ? { scopesOmitted: omitted } : {}),
    adminConsent: c.adminConsent,
    consentingUsers: c.consentingUsers,
    appRoleAssignments: c.appRoleAssignments,
    ...(c.appRoleAssignmentsAtLeast ? { appRoleAssignmentsAtLeast: true } : {}),
    ...(first && !Number.isNaN(first.getTime()) ? { firstConsentAt: rfc3339(first) } : {}),
  };
}
