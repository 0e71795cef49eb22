// AWS SDK v3 client factory: read-only access, one shared HTTP handler per collection,
// adaptive retries, an optional endpoint override (moto in tests / the demo), a
// middleware on every client that counts each API attempt by operation and outcome, and
// one that records each answer's digest as evidence (answers.ts).

import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';

import type { InventoryArea } from '../../inventory/types.js';
import { sha256Hex } from '../../inventory/canonical-json.js';
import { jsonAnswerDigest, type AnswerLog } from '../answers.js';
import type { ApiCallRecorder } from '../collection-log.js';
import type { ApiCallHook, StaticCredentials } from '../types.js';
import { errorCode } from './errors.js';

export type AwsCredentialProvider = NonNullable<STSClientConfig['credentials']>;

/** Environment variable that overrides every AWS endpoint (tests, the demo). */
export const AWS_ENDPOINT_ENV = 'CLOUDPOSTURE_AWS_ENDPOINT';
/** Region used for global services (IAM, STS, Organizations, S3 ListBuckets). */
export const AWS_HOME_REGION_ENV = 'CLOUDPOSTURE_AWS_HOME_REGION';

export interface AwsClientOptions {
  /** Endpoint override for every client (default: `$CLOUDPOSTURE_AWS_ENDPOINT`, else the real AWS endpoints). */
  endpoint?: string;
  /** Region for global services; default `$CLOUDPOSTURE_AWS_HOME_REGION` or `us-east-1`. */
  homeRegion?: string;
  /** Attempts per API call including the first (adaptive retry mode). Default 5. */
  maxAttempts?: number;
  /** Whole request timeout in ms (default 30 s). */
  requestTimeoutMs?: number;
  /** TCP connect timeout in ms (default 5 s). */
  connectionTimeoutMs?: number;
  /** Sockets per collection (default 64). */
  maxSockets?: number;
  /** Called once per API attempt: wire to `cloudposture_cloud_api_calls_total`. */
  onApiCall?: ApiCallHook;
}

/** SDK client name (`IAMClient`) -> short service name used in operation labels. */
function serviceOf(clientName: unknown): string {
  return typeof clientName === 'string' ? clientName.replace(/Client$/, '') : 'Unknown';
}

/**
 * A client plugin that records every API attempt with `recorder` (also usable for the
 * credential providers' STS clients).
 */
export function countingPlugin(recorder: ApiCallRecorder): { applyToStack: (stack: { add: (mw: unknown, opts: unknown) => void }) => void } {
  return {
    applyToStack: (stack) => {
      stack.add(
        (next: (args: unknown) => Promise<unknown>, context: { clientName?: unknown; commandName?: unknown }) =>
          async (args: unknown) => {
            const op = `${serviceOf(context.clientName)}:${String(context.commandName ?? 'Unknown').replace(/Command$/, '')}`;
            try {
              const out = await next(args);
              recorder.record(op, 'OK');
              return out;
            } catch (err) {
              recorder.record(op, attemptCode(err));
              throw err;
            }
          },
        // deserialize runs inside the retry middleware: one record per attempt
        { step: 'deserialize', name: 'cloudpostureApiCallCounter', priority: 'high', override: true },
      );
    },
  };
}

/**
 * The inventory area each operation of a collection feeds (the area its failure leaves a
 * gap in). Operations not listed (sts:GetCallerIdentity, the organisation discovery)
 * are recorded without an area: they stand behind no single control.
 */
