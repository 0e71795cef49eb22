// Typed operator configuration from CLOUDPOSTURE_* environment variables (flags map
// onto the same names), validated at start-up so a typo fails loudly, not silently.

import { MAX_TIMER_DELAY_MS, parseDuration } from './api/duration.js';
import { parseByteQuantity } from './api/quantity.js';
import { DEFAULT_RETENTION_DAYS } from './evidence/chain.js';
import { DEFAULT_EVIDENCE_PREFIX } from './evidence/record.js';
import { defaultScratchBudget } from './exitdrill/budget.js';

export interface OperatorConfig {
  /** host:port for /metrics, /healthz, /readyz. */
  metricsAddress: string;
  /** Parallel reconciles. */
  concurrency: number;
  /** Interval for services that do not set spec.interval. */
  defaultIntervalMs: number;
  /** Full relist of watched kinds, as a safety net for missed watch events. */
  resyncPeriodMs: number;
  /** A watch with no event (bookmarks included) for this long is restarted. */
  watchStaleAfterMs: number;
  /** /healthz fails while a watched kind has had no list, watch opened or watch event for this long. */
  watchStuckAfterMs: number;
  /** Every Kubernetes API request (leases, lists, reads, status writes, Events) is cut after this long. */
  kubeRequestTimeoutMs: number;
  /** A reconcile still running after this long is aborted and retried with backoff. */
  reconcileTimeoutMs: number;
  /** /healthz fails while a reconcile runs this long, or keys wait this long with no reconcile starting or finishing. */
  queueStuckAfterMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Grace for in-flight reconciles on SIGTERM. */
  shutdownGraceMs: number;
  /** Only this namespace (empty: all namespaces). */
  watchNamespace: string;
  /** The operator's own namespace: CloudAccount credentials Secrets live here (POD_NAMESPACE). */
  operatorNamespace: string;
  /** How often each CloudAccount's Ready condition is re-checked (one identity call). */
  accountCheckIntervalMs: number;
  /** Name of the CloudSecurityPolicy that applies. */
  policyName: string;
  /** Per-account backoff after a failed collection: first wait, doubled per failure up to the max. */
  accountBackoffBaseMs: number;
  accountBackoffMaxMs: number;
  /** One cloud API request's timeout, and attempts per call (throttling retried adaptively). */
  cloudRequestTimeoutMs: number;
  cloudMaxAttempts: number;
  /** Local AWS endpoint (moto) for tests and the demo; empty in production. */
  awsEndpoint: string;
  /** Local Resource Manager / Graph endpoints for tests and the demo. */
  azureResourceManagerEndpoint: string;
  azureGraphEndpoint: string;
  /**
   * Evidence history (evidence/): the Object Lock bucket records are appended to, with the
   * operator's own AWS identity (default credential chain), never a tenant's. Empty: off.
   */
  evidenceBucket: string;
  /** Key prefix of the records in that bucket. */
  evidencePrefix: string;
  /** COMPLIANCE retention of each record after its time, in days (1..36500). */
  evidenceRetentionDays: number;
  /** Records waiting to be appended, across all services; past it the newest is dropped (and counted). */
  evidenceQueueMax: number;
  /** Folder the waiting evaluations are also kept in, so a restart writes them (an emptyDir in the chart); empty: memory only. */
  evidenceSpoolDir: string;
  /** Bytes the spool's files may take on that volume, below its sizeLimit (default 64 MiB). */
  evidenceSpoolMaxBytes: number;
  /** The evidence bucket's region (default `CLOUDPOSTURE_AWS_HOME_REGION`, else us-east-1); the endpoint is `awsEndpoint`. */
  evidenceRegion: string;
  /** Serve GET /report (TokenReview + SubjectAccessReview per request); needs TLS. */
  serveReport: boolean;
  /** PEM files of the HTTPS certificate (reloaded when they change); empty: self-signed at start. */
  tlsCertFile: string;
  tlsKeyFile: string;
  /** /metrics over HTTPS for callers allowed `get` on /metrics (TokenReview + SubjectAccessReview); false: plain HTTP, open. */
  metricsSecure: boolean;
  /** TokenReview audience of /metrics tokens; empty: the API server's own (a ServiceAccount token as mounted). */
  metricsTokenAudience: string;
  /** TokenReview audience /report tokens must carry (`kubectl create token --audience`); never empty. */
  reportTokenAudience: string;
  /** SubjectAccessReviews in flight at once, process-wide (TokenReviews likewise). */
  accessReviewConcurrency: number;
  /** How long a TokenReview / SubjectAccessReview answer is reused. */
  accessReviewCacheTtlMs: number;
  /** Most SubjectAccessReview answers one report request may consult; past it the report says it is truncated. */
  reportMaxReviews: number;
  /** Scratch folder for exit-drill downloads (an emptyDir in the chart); empty: the OS temp dir. */
  exitDrillDir: string;
  /** sizeLimit of that scratch volume (the chart's exitDrill.scratchSizeLimit), in bytes. */
  exitDrillScratchSizeLimitBytes: number;
  /** Bytes all running drills may hold there together, below the sizeLimit (default 7/8 of it). */
  exitDrillScratchBudgetBytes: number;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** Identifies this replica in Events and Leases. */
  instanceName: string;
  /** Only the holder of the Lease reconciles; standbys keep warm caches. */
  leaderElection: boolean;
  leaderElectionNamespace: string;
  leaseName: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /**
   * Shards the CloudAccounts are spread over (controller/shards.ts). 1: leader election as
   * before. More: each replica reconciles the accounts of the shards whose Leases it holds
   * (`<leaseName>-shard-<i>`, member slots `<leaseName>-member-<k>`); needs leader election on.
   */
  shards: number;
}

