// The Azure / Microsoft Entra ID collector: reads one subscription and its tenant
// (read-only) into the provider-neutral Inventory, one module per area (identities via
// Graph, resources, policy, diagnostic settings), and the subscription's Activity Log
// for ChangesTracked (activity-log.ts). It never decides compliance.
//
// Cost model: a fixed set of list calls whatever the number of users or resources,
// each followed through its nextLink pages:
//   Graph  userRegistrationDetails (report), roleDefinitions, roleAssignments?$expand=principal,
//          groups/{id}/transitiveMembers per group holding a writing Azure role (paced, capped),
//          directoryObjects/getByIds per 1000 principals with a writing Azure role outside the
//          registration report (service principals, managed identities; paced, capped)
//   ARM    resources.list, storageAccounts.list, disks.list, snapshots.list,
//          policyAssignments.list($filter=atScope()), subscription diagnosticSettings.list,
//          roleAssignments.listForSubscription, roleDefinitions.list (+ a get per unlisted definition, capped),
//          plus one policySetDefinitions get per distinct initiative assigned (capped),
//          Customer Lockbox tenantOptedIn and requests, and the Activity Log for who answered
//          them only when there are requests (lockbox.ts, page-bounded)
// Tokens come from the credential's cache (about one token request per hour and audience).
// Graph's identity and access reports are paced per tenant by one gate per collector:
// use one collector for every collection and change-log read.

import type { TokenCredential } from '@azure/identity';

import type { DiscoveryGap, OrganizationListing } from '../../inventory/organization.js';
import type { CollectionFailure, InventoryResult } from '../../inventory/types.js';
import { ApiCallRecorder } from '../collection-log.js';
import { assembleInventory, FatalCollection, runCollection } from '../collection.js';
import { withProviderAccess } from '../provider-access.js';
import type { AccountProbeResult, ApiCallHook, ChangeQuery, ChangeReadResult, CloudProvider, CollectTarget } from '../types.js';
import { readActivityLogChanges, readSignIns, signInFilter } from './activity-log.js';
import { AnswerLog } from '../answers.js';
import { AZURE_ANSWER_AREAS, AZURE_COLLECTION_ANSWER_AREAS, answeringPolicy, armOperation, countingPolicy, tokenCountingPolicy } from './calls.js';
import {
  AZURE_GRAPH_ENDPOINT_ENV,
  AZURE_RESOURCE_MANAGER_ENDPOINT_ENV,
  DEFAULT_GRAPH_ENDPOINT,
  DEFAULT_RESOURCE_MANAGER_ENDPOINT,
  createArmClients,
  defaultScope,
  resolveEndpoint,
  type ArmClients,
} from './clients.js';
import { AzureCollection, FATAL_REASONS } from './context.js';
import { CredentialCache, SharedTokenCredential } from './credentials.js';
import { readDiagnosticSettings, trailsFromRead } from './diagnostics.js';
import { classifyAzureError } from './errors.js';
import { GraphReader, SlidingWindowGate } from './graph.js';
import { readIdentities, type IdentityFacts } from './identities.js';
import { readLockbox } from './lockbox.js';
import { addLogDelivery } from './log-delivery.js';
import { readAzureOrganization, type AzureOrganizationLimits } from './organization.js';
import { guardrailsFromRead, readPolicy } from './policy.js';
import { readResourceLists, resourcesFromLists } from './resources.js';

type Env = Record<string, string | undefined>;