export const AWS_ANSWER_AREAS: Readonly<Record<string, InventoryArea>> = {
  'IAM:GetAccountSummary': 'identities',
  'IAM:GetAccountAuthorizationDetails': 'identities',
  'IAM:ListVirtualMFADevices': 'identities',
  'IAM:ListMFADevices': 'identities',
  'IAM:GenerateCredentialReport': 'identities',
  'IAM:GetCredentialReport': 'identities',
  'IAM:GetRole': 'providerAccess',
  'EC2:DescribeRegions': 'resources',
  'EC2:DescribeInstances': 'resources',
  'EC2:DescribeVolumes': 'resources',
  'EC2:DescribeSnapshots': 'resources',
  'EC2:DescribeSnapshotAttribute': 'exposure',
  'EC2:GetEbsEncryptionByDefault': 'encryption',
  'RDS:DescribeDBInstances': 'resources',
  'RDS:DescribeDBSnapshots': 'resources',
  'RDS:DescribeDBSnapshotAttributes': 'exposure',
  'S3:ListBuckets': 'resources',
  'S3:GetBucketLocation': 'resources',
  'S3:GetBucketEncryption': 'encryption',
  'S3:GetPublicAccessBlock': 'exposure',
  'S3:GetBucketPolicy': 'exposure',
  'S3:GetBucketAcl': 'exposure',
  'S3Control:GetPublicAccessBlock': 'exposure',
  'CloudTrail:DescribeTrails': 'auditTrails',
  'CloudTrail:GetTrailStatus': 'auditTrails',
  'Organizations:DescribeOrganization': 'guardrails',
  'Organizations:ListRoots': 'guardrails',
  'Organizations:ListParents': 'guardrails',
  'Organizations:ListPoliciesForTarget': 'guardrails',
  'Organizations:DescribePolicy': 'guardrails',
};

/**
 * The digest of an SDK answer. The "canonicalised response body" is the deserialized
 * output without `$metadata`, as canonical JSON (dates as ISO strings): hashing it here
 * leaves the response stream to the deserializer, and the same answer gives the same
 * digest whatever the wire format (query XML, JSON). A document returned as bytes (the
 * credential report's CSV in `Content`) is hashed as those raw bytes. A streamed body
 * (s3:GetObject) is not hashed here: whoever reads it hashes the bytes it read.
 */
export function awsOutputDigest(output: unknown): string | undefined {
  if (!output || typeof output !== 'object') return undefined;
  const { $metadata: _metadata, ...body } = output as Record<string, unknown>;
  const values = Object.values(body);
  if (values.some((v) => isStream(v))) return undefined;
  const bytes = values.filter((v): v is Uint8Array => v instanceof Uint8Array);
  if (bytes.length === 1) return sha256Hex(bytes[0]!);
  if (bytes.length > 1) return undefined;
  return jsonAnswerDigest(body);
}

function isStream(v: unknown): boolean {
  return !!v && typeof v === 'object' && (typeof (v as { pipe?: unknown }).pipe === 'function' || typeof (v as { transformToByteArray?: unknown }).transformToByteArray === 'function' || typeof (v as { getReader?: unknown }).getReader === 'function');
}

/**
 * The digest of a failed call's answer: the error code and message as the SDK parsed them
 * from the error body (the body's other fields, a request id, are left out: they differ
 * per call).
 */
export function awsErrorDigest(err: unknown): string | undefined {
  return jsonAnswerDigest({ code: errorCode(err), message: err instanceof Error ? err.message : String(err) });
}

/**
 * A client plugin that records each HTTP answer (digest, status, operation, region) in
 * `answers`. At the deserialize step, after the deserializer and inside the retry
 * middleware: one answer per attempt; an attempt that got no HTTP answer (a timeout, a
 * reset) records none.
 */
