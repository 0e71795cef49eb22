// The Azure / Microsoft Entra ID collector: reads one subscription and its tenant
// (read-only) into the provider-neutral Inventory. It never decides compliance.
//
// Cost model: a fixed set of list calls whatever the number of users or resources,
// each followed through its nextLink pages:
//   Graph  userRegistrationDetails (report), roleDefinitions, roleAssignments?$expand=principal
//   ARM    resources.list, storageAccounts.list, disks.list, snapshots.list,
//          policyAssignments.list($filter=atScope()), subscription diagnosticSettings.list,
//          plus one policySetDefinitions get per distinct initiative assigned (capped)
// Tokens come from the credential's cache (about one token request per hour and audience).

import type { TokenCredential } from '@azure/identity';

import type {
  AuditTrail,
  CollectionFailure,
  CollectionGap,
  Inventory,
  InventoryArea,
  InventoryResult,
  Resource,
} from '../../inventory/types.js';
import type { ApiCallHook, ChangeReadResult, CollectTarget, InventoryCollector } from '../types.js';
import { changeRecordFromSignIn, readActivityLogChanges, signInFilter, type SignInEvent } from './activity-log.js';
import { ApiCallRecorder, GapLog } from '../collection-log.js';
import { assembleInventory, FatalCollection, runCollection } from '../collection.js';
import { armOperation, countingPolicy, tokenCountingPolicy } from './calls.js';
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
import { CredentialCache, SharedTokenCredential } from './credentials.js';
import { classifyAzureError, azureGapReason, type AzureFailureReason, type ClassifiedAzureError } from './errors.js';
import { GraphReader, SlidingWindowGate } from './graph.js';
import {
  guardrailsFromPolicy,
  identitiesFromGraph,
  idKey,
  isPolicySetId,
  mergeResources,
  resourceFromDisk,
  resourceFromGeneric,
  resourcesFromStorageAccount,
  trailsFromDiagnosticSettings,
  type ArmDiagnosticSetting,
  type ArmPolicyAssignment,
  type ArmPolicySetDefinition,
  type DirectoryRoleAssignment,
  type DirectoryRoleDefinition,
  type DirectoryRoles,
  type IdentityFacts,
  type UserRegistrationDetails,
} from './mapping.js';

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
  /** Initiatives read per collection to find guardrails inside them (default 20). */
  maxPolicySetLookups?: number;
  /** Injected clock. */
  now?: () => Date;
}

/** Reasons that make every read of the target fail: no inventory at all. */
const FATAL_REASONS = new Set<AzureFailureReason>(['CredentialsMissing', 'CredentialsInvalid', 'AccountNotFound']);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function collectAll<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** One area's outcome: a value, or the classified error. */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: ClassifiedAzureError; context: string };

/** State of one collection run. */
class Run {
  private readonly gapLog = new GapLog();
  readonly failures: Array<{ error: ClassifiedAzureError; context: string }> = [];

  constructor(
    readonly signal: AbortSignal,
    readonly secrets: readonly string[],
  ) {}

  classify(err: unknown): ClassifiedAzureError {
    return classifyAzureError(err, this.secrets);
  }

  async area<T>(context: string, fn: () => Promise<T>): Promise<Outcome<T>> {
    try {
      return { ok: true, value: await fn() };
    } catch (err) {
      if (this.signal.aborted) throw this.signal.reason ?? err;
      const error = this.classify(err);
      this.failures.push({ error, context });
      return { ok: false, error, context };
    }
  }

  gap(areas: readonly InventoryArea[], outcome: { error: ClassifiedAzureError; context: string }): void {
    const reason = azureGapReason(outcome.error.reason);
    const detail = `${outcome.context}: ${outcome.error.code}${outcome.error.reason === 'LicenseRequired' ? ' (Microsoft Entra ID P1 or P2 required)' : ''}`;
    for (const area of areas) this.gapLog.add(area, reason, detail);
  }

  gaps(): CollectionGap[] {
    return this.gapLog.list();
  }
}

/** The window and identities of one change-log read. */
export interface ChangeQuery {
  since: Date;
  now: Date;
  watchedIdentities?: readonly string[];
  signal?: AbortSignal;
}

