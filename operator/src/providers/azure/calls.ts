// Counting cloud API attempts: one record per HTTP attempt (retries included), as an
// Azure SDK pipeline policy placed per retry, for
// `cloudposture_cloud_api_calls_total{provider="azure",operation,code}`.

import type { StorageManagementClientOptionalParams } from '@azure/arm-storage';

import type { InventoryArea } from '../../inventory/types.js';
import { textAnswerDigest, type AnswerLog } from '../answers.js';
import { ApiCallRecorder } from '../collection-log.js';
import type { ApiCallHook } from '../types.js';
import { attemptCode } from './errors.js';

/** The SDK pipeline types, taken from a client's options (no direct core-rest-pipeline import). */
export type AdditionalPolicy = NonNullable<StorageManagementClientOptionalParams['additionalPolicies']>[number];
export type PipelinePolicy = AdditionalPolicy['policy'];
type PipelineRequest = Parameters<PipelinePolicy['sendRequest']>[0];
type PipelineResponse = Awaited<ReturnType<PipelinePolicy['sendRequest']>>;

/** Resource Manager request path -> a bounded operation label. */
const ARM_OPERATIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/subscriptions\/[^/]+\/resources$/i, 'ARM:resources.list'],
  [/\/providers\/microsoft\.storage\/storageaccounts$/i, 'ARM:storageAccounts.list'],
  [/\/providers\/microsoft\.compute\/disks$/i, 'ARM:disks.list'],
  [/\/providers\/microsoft\.compute\/snapshots$/i, 'ARM:snapshots.list'],
  [/\/providers\/microsoft\.authorization\/policyassignments$/i, 'ARM:policyAssignments.list'],
  [/\/providers\/microsoft\.authorization\/policysetdefinitions\/[^/]+$/i, 'ARM:policySetDefinitions.get'],
  [/^\/subscriptions\/[^/]+\/providers\/microsoft\.insights\/diagnosticsettings$/i, 'ARM:subscriptionDiagnosticSettings.list'],
  [/^\/subscriptions\/[^/]+\/providers\/microsoft\.insights\/eventtypes\/management\/values$/i, 'ARM:activityLogs.list'],
  [/^\/subscriptions\/[^/]+\/providers\/microsoft\.authorization\/roleassignments$/i, 'ARM:roleAssignments.list'],
  [/\/providers\/microsoft\.authorization\/roledefinitions$/i, 'ARM:roleDefinitions.list'],
  [/\/providers\/microsoft\.authorization\/roledefinitions\/[^/]+$/i, 'ARM:roleDefinitions.get'],
];

/** Token endpoint (Microsoft Entra ID) request path -> operation label. */
const ENTRA_OPERATIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\/oauth2\/v2\.0\/token$/i, 'EntraID:token'],
  [/\/\.well-known\/openid-configuration$/i, 'EntraID:openidConfiguration'],
  [/\/discovery\/instance$/i, 'EntraID:instanceDiscovery'],
  [/\/metadata\/identity\/oauth2\/token$/i, 'EntraID:managedIdentityToken'],
];

function pathOf(url: string): string {
  try {
    // the endpoint may carry a path prefix (a proxy); match on the tail
    return new URL(url).pathname.replace(/\/+$/, '');
  } catch {
    return '';
  }
}

export function armOperation(url: string): string {
  const path = pathOf(url);
  for (const [re, op] of ARM_OPERATIONS) if (re.test(path)) return op;
  return 'ARM:other';
}

export function entraOperation(url: string): string {
  const path = pathOf(url);
  for (const [re, op] of ENTRA_OPERATIONS) if (re.test(path)) return op;
  return 'EntraID:other';
}

/** The error code of a failed response body (`{"error":{"code":...}}` or OAuth `{"error":"..."}`), else `HTTP<status>`. */
export function responseCode(response: PipelineResponse): string {
  if (response.status < 400) return 'OK';
  const text = response.bodyAsText;
  if (typeof text === 'string' && text.length > 0 && text.length < 64_000) {
    try {
      const body = JSON.parse(text) as { error?: unknown; code?: unknown };
      const err = body.error;
      if (err && typeof err === 'object' && typeof (err as { code?: unknown }).code === 'string') {
        return boundedCode((err as { code: string }).code);
      }
      if (typeof err === 'string') return boundedCode(err);
      if (typeof body.code === 'string') return boundedCode(body.code);
    } catch {
      // not JSON
    }
  }
  return `HTTP${response.status}`;
}