export function answeringPlugin(answers: AnswerLog, region: string | undefined): { applyToStack: (stack: { add: (mw: unknown, opts: unknown) => void }) => void } {
  return {
    applyToStack: (stack) => {
      stack.add(
        (next: (args: unknown) => Promise<{ output?: unknown; response?: { statusCode?: number } }>, context: { clientName?: unknown; commandName?: unknown }) =>
          async (args: unknown) => {
            const operation = `${serviceOf(context.clientName)}:${String(context.commandName ?? 'Unknown').replace(/Command$/, '')}`;
            const base = { operation, area: AWS_ANSWER_AREAS[operation], region };
            let out;
            try {
              out = await next(args);
            } catch (err) {
              const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
              const sha256 = status ? awsErrorDigest(err) : undefined;
              if (status && sha256) answers.record({ ...base, status, sha256 });
              else if (status) answers.omitted++;
              throw err;
            }
            try {
              const status = (out.output as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode ?? out.response?.statusCode;
              const sha256 = awsOutputDigest(out.output);
              if (status !== undefined && sha256 !== undefined) answers.record({ ...base, status, sha256 });
            } catch {
              // evidence capture must never break a call
            }
            return out;
          },
        // priority high: wraps the deserializer (normal), so `next` returns once it has
        // parsed the answer into `output` (or thrown the parsed error)
        { step: 'deserialize', name: 'cloudpostureAnswerDigest', priority: 'high', override: true },
      );
    },
  };
}

function attemptCode(err: unknown): string {
  const code = errorCode(err);
  if (code !== 'Unknown') return code;
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return status ? `Http${status}` : 'Error';
}

export function resolveEndpoint(opt?: string): string | undefined {
  const e = opt ?? process.env[AWS_ENDPOINT_ENV];
  return e && e.trim() !== '' ? e.trim() : undefined;
}

export interface CredentialSpec {
  roleArn?: string;
  externalId?: string;
  /** RoleSessionName (default DEFAULT_SESSION_NAME). */
  sessionName?: string;
  staticCredentials?: StaticCredentials;
}

/** RoleSessionName when no namespace is reading (the CloudAccount's own Ready check). */
export const DEFAULT_SESSION_NAME = 'cloudposture-operator';

/**
 * A RoleSessionName naming the namespace whose check reads, so the account's CloudTrail
 * (userIdentity.arn .../assumed-role/<role>/<session>) shows which team read it. AWS
 * allows 2-64 characters of [\w+=,.@-]; namespace names fit after the prefix once cut.
 */
export function sessionNameFor(namespace: string): string {
  return `cloudposture.${namespace}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/** Cache key for a credential spec: never contains a secret (hashed). */
export function credentialFingerprint(spec: CredentialSpec): string {
  const h = createHash('sha256');
  h.update(spec.roleArn ?? '');
  h.update('\0');
  h.update(spec.externalId ?? '');
  h.update('\0');
  h.update(spec.sessionName ?? '');
  h.update('\0');
  const s = spec.staticCredentials;
  if (s) h.update(`${s.accessKeyId}\0${s.secretAccessKey}\0${s.sessionToken ?? ''}`);
  return h.digest('hex').slice(0, 16);
}

/**
 * Credentials: static ones from a Secret when given (fallback), else the default
 * chain (env, web identity / IRSA, container and instance metadata, profile); then,
 * when a role is named, AssumeRole with the external id on top (temporary
 * credentials, refreshed by the provider before expiry).
 */
export function buildCredentials(
  spec: CredentialSpec,
  opts: { endpoint?: string; homeRegion: string; maxAttempts: number },
  recorder?: ApiCallRecorder,
): AwsCredentialProvider {
  const plugins = recorder ? [countingPlugin(recorder)] : [];
  const stsConfig = {
    region: opts.homeRegion,
    maxAttempts: opts.maxAttempts,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
  };
  const s = spec.staticCredentials;
  const base: CredentialFunction = s
    ? async () => ({
        accessKeyId: s.accessKeyId,
        secretAccessKey: s.secretAccessKey,
        ...(s.sessionToken ? { sessionToken: s.sessionToken } : {}),
      })
    : memoizeCredentials(fromNodeProviderChain({ clientConfig: stsConfig }));
  if (!spec.roleArn) return base;
  return memoizeCredentials(fromTemporaryCredentials({
    masterCredentials: base,
    params: {
      RoleArn: spec.roleArn,
      RoleSessionName: spec.sessionName ?? DEFAULT_SESSION_NAME,
      DurationSeconds: 900,
      ...(spec.externalId ? { ExternalId: spec.externalId } : {}),
    },
    clientConfig: stsConfig,
    clientPlugins: plugins as unknown as NonNullable<Parameters<typeof fromTemporaryCredentials>[0]['clientPlugins']>,
  }));
}

type CredentialIdentity = { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };
type CredentialFunction = (props?: Record<string, unknown>) => Promise<CredentialIdentity>;

/**
 * Share one credential fetch between every client of a collection (an AssumeRole
 * per client otherwise) and refresh a minute before expiry; failures are not kept.
 */
export function memoizeCredentials(provider: CredentialFunction): CredentialFunction {
  let current: Promise<CredentialIdentity> | undefined;
  const fresh = (c: CredentialIdentity): boolean => !c.expiration || c.expiration.getTime() - Date.now() > 60_000;
  return async (props?: Record<string, unknown>) => {
    if (current) {
      const c = await current.catch(() => undefined);
      if (c && fresh(c)) return c;
    }
    const p = provider(props);
    current = p;
    try {
      return await p;
    } catch (err) {
      if (current === p) current = undefined;
      throw err;
    }
  };
}

/** All SDK clients of one collection; `destroy()` closes their shared sockets. */
export class AwsClients {
  readonly endpoint: string | undefined;
  readonly homeRegion: string;
  private readonly handler: NodeHttpHandler;
  private readonly cache = new Map<string, { destroy(): void }>();
  private readonly common: Record<string, unknown>;

  constructor(
    credentials: AwsCredentialProvider,
    opts: AwsClientOptions,
    readonly recorder: ApiCallRecorder,
    /** Where each answer's digest goes (collections); none for reads that are not evidence. */
    readonly answers?: AnswerLog,
  ) {
    this.endpoint = resolveEndpoint(opts.endpoint);
    this.homeRegion = opts.homeRegion ?? process.env[AWS_HOME_REGION_ENV] ?? 'us-east-1';
    const maxSockets = opts.maxSockets ?? 64;
    this.handler = new NodeHttpHandler({
      connectionTimeout: opts.connectionTimeoutMs ?? 5_000,
      requestTimeout: opts.requestTimeoutMs ?? 30_000,
      throwOnRequestTimeout: true,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    });
    this.common = {
      credentials,
      requestHandler: this.handler,
      retryMode: 'adaptive',
      maxAttempts: opts.maxAttempts ?? 5,
      ...(this.endpoint ? { endpoint: this.endpoint } : {}),
    };
  }

  private get<T extends { destroy(): void; middlewareStack: unknown }>(key: string, make: () => T, region?: string): T {
    let c = this.cache.get(key) as T | undefined;
    if (!c) {
      c = make();
      (c.middlewareStack as { use(p: unknown): void }).use(countingPlugin(this.recorder));
      if (this.answers) (c.middlewareStack as { use(p: unknown): void }).use(answeringPlugin(this.answers, region));
      this.cache.set(key, c);
    }
    return c;
  }

  sts(): STSClient {
    return this.get('sts', () => new STSClient({ ...this.common, region: this.homeRegion }), this.homeRegion);
  }

  iam(): IAMClient {
    return this.get('iam', () => new IAMClient({ ...this.common, region: this.homeRegion }), this.homeRegion);
  }

  organizations(): OrganizationsClient {
    return this.get('org', () => new OrganizationsClient({ ...this.common, region: this.homeRegion }), this.homeRegion);
  }

  ec2(region: string): EC2Client {
    return this.get(`ec2/${region}`, () => new EC2Client({ ...this.common, region }), region);
  }

  rds(region: string): RDSClient {
    return this.get(`rds/${region}`, () => new RDSClient({ ...this.common, region }), region);
  }

  cloudtrail(region: string): CloudTrailClient {
    return this.get(`cloudtrail/${region}`, () => new CloudTrailClient({ ...this.common, region }), region);
  }

  s3(region?: string): S3Client {
    const r = region ?? this.homeRegion;
    return this.get(
      `s3/${r}`,
      () =>
        new S3Client({
          ...this.common,
          region: r,
          followRegionRedirects: true,
          ...(this.endpoint ? { forcePathStyle: true } : {}),
        }),
      r,
    );
  }

  s3control(): S3ControlClient {
    const endpoint = this.endpoint;
    return this.get(
      's3control',
      () =>
        new S3ControlClient({
          ...this.common,
          region: this.homeRegion,
          ...(endpoint
            ? { endpointProvider: () => ({ url: new URL(endpoint) }), disableHostPrefix: true }
            : {}),
        }),
      this.homeRegion,
    );
  }

  destroy(): void {
    for (const c of this.cache.values()) {
      try {
        c.destroy();
      } catch {
        // ignore
      }
    }
    this.cache.clear();
    this.handler.destroy();
  }
}