export interface AzureCollectorOptions {
  /** Resource Manager endpoint (default `$CLOUDPOSTURE_AZURE_RESOURCE_MANAGER_ENDPOINT`, else https://management.azure.com). */
  resourceManagerEndpoint?: string;
  /** Microsoft Graph endpoint (default `$CLOUDPOSTURE_AZURE_GRAPH_ENDPOINT`, else https://graph.microsoft.com). */
  graphEndpoint?: string;
  /** Microsoft Entra token authority (default `$AZURE_AUTHORITY_HOST`, else the SDK's public cloud). */
  authorityHost?: string;
  /** Called once per API attempt: wire to `cloudposture_cloud_api_calls_total`. */
  onApiCall?: ApiCallHook;
  /**
   * A credential for every target (tests, custom wiring). A target's own Secret
   * (`azureCredentials`) still wins; without either, the credential chain applies.
   */
  credential?: TokenCredential;
  /** Environment for the credential chain and endpoint defaults (default `process.env`). */
  env?: Env;
  /** Retries per call after the first attempt (default 3). */
  maxRetries?: number;
  /** Base retry delay without Retry-After (default 1 s). */
  retryDelayMs?: number;
  /** Upper bound of one retry wait, Retry-After included (default 60 s). */
  maxRetryDelayMs?: number;
  /** Per Graph attempt (default 30 s). */
  requestTimeoutMs?: number;
  /** Pace of the Graph identity and access reports per tenant (default 5 per 10 s). */
  reportRate?: { max: number; windowMs: number };
  /** Groups holding a writing Azure role whose members are resolved per collection (default 50); more leave privilege Unknown. */
  maxPrivilegedGroups?: number;
  /** Principals with a writing Azure role outside the registration report resolved per collection (getByIds, default 5000); more leave privilege Unknown. */
  maxPrincipalLookups?: number;
  /** Initiatives read per collection to find guardrails inside them (default 20). */
  maxPolicySetLookups?: number;
  /** Injected clock. */
  now?: () => Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type AzureAccount = NonNullable<CollectTarget['account']['azure']>;

/**
 * Reads Azure subscriptions and their tenants. Construct once per operator and use the
 * same instance for collect and readChanges: the Graph report pacing is per tenant
 * inside it.
 */
export class AzureCollector implements CloudProvider {
  private readonly env: Env;
  private readonly credentials = new CredentialCache();
  /** Graph report requests, per tenant (about 5 per 10 s are allowed). */
  private readonly reportGate: SlidingWindowGate;
  private readonly tokenPolicy;
  private readonly injected: TokenCredential | undefined;

  constructor(private readonly opts: AzureCollectorOptions = {}) {
    this.injected = opts.credential ? new SharedTokenCredential(opts.credential) : undefined;
    this.env = opts.env ?? process.env;
    this.reportGate = new SlidingWindowGate(opts.reportRate?.max ?? 5, opts.reportRate?.windowMs ?? 10_000);
    this.tokenPolicy = tokenCountingPolicy(opts.onApiCall);
  }

  /** The credential for a target and the secrets to redact. */
  private credentialOf(target: CollectTarget): { credential: TokenCredential; secrets: string[] } {
    const azure = target.account.azure!;
    if (target.azureCredentials) {
      return this.credentials.resolve({
        tenantId: azure.tenantId,
        secret: target.azureCredentials,
        authorityHost: this.opts.authorityHost,
        env: this.env,
        additionalPolicies: [this.tokenPolicy],
      });
    }
    if (this.injected) return { credential: this.injected, secrets: [] };
    return this.credentials.resolve({
      tenantId: azure.tenantId,
      ...(azure.clientId ? { clientId: azure.clientId } : {}),
      authorityHost: this.opts.authorityHost,
      env: this.env,
      additionalPolicies: [this.tokenPolicy],
    });
  }

  /** The target's credential, or why there is none (never throws). */
  private credentialFor(target: CollectTarget): { ok: true; credential: TokenCredential; secrets: string[] } | { ok: false; failure: CollectionFailure } {
    try {
      return { ok: true, ...this.credentialOf(target) };
    } catch (err) {
      const c = classifyAzureError(err);
      return { ok: false, failure: { reason: c.reason === 'CollectionError' ? 'CredentialsInvalid' : c.reason, message: c.message } };
    }
  }

