// How an exit drill reports what went wrong: a failed download classified by cause (a
// deleted object is churn, a refused one an exit risk), messages bounded in length, and
// the failures ordered worst first for status.

import { classifyAwsError, errorCode } from '../providers/aws/errors.js';
import type { ExitDrillFailureReason, ExitDrillObjectFailure } from '../inventory/exit-drill.js';

const FAILURE_ORDER: Record<ExitDrillFailureReason, number> = {
  ChecksumMismatch: 0,
  SizeMismatch: 1,
  AccessDenied: 2,
  ReadError: 3,
  NoChecksum: 4,
  ObjectMissing: 5,
};

const MESSAGE_MAX = 500;

/** Cuts a message to what status keeps, marking the cut. */
export function clipMessage(text: string): string {
  return text.length > MESSAGE_MAX ? `${text.slice(0, MESSAGE_MAX - 1)}…` : text;
}

/** Maps a download error to a failure reason. */
export function downloadFailure(key: string, err: unknown): ExitDrillObjectFailure {
  const code = errorCode(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const message = clipMessage(classifyAwsError(err).message);
  if (code === 'NoSuchKey' || code === 'NotFound' || status === 404) {
    return { key, reason: 'ObjectMissing', message: 'deleted after it was listed' };
  }
  // The SDK's own validation of a recorded checksum (ChecksumMode ENABLED): checksums are not secrets.
  const raw = err instanceof Error ? err.message : String(err);
  if (/checksum mismatch/i.test(raw)) return { key, reason: 'ChecksumMismatch', message: clipMessage(raw) };
  const classified = classifyAwsError(err);
  if (classified.reason === 'AccessDenied' || code === 'KMS.AccessDeniedException' || status === 403) {
    return { key, reason: 'AccessDenied', message: `${code}: ${message}` };
  }
  return { key, reason: 'ReadError', message: `${code}: ${message}` };
}

/** Sorts failures in place: worst reason first, then by key. */
export function orderFailures(failures: ExitDrillObjectFailure[]): ExitDrillObjectFailure[] {
  return failures.sort((a, b) => FAILURE_ORDER[a.reason] - FAILURE_ORDER[b.reason] || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
