// Map AWS SDK v3 / network errors to the reasons the controls understand.
// Messages built here never contain credentials: they are assembled from the error
// code and a redacted, truncated service message.

export type AwsFailureReason =
  | 'CredentialsMissing'
  | 'CredentialsInvalid'
  | 'AccessDenied'
  | 'Throttled'
  | 'AccountUnreachable'
  | 'Aborted'
  | 'NotFound'
  | 'RegionNotEnabled'
  /** AWS answered 5xx after the SDK's retries: a provider-side fault, not a finding. */
  | 'ServiceUnavailable'
  | 'CollectionError';

export interface ClassifiedError {
  reason: AwsFailureReason;
  /** Provider error code or Node errno (e.g. AccessDenied, ECONNREFUSED); `Unknown` otherwise. */
  code: string;
  /** Redacted, bounded message. */
  message: string;
}

const CREDENTIALS_INVALID = new Set([
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'InvalidToken',
  'TokenRefreshRequired',
  'AuthFailure',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
]);

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'AuthorizationError',
  'AllAccessDisabled',
  'Forbidden',
]);

const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'EC2ThrottledException',
  'ProvisionedThroughputExceededException',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
]);

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const NOT_FOUND = new Set([
  'NoSuchBucket',
  'NoSuchEntity',
  'TrailNotFoundException',
  'InvalidSnapshot.NotFound',
  'DBSnapshotNotFound',
  'DBSnapshotNotFoundFault',
]);

interface ErrorLike {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const NETWORK_CODE_IN_TEXT = /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)\b/;

/** The most specific code an SDK / Node error carries. */
export function errorCode(err: unknown): string {
  if (!err || typeof err !== 'object') return 'Unknown';
  const e = err as ErrorLike;
  // Node errno codes (also nested in `cause`, or in an AggregateError's errors)
  for (const c of [e.code, (e.cause as ErrorLike | undefined)?.code]) {
    if (typeof c === 'string' && /^E[A-Z_]+$|^UND_ERR/.test(c)) return c;
  }
  const nested = (err as { errors?: unknown[] }).errors;
  if (Array.isArray(nested)) {
    for (const inner of nested) {
      const c = (inner as ErrorLike | undefined)?.code;
      if (typeof c === 'string' && /^E[A-Z_]+$/.test(c)) return c;
    }
  }
  if (typeof e.Code === 'string' && e.Code) return e.Code;
  if (typeof e.name === 'string' && e.name && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string' && e.code) return e.code;
  // errors the SDK could not keep as objects (e.g. from another realm) survive only
  // as text: "AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1"
  const m = typeof e.message === 'string' ? NETWORK_CODE_IN_TEXT.exec(e.message) : null;
  if (m?.[1]) return m[1];
  return 'Unknown';
}

/** Anything that looks like an AWS access key id, secret or token is removed. */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('[REDACTED]');
  }
  out = out
    .replace(/\b(AKIA|ASIA|AROA|AIDA|ABIA|ACCA)[A-Z0-9]{12,}\b/g, '[REDACTED]')
    // long base64-ish runs (secrets, session tokens, signatures)
    .replace(/[A-Za-z0-9+/=]{40,}/g, '[REDACTED]')
    .replace(/(Credential=)[^,\s]+/g, '$1[REDACTED]')
    .replace(/(Signature=)[^,\s]+/g, '$1[REDACTED]');
  return out.length > 300 ? `${out.slice(0, 297)}...` : out;
}

export function classifyAwsError(err: unknown, secrets: readonly (string | undefined)[] = []): ClassifiedError {
  const code = errorCode(err);
  const e = (err && typeof err === 'object' ? err : {}) as ErrorLike;
  const raw = typeof e.message === 'string' ? e.message : String(err);
  const message = redact(raw, secrets);
  let reason: AwsFailureReason;
  if (code === 'AbortError' || code === 'ABORT_ERR') reason = 'Aborted';
  else if (code === 'CredentialsProviderError' || /could not load credentials/i.test(raw)) reason = 'CredentialsMissing';
  else if (CREDENTIALS_INVALID.has(code)) reason = 'CredentialsInvalid';
  else if (ACCESS_DENIED.has(code) || code.startsWith('AccessDenied')) reason = 'AccessDenied';
  else if (THROTTLED.has(code) || e.$metadata?.httpStatusCode === 429) reason = 'Throttled';
  else if (UNREACHABLE.has(code)) reason = 'AccountUnreachable';
  else if (NOT_FOUND.has(code) || code.endsWith('NotFound') || code.endsWith('NotFoundException')) reason = 'NotFound';
  else if (code === 'OptInRequired' || code === 'InvalidClientTokenId.RegionDisabled') reason = 'RegionNotEnabled';
  else if (e.$metadata?.httpStatusCode === 403) reason = 'AccessDenied';
  else if ((e.$metadata?.httpStatusCode ?? 0) >= 500) reason = 'ServiceUnavailable';
  else reason = 'CollectionError';
  return { reason, code, message };
}

/** Gap reasons use `Unreachable` for network failures (see CollectionGap). */
export function gapReason(reason: AwsFailureReason): string {
  return reason === 'AccountUnreachable' ? 'Unreachable' : reason;
}