/** Label values stay a bounded, printable set. */
function boundedCode(code: string): string {
  return /^[A-Za-z0-9_.-]{1,80}$/.test(code) ? code : 'Error';
}

/** A per-retry pipeline policy that records every HTTP attempt. */
export function countingPolicy(
  name: string,
  operationOf: (url: string) => string,
  record: (operation: string, code: string) => void,
): AdditionalPolicy {
  const policy: PipelinePolicy = {
    name,
    async sendRequest(request: PipelineRequest, next) {
      const operation = operationOf(request.url);
      try {
        const response = await next(request);
        record(operation, responseCode(response));
        return response;
      } catch (err) {
        record(operation, attemptCode(err));
        throw err;
      }
    },
  };
  return { policy, position: 'perRetry' };
}

/** Token endpoint calls go straight to the metric hook (credentials and their token caches outlive a collection). */
export function tokenCountingPolicy(hook: ApiCallHook | undefined): AdditionalPolicy {
  const recorder = new ApiCallRecorder('azure', hook);
  return countingPolicy('cloudpostureTokenCallCounter', entraOperation, (op, code) => recorder.record(op, code));
}

/**
 * The inventory area each operation of a collection feeds (answers.ts). Operations not
 * listed (the Activity Log, Graph sign-ins, ARM:other) are recorded without an area.
 */
export const AZURE_ANSWER_AREAS: Readonly<Record<string, InventoryArea>> = {
  'ARM:resources.list': 'resources',
  'ARM:storageAccounts.list': 'resources',
  'ARM:disks.list': 'resources',
  'ARM:snapshots.list': 'resources',
  'ARM:policyAssignments.list': 'guardrails',
  'ARM:policySetDefinitions.get': 'guardrails',
  'ARM:subscriptionDiagnosticSettings.list': 'auditTrails',
  'ARM:roleAssignments.list': 'identities',
  'ARM:roleDefinitions.list': 'identities',
  'ARM:roleDefinitions.get': 'identities',
  'Graph:userRegistrationDetails': 'identities',
  'Graph:roleDefinitions': 'identities',
  'Graph:roleAssignments': 'identities',
  'Graph:groupTransitiveMembers': 'identities',
  'Graph:directoryObjects.getByIds': 'identities',
  'Graph:signInActivity': 'signInActivity',
  'ARM:lockbox.tenantOptedIn': 'providerAccess',
  'ARM:lockbox.requests': 'providerAccess',
};

/**
 * The areas of a collection's answers: there the Activity Log is read only for Customer
 * Lockbox approvals (lockbox.ts), so its pages feed `providerAccess`; in a change-log
 * read (ChangesTracked) they stay without an area.
 */
export const AZURE_COLLECTION_ANSWER_AREAS: Readonly<Record<string, InventoryArea>> = {
  ...AZURE_ANSWER_AREAS,
  'ARM:activityLogs.list': 'providerAccess',
};

/**
 * A per-retry pipeline policy that records each HTTP answer's digest in `answers`: of the
 * canonical JSON of the body the SDK read (`bodyAsText`, parsed), else of its bytes. A
 * streamed body (none in a collection) is not hashed; an attempt without an HTTP answer
 * records nothing.
 */
export function answeringPolicy(
  answers: AnswerLog,
  operationOf: (url: string) => string,
  areas: Readonly<Record<string, InventoryArea>> = AZURE_ANSWER_AREAS,
): AdditionalPolicy {
  const policy: PipelinePolicy = {
    name: 'cloudpostureAnswerDigest',
    async sendRequest(request: PipelineRequest, next) {
      const response = await next(request);
      try {
        const text = response.bodyAsText;
        if (typeof text === 'string' || !response.readableStreamBody) {
          const operation = operationOf(request.url);
          answers.record({ operation, area: areas[operation], status: response.status, sha256: textAnswerDigest(text ?? '') });
        }
      } catch {
        // evidence capture must never break a call
      }
      return response;
    },
  };
  return { policy, position: 'perRetry' };
}
