// Thin, typed access to the API server for what the operator reads and writes.
// Everything that crosses this boundary is a plain typed object. Every call is bounded
// (request-bounds.ts): the request timeout, and the call scope it runs in.

import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type {
  CloudAccount,
  CloudAccountStatus,
  CloudOrganization,
  CloudOrganizationStatus,
  CloudSecurityPolicy,
  CloudService,
  CloudServiceStatus,
} from '../api/types.js';
import { boundedCall, DEFAULT_KUBE_REQUEST_TIMEOUT_MS, type BoundedCallOptions, type RequestOptions } from './request-bounds.js';

export const GROUP = 'cloudposture.io';
export const VERSION = 'v1alpha1';
export const SERVICE_PLURAL = 'cloudservices';
export const POLICY_PLURAL = 'cloudsecuritypolicies';
export const ACCOUNT_PLURAL = 'cloudaccounts';
export const ORGANIZATION_PLURAL = 'cloudorganizations';

/** The part of a Namespace the operator reads: its name and labels (CloudAccount namespaceSelector). */
export interface NamespaceMeta {
  metadata: { name?: string; resourceVersion?: string; labels?: Record<string, string> };
}

export interface ObjectList<T> {
  items: T[];
  resourceVersion: string;
}

export interface EventInput {
  namespace: string;
  involved: { kind: string; name: string; uid?: string; apiVersion: string; resourceVersion?: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  action: string;
}

/** An explicit signal for one call, on top of the request timeout and the call scope. */
export interface CallOptions {
  signal?: AbortSignal;
}

export class KubeApi {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  constructor(
    readonly config: KubeConfig,
    private readonly reportingInstance: string,
    /** Each request is cut after this long (milliseconds). */
    readonly requestTimeoutMs: number = DEFAULT_KUBE_REQUEST_TIMEOUT_MS,
    /** Secrets here are read without the opt-in label; unset, every Secret needs it. */
    readonly operatorNamespace?: string,
  ) {
    this.custom = config.makeApiClient(CustomObjectsApi);
    this.core = config.makeApiClient(CoreV1Api);
  }

