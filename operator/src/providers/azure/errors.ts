// Map Azure SDK, Microsoft Entra (token) and Microsoft Graph errors to the reasons the
// controls understand (the same vocabulary as the AWS collector). Messages built here
// never contain a secret or a token: they are assembled from the error code and a
// redacted, truncated service message.

export type AzureFailureReason =
  | 'CredentialsMissing'
  | 'CredentialsInvalid'
  | 'AccessDenied'
  | 'Throttled'
  | 'AccountUnreachable'
  | 'AccountNotFound'
  | 'LicenseRequired'
  | 'Aborted'
  | 'NotFound'
  | 'CollectionError';

export interface ClassifiedAzureError {
  reason: AzureFailureReason;
  /** Service error code (AuthorizationFailed, invalid_client, ...), Node errno, or HTTP status as `HTTP<nnn>`. */
  code: string;
  /** Redacted, bounded message. */
  message: string;
  /** HTTP status when a response arrived. */
  status?: number;
}

/** An error answer from Microsoft Graph (thrown by the Graph reader in graph.ts). */
export class GraphError extends Error {
  override readonly name = 'GraphError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Graph: the tenant lacks Microsoft Entra ID P1/P2 (registration details, sign-in reports). */
export const NON_PREMIUM_TENANT = 'Authentication_RequestFromNonPremiumTenantOrB2CTenant';

const CREDENTIALS_INVALID_CODES = new Set([
  'InvalidAuthenticationToken',
  'InvalidAuthenticationTokenTenant',
  'InvalidAuthenticationTokenAudience',
  'ExpiredAuthenticationToken',
  'AuthenticationFailed',
  'InvalidAuthenticationInfo',
  // OAuth 2.0 token endpoint errors
  'invalid_client',
  'unauthorized_client',
  'invalid_grant',
  'invalid_request',
  'invalid_resource',
  'invalid_scope',
]);

const ACCESS_DENIED_CODES = new Set([
  'AuthorizationFailed',
  'LinkedAuthorizationFailed',
  'Authorization_RequestDenied',
  'Forbidden',
  'accessDenied',
  'AccessDenied',
  'RequestDisallowedByPolicy',
]);

const THROTTLED_CODES = new Set([
  'TooManyRequests',
  'SubscriptionRequestsThrottled',
  'ResourceCollectionRequestsThrottled',
  'TenantRequestsThrottled',
  'ResourceRequestsThrottled',
  'activityLimitReached',
  'throttledRequest',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'REQUEST_SEND_ERROR',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  status?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  errorResponse?: { error?: unknown; errorDescription?: unknown; errorCodes?: unknown };
}

function asErrorLike(err: unknown): ErrorLike {
  return err && typeof err === 'object' ? (err as ErrorLike) : {};
}

/** A Node / undici network error code anywhere in the cause chain or the message. */
export function networkCode(err: unknown): string | undefined {
  let e: ErrorLike | undefined = asErrorLike(err);
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code) && e.code !== 'REQUEST_SEND_ERROR') return e.code;
    const msg = typeof e.message === 'string' ? e.message : '';
    const m = /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_HAS_EXPIRED)\b/.exec(msg);
    if (m?.[1] && NETWORK_CODES.has(m[1])) return m[1];
    e = e.cause ? asErrorLike(e.cause) : undefined;
  }
  if (asErrorLike(err).code === 'REQUEST_SEND_ERROR') return 'REQUEST_SEND_ERROR';
  return undefined;
}