type AzureAccount = NonNullable<CollectTarget['account']['azure']>;

export class AzureCollector implements InventoryCollector {
  private readonly env: Env;
  private readonly credentials = new CredentialCache();
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
  private credentialFor(target: CollectTarget): { credential: TokenCredential; secrets: string[] } {
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

  private checkTarget(target: CollectTarget): { ok: true; azure: AzureAccount } | { ok: false; failure: CollectionFailure } {
    const azure = target.account.azure;
    if (target.provider !== 'azure' || !azure) {
      return { ok: false, failure: { reason: 'InvalidAccount', message: 'spec.account.azure (tenantId, subscriptionId) is required' } };
    }
    if (!UUID.test(azure.subscriptionId) || !UUID.test(azure.tenantId)) {
      return { ok: false, failure: { reason: 'InvalidAccount', message: 'tenantId and subscriptionId must be UUIDs' } };
    }
    const secretTenant = target.azureCredentials?.tenantId;
    if (secretTenant && secretTenant.toLowerCase() !== azure.tenantId.toLowerCase()) {
      return {
        ok: false,
        failure: { reason: 'CredentialsInvalid', message: `the credentials Secret is for tenant ${secretTenant}, spec.account.azure.tenantId is ${azure.tenantId}` },
      };
    }
    return { ok: true, azure };
  }

  private armEndpoint(): string {
    return resolveEndpoint(this.opts.resourceManagerEndpoint, this.env, AZURE_RESOURCE_MANAGER_ENDPOINT_ENV, DEFAULT_RESOURCE_MANAGER_ENDPOINT);
  }

  private graphEndpoint(): string {
    return resolveEndpoint(this.opts.graphEndpoint, this.env, AZURE_GRAPH_ENDPOINT_ENV, DEFAULT_GRAPH_ENDPOINT);
  }

  /** Resource Manager clients that count every attempt with `recorder`. */
  private armClients(credential: TokenCredential, subscriptionId: string, endpoint: string, recorder: ApiCallRecorder): ArmClients {
    return createArmClients(credential, subscriptionId, {
      endpoint,
      counting: countingPolicy('cloudpostureApiCallCounter', armOperation, (op, code) => recorder.record(op, code)),
      ...this.retryOptions(),
    });
  }

  /** A Graph reader for the tenant: counted with `recorder`, reports paced per tenant. */
  private graphReader(credential: TokenCredential, endpoint: string, tenantId: string, recorder: ApiCallRecorder, signal: AbortSignal): GraphReader {
    return new GraphReader({
      endpoint,
      credential,
      scope: defaultScope(new URL(endpoint).origin),
      record: (op, code) => recorder.record(op, code),
      signal,
      ...this.retryOptions(),
      ...(this.opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: this.opts.requestTimeoutMs } : {}),
      reportGate: (s) => this.reportGate.acquire(tenantId.toLowerCase(), s),
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
    let armEndpoint: string;
    try {
      armEndpoint = this.armEndpoint();
    } catch (err) {
      return { ok: false, failure: { reason: 'InvalidConfiguration', message: (err as Error).message } };
    }
    let credential: TokenCredential;
    let secrets: string[];
    try {
      ({ credential, secrets } = this.credentialFor(target));
    } catch (err) {
      const c = classifyAzureError(err);
      return { ok: false, failure: { reason: c.reason === 'CollectionError' ? 'CredentialsInvalid' : c.reason, message: c.message } };
    }
    const recorder = new ApiCallRecorder('azure', this.opts.onApiCall);
    const arm = this.armClients(credential, azure.subscriptionId, armEndpoint, recorder);
    const watched = query.watchedIdentities ?? [];
    const read = await readActivityLogChanges({
      monitor: arm.monitor,
      subscriptionId: azure.subscriptionId,
      since: query.since,
      now: query.now,
      watchedIdentities: watched,
      secrets,
      ...(query.signal ? { signal: query.signal } : {}),
    });
    const filters = watched.flatMap((identity) => signInFilter(identity, query.since) ?? []);
    if (!read.ok || filters.length === 0) return read;

    // Break-glass sign-ins: a read that fails leaves ChangesTracked undecided (no "no use" claim).
    let graphEndpoint: string;
    try {
      graphEndpoint = this.graphEndpoint();
    } catch (err) {
      return { ok: false, failure: { reason: 'InvalidConfiguration', message: (err as Error).message } };
    }
    const signal = query.signal ?? new AbortController().signal;
    const graph = this.graphReader(credential, graphEndpoint, azure.tenantId, recorder, signal);
    const records = [...read.records];
    try {
      for (const filter of filters) {
        const signIns = await graph.list<SignInEvent>(`/auditLogs/signIns?$filter=${encodeURIComponent(filter)}`, 'Graph:signIns', { report: true });
        for (const signIn of signIns) {
          const record = changeRecordFromSignIn(signIn);
          if (record && Date.parse(record.time) <= query.now.getTime()) records.push(record);
        }
      }
    } catch (err) {
      if (signal.aborted) throw err;
      const c = classifyAzureError(err, secrets);
      const hint = c.reason === 'LicenseRequired' ? ' (sign-in logs need Microsoft Entra ID P1 or P2)' : '';
      return { ok: false, failure: { reason: c.reason === 'CollectionError' ? 'ChangeLogUnreadable' : c.reason, message: `reading break-glass sign-ins: ${c.code}: ${c.message}${hint}` } };
    }
    records.sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
    return { ...read, records, filesRead: read.filesRead + filters.length };
  }

  async collect(target: CollectTarget, signal?: AbortSignal): Promise<InventoryResult> {
    const checked = this.checkTarget(target);
    if (!checked.ok) return checked;
    const azure = checked.azure;
    let armEndpoint: string;
    let graphEndpoint: string;
    try {
      armEndpoint = this.armEndpoint();
      graphEndpoint = this.graphEndpoint();
    } catch (err) {
      return { ok: false, failure: { reason: 'InvalidConfiguration', message: (err as Error).message } };
    }
    const now = this.opts.now ?? (() => new Date());
    const startedAt = now().toISOString();
    const recorder = new ApiCallRecorder('azure', this.opts.onApiCall);
    let credential: TokenCredential;
    let secrets: string[];
    try {
      ({ credential, secrets } = this.credentialFor(target));
    } catch (err) {
      const c = classifyAzureError(err);
      return { ok: false, failure: { reason: c.reason === 'CollectionError' ? 'CredentialsInvalid' : c.reason, message: c.message } };
    }
    return runCollection({ signal, classify: (err) => classifyAzureError(err, secrets) }, async (control) => {
      const run = new Run(control.signal, secrets);
      // 1. a Resource Manager token proves the credentials (like sts:GetCallerIdentity)
      try {
        const token = await credential.getToken(defaultScope(armEndpoint), { abortSignal: control.signal });
        if (!token?.token) throw Object.assign(new Error('the credential returned no token'), { name: 'AuthenticationError' });
      } catch (err) {
        if (control.signal.aborted) throw err;
        const c = run.classify(err);
        const message =
          c.reason === 'CredentialsMissing'
            ? 'no Azure credential available: configure workload identity (AZURE_FEDERATED_TOKEN_FILE), spec.account.credentialsSecretRef or a managed identity'
            : `Microsoft Entra ID token: ${c.code}: ${c.message}`;
        throw new FatalCollection({ reason: c.reason, message });
      }

      const arm = this.armClients(credential, azure.subscriptionId, armEndpoint, recorder);
      const graph = this.graphReader(credential, graphEndpoint, azure.tenantId, recorder, control.signal);
      const o = { abortSignal: control.signal };

      // 2. every area at once
      const [identities, generic, storage, disks, snapshots, policy, diagnostics] = await Promise.all([
        run.area('Graph:userRegistrationDetails', () => this.identities(graph, run, now())),
        run.area('ARM:resources.list', () => collectAll(arm.resources.resources.list(o))),
        run.area('ARM:storageAccounts.list', () => collectAll(arm.storage.storageAccounts.list(o))),
        run.area('ARM:disks.list', () => collectAll(arm.compute.disks.list(o))),
        run.area('ARM:snapshots.list', () => collectAll(arm.compute.snapshots.list(o))),
        run.area('ARM:policyAssignments.list', () => this.policy(arm, azure.subscriptionId, run)),
        run.area('ARM:subscriptionDiagnosticSettings.list', async () => {
          const r = await arm.monitor.diagnosticSettings.list(`subscriptions/${azure.subscriptionId}`, o);
          return (r.value ?? []) as ArmDiagnosticSetting[];
        }),
      ]);

      // 3. failures that leave nothing to read end the collection
      const fatal = run.failures.find((f) => FATAL_REASONS.has(f.error.reason));
      if (fatal) {
        throw FatalCollection.of(fatal.context, fatal.error);
      }
      const outcomes = [identities, generic, storage, disks, snapshots, policy, diagnostics];
      const failed = outcomes.filter((x): x is Extract<typeof x, { ok: false }> => !x.ok);
      if (failed.length === outcomes.length && new Set(failed.map((f) => f.error.reason)).size === 1) {
        const first = failed[0]!;
        throw FatalCollection.of(`every read failed; ${first.context}`, first.error);
      }

      // 4. resources (generic list + detailed lists)
      const detailed: Resource[] = [];
      if (storage.ok) detailed.push(...storage.value.flatMap((a) => resourcesFromStorageAccount(a)));
      else run.gap(['encryption', 'exposure'], storage);
      if (disks.ok) detailed.push(...disks.value.flatMap((d) => resourceFromDisk(d, 'volume') ?? []));
      else run.gap(['encryption', 'exposure'], disks);
      if (snapshots.ok) detailed.push(...snapshots.value.flatMap((s) => resourceFromDisk(s, 'snapshot') ?? []));
      else run.gap(['encryption', 'exposure'], snapshots);
      if (!generic.ok) run.gap(['resources'], generic);
      const genericResources = generic.ok ? generic.value.flatMap((r) => resourceFromGeneric(r) ?? []) : [];
      const resources = mergeResources(genericResources, detailed);

      // where things are, for log destinations held in this subscription
      const locations = new Map<string, string>();
      for (const r of generic.ok ? generic.value : []) if (r.id && r.location) locations.set(idKey(r.id), r.location);
      for (const r of resources) if (!r.sourceId) locations.set(idKey(r.id), r.region);

      // 5. guardrails
      let regionRestriction: Inventory['guardrails']['regionRestriction'];
      let accountPublicAccessBlock: boolean | undefined;
      if (policy.ok) {
        const g = guardrailsFromPolicy(policy.value.assignments, policy.value.sets);
        regionRestriction = g.regionRestriction;
        accountPublicAccessBlock = g.publicAccessBlocked;
        for (const error of policy.value.unreadable) run.gap(['guardrails'], { error, context: 'ARM:policySetDefinitions.get' });
      } else {
        run.gap(['guardrails'], policy);
      }
      // Managed disks are always encrypted at rest (server-side encryption cannot be turned off).
      const defaultVolumeEncryption: Record<string, boolean> = {};
      for (const r of resources) if (r.region && r.region !== 'global') defaultVolumeEncryption[r.region.toLowerCase().replace(/\s+/g, '')] = true;

      // 6. audit trails
      let auditTrails: AuditTrail[] = [];
      if (diagnostics.ok) {
        auditTrails = trailsFromDiagnosticSettings(diagnostics.value, azure.subscriptionId, (id) => locations.get(idKey(id)));
      } else {
        run.gap(['auditTrails'], diagnostics);
      }

      // 7. identities
      let ids: IdentityFacts = { identities: [] };
      if (identities.ok) ids = identities.value;
      else run.gap(['identities'], identities);

      return assembleInventory({
        provider: 'azure',
        accountId: azure.subscriptionId,
        startedAt,
        collectedAt: now().toISOString(),
        identitiesAt: ids.reportTime ?? startedAt,
        identities: ids.identities,
        rootMfaEnabled: ids.rootMfaEnabled,
        resources,
        guardrails: {
          ...(regionRestriction !== undefined ? { regionRestriction } : {}),
          ...(accountPublicAccessBlock !== undefined ? { accountPublicAccessBlock } : {}),
          ...(generic.ok ? { defaultVolumeEncryption } : {}),
        },
        auditTrails,
        gaps: run.gaps(),
        apiCalls: recorder.total,
      });
    });
  }

  /** Identities and MFA (report), privilege (role definitions + assignments with principals). */
  private async identities(graph: GraphReader, run: Run, now: Date): Promise<IdentityFacts> {
    const rolesRead = Promise.all([
      graph.list<DirectoryRoleDefinition>('/roleManagement/directory/roleDefinitions', 'Graph:roleDefinitions'),
      graph.list<DirectoryRoleAssignment>('/roleManagement/directory/roleAssignments?$expand=principal', 'Graph:roleAssignments'),
    ]).then(
      ([definitions, assignments]): DirectoryRoles => ({ definitions, assignments }),
      (err: unknown) => {
        // Privilege is a refinement: when it cannot be read, isAdmin from the report
        // stands in (the failed calls are in the API-call metrics); credentials
        // problems still end the collection.
        if (run.signal.aborted || FATAL_REASONS.has(run.classify(err).reason)) throw err;
        return undefined;
      },
    );
    const details = await graph.list<UserRegistrationDetails>(
      '/reports/authenticationMethods/userRegistrationDetails',
      'Graph:userRegistrationDetails',
      { report: true },
    ).catch(async (err: unknown) => {
      await rolesRead.catch(() => undefined); // never leave a rejection unobserved
      throw err;
    });
    return identitiesFromGraph(details, await rolesRead, now);
  }

  /** Assignments that apply at the subscription, and the initiatives among them. */
  private async policy(
    arm: ArmClients,
    subscriptionId: string,
    run: Run,
  ): Promise<{
    assignments: ArmPolicyAssignment[];
    sets: Map<string, ArmPolicySetDefinition | undefined>;
    unreadable: ClassifiedAzureError[];
  }> {
    const o = { abortSignal: run.signal };
    const assignments = (await collectAll(arm.policy.policyAssignments.list({ ...o, filter: 'atScope()' }))) as ArmPolicyAssignment[];
    const setIds = [
      ...new Set(
        assignments
          .filter((a) => (a.enforcementMode ?? '').toLowerCase() !== 'donotenforce' && isPolicySetId(a.policyDefinitionId))
          .map((a) => (a.policyDefinitionId ?? '').toLowerCase()),
      ),
    ].slice(0, this.opts.maxPolicySetLookups ?? 20);
    const sets = new Map<string, ArmPolicySetDefinition | undefined>();
    const unreadable: ClassifiedAzureError[] = [];
    await Promise.all(
      setIds.map(async (id) => {
        try {
          const set = (await this.policySet(arm, subscriptionId, id, o)) as ArmPolicySetDefinition | undefined;
          if (set === undefined) {
            unreadable.push({ reason: 'AccessDenied', code: 'OtherSubscription', message: 'initiative defined in another subscription' });
          }
          sets.set(id, set);
        } catch (err) {
          if (run.signal.aborted) throw err;
          const c = run.classify(err);
          if (FATAL_REASONS.has(c.reason)) throw err;
          unreadable.push(c);
          sets.set(id, undefined); // unreadable: the guardrail stays undecided unless found elsewhere
        }
      }),
    );
    return { assignments, sets, unreadable };
  }

  private async policySet(arm: ArmClients, subscriptionId: string, id: string, o: { abortSignal: AbortSignal }): Promise<unknown> {
    const name = id.split('/').pop() ?? '';
    const mg = /^\/providers\/microsoft\.management\/managementgroups\/([^/]+)\/providers\/microsoft\.authorization\/policysetdefinitions\/[^/]+$/i.exec(id);
    if (mg?.[1]) return arm.policy.policySetDefinitions.getAtManagementGroup(mg[1], name, o);
    const sub = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.authorization\/policysetdefinitions\/[^/]+$/i.exec(id);
    if (sub?.[1]) {
      if (sub[1].toLowerCase() !== subscriptionId.toLowerCase()) return undefined;
      return arm.policy.policySetDefinitions.get(name, o);
    }
    return arm.policy.policySetDefinitions.getBuiltIn(name, o);
  }
}

export function createAzureCollector(opts: AzureCollectorOptions = {}): AzureCollector {
  return new AzureCollector(opts);
}