/** Most shards: a Lease each, renewed every retry period by their holders. */
export const MAX_SHARDS = 256;

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** Reads config from env (`CLOUDPOSTURE_*`) and `--kebab-case=value` flags; flags win. */
export function loadConfig(env: Env = process.env, argv: readonly string[] = []): OperatorConfig {
  const values: Env = { ...env };
  for (const arg of argv) {
    const match = /^--([a-z0-9-]+)=(.*)$/.exec(arg);
    if (!match) throw new Error(`unrecognised argument "${arg}": use --name=value`);
    values[`CLOUDPOSTURE_${(match[1] as string).toUpperCase().replace(/-/g, '_')}`] = match[2];
  }
  const read = (name: string, fallback: string): string => values[`CLOUDPOSTURE_${name}`] ?? fallback;
  const anyDuration = (name: string, fallback: string): number => {
    try {
      return parseDuration(read(name, fallback));
    } catch (error) {
      throw new Error(`CLOUDPOSTURE_${name}: ${(error as Error).message}`);
    }
  };
  // These settings drive one timer each: a longer one would fire at once (MAX_TIMER_DELAY_MS).
  // Only the default interval may be longer: the work queue chains its delays.
  const duration = (name: string, fallback: string): number => {
    const ms = anyDuration(name, fallback);
    if (ms > MAX_TIMER_DELAY_MS) throw new Error(`CLOUDPOSTURE_${name}: at most 596h (timers overflow beyond 2^31-1 ms), got "${read(name, fallback)}"`);
    return ms;
  };
  const integer = (name: string, fallback: number, min: number): number => {
    const raw = read(name, String(fallback));
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new Error(`CLOUDPOSTURE_${name}: expected an integer >= ${min}, got "${raw}"`);
    }
    return value;
  };
  const boolean = (name: string, fallback: boolean): boolean => {
    const raw = read(name, String(fallback)).toLowerCase();
    if (raw !== 'true' && raw !== 'false') throw new Error(`CLOUDPOSTURE_${name}: expected true or false, got "${raw}"`);
    return raw === 'true';
  };
  const logLevel = read('LOG_LEVEL', 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new Error(`CLOUDPOSTURE_LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const metricsAddress = read('METRICS_ADDRESS', '0.0.0.0:8080');
  if (!/^[^:]*:\d+$/.test(metricsAddress)) {
    throw new Error(`CLOUDPOSTURE_METRICS_ADDRESS: expected host:port, got "${metricsAddress}"`);
  }
  const config: OperatorConfig = {
    metricsAddress,
    concurrency: integer('CONCURRENCY', 4, 1),
    defaultIntervalMs: anyDuration('DEFAULT_INTERVAL', '10m'),
    resyncPeriodMs: duration('RESYNC_PERIOD', '10m'),
    watchStaleAfterMs: duration('WATCH_STALE_AFTER', '5m'),
    watchStuckAfterMs: duration('WATCH_STUCK_AFTER', '15m'),
    kubeRequestTimeoutMs: duration('KUBE_REQUEST_TIMEOUT', '30s'),
    reconcileTimeoutMs: duration('RECONCILE_TIMEOUT', '10m'),
    queueStuckAfterMs: duration('QUEUE_STUCK_AFTER', '15m'),
    backoffBaseMs: duration('BACKOFF_BASE', '1s'),
    backoffMaxMs: duration('BACKOFF_MAX', '10m'),
    shutdownGraceMs: duration('SHUTDOWN_GRACE', '20s'),
    watchNamespace: read('WATCH_NAMESPACE', ''),
    operatorNamespace: read('OPERATOR_NAMESPACE', values.POD_NAMESPACE ?? 'default'),
    accountCheckIntervalMs: duration('ACCOUNT_CHECK_INTERVAL', '10m'),
    policyName: read('POLICY_NAME', 'default'),
    accountBackoffBaseMs: duration('ACCOUNT_BACKOFF_BASE', '30s'),
    accountBackoffMaxMs: duration('ACCOUNT_BACKOFF_MAX', '10m'),
    cloudRequestTimeoutMs: duration('CLOUD_REQUEST_TIMEOUT', '30s'),
    cloudMaxAttempts: integer('CLOUD_MAX_ATTEMPTS', 5, 1),
    awsEndpoint: read('AWS_ENDPOINT', ''),
    azureResourceManagerEndpoint: read('AZURE_RESOURCE_MANAGER_ENDPOINT', ''),
    azureGraphEndpoint: read('AZURE_GRAPH_ENDPOINT', ''),
    evidenceBucket: read('EVIDENCE_BUCKET', '').trim(),
    evidencePrefix: read('EVIDENCE_PREFIX', DEFAULT_EVIDENCE_PREFIX).replace(/\/+$/, ''),
    evidenceRetentionDays: integer('EVIDENCE_RETENTION_DAYS', DEFAULT_RETENTION_DAYS, 1),
    evidenceQueueMax: integer('EVIDENCE_QUEUE_MAX', 1000, 1),
    ...evidenceSpool(read),
    evidenceRegion: read('EVIDENCE_REGION', read('AWS_HOME_REGION', '') || 'us-east-1'),
    exitDrillDir: read('EXIT_DRILL_DIR', ''),
    ...exitDrillScratch(read),
    serveReport: boolean('SERVE_REPORT', false),
    tlsCertFile: read('TLS_CERT_FILE', ''),
    tlsKeyFile: read('TLS_KEY_FILE', ''),
    metricsSecure: boolean('METRICS_SECURE', true),
    metricsTokenAudience: read('METRICS_TOKEN_AUDIENCE', ''),
    reportTokenAudience: read('REPORT_TOKEN_AUDIENCE', 'cloud-posture-operator'),
    accessReviewConcurrency: integer('ACCESS_REVIEW_CONCURRENCY', 8, 1),
    accessReviewCacheTtlMs: duration('ACCESS_REVIEW_CACHE_TTL', '10s'),
    reportMaxReviews: integer('REPORT_MAX_REVIEWS', 100, 1),
    logLevel: logLevel as OperatorConfig['logLevel'],
    instanceName: read('INSTANCE_NAME', values.POD_NAME ?? values.HOSTNAME ?? 'cloud-posture-operator'),
    leaderElection: boolean('LEADER_ELECTION', false),
    leaderElectionNamespace: read('LEADER_ELECTION_NAMESPACE', values.POD_NAMESPACE ?? 'default'),
    leaseName: read('LEASE_NAME', 'cloud-posture-operator'),
    leaseDurationMs: duration('LEASE_DURATION', '15s'),
    renewDeadlineMs: duration('RENEW_DEADLINE', '10s'),
    retryPeriodMs: duration('RETRY_PERIOD', '2s'),
    shards: integer('SHARDS', 1, 1),
  };
  // client-go's invariants: otherwise two replicas can both believe they lead.
  if (!(config.leaseDurationMs > config.renewDeadlineMs && config.renewDeadlineMs > config.retryPeriodMs)) {
    throw new Error('CLOUDPOSTURE_LEASE_DURATION > CLOUDPOSTURE_RENEW_DEADLINE > CLOUDPOSTURE_RETRY_PERIOD must hold');
  }
  // Stuck means past what a healthy replica may take: a silent watch is restarted first, a long reconcile aborted first.
  if (!(config.watchStuckAfterMs > config.watchStaleAfterMs)) {
    throw new Error('CLOUDPOSTURE_WATCH_STUCK_AFTER must be longer than CLOUDPOSTURE_WATCH_STALE_AFTER');
  }
  if (!config.reportTokenAudience.trim()) {
    throw new Error('CLOUDPOSTURE_REPORT_TOKEN_AUDIENCE must name a dedicated audience: report tokens are made for the operator, not the API server');
  }
  if (!config.tlsCertFile !== !config.tlsKeyFile) throw new Error('CLOUDPOSTURE_TLS_CERT_FILE and CLOUDPOSTURE_TLS_KEY_FILE go together');
  // 100 years: a longer COMPLIANCE retention is surely a typo, and it can never be shortened.
  if (config.evidenceRetentionDays > 36_500) {
    throw new Error(`CLOUDPOSTURE_EVIDENCE_RETENTION_DAYS: expected 1..36500 days, got "${config.evidenceRetentionDays}"`);
  }
  // `cloudposture evidence verify --prefix` needs one: an empty prefix would mix records into the bucket root.
  if (!config.evidencePrefix || config.evidencePrefix.startsWith('/')) {
    throw new Error(`CLOUDPOSTURE_EVIDENCE_PREFIX: expected a key prefix such as "${DEFAULT_EVIDENCE_PREFIX}" (not empty, no leading slash), got "${read('EVIDENCE_PREFIX', '')}"`);
  }
  if (config.shards > 1) checkSharding(config);
  if (!(config.queueStuckAfterMs > config.reconcileTimeoutMs)) {
    throw new Error('CLOUDPOSTURE_QUEUE_STUCK_AFTER must be longer than CLOUDPOSTURE_RECONCILE_TIMEOUT');
  }
  return config;
}

/** Sharding coordinates replicas through Leases named after the lease name and labelled with it. */
function checkSharding(config: OperatorConfig): void {
  if (config.shards > MAX_SHARDS) throw new Error(`CLOUDPOSTURE_SHARDS: at most ${MAX_SHARDS}, got "${config.shards}"`);
  if (!config.leaderElection) {
    throw new Error('CLOUDPOSTURE_SHARDS > 1 coordinates the replicas through Leases: set CLOUDPOSTURE_LEADER_ELECTION=true');
  }
  // The lease name is also the value of the label the member list selects by.
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(config.leaseName)) {
    throw new Error(`CLOUDPOSTURE_LEASE_NAME: with sharding, lower-case letters, digits and '-' (at most 63), got "${config.leaseName}"`);
  }
  if (!config.instanceName.trim()) throw new Error('CLOUDPOSTURE_INSTANCE_NAME: each replica needs its own identity for sharding');
}

/**
 * The drills' scratch bounds: the volume's sizeLimit and the shared budget below it
 * (the kubelet evicts the pod once the files on an emptyDir pass its sizeLimit).
 */
function exitDrillScratch(read: (name: string, fallback: string) => string): Pick<OperatorConfig, 'exitDrillScratchSizeLimitBytes' | 'exitDrillScratchBudgetBytes'> {
  const size = (name: string, fallback: string): number => {
    try {
      return parseByteQuantity(read(name, fallback));
    } catch (error) {
      throw new Error(`CLOUDPOSTURE_${name}: ${(error as Error).message}`);
    }
  };
  const limit = size('EXIT_DRILL_SCRATCH_SIZE_LIMIT', '1Gi');
  const budget = size('EXIT_DRILL_SCRATCH_BUDGET', String(defaultScratchBudget(limit)));
  if (budget <= 0 || budget >= limit) {
    throw new Error(
      `CLOUDPOSTURE_EXIT_DRILL_SCRATCH_BUDGET (${budget} bytes; default 7/8 of the limit) must be above 0 and below ` +
        `CLOUDPOSTURE_EXIT_DRILL_SCRATCH_SIZE_LIMIT (${limit} bytes): the kubelet evicts the pod once the scratch volume passes its sizeLimit`,
    );
  }
  return { exitDrillScratchSizeLimitBytes: limit, exitDrillScratchBudgetBytes: budget };
}

/** The evidence writer's spool: an absolute folder (or none) and a positive byte bound. */
function evidenceSpool(read: (name: string, fallback: string) => string): Pick<OperatorConfig, 'evidenceSpoolDir' | 'evidenceSpoolMaxBytes'> {
  const dir = read('EVIDENCE_SPOOL_DIR', '').trim();
  if (dir && !dir.startsWith('/')) throw new Error(`CLOUDPOSTURE_EVIDENCE_SPOOL_DIR: expected an absolute path (or nothing: memory only), got "${dir}"`);
  let maxBytes: number;
  try {
    maxBytes = parseByteQuantity(read('EVIDENCE_SPOOL_MAX_BYTES', '64Mi'));
  } catch (error) {
    throw new Error(`CLOUDPOSTURE_EVIDENCE_SPOOL_MAX_BYTES: ${(error as Error).message}`);
  }
  if (maxBytes <= 0) throw new Error('CLOUDPOSTURE_EVIDENCE_SPOOL_MAX_BYTES: expected more than 0 bytes, e.g. "64Mi"');
  return { evidenceSpoolDir: dir, evidenceSpoolMaxBytes: maxBytes };
}