  private checkTarget(target: CollectTarget): { ok: true; azure: AzureAccount } | { ok: false; failure: CollectionFailure } {
    const azure = target.account.azure;
    if (target.provider !== 'azure' || !azure) {
      return { ok: false, failure: { reason: 'InvalidAccount', message: 'the CloudAccount spec.azure (tenantId, subscriptionId) is required' } };
    }
    if (!UUID.test(azure.subscriptionId) || !UUID.test(azure.tenantId)) {
      return { ok: false, failure: { reason: 'InvalidAccount', message: 'tenantId and subscriptionId must be UUIDs' } };
    }
    const secretTenant = target.azureCredentials?.tenantId;
    if (secretTenant && secretTenant.toLowerCase() !== azure.tenantId.toLowerCase()) {
      return {
        ok: false,
        failure: { reason: 'CredentialsInvalid', message: `the credentials Secret is for tenant ${secretTenant}, the CloudAccount spec.azure.tenantId is ${azure.tenantId}` },
      };
    }
    return { ok: true, azure };
  }

  /** The Resource Manager or Graph endpoint (explicit option, else environment, else the public cloud). */
  private endpoint(kind: 'arm' | 'graph'): { ok: true; endpoint: string } | { ok: false; failure: CollectionFailure } {
    try {
      const endpoint =
        kind === 'arm'
          ? resolveEndpoint(this.opts.resourceManagerEndpoint, this.env, AZURE_RESOURCE_MANAGER_ENDPOINT_ENV, DEFAULT_RESOURCE_MANAGER_ENDPOINT)
          : resolveEndpoint(this.opts.graphEndpoint, this.env, AZURE_GRAPH_ENDPOINT_ENV, DEFAULT_GRAPH_ENDPOINT);
      return { ok: true, endpoint };
    } catch (err) {
      return { ok: false, failure: { reason: 'InvalidConfiguration', message: (err as Error).message } };
    }
  }

  /** Resource Manager clients that count every attempt with `recorder`. */
  private armClients(credential: TokenCredential, subscriptionId: string, endpoint: string, recorder: ApiCallRecorder, answers?: AnswerLog, areas = AZURE_ANSWER_AREAS): ArmClients {
    return createArmClients(credential, subscriptionId, {
      endpoint,
      counting: countingPolicy('cloudpostureApiCallCounter', armOperation, (op, code) => recorder.record(op, code)),
      ...(answers ? { answering: answeringPolicy(answers, armOperation, areas) } : {}),
      ...this.retryOptions(),
    });
  }

  /** A Graph reader for the tenant: counted with `recorder`, reports paced per tenant. */
  private graphReader(credential: TokenCredential, endpoint: string, tenantId: string, recorder: ApiCallRecorder, signal: AbortSignal, answers?: AnswerLog): GraphReader {
    return new GraphReader({
      endpoint,
      credential,
      scope: defaultScope(new URL(endpoint).origin),
      record: (op, code) => recorder.record(op, code),
      ...(answers ? { answer: (operation: string, status: number, sha256: string) => answers.record({ operation, area: AZURE_ANSWER_AREAS[operation], status, sha256 }) } : {}),
      signal,
      ...this.retryOptions(),
      ...(this.opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: this.opts.requestTimeoutMs } : {}),
      reportGate: (s) => this.reportGate.acquire(tenantId.toLowerCase(), s),
    });
  }

