// Reads the Pulumi state a CloudService names in `spec.iac.pulumi` (imperative shell):
// a DIY backend checkpoint in S3, an exported deployment in a ConfigMap or Secret, or
// the Pulumi Cloud export API. All I/O goes through `deps`, so the reader is tested
// against moto's S3, the real API server and a local HTTP server alike.
//
// Every body is read with a byte cap (STATE_MAX_BYTES by default): an S3 object or a
// Pulumi Cloud answer past it stops streaming there and is StateTooLarge, naming the cap
// and never the content.
//
// Never rejects: every failure is `{ ok: false, failure: { reason, message } }`. The
// Pulumi Cloud token is read from its Secret per call, sent only in the Authorization
// header, and removed from every message. No message quotes what a source returned
// (a parse error gives a position): the content may be a Secret's.

import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { PulumiStateRef } from '../api/types.js';
import { classifyAwsError, redact } from '../providers/aws/errors.js';
import { type ByteSource, discard, readCapped } from '../providers/byte-bounds.js';
import type { AwsCredentialProvider } from '../providers/aws/clients.js';
import type { DeclaredStateResult } from '../inventory/declared-state.js';
import { type StateFailureReason, parseDeclaredStateText } from './checkpoint.js';

/** A classified I/O failure; dependencies may throw it to choose the reason themselves. */
export class StateReadError extends Error {
  constructor(
    readonly reason: StateFailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'StateReadError';
  }
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; signal?: AbortSignal }) => Promise<{
  status: number;
  ok: boolean;
  /** Read only when there is no `body` to stream (the cap is then checked after the fact). */
  text(): Promise<string>;
  /** The response body, streamed with the cap (fetch's Response.body). */
  body?: ByteSource | null;
  headers?: { get(name: string): string | null };
}>;

export interface StateReaderDeps {
  /** The CloudService's namespace: ConfigMaps and Secrets are read there only. */
  namespace: string;
  /**
   * Object body as text, at most `maxBytes` bytes (past it: throw StateReadError
   * StateTooLarge). Throws StateReadError, or an AWS SDK error (classified here).
   */
  getS3Object?(bucket: string, key: string, region: string | undefined, maxBytes: number): Promise<string>;
  /** The key's value, or undefined when the object exists without the key. Throws on API errors (404 -> not found). */
  readConfigMapKey?(namespace: string, name: string, key: string): Promise<string | undefined>;
  /**
   * The key's decoded value, or undefined when the Secret exists without the key. Throws
   * StateReadError SecretNotPermitted for a Secret the operator may not use (the opt-in label).
   */
  readSecretKey?(namespace: string, name: string, key: string): Promise<string | undefined>;
  fetch?: FetchLike;
  /** Pulumi Cloud API base URL (default https://api.pulumi.com). */
  pulumiCloudApi?: string;
  /** Largest state accepted, in bytes (default STATE_MAX_BYTES). */
  maxBytes?: number;
  now?: () => Date;
  signal?: AbortSignal;
}

export const PULUMI_CLOUD_API = 'https://api.pulumi.com';
/** Largest Pulumi state read, in bytes: far above a large stack's checkpoint, well below the operator's heap. */
export const STATE_MAX_BYTES = 64 * 1024 * 1024;

/** The bound in words, for messages: `67108864 bytes (64 MiB)`. */
function describeCap(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) && mib >= 1 ? `${bytes} bytes (${mib} MiB)` : `${bytes} bytes`;
}

/** The state at `where` is past the cap (the message names the cap, never the content). */
export function stateTooLarge(where: string, maxBytes: number): StateReadError {
  return new StateReadError('StateTooLarge', `Pulumi state at ${where} is larger than ${describeCap(maxBytes)}, the most the operator reads`);
}

function fail(reason: StateFailureReason, message: string): DeclaredStateResult {
  return { ok: false, failure: { reason, message } };
}

