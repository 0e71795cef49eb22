// The facts an automated exit drill produces (spec.exitPlan.drill, checklist step 7).
// Plain data, no I/O: the drill (drill.ts) fills it, the control
// (controls/exit-plan/exit-drill-verified.ts) decides on it, status.exitDrill persists
// it between runs.

/** Why one sampled object did not pass. */
export type ExitDrillFailureReason =
  /** The local copy does not match a checksum the store recorded (corruption). */
  | 'ChecksumMismatch'
  /** Fewer or more bytes arrived than the store announced (truncation). */
  | 'SizeMismatch'
  /** Deleted between listing and download: churn, not a failure of the export. */
  | 'ObjectMissing'
  /** The export path is refused (bucket policy, KMS key policy): a real exit risk. */
  | 'AccessDenied'
  /** Downloaded, but the store recorded no checksum that can be checked (e.g. SSE-KMS with no SHA-256/CRC32). */
  | 'NoChecksum'
  /** Transient read failure that survived the SDK's retries (throttling, network). */
  | 'ReadError';

export const EXIT_DRILL_FAILURE_REASONS: readonly ExitDrillFailureReason[] = [
  'ChecksumMismatch',
  'SizeMismatch',
  'ObjectMissing',
  'AccessDenied',
  'NoChecksum',
  'ReadError',
];

export interface ExitDrillObjectFailure {
  key: string;
  reason: ExitDrillFailureReason;
  message: string;
}

export interface ExitDrillChecksumCounts {
  /** Verified against the ETag (MD5 of a single-part upload, or MD5 of the part MD5s). */
  md5: number;
  sha256: number;
  crc32: number;
}

/** One drill run (or the last run, as reconstructed from status.exitDrill). */
export interface ExitDrillResult {
  /** When the run started (RFC 3339). */
  ranAt: string;
  /** Wall time of the run, listing included. */
  durationSeconds: number;
  /** `s3://bucket/prefix`. */
  source: string;
  /** Set when the run could not happen at all (listing refused, no local storage): the rest is zero. */
  error?: { reason: string; message: string };
  /** Objects and bytes under the prefix; lower bounds when `listingComplete` is false. */
  totalObjects: number;
  totalBytes: number;
  listingComplete: boolean;
  objectsSampled: number;
  /** Sampled objects whose local copy matched every checksum the store recorded (at least one). */
  objectsVerified: number;
  /** Bytes downloaded. */
  bytes: number;
  throughputBytesPerSecond: number;
  estimatedFullExportSeconds: number;
  recoveryTimeObjectiveSeconds: number;
  checksums: ExitDrillChecksumCounts;
  /** At most EXIT_DRILL_FAILURES_MAX, worst first; the rest counted in failuresOmitted. */
  failures: ExitDrillObjectFailure[];
  failuresOmitted: number;
  /** Objects left out of the sample because they would exceed the local byte budget. */
  oversizedSkipped?: number;
  /**
   * The latest run that passed, this one or an earlier one: filled from status.exitDrill
   * by `exitDrillResultFromStatus` / `exitDrillStatus`, never by the runner.
   */
  lastSuccessAt?: string;
}

/** Bound of status.exitDrill.failures (the CRD's maxItems). */
export const EXIT_DRILL_FAILURES_MAX = 20;

/** spec.exitPlan.drill defaults (the CRD's). */
export const DEFAULT_SAMPLE_OBJECTS = 20;
export const DEFAULT_DRILL_INTERVAL = '168h';
