// How the operator signs in to Microsoft Entra ID, read-only, per target tenant:
//   1. a client secret from the Secret named by the CloudAccount credentialsSecretRef
//      (fallback the user chose explicitly; resolved by the controller);
//   2. workload identity federation (the AKS workload identity webhook mounts a
//      projected service-account token at $AZURE_FEDERATED_TOKEN_FILE);
//   3. a client secret from the operator's environment ($AZURE_CLIENT_SECRET: local
//      runs, the demo);
//   4. DefaultAzureCredential (managed identity, developer sign-ins).
// Credentials are cached per (tenant, client, secret, authority) so MSAL's token cache
// survives between collections: a token is requested about once an hour, not per read.

import { createHash } from 'node:crypto';

import {
  ClientSecretCredential,
  DefaultAzureCredential,
  WorkloadIdentityCredential,
  type AccessToken,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity';

import type { AdditionalPolicy } from './calls.js';

export type AzureCredentialKind = 'secret-ref' | 'workload-identity' | 'environment-secret' | 'default-chain' | 'injected';

type Env = Record<string, string | undefined>;

/** Public and sovereign Microsoft Entra authority hosts: instance discovery works there. */
const KNOWN_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

export interface CredentialRequest {
  tenantId: string;
  /** The CloudAccount spec.azure.clientId; falls back to $AZURE_CLIENT_ID. */
  clientId?: string;
  /** From the referenced Secret (fallback only). */
  secret?: { tenantId: string; clientId: string; clientSecret: string };
  /** Token authority, e.g. https://login.microsoftonline.com (default: the SDK's, or $AZURE_AUTHORITY_HOST). */
  authorityHost?: string;
  env: Env;
  /** Per-retry policies added to the token requests (API call counting). */
  additionalPolicies?: AdditionalPolicy[];
}

export interface ResolvedCredential {
  credential: TokenCredential;
  kind: AzureCredentialKind;
  /** Secrets to redact from messages. */
  secrets: string[];
}

/** Authority host to use: explicit, else $AZURE_AUTHORITY_HOST, else undefined (SDK default). */
export function resolveAuthorityHost(explicit: string | undefined, env: Env): string | undefined {
  const value = [explicit, env.AZURE_AUTHORITY_HOST].map((v) => v?.trim() ?? '').find((v) => v !== '');
  return value === undefined ? undefined : value.replace(/\/+$/, '');
}

/** Instance discovery asks login.microsoftonline.com about the authority: only for known clouds. */
export function instanceDiscoveryDisabled(authorityHost: string | undefined): boolean {
  if (authorityHost === undefined) return false;
  try {
    return !KNOWN_AUTHORITY_HOSTS.has(new URL(authorityHost).hostname.toLowerCase());
  } catch {
    return true;
  }
}

function fingerprint(parts: readonly (string | undefined)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p ?? ''}\0`);
  return h.digest('hex').slice(0, 24);
}

/** A token is reused until this long before it expires (unless the issuer says refresh earlier). */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Shares one token per scope between every client of the operator: the SDK clients'
 * bearer policies, the Graph reader and the credential probe all ask at once at the
 * start of a collection, and MSAL does not join concurrent requests (nor share its
 * cache between CAE and non-CAE requests). In-flight requests are joined; a request
 * carrying claims (a CAE challenge) always goes to the credential.
 */
export class SharedTokenCredential implements TokenCredential {
  private readonly tokens = new Map<string, AccessToken>();
  private readonly pending = new Map<string, Promise<AccessToken | null>>();

  constructor(
    readonly inner: TokenCredential,
    private readonly now: () => number = Date.now,
  ) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    if (options?.claims) return this.inner.getToken(scopes, options);
    const key = [scopes].flat().sort().join(' ');
    const cached = this.tokens.get(key);
    const t = this.now();
    if (cached && t < (cached.refreshAfterTimestamp ?? cached.expiresOnTimestamp - REFRESH_MARGIN_MS)) return cached;
    let inFlight = this.pending.get(key);
    if (!inFlight) {
      // The caller's abort signal is not passed on: the request is shared.
      const { abortSignal: _ignored, ...rest } = options ?? {};
      inFlight = this.inner.getToken(scopes, rest).then(
        (token) => {
          this.pending.delete(key);
          if (token) this.tokens.set(key, token);
          return token;
        },
        (err: unknown) => {
          this.pending.delete(key);
          throw err;
        },
      );
      this.pending.set(key, inFlight);
    }
    // A still-valid cached token beats waiting for a refresh.
    if (cached && t < cached.expiresOnTimestamp - 30_000) return cached;
    return options?.abortSignal ? raceAbort(inFlight, options.abortSignal) : inFlight;
  }
}

function raceAbort<T>(p: Promise<T>, signal: NonNullable<GetTokenOptions['abortSignal']>): Promise<T> {
  if (signal.aborted) return Promise.reject(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }));
    signal.addEventListener('abort', onAbort);
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Chooses and caches credentials. One instance per collector. */
export class CredentialCache {
  private readonly cache = new Map<string, ResolvedCredential>();

  constructor(private readonly maxEntries = 256) {}

  resolve(req: CredentialRequest): ResolvedCredential {
    const authorityHost = resolveAuthorityHost(req.authorityHost, req.env);
    const common = {
      ...(authorityHost ? { authorityHost } : {}),
      ...(instanceDiscoveryDisabled(authorityHost) ? { disableInstanceDiscovery: true } : {}),
      ...(req.additionalPolicies ? { additionalPolicies: req.additionalPolicies } : {}),
    };
    const clientId = req.clientId ?? req.env.AZURE_CLIENT_ID;
    const tokenFile = req.env.AZURE_FEDERATED_TOKEN_FILE;
    const envSecret = req.env.AZURE_CLIENT_SECRET;

    let key: string;
    let make: () => ResolvedCredential;
    if (req.secret) {
      const s = req.secret;
      key = fingerprint(['secret-ref', s.tenantId, s.clientId, s.clientSecret, authorityHost]);
      make = () => ({
        credential: new ClientSecretCredential(s.tenantId, s.clientId, s.clientSecret, common),
        kind: 'secret-ref',
        secrets: [s.clientSecret],
      });
    } else if (tokenFile && clientId) {
      key = fingerprint(['workload-identity', req.tenantId, clientId, tokenFile, authorityHost]);
      make = () => ({
        credential: new WorkloadIdentityCredential({ ...common, tenantId: req.tenantId, clientId, tokenFilePath: tokenFile }),
        kind: 'workload-identity',
        secrets: [],
      });
    } else if (envSecret && clientId) {
      key = fingerprint(['environment-secret', req.tenantId, clientId, envSecret, authorityHost]);
      make = () => ({
        credential: new ClientSecretCredential(req.tenantId, clientId, envSecret, common),
        kind: 'environment-secret',
        secrets: [envSecret],
      });
    } else {
      key = fingerprint(['default-chain', req.tenantId, clientId, authorityHost]);
      make = () => ({
        credential: new DefaultAzureCredential({
          ...common,
          tenantId: req.tenantId,
          ...(clientId ? { managedIdentityClientId: clientId, workloadIdentityClientId: clientId } : {}),
        }),
        kind: 'default-chain',
        secrets: [],
      });
    }
    let entry = this.cache.get(key);
    if (entry === undefined) {
      if (this.cache.size >= this.maxEntries) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      const made = make();
      entry = { ...made, credential: new SharedTokenCredential(made.credential) };
      this.cache.set(key, entry);
    }
    return entry;
  }
}