/** Which source the reference names; exactly one must be set (the CRD's CEL rule says so too). */
export function stateSource(ref: PulumiStateRef): 's3' | 'configMapRef' | 'secretRef' | 'pulumiCloud' | StateReadError {
  const set = (['s3', 'configMapRef', 'secretRef', 'pulumiCloud'] as const).filter((k) => ref[k] !== undefined);
  if (set.length !== 1) {
    return new StateReadError(
      'InvalidStateReference',
      set.length === 0 ? 'spec.iac.pulumi names no state source (s3, configMapRef, secretRef or pulumiCloud)' : `spec.iac.pulumi names ${set.length} state sources (${set.join(', ')}); set exactly one`,
    );
  }
  return set[0] as 's3' | 'configMapRef' | 'secretRef' | 'pulumiCloud';
}

/** Where the state comes from, for the evidence trail (never a credential). */
export function describeSource(ref: PulumiStateRef, namespace: string): string {
  if (ref.s3) return `s3://${ref.s3.bucket}/${ref.s3.key}`;
  if (ref.configMapRef) return `configmap/${namespace}/${ref.configMapRef.name}#${ref.configMapRef.key}`;
  if (ref.secretRef) return `secret/${namespace}/${ref.secretRef.name}#${ref.secretRef.key}`;
  if (ref.pulumiCloud) return `${PULUMI_CLOUD_API.replace(/^https?:\/\//, 'pulumi-cloud://')}/${pulumiCloudStackPath(ref)}`;
  return 'unknown';
}

/** org/project/stack for the export API; the stack is the last segment of ref.stack. */
function pulumiCloudStackPath(ref: PulumiStateRef): string {
  const cloud = ref.pulumiCloud;
  const parts = ref.stack.split('/');
  const stack = parts[parts.length - 1] ?? ref.stack;
  return [cloud?.organization ?? '', cloud?.project ?? '', stack].map(encodeURIComponent).join('/');
}