  /**
   * Every CloudService. With `pageSize`, in pages (the API server serves every page from
   * one snapshot), each item passed through `keep` as its page arrives, so at most a page
   * of whole objects is held at once; at most LIST_PAGES_MAX pages.
   */
  async listServices(
    namespace: string,
    options: CallOptions & { pageSize?: number; keep?: (service: CloudService) => CloudService } = {},
  ): Promise<ObjectList<CloudService>> {
    const { pageSize, keep, ...call } = options;
    const items: CloudService[] = [];
    let resourceVersion = '';
    let token: string | undefined;
    for (let pages = 0; ; pages++) {
      if (pages >= LIST_PAGES_MAX) throw new Error(`listing CloudServices: more than ${LIST_PAGES_MAX} pages of ${pageSize}`);
      const paging = pageSize ? { limit: pageSize, ...(token ? { _continue: token } : {}) } : {};
      const list = (await this.call(
        (o) =>
          namespace
            ? this.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: SERVICE_PLURAL, ...paging }, o)
            : this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: SERVICE_PLURAL, ...paging }, o),
        call,
      )) as RawList<CloudService>;
      for (const item of list.items ?? []) items.push(keep ? keep(item) : item);
      resourceVersion = list.metadata?.resourceVersion ?? resourceVersion;
      token = pageSize ? list.metadata?.continue || undefined : undefined;
      if (!token) return { items, resourceVersion };
    }
  }

  async listPolicies(options: CallOptions = {}): Promise<ObjectList<CloudSecurityPolicy>> {
    const list = (await this.call(
      (o) => this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: POLICY_PLURAL }, o),
      options,
    )) as RawList<CloudSecurityPolicy>;
    return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  async listAccounts(options: CallOptions = {}): Promise<ObjectList<CloudAccount>> {
    const list = (await this.call(
      (o) => this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: ACCOUNT_PLURAL }, o),
      options,
    )) as RawList<CloudAccount>;
    return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  async listOrganizations(options: CallOptions = {}): Promise<ObjectList<CloudOrganization>> {
    const list = (await this.call(
      (o) => this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: ORGANIZATION_PLURAL }, o),
      options,
    )) as RawList<CloudOrganization>;
    return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  /** Namespaces with their labels only (a CloudAccount may admit namespaces by label). */
  async listNamespaces(options: CallOptions = {}): Promise<ObjectList<NamespaceMeta>> {
    const list = await this.call((o) => this.core.listNamespace({}, o), options);
    return {
      items: (list.items ?? []).map((n) => ({
        metadata: {
          ...(n.metadata?.name ? { name: n.metadata.name } : {}),
          ...(n.metadata?.resourceVersion ? { resourceVersion: n.metadata.resourceVersion } : {}),
          ...(n.metadata?.labels ? { labels: n.metadata.labels } : {}),
        },
      })),
      resourceVersion: list.metadata?.resourceVersion ?? '',
    };
  }

  /** Merge-patches a CloudAccount's status (the operator is its only writer). */
  async patchAccountStatus(name: string, status: CloudAccountStatus): Promise<void> {
    await this.call(
      (o) =>
        this.custom.patchClusterCustomObjectStatus(
          { group: GROUP, version: VERSION, plural: ACCOUNT_PLURAL, name, body: { status }, fieldManager: 'cloud-posture-operator' },
          o,
        ),
      { base: this.mergePatch },
    );
  }

  /** Merge-patches a CloudOrganization's status (the operator is its only writer). */
  async patchOrganizationStatus(name: string, status: CloudOrganizationStatus): Promise<void> {
    await this.call(
      (o) =>
        this.custom.patchClusterCustomObjectStatus(
          { group: GROUP, version: VERSION, plural: ORGANIZATION_PLURAL, name, body: { status }, fieldManager: 'cloud-posture-operator' },
          o,
        ),
      { base: this.mergePatch },
    );
  }

  async getService(namespace: string, name: string): Promise<CloudService | undefined> {
    try {
      return (await this.call((o) =>
        this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: SERVICE_PLURAL, name }, o),
      )) as CloudService;
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * Merge-patches the status subresource. `resourceVersion` makes it an optimistic
   * write: the server answers 409 when the object changed since it was read.
   */
  async patchServiceStatus(
    namespace: string,
    name: string,
    resourceVersion: string,
    status: CloudServiceStatus,
  ): Promise<CloudService> {
    return (await this.call(
      (o) =>
        this.custom.patchNamespacedCustomObjectStatus(
          {
            group: GROUP,
            version: VERSION,
            namespace,
            plural: SERVICE_PLURAL,
            name,
            body: { metadata: { resourceVersion }, status },
            fieldManager: 'cloud-posture-operator',
          },
          o,
        ),
      { base: this.mergePatch },
    )) as CloudService;
  }

  async patchPolicyStatus(name: string, status: Record<string, unknown>): Promise<void> {
    await this.call(
      (o) =>
        this.custom.patchClusterCustomObjectStatus(
          { group: GROUP, version: VERSION, plural: POLICY_PLURAL, name, body: { status }, fieldManager: 'cloud-posture-operator' },
          o,
        ),
      { base: this.mergePatch },
    );
  }

  /**
   * The Secret's decoded data, undefined when it does not exist. The one path by which
   * the operator reads a Secret: outside its own namespace only one labelled
   * `cloudposture.io/operator-readable: "true"` (else SecretNotPermittedError).
   */
  async readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      const secret = await this.call((o) => this.core.readNamespacedSecret({ namespace, name }, o));
      if (!secretReadPermitted(namespace, secret.metadata?.labels, this.operatorNamespace)) throw new SecretNotPermittedError(namespace, name);
      const data: Record<string, string> = {};
      for (const [key, value] of Object.entries(secret.data ?? {})) data[key] = Buffer.from(value, 'base64').toString('utf8');
      return data;
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }

  /** A ConfigMap's `data` and `binaryData` (base64), undefined when it does not exist. */
  async readConfigMap(namespace: string, name: string): Promise<ConfigMapData | undefined> {
    try {
      const cm = await this.call((o) => this.core.readNamespacedConfigMap({ namespace, name }, o));
      return { data: cm.data ?? {}, binaryData: cm.binaryData ?? {} };
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }

  async createEvent(event: EventInput, now: Date): Promise<void> {
    const stamp = now;
    const body = {
      metadata: { generateName: `${event.involved.name}.`, namespace: event.namespace },
      involvedObject: { ...event.involved, namespace: event.namespace },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      action: event.action,
      source: { component: 'cloud-posture-operator' },
      reportingComponent: 'cloudposture.io/operator',
      reportingInstance: this.reportingInstance,
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      count: 1,
    };
    await this.call((o) => this.core.createNamespacedEvent({ namespace: event.namespace, body }, o));
  }

  private call<T>(request: (options: RequestOptions) => Promise<T>, options: BoundedCallOptions = {}): Promise<T> {
    return boundedCall(this.requestTimeoutMs, request, options);
  }
}

