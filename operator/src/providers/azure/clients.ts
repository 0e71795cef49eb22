// Resource Manager SDK clients for one collection: a configurable endpoint (sovereign
// clouds, the local test server), token scope derived from it, the SDK's retry policy
// (honours 429 / 503 Retry-After) and a per-retry policy counting every attempt.

import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { ComputeManagementClient } from '@azure/arm-compute';
import { MonitorClient } from '@azure/arm-monitor';
import { PolicyClient } from '@azure/arm-policy';
import { ResourceManagementClient } from '@azure/arm-resources';
import { StorageManagementClient } from '@azure/arm-storage';
import type { TokenCredential } from '@azure/identity';

import type { AdditionalPolicy, PipelinePolicy } from './calls.js';

/**
 * Diagnostic settings api-version sent instead of the SDK's 2017-05-01-preview
 * (@azure/arm-monitor 7.0.0 pins it), which predates category groups: settings made
 * with `categoryGroup: allLogs` / `audit` are returned only from 2021-05-01-preview on.
 * The response shape is otherwise the same, and the SDK keeps the extra field.
 */
export const DIAGNOSTIC_SETTINGS_API_VERSION = '2021-05-01-preview';

const DIAGNOSTIC_SETTINGS_PATH = /\/providers\/microsoft\.insights\/diagnosticsettings$/i;

/** Rewrites the api-version of diagnostic settings reads (list and its pages). */
export function diagnosticSettingsApiVersionPolicy(): AdditionalPolicy {
  const policy: PipelinePolicy = {
    name: 'cloudpostureDiagnosticSettingsApiVersion',
    sendRequest(request, next) {
      const url = new URL(request.url);
      if (request.method === 'GET' && DIAGNOSTIC_SETTINGS_PATH.test(url.pathname.replace(/\/+$/, ''))) {
        url.searchParams.set('api-version', DIAGNOSTIC_SETTINGS_API_VERSION);
        request.url = url.toString();
      }
      return next(request);
    },
  };
  return { policy, position: 'perCall' };
}

export const DEFAULT_RESOURCE_MANAGER_ENDPOINT = 'https://management.azure.com';
export const DEFAULT_GRAPH_ENDPOINT = 'https://graph.microsoft.com';
/** Operator config (see config.ts): local Resource Manager / Graph endpoints for tests and the demo. */
export const AZURE_RESOURCE_MANAGER_ENDPOINT_ENV = 'CLOUDPOSTURE_AZURE_RESOURCE_MANAGER_ENDPOINT';
export const AZURE_GRAPH_ENDPOINT_ENV = 'CLOUDPOSTURE_AZURE_GRAPH_ENDPOINT';

type Env = Record<string, string | undefined>;

/** Explicit value, else the environment, else the public cloud; no trailing slash. */
export function resolveEndpoint(explicit: string | undefined, env: Env, name: string, fallback: string): string {
  const chosen = [explicit, env[name]].map((v) => v?.trim() ?? '').find((v) => v !== '') ?? fallback;
  const url = new URL(chosen);
  if (url.protocol !== 'https:') {
    // Bearer tokens only travel over TLS (the SDK refuses otherwise, and so do we).
    throw new Error(`${name}: the endpoint must use https, got ${url.protocol}//${url.host}`);
  }
  return chosen.replace(/\/+$/, '');
}

/** The `.default` scope of an audience (origin + path, no trailing slash). */
export function defaultScope(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/.default`;
}

export interface ArmClientOptions {
  endpoint: string;
  counting: AdditionalPolicy;
  /** Records each answer's digest (calls.ts answeringPolicy); a collection's clients only. */
  answering?: AdditionalPolicy;
  maxRetries: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

export interface ArmClients {
  resources: ResourceManagementClient;
  storage: StorageManagementClient;
  compute: ComputeManagementClient;
  policy: PolicyClient;
  monitor: MonitorClient;
  authorization: AuthorizationManagementClient;
}

export function createArmClients(credential: TokenCredential, subscriptionId: string, o: ArmClientOptions): ArmClients {
  const scope = defaultScope(o.endpoint);
  const pipeline = () => ({
    endpoint: o.endpoint,
    additionalPolicies: [o.counting, ...(o.answering ? [o.answering] : [])],
    retryOptions: { maxRetries: o.maxRetries, retryDelayInMs: o.retryDelayMs, maxRetryDelayInMs: o.maxRetryDelayMs },
  });
  // Classic (AutoRest) clients take credentialScopes and $host; the TypeSpec ones credentials.scopes.
  const classic = () => ({ ...pipeline(), $host: o.endpoint, credentialScopes: [scope] });
  const modular = () => ({ ...pipeline(), credentials: { scopes: [scope] } });
  return {
    resources: new ResourceManagementClient(credential, subscriptionId, classic()),
    storage: new StorageManagementClient(credential, subscriptionId, modular()),
    compute: new ComputeManagementClient(credential, subscriptionId, modular()),
    policy: new PolicyClient(credential, subscriptionId, classic()),
    authorization: new AuthorizationManagementClient(credential, subscriptionId, classic()),
    monitor: new MonitorClient(credential, subscriptionId, {
      ...classic(),
      additionalPolicies: [diagnosticSettingsApiVersionPolicy(), o.counting, ...(o.answering ? [o.answering] : [])],
    }),
  };
}