function statusCodeOf(error: unknown): number | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { code?: unknown; statusCode?: unknown; status?: unknown; response?: { statusCode?: unknown } };
  for (const c of [e.statusCode, e.code, e.status, e.response?.statusCode]) {
    if (typeof c === 'number') return c;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Kubernetes API errors: 404 is a missing object, 401/403 RBAC, anything else unreadable. */
function classifyKubeError(error: unknown, what: string): StateReadError {
  if (error instanceof StateReadError) return error;
  const status = statusCodeOf(error);
  if (status === 404) return new StateReadError('StateNotFound', `${what} not found`);
  if (status === 401 || status === 403) return new StateReadError('AccessDenied', `Not allowed to read ${what} (RBAC)`);
  if (status === 429) return new StateReadError('Throttled', `Reading ${what} was throttled`);
  // The status code only: an API error's text carries its response body and headers.
  if (status !== undefined) return new StateReadError('StateUnreadable', `Could not read ${what} (HTTP ${status})`);
  return new StateReadError('StateUnreadable', `Could not read ${what}: ${redact(messageOf(error)).slice(0, 200)}`);
}

const S3_NOT_FOUND = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound']);

function classifyS3Error(error: unknown, where: string): StateReadError {
  if (error instanceof StateReadError) return error;
  const c = classifyAwsError(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (S3_NOT_FOUND.has(c.code) || status === 404) {
    return new StateReadError('StateNotFound', `Pulumi state not found at ${where}: ${c.code}`);
  }
  const detail = `${where}: ${c.code}${c.message && c.message !== c.code ? ` (${c.message})` : ''}`;
  switch (c.reason) {
    case 'NotFound':
      return new StateReadError('StateNotFound', `Pulumi state not found at ${detail}`);
    case 'AccessDenied':
    case 'CredentialsInvalid':
      return new StateReadError('AccessDenied', `Access denied to the Pulumi state at ${detail}`);
    case 'CredentialsMissing':
      return new StateReadError('CredentialsMissing', `No AWS credentials to read the Pulumi state at ${detail}`);
    case 'Throttled':
      return new StateReadError('Throttled', `Reading the Pulumi state was throttled at ${detail}`);
    case 'AccountUnreachable':
      return new StateReadError('StateUnreachable', `S3 unreachable reading the Pulumi state at ${detail}`);
    default:
      return new StateReadError('StateUnreadable', `Could not read the Pulumi state at ${detail}`);
  }
}

async function fetchPulumiCloud(ref: PulumiStateRef, deps: StateReaderDeps): Promise<string> {
  const cloud = ref.pulumiCloud;
  if (!cloud) throw new StateReadError('InvalidStateReference', 'pulumiCloud is not set');
  if (!deps.fetch) throw new StateReadError('StateUnreadable', 'Pulumi Cloud reads are not configured in this operator');
  if (!deps.readSecretKey) throw new StateReadError('StateUnreadable', 'Secret reads are not configured in this operator');
  const tokenRef = cloud.tokenSecretRef;
  const what = `Secret ${deps.namespace}/${tokenRef.name} key ${tokenRef.key}`;
  let token: string | undefined;
  try {
    token = (await deps.readSecretKey(deps.namespace, tokenRef.name, tokenRef.key))?.trim();
  } catch (error) {
    const e = classifyKubeError(error, what);
    throw e.reason === 'StateNotFound' ? new StateReadError('CredentialsMissing', `Pulumi access token: ${e.message}`) : e;
  }
  if (!token) throw new StateReadError('CredentialsMissing', `Pulumi access token missing: ${what} is empty or absent`);
  const base = (deps.pulumiCloudApi ?? PULUMI_CLOUD_API).replace(/\/+$/, '');
  const url = `${base}/api/stacks/${pulumiCloudStackPath(ref)}/export`;
  const hide = (text: string) => redact(text, [token]);
  let response: Awaited<ReturnType<FetchLike>>;
  try {
    response = await deps.fetch(url, {
      method: 'GET',
      headers: { Authorization: `token ${token}`, Accept: 'application/vnd.pulumi+8', 'Content-Type': 'application/json' },
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
  } catch (error) {
    throw new StateReadError('StateUnreachable', `Pulumi Cloud unreachable (${hide(messageOf(error))})`);
  }
  const stack = pulumiCloudStackPath(ref);
  if (response.status === 404) throw new StateReadError('StateNotFound', `Pulumi Cloud has no stack ${stack}`);
  if (response.status === 401 || response.status === 403) {
    throw new StateReadError('AccessDenied', `Pulumi Cloud refused the access token for ${stack} (HTTP ${response.status})`);
  }
  if (response.status === 429) throw new StateReadError('Throttled', `Pulumi Cloud throttled the export of ${stack}`);
  if (!response.ok) {
    throw new StateReadError(
      response.status >= 500 ? 'StateUnreachable' : 'StateUnreadable',
      `Pulumi Cloud export of ${stack} failed with HTTP ${response.status}`,
    );
  }
  const max = maxBytesOf(deps);
  const where = describeSource(ref, deps.namespace);
  const announced = Number(response.headers?.get('content-length') ?? Number.NaN);
  if (announced > max) {
    await discard(response.body);
    throw stateTooLarge(where, max);
  }
  if (!response.body) return response.text();
  try {
    return (await readCapped(response.body, max, () => stateTooLarge(where, max))).toString('utf8');
  } catch (error) {
    if (error instanceof StateReadError) throw error;
    throw new StateReadError('StateUnreachable', `Pulumi Cloud export of ${stack} broke off (${hide(messageOf(error))})`);
  }
}

function maxBytesOf(deps: StateReaderDeps): number {
  return deps.maxBytes ?? STATE_MAX_BYTES;
}

async function readText(ref: PulumiStateRef, deps: StateReaderDeps): Promise<string> {
  const source = stateSource(ref);
  if (source instanceof StateReadError) throw source;
  switch (source) {
    case 's3': {
      const s3 = ref.s3;
      if (!s3) throw new StateReadError('InvalidStateReference', 's3 is not set');
      if (!deps.getS3Object) throw new StateReadError('StateUnreadable', 'S3 state reads are not configured in this operator');
      try {
        return await deps.getS3Object(s3.bucket, s3.key, s3.region, maxBytesOf(deps));
      } catch (error) {
        throw classifyS3Error(error, `s3://${s3.bucket}/${s3.key}`);
      }
    }
    case 'configMapRef':
    case 'secretRef': {
      const objRef = source === 'configMapRef' ? ref.configMapRef : ref.secretRef;
      const read = source === 'configMapRef' ? deps.readConfigMapKey : deps.readSecretKey;
      const kind = source === 'configMapRef' ? 'ConfigMap' : 'Secret';
      if (!objRef) throw new StateReadError('InvalidStateReference', `${source} is not set`);
      if (!read) throw new StateReadError('StateUnreadable', `${kind} reads are not configured in this operator`);
      const what = `${kind} ${deps.namespace}/${objRef.name}`;
      let value: string | undefined;
      try {
        value = await read(deps.namespace, objRef.name, objRef.key);
      } catch (error) {
        throw classifyKubeError(error, what);
      }
      if (value === undefined) throw new StateReadError('StateNotFound', `${what} has no key ${objRef.key}`);
      return value;
    }
    case 'pulumiCloud':
      return fetchPulumiCloud(ref, deps);
  }
}

/** Reads and parses the state `ref` names. Never rejects. */
export async function readDeclaredState(ref: PulumiStateRef, deps: StateReaderDeps): Promise<DeclaredStateResult> {
  const readAt = (deps.now?.() ?? new Date()).toISOString();
  const source = describeSource(ref, deps.namespace);
  let text: string;
  try {
    text = await readText(ref, deps);
  } catch (error) {
    if (error instanceof StateReadError) return fail(error.reason, error.message);
    return fail('StateUnreadable', `Could not read the Pulumi state from ${source}: ${redact(messageOf(error))}`);
  }
  // Sources that cannot stream (ConfigMap, Secret: at most 1 MiB in Kubernetes) are checked here.
  const max = maxBytesOf(deps);
  if (Buffer.byteLength(text, 'utf8') > max) return fail('StateTooLarge', stateTooLarge(source, max).message);
  if (text.trim() === '') return fail('StateInvalid', `Pulumi state at ${source} is empty`);
  return parseDeclaredStateText(text, { stack: ref.stack, source, readAt });
}

export interface S3StateGetterOptions {
  /** Endpoint override (moto in tests); path-style addressing is used with it. */
  endpoint?: string;
  /** Region when the reference names none (the operator's AWS region). Default us-east-1. */
  defaultRegion?: string;
  credentials?: AwsCredentialProvider;
  /** Path-style addressing (default: on when an endpoint is given). */
  forcePathStyle?: boolean;
  maxAttempts?: number;
}

/**
 * `getS3Object` on S3 clients from `clientFor` (the account's credentials: the AWS
 * collector's object store), streamed with the cap.
 */
export function s3ObjectGetter(clientFor: (region: string) => S3Client, defaultRegion = 'us-east-1'): NonNullable<StateReaderDeps['getS3Object']> {
  return async (bucket, key, region, maxBytes) => {
    const r = await clientFor(region ?? defaultRegion).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!r.Body) throw new StateReadError('StateInvalid', `s3://${bucket}/${key} has no body`);
    const body = r.Body as ByteSource;
    const tooLarge = () => stateTooLarge(`s3://${bucket}/${key}`, maxBytes);
    if (r.ContentLength !== undefined && r.ContentLength > maxBytes) {
      await discard(body);
      throw tooLarge();
    }
    return (await readCapped(body, maxBytes, tooLarge)).toString('utf8');
  };
}

/**
 * A concrete `getS3Object` on the AWS SDK v3 with one set of credentials (tests, the
 * CLI): one client per region, reused. Call `destroy()` on shutdown.
 */
export function createS3StateGetter(options: S3StateGetterOptions = {}): {
  getS3Object: NonNullable<StateReaderDeps['getS3Object']>;
  destroy(): void;
} {
  const clients = new Map<string, S3Client>();
  const client = (region: string): S3Client => {
    let c = clients.get(region);
    if (!c) {
      c = new S3Client({
        region,
        maxAttempts: options.maxAttempts ?? 3,
        forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
      });
      clients.set(region, c);
    }
    return c;
  };
  return {
    getS3Object: s3ObjectGetter(client, options.defaultRegion),
    destroy() {
      for (const c of clients.values()) c.destroy();
      clients.clear();
    },
  };
}