export interface ConfigMapData {
  data: Record<string, string>;
  binaryData: Record<string, string>;
}

/** Opt-in label a Secret outside the operator's namespace needs before the operator reads it. */
export const OPERATOR_READABLE_LABEL = 'cloudposture.io/operator-readable';

/** Whether the operator may use a Secret: in its own namespace, or labelled for it. */
export function secretReadPermitted(namespace: string, labels: Record<string, string> | undefined, operatorNamespace: string | undefined): boolean {
  return (operatorNamespace !== undefined && namespace === operatorNamespace) || labels?.[OPERATOR_READABLE_LABEL] === 'true';
}

/**
 * A Secret the operator may not use. The message names the Secret and the label only:
 * never its keys or content, so a refusal tells nothing about what the Secret holds.
 */
export class SecretNotPermittedError extends Error {
  readonly reason = 'SecretNotPermitted';
  constructor(
    readonly namespace: string,
    readonly secretName: string,
  ) {
    super(`Secret ${namespace}/${secretName} is not labelled ${OPERATOR_READABLE_LABEL}=true`);
    this.name = 'SecretNotPermittedError';
  }
}

interface RawList<T> {
  items?: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/** Pages of one paged list at most (at 500 a page: 500,000 objects). */
const LIST_PAGES_MAX = 1_000;

/** CloudServices per page of a paged list (the manager's cache, the sharded /report). */
export const SERVICE_LIST_PAGE = 500;

/** HTTP status of an API error (ApiException in client-node 1.x, statusCode on watch errors). */
export function statusCode(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  if (typeof error === 'object' && error !== null) {
    const e = error as { code?: unknown; statusCode?: unknown };
    if (typeof e.statusCode === 'number') return e.statusCode;
    if (typeof e.code === 'number') return e.code;
  }
  return undefined;
}

export interface ApiErrorDetail {
  code?: number;
  /** The Status reason, e.g. Forbidden, TooManyRequests, Expired. */
  reason?: string;
  message: string;
}

/**
 * What an API error says, without the response headers client-node folds into
 * ApiException.message: log lines stay short and searchable by code and reason.
 */
export function apiErrorDetail(error: unknown): ApiErrorDetail {
  const code = statusCode(error);
  if (error instanceof ApiException) {
    const status = parseStatus(error.body);
    if (status) return { code, reason: status.reason, message: status.message ?? `HTTP ${error.code}` };
    return { code, message: `HTTP ${error.code}` };
  }
  return { code, message: error instanceof Error ? error.message : String(error) };
}

function parseStatus(body: unknown): { reason?: string; message?: string } | undefined {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.slice(0, 300) } : undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const s = value as { reason?: unknown; message?: unknown };
  return {
    reason: typeof s.reason === 'string' ? s.reason : undefined,
    message: typeof s.message === 'string' ? s.message : undefined,
  };
}