/** Tokens, secrets, assertions and long opaque runs are removed; the text is bounded. */
export function redactAzure(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('[REDACTED]');
  }
  out = out
    // JWTs (access tokens, client assertions)
    .replace(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '[REDACTED]')
    .replace(/(Bearer\s+)[^\s"',]+/gi, '$1[REDACTED]')
    .replace(/(client_secret=|client_assertion=|access_token=)[^&\s"']+/gi, '$1[REDACTED]')
    // SAS signatures
    .replace(/([?&]sig=)[^&\s"']+/gi, '$1[REDACTED]')
    // long base64-ish runs
    .replace(/[A-Za-z0-9+/=_~.-]{48,}/g, '[REDACTED]');
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > 300 ? `${out.slice(0, 297)}...` : out;
}

/** Token errors surfaced by @azure/identity (MSAL's server errors arrive as AuthenticationRequiredError). */
const TOKEN_ERROR_NAMES = new Set(['AuthenticationError', 'AuthenticationRequiredError']);

/** `invalid_client: Error(s): 7000215 - ...` -> invalid_client. */
function oauthErrorOf(e: ErrorLike): string | undefined {
  const structured = e.errorResponse?.error;
  if (typeof structured === 'string' && structured) return structured;
  if (typeof e.name === 'string' && TOKEN_ERROR_NAMES.has(e.name) && typeof e.message === 'string') {
    return /^([a-z_]{3,40}):/.exec(e.message)?.[1];
  }
  return undefined;
}

/** The AADSTS sentence of a token error ("AADSTS7000215: Invalid client secret provided."), when present. */
function aadstsSentence(text: string): string | undefined {
  return /(AADSTS\d+:[^.]*\.)/.exec(text)?.[1];
}

/** MSAL could not reach the authority's metadata (network, DNS, TLS). */
function authorityUnreachable(e: ErrorLike): boolean {
  return typeof e.message === 'string' && /endpoints_resolution_error/i.test(e.message);
}

/** A single credential (not a chain) that failed on the network. */
function credentialNetworkFailure(e: ErrorLike): boolean {
  return e.name === 'CredentialUnavailableError' && typeof e.message === 'string' && /endpoints_resolution_error|network_error/i.test(e.message);
}

/** The most specific code an error carries (service code, OAuth error, errno, HTTP status). */
export function azureErrorCode(err: unknown): string {
  const e = asErrorLike(err);
  if (e.name === 'AbortError') return 'AbortError';
  const oauth = oauthErrorOf(e);
  if (oauth) return oauth;
  if (authorityUnreachable(e)) return 'AuthorityUnreachable';
  if (typeof e.code === 'string' && e.code && e.code !== 'REQUEST_SEND_ERROR') return e.code;
  const net = networkCode(err);
  if (net) return net;
  const status = statusOf(err);
  if (status !== undefined) return `HTTP${status}`;
  if (typeof e.name === 'string' && e.name && e.name !== 'Error') return e.name;
  return 'Unknown';
}

function statusOf(err: unknown): number | undefined {
  const e = asErrorLike(err);
  const s = typeof e.statusCode === 'number' ? e.statusCode : typeof e.status === 'number' ? e.status : undefined;
  return s !== undefined && s > 0 ? s : undefined;
}

function unavailable(inner: unknown): boolean {
  const e = asErrorLike(inner);
  return e.name === 'CredentialUnavailableError' && !authorityUnreachable(e);
}

function allUnavailable(err: unknown): boolean {
  const e = asErrorLike(err);
  if (unavailable(err)) return true;
  if (e.name === 'AggregateAuthenticationError' && Array.isArray(e.errors)) return e.errors.every(unavailable);
  return false;
}

export function classifyAzureError(err: unknown, secrets: readonly (string | undefined)[] = []): ClassifiedAzureError {
  const e = asErrorLike(err);
  const code = azureErrorCode(err);
  const status = statusOf(err);
  const description = typeof e.errorResponse?.errorDescription === 'string' ? e.errorResponse.errorDescription : '';
  const raw = description || (typeof e.message === 'string' ? e.message : String(err));
  // The AADSTS sentence says it all; the rest of a token error is trace and correlation ids.
  const aadsts = aadstsSentence(raw);
  const oauth = oauthErrorOf(e);
  const concise = aadsts ? `${oauth ? `${oauth}: ` : ''}${aadsts}` : (raw.split(/\r?\n/)[0] ?? raw);
  const message = redactAzure(concise, secrets);
  const withStatus = (reason: AzureFailureReason): ClassifiedAzureError =>
    status === undefined ? { reason, code, message } : { reason, code, message, status };

  if (code === 'AbortError' || code === 'ABORT_ERR') return withStatus('Aborted');
  if (credentialNetworkFailure(e)) return withStatus('AccountUnreachable');
  // In a chain (DefaultAzureCredential), an unreachable managed-identity endpoint only
  // means "no managed identity here".
  if (allUnavailable(err)) return withStatus('CredentialsMissing');
  if (e.name === 'AggregateAuthenticationError' && Array.isArray(e.errors)) {
    // DefaultAzureCredential: the first credential that was available decides.
    const decisive = e.errors.find((inner) => !unavailable(inner));
    if (decisive !== undefined) {
      const inner = classifyAzureError(decisive, secrets);
      return inner.reason === 'CollectionError' ? { ...inner, reason: 'CredentialsInvalid' } : inner;
    }
  }
  const net = networkCode(err);
  if (net !== undefined && (status === undefined || TOKEN_ERROR_NAMES.has(String(e.name)))) {
    return { reason: 'AccountUnreachable', code: net, message };
  }
  if (authorityUnreachable(e)) return withStatus('AccountUnreachable');
  if (code === NON_PREMIUM_TENANT) return withStatus('LicenseRequired');
  if (code === 'SubscriptionNotFound' || code === 'InvalidSubscriptionId') return withStatus('AccountNotFound');
  if (TOKEN_ERROR_NAMES.has(String(e.name))) {
    // The token endpoint answered: wrong tenant, unknown client, bad secret or assertion.
    if (status === 429) return withStatus('Throttled');
    if (status !== undefined && status >= 500) return withStatus('AccountUnreachable');
    return withStatus('CredentialsInvalid');
  }
  if (CREDENTIALS_INVALID_CODES.has(code) || status === 401) return withStatus('CredentialsInvalid');
  if (ACCESS_DENIED_CODES.has(code) || status === 403) return withStatus('AccessDenied');
  if (THROTTLED_CODES.has(code) || status === 429) return withStatus('Throttled');
  if (status === 404 || code.endsWith('NotFound') || code === 'Request_ResourceNotFound') return withStatus('NotFound');
  if (status !== undefined && (status === 502 || status === 503 || status === 504)) return withStatus('AccountUnreachable');
  return withStatus('CollectionError');
}

/** Gap reasons use `Unreachable` for network failures (see CollectionGap). */
export function azureGapReason(reason: AzureFailureReason): string {
  return reason === 'AccountUnreachable' ? 'Unreachable' : reason;
}

/** The `code` label of `cloudposture_cloud_api_calls_total` for a failed attempt. */
export function attemptCode(err: unknown): string {
  const net = networkCode(err);
  if (net !== undefined && statusOf(err) === undefined) return 'NetworkError';
  const code = azureErrorCode(err);
  return code === 'Unknown' ? 'Error' : code;
}