  /** Resource Manager APIs no SDK client of package.json covers, through the Graph reader (apiPath ''). */
  private armReader(credential: TokenCredential, endpoint: string, recorder: ApiCallRecorder, signal: AbortSignal, answers?: AnswerLog): GraphReader {
    return new GraphReader({
      endpoint,
      apiPath: '',
      credential,
      scope: defaultScope(endpoint),
      record: (op, code) => recorder.record(op, code),
      ...(answers ? { answer: (operation: string, status: number, sha256: string) => answers.record({ operation, area: AZURE_COLLECTION_ANSWER_AREAS[operation], status, sha256 }) } : {}),
      signal,
      ...this.retryOptions(),
      ...(this.opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: this.opts.requestTimeoutMs } : {}),
    });
  }

  private retryOptions(): { maxRetries: number; retryDelayMs: number; maxRetryDelayMs: number } {
    return {
      maxRetries: this.opts.maxRetries ?? 3,
      retryDelayMs: this.opts.retryDelayMs ?? 1_000,
      maxRetryDelayMs: this.opts.maxRetryDelayMs ?? 60_000,
    };
  }

  /** ChangesTracked evidence: the subscription's Activity Log in [since, now] (activity-log.ts). Never rejects for service errors. */
  async readChanges(target: CollectTarget, query: ChangeQuery): Promise<ChangeReadResult> {
    const checked = this.checkTarget(target);
    if (!checked.ok) return checked;
    const azure = checked.azure;
    const arm = this.endpoint('arm');
    if (!arm.ok) return arm;
    const resolved = this.credentialFor(target);
    if (!resolved.ok) return resolved;
    const { credential, secrets } = resolved;
    const recorder = new ApiCallRecorder('azure', this.opts.onApiCall);
    // The answers behind ChangesTracked: Activity Log pages and break-glass sign-in reads.
    const answers = new AnswerLog('azure', azure.subscriptionId, this.opts.now ?? (() => new Date()));
    const watched = query.watchedIdentities ?? [];
    const read = await readActivityLogChanges({
      monitor: this.armClients(credential, azure.subscriptionId, arm.endpoint, recorder, answers).monitor,
      subscriptionId: azure.subscriptionId,
      since: query.since,
      now: query.now,
      watchedIdentities: watched,
      secrets,
      ...(query.signal ? { signal: query.signal } : {}),
    });
    const filters = watched.flatMap((identity) => signInFilter(identity, query.since) ?? []);
    if (!read.ok) return read;
    if (filters.length === 0) return { ...read, answers: answers.list() };

    // Break-glass sign-ins: a read that fails leaves ChangesTracked undecided (no "no use" claim).
    const graphEndpoint = this.endpoint('graph');
    if (!graphEndpoint.ok) return graphEndpoint;
    const signal = query.signal ?? new AbortController().signal;
    const graph = this.graphReader(credential, graphEndpoint.endpoint, azure.tenantId, recorder, signal, answers);
    let signIns;
    try {
      signIns = await readSignIns(graph, filters, query.now);
    } catch (err) {
      if (signal.aborted) throw err;
      const c = classifyAzureError(err, secrets);
      const hint = c.reason === 'LicenseRequired' ? ' (sign-in logs need Microsoft Entra ID P1 or P2)' : '';
      return { ok: false, failure: { reason: c.reason === 'CollectionError' ? 'ChangeLogUnreadable' : c.reason, message: `reading break-glass sign-ins: ${c.code}: ${c.message}${hint}` } };
    }
    const records = [...read.records, ...signIns].sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
    return { ...read, records, filesRead: read.filesRead + filters.length, answers: answers.list() };
  }

  /** The CloudAccount's Ready check: one Resource Manager token with its credentials. */
  async probe(target: CollectTarget, signal?: AbortSignal): Promise<AccountProbeResult> {
    const checked = this.checkTarget(target);
    if (!checked.ok) return checked;
    const armEndpoint = this.endpoint('arm');
    if (!armEndpoint.ok) return armEndpoint;
    const resolved = this.credentialFor(target);
    if (!resolved.ok) return resolved;
    try {
      const token = await resolved.credential.getToken(defaultScope(armEndpoint.endpoint), signal ? { abortSignal: signal } : {});
      if (!token?.token) return { ok: false, failure: { reason: 'CredentialsInvalid', message: 'the credential returned no token' } };
      const clientId = target.azureCredentials?.clientId ?? checked.azure.clientId;
      return { ok: true, principal: `tenant ${checked.azure.tenantId}${clientId ? `, client ${clientId}` : ''}` };
    } catch (err) {
      const e = classifyAzureError(err, resolved.secrets);
      return { ok: false, failure: { reason: e.reason, message: `Microsoft Entra ID token: ${e.code}: ${e.message}` } };
    }
  }

  /**
   * Shadow IT discovery (not part of `collect`): every subscription of the target's tenant
   * with state and management-group path, and the third-party SaaS apps consented to in
   * Entra ID (organization.ts). The target is the CloudAccount the organisation is read
   * through; only its tenant and credentials are used. Never rejects but for an abort:
   * refused reads, and a target that cannot be read at all, are gaps.
   */
  async listOrganization(target: CollectTarget, signal?: AbortSignal, limits: AzureOrganizationLimits = {}): Promise<OrganizationListing> {
    const now = this.opts.now ?? (() => new Date());
    const readAt = now().toISOString();
    const tenantId = target.account.azure?.tenantId ?? '';
    const failed = (failure: CollectionFailure): OrganizationListing => ({
      provider: 'azure',
      readAt,
      items: [],
      gaps: (['subscription', 'saas-app'] as const).map((kind): DiscoveryGap => ({ kind, area: 'list', reason: failure.reason, message: failure.message })),
      apiCalls: 0,
    });
    if (target.provider !== 'azure' || !UUID.test(tenantId)) return failed({ reason: 'InvalidAccount', message: 'the CloudAccount spec.azure.tenantId (a UUID) is required' });
    const arm = this.endpoint('arm');
    if (!arm.ok) return failed(arm.failure);
    const graphEndpoint = this.endpoint('graph');
    if (!graphEndpoint.ok) return failed(graphEndpoint.failure);
    const resolved = this.credentialFor(target);
    if (!resolved.ok) return failed(resolved.failure);
    const { credential, secrets } = resolved;
    const recorder = new ApiCallRecorder('azure', this.opts.onApiCall);
    const pass = new AbortController();
    const stop = (): void => pass.abort(signal?.reason);
    signal?.addEventListener('abort', stop, { once: true });
    try {
      if (signal?.aborted) throw signal.reason;
      return await readAzureOrganization({
        arm: this.armReader(credential, arm.endpoint, recorder, pass.signal),
        graph: this.graphReader(credential, graphEndpoint.endpoint, tenantId, recorder, pass.signal),
        tenantId,
        signal: pass.signal,
        classify: (err) => classifyAzureError(err, secrets),
        calls: () => recorder.total,
        now,
        ...limits,
      });
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }

  async collect(target: CollectTarget, signal?: AbortSignal): Promise<InventoryResult> {
    const checked = this.checkTarget(target);
    if (!checked.ok) return checked;
    const azure = checked.azure;
    const armEndpoint = this.endpoint('arm');
    if (!armEndpoint.ok) return armEndpoint;
    const graphEndpoint = this.endpoint('graph');
    if (!graphEndpoint.ok) return graphEndpoint;
    const now = this.opts.now ?? (() => new Date());
    const startedAt = now().toISOString();
    const recorder = new ApiCallRecorder('azure', this.opts.onApiCall);
    const answers = new AnswerLog('azure', azure.subscriptionId, now);
    const resolved = this.credentialFor(target);
    if (!resolved.ok) return resolved;
    const { credential, secrets } = resolved;
    return runCollection({ signal, classify: (err) => classifyAzureError(err, secrets) }, async (control) => {
      const c = new AzureCollection(control.signal, secrets);
      // 1. a Resource Manager token proves the credentials (like sts:GetCallerIdentity)
      try {
        const token = await credential.getToken(defaultScope(armEndpoint.endpoint), c.o);
        if (!token?.token) throw Object.assign(new Error('the credential returned no token'), { name: 'AuthenticationError' });
      } catch (err) {
        if (control.signal.aborted) throw err;
        const e = c.classify(err);
        const message =
          e.reason === 'CredentialsMissing'
            ? 'no Azure credential available: configure workload identity (AZURE_FEDERATED_TOKEN_FILE), the CloudAccount credentialsSecretRef or a managed identity'
            : `Microsoft Entra ID token: ${e.code}: ${e.message}`;
        throw new FatalCollection({ reason: e.reason, message });
      }

      const arm = this.armClients(credential, azure.subscriptionId, armEndpoint.endpoint, recorder, answers, AZURE_COLLECTION_ANSWER_AREAS);
      const graph = this.graphReader(credential, graphEndpoint.endpoint, azure.tenantId, recorder, control.signal, answers);

      // 2. every area at once
      const [identities, lists, policy, diagnostics, lockbox] = await Promise.all([
        c.area('Graph:userRegistrationDetails', () =>
          readIdentities(graph, c, now(), {
            authorization: arm.authorization,
            subscriptionId: azure.subscriptionId,
            ...(this.opts.maxPrivilegedGroups !== undefined ? { maxPrivilegedGroups: this.opts.maxPrivilegedGroups } : {}),
            ...(this.opts.maxPrincipalLookups !== undefined ? { maxPrincipalLookups: this.opts.maxPrincipalLookups } : {}),
          }),
        ),
        readResourceLists(c, arm),
        c.area('ARM:policyAssignments.list', () => readPolicy(c, arm.policy, azure.subscriptionId, this.opts.maxPolicySetLookups ?? 20)),
        c.area('ARM:subscriptionDiagnosticSettings.list', () => readDiagnosticSettings(c, arm.monitor, azure.subscriptionId)),
        readLockbox({ arm: this.armReader(credential, armEndpoint.endpoint, recorder, control.signal, answers), monitor: arm.monitor, tenantId: azure.tenantId, subscriptionId: azure.subscriptionId, now: now(), signal: control.signal, classify: (err) => c.classify(err) }),
      ]);

      // 3. failures that leave nothing to read end the collection
      const fatal = c.failures.find((f) => FATAL_REASONS.has(f.error.reason));
      if (fatal) throw FatalCollection.of(fatal.context, fatal.error);
      const outcomes = [identities, lists.generic, lists.storage, lists.disks, lists.snapshots, policy, diagnostics];
      const failed = outcomes.filter((x): x is Extract<typeof x, { ok: false }> => !x.ok);
      if (failed.length === outcomes.length && new Set(failed.map((f) => f.error.reason)).size === 1) {
        const first = failed[0]!;
        throw FatalCollection.of(`every read failed; ${first.context}`, first.error);
      }

      // 4. every area mapped; a failed one leaves its gaps
      const resources = resourcesFromLists(c, lists);
      const guardrails = guardrailsFromRead(c, policy);
      const auditTrails = await addLogDelivery(trailsFromRead(c, diagnostics, azure.subscriptionId, resources.locate), { credential, env: this.env, subscriptionId: azure.subscriptionId, record: (op, code) => recorder.record(op, code), signal: control.signal, ...this.retryOptions() });
      let ids: IdentityFacts = { identities: [] };
      if (identities.ok) ids = identities.value;
      else c.gap(['identities'], identities);

      const inventory = assembleInventory({
        provider: 'azure',
        accountId: azure.subscriptionId,
        startedAt,
        collectedAt: now().toISOString(),
        identitiesAt: ids.reportTime ?? startedAt,
        identities: ids.identities,
        rootMfaEnabled: ids.rootMfaEnabled,
        resources: resources.resources,
        guardrails: {
          ...(guardrails?.regionRestriction !== undefined ? { regionRestriction: guardrails.regionRestriction } : {}),
          ...(guardrails?.publicAccessBlocked !== undefined ? { accountPublicAccessBlock: guardrails.publicAccessBlocked } : {}),
          ...(resources.defaultVolumeEncryption ? { defaultVolumeEncryption: resources.defaultVolumeEncryption } : {}),
        },
        auditTrails,
        gaps: c.gaps(),
        apiCalls: recorder.total,
        answers: answers.list(),
        answersOmitted: answers.omitted,
      });
      return withProviderAccess(inventory, lockbox.facts, startedAt, lockbox.gaps);
    });
  }
}

export function createAzureCollector(opts: AzureCollectorOptions = {}): AzureCollector {
  return new AzureCollector(opts);
}
