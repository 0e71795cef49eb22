import { loadConfig } from '../../operator/src/config.js';
import { parseDuration } from '../../operator/src/api/duration.js';
import { parseByteQuantity } from '../../operator/src/api/quantity.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
  ])('%s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10', '5d', 'm', '-1s', '1h 30m'])('refuses %p', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });
});

describe('loadConfig', () => {
  it('has safe defaults', () => {
    const config = loadConfig({}, []);
    expect(config).toMatchObject({
      metricsAddress: '0.0.0.0:8080',
      concurrency: 4,
      defaultIntervalMs: 600_000,
      policyName: 'default',
      awsEndpoint: '',
      logLevel: 'info',
    });
  });

  it('reads CLOUDPOSTURE_* env, and flags win over env', () => {
    const config = loadConfig(
      { CLOUDPOSTURE_CONCURRENCY: '8', CLOUDPOSTURE_DEFAULT_INTERVAL: '5m', CLOUDPOSTURE_AWS_ENDPOINT: 'http://127.0.0.1:5000' },
      ['--concurrency=2', '--watch-namespace=payments'],
    );
    expect(config.concurrency).toBe(2);
    expect(config.defaultIntervalMs).toBe(300_000);
    expect(config.watchNamespace).toBe('payments');
    expect(config.awsEndpoint).toBe('http://127.0.0.1:5000');
  });

  it.each([
    [{ CLOUDPOSTURE_CONCURRENCY: '0' }, /CLOUDPOSTURE_CONCURRENCY: expected an integer >= 1/],
    [{ CLOUDPOSTURE_DEFAULT_INTERVAL: 'often' }, /CLOUDPOSTURE_DEFAULT_INTERVAL: invalid duration/],
    // a timer longer than 2^31-1 ms fires at once: refused, not a hot loop
    [{ CLOUDPOSTURE_RECONCILE_TIMEOUT: '720h' }, /CLOUDPOSTURE_RECONCILE_TIMEOUT: at most 596h/],
    [{ CLOUDPOSTURE_LEASE_DURATION: '8760h' }, /CLOUDPOSTURE_LEASE_DURATION: at most 596h/],
    [{ CLOUDPOSTURE_LOG_LEVEL: 'loud' }, /CLOUDPOSTURE_LOG_LEVEL/],
    [{ CLOUDPOSTURE_METRICS_ADDRESS: 'localhost' }, /host:port/],
  ])('names the bad setting: %p', (env, message) => {
    expect(() => loadConfig(env, [])).toThrow(message);
  });

  it('takes a default interval longer than a timer can wait (the work queue chains it)', () => {
    expect(loadConfig({ CLOUDPOSTURE_DEFAULT_INTERVAL: '8760h' }, []).defaultIntervalMs).toBe(8760 * 3_600_000);
  });

  it('refuses a malformed flag', () => {
    expect(() => loadConfig({}, ['--concurrency'])).toThrow(/unrecognised argument/);
  });

  it('bounds Kubernetes requests, reconciles and the /healthz judgement, each configurable', () => {
    expect(loadConfig({}, [])).toMatchObject({
      kubeRequestTimeoutMs: 30_000,
      reconcileTimeoutMs: 600_000,
      watchStuckAfterMs: 900_000,
      queueStuckAfterMs: 900_000,
    });
    const config = loadConfig({}, ['--kube-request-timeout=5s', '--reconcile-timeout=2m', '--watch-stuck-after=20m', '--queue-stuck-after=3m']);
    expect(config).toMatchObject({ kubeRequestTimeoutMs: 5_000, reconcileTimeoutMs: 120_000, watchStuckAfterMs: 1_200_000, queueStuckAfterMs: 180_000 });
  });

  it.each([
    [{ CLOUDPOSTURE_KUBE_REQUEST_TIMEOUT: 'forever' }, /CLOUDPOSTURE_KUBE_REQUEST_TIMEOUT: invalid duration/],
    [{ CLOUDPOSTURE_QUEUE_STUCK_AFTER: '5m' }, /CLOUDPOSTURE_QUEUE_STUCK_AFTER must be longer than CLOUDPOSTURE_RECONCILE_TIMEOUT/],
    [{ CLOUDPOSTURE_WATCH_STUCK_AFTER: '1m' }, /CLOUDPOSTURE_WATCH_STUCK_AFTER must be longer than CLOUDPOSTURE_WATCH_STALE_AFTER/],
  ])('refuses a bound that cannot work: %p', (env, message) => {
    expect(() => loadConfig(env, [])).toThrow(message);
  });
});

describe('the exit drills\' scratch budget', () => {
  const MIB = 1024 ** 2;

  it.each([
    ['1Gi', 1024 * MIB],
    ['896Mi', 896 * MIB],
    ['500M', 500_000_000],
    ['4096', 4096],
  ])('reads the size %s as Kubernetes writes it', (text, bytes) => expect(parseByteQuantity(text)).toBe(bytes));

  it.each(['', '1.5Gi', '1GB', '-1Mi', 'big'])('refuses the size %p', (text) => {
    expect(() => parseByteQuantity(text)).toThrow(/invalid size/);
  });

  it('defaults to 7/8 of the 1Gi volume, and follows a configured sizeLimit', () => {
    expect(loadConfig({}, [])).toMatchObject({ exitDrillScratchSizeLimitBytes: 1024 * MIB, exitDrillScratchBudgetBytes: 896 * MIB });
    expect(loadConfig({ CLOUDPOSTURE_EXIT_DRILL_SCRATCH_SIZE_LIMIT: '4Gi' }, [])).toMatchObject({ exitDrillScratchBudgetBytes: 3584 * MIB });
    expect(loadConfig({ CLOUDPOSTURE_EXIT_DRILL_SCRATCH_BUDGET: '256Mi' }, ['--exit-drill-scratch-size-limit=512Mi'])).toMatchObject({
      exitDrillScratchSizeLimitBytes: 512 * MIB,
      exitDrillScratchBudgetBytes: 256 * MIB,
    });
  });

  it.each([
    [{ CLOUDPOSTURE_EXIT_DRILL_SCRATCH_BUDGET: '1Gi' }, /CLOUDPOSTURE_EXIT_DRILL_SCRATCH_BUDGET \(1073741824 bytes; default 7\/8 of the limit\) must be above 0 and below CLOUDPOSTURE_EXIT_DRILL_SCRATCH_SIZE_LIMIT \(1073741824 bytes\)/],
    [{ CLOUDPOSTURE_EXIT_DRILL_SCRATCH_BUDGET: '2Gi' }, /must be above 0 and below CLOUDPOSTURE_EXIT_DRILL_SCRATCH_SIZE_LIMIT/],
    [{ CLOUDPOSTURE_EXIT_DRILL_SCRATCH_BUDGET: '0' }, /must be above 0/],
    [{ CLOUDPOSTURE_EXIT_DRILL_SCRATCH_SIZE_LIMIT: 'lots' }, /CLOUDPOSTURE_EXIT_DRILL_SCRATCH_SIZE_LIMIT: invalid size/],
    [{ CLOUDPOSTURE_EXIT_DRILL_SCRATCH_BUDGET: '1.5Gi' }, /CLOUDPOSTURE_EXIT_DRILL_SCRATCH_BUDGET: invalid size/],
  ])('refuses a budget that is not below the volume: %p', (env, message) => {
    expect(() => loadConfig(env, [])).toThrow(message);
  });
});

describe('evidence history settings', () => {
  it('is off unless a bucket is set, with the documented defaults', () => {
    expect(loadConfig({}, [])).toMatchObject({
      evidenceBucket: '',
      evidencePrefix: 'evidence',
      evidenceRetentionDays: 400,
      evidenceQueueMax: 1000,
      evidenceRegion: 'us-east-1',
      evidenceSpoolDir: '',
      evidenceSpoolMaxBytes: 64 * 1024 * 1024,
    });
  });

  it('reads the spool folder and its byte bound as a quantity', () => {
    expect(loadConfig({ CLOUDPOSTURE_EVIDENCE_SPOOL_DIR: '/var/lib/cloudposture/evidence-spool', CLOUDPOSTURE_EVIDENCE_SPOOL_MAX_BYTES: '112Mi' }, [])).toMatchObject({
      evidenceSpoolDir: '/var/lib/cloudposture/evidence-spool',
      evidenceSpoolMaxBytes: 112 * 1024 * 1024,
    });
    expect(loadConfig({}, ['--evidence-spool-max-bytes=117440512']).evidenceSpoolMaxBytes).toBe(117_440_512);
  });

  it('reads the bucket, prefix, retention, queue bound and region; the endpoint is the AWS override', () => {
    const config = loadConfig(
      { CLOUDPOSTURE_EVIDENCE_BUCKET: 'platform-evidence', CLOUDPOSTURE_EVIDENCE_PREFIX: 'iso27001/a523/', CLOUDPOSTURE_AWS_ENDPOINT: 'http://127.0.0.1:5000', CLOUDPOSTURE_AWS_HOME_REGION: 'eu-west-1' },
      ['--evidence-retention-days=2555', '--evidence-queue-max=50'],
    );
    expect(config).toMatchObject({
      evidenceBucket: 'platform-evidence',
      evidencePrefix: 'iso27001/a523',
      evidenceRetentionDays: 2555,
      evidenceQueueMax: 50,
      evidenceRegion: 'eu-west-1',
      awsEndpoint: 'http://127.0.0.1:5000',
    });
    expect(loadConfig({ CLOUDPOSTURE_AWS_HOME_REGION: 'eu-west-1', CLOUDPOSTURE_EVIDENCE_REGION: 'eu-central-1' }, []).evidenceRegion).toBe('eu-central-1');
  });

  it.each([
    [{ CLOUDPOSTURE_EVIDENCE_RETENTION_DAYS: '0' }, /CLOUDPOSTURE_EVIDENCE_RETENTION_DAYS: expected an integer >= 1/],
    [{ CLOUDPOSTURE_EVIDENCE_RETENTION_DAYS: '36501' }, /CLOUDPOSTURE_EVIDENCE_RETENTION_DAYS: expected 1..36500 days/],
    [{ CLOUDPOSTURE_EVIDENCE_RETENTION_DAYS: '1y' }, /CLOUDPOSTURE_EVIDENCE_RETENTION_DAYS: expected an integer/],
    [{ CLOUDPOSTURE_EVIDENCE_QUEUE_MAX: '0' }, /CLOUDPOSTURE_EVIDENCE_QUEUE_MAX: expected an integer >= 1/],
    [{ CLOUDPOSTURE_EVIDENCE_PREFIX: '' }, /CLOUDPOSTURE_EVIDENCE_PREFIX: expected a key prefix/],
    [{ CLOUDPOSTURE_EVIDENCE_PREFIX: '/evidence' }, /no leading slash/],
    [{ CLOUDPOSTURE_EVIDENCE_SPOOL_DIR: 'spool' }, /CLOUDPOSTURE_EVIDENCE_SPOOL_DIR: expected an absolute path/],
    [{ CLOUDPOSTURE_EVIDENCE_SPOOL_MAX_BYTES: '64MB' }, /CLOUDPOSTURE_EVIDENCE_SPOOL_MAX_BYTES: invalid size "64MB"/],
    [{ CLOUDPOSTURE_EVIDENCE_SPOOL_MAX_BYTES: '0' }, /CLOUDPOSTURE_EVIDENCE_SPOOL_MAX_BYTES: expected more than 0 bytes/],
  ])('names the bad evidence setting: %p', (env, message) => {
    expect(() => loadConfig(env, [])).toThrow(message);
  });

  it('takes 36500 days, the longest retention', () => {
    expect(loadConfig({ CLOUDPOSTURE_EVIDENCE_RETENTION_DAYS: '36500' }, []).evidenceRetentionDays).toBe(36_500);
  });
});

describe('sharding settings', () => {
  const sharded = { CLOUDPOSTURE_LEADER_ELECTION: 'true', CLOUDPOSTURE_LEASE_NAME: 'cpo-cloud-posture-operator', CLOUDPOSTURE_INSTANCE_NAME: 'cpo-7d9c8b-x2k4q' };

  it('is one shard (leader election as before) unless asked for', () => {
    expect(loadConfig({}).shards).toBe(1);
    expect(loadConfig({ ...sharded, CLOUDPOSTURE_SHARDS: '16' }).shards).toBe(16);
  });

  it.each([
    ['zero shards', { CLOUDPOSTURE_SHARDS: '0' }, /CLOUDPOSTURE_SHARDS: expected an integer >= 1/],
    ['more than 256', { CLOUDPOSTURE_SHARDS: '257' }, /at most 256/],
    ['shards without leader election', { CLOUDPOSTURE_SHARDS: '4', CLOUDPOSTURE_LEADER_ELECTION: 'false' }, /CLOUDPOSTURE_LEADER_ELECTION=true/],
    ['a lease name that is no label value', { CLOUDPOSTURE_SHARDS: '4', CLOUDPOSTURE_LEASE_NAME: 'Cloud_Posture' }, /CLOUDPOSTURE_LEASE_NAME/],
  ])('refuses %s', (_name, env, message) => {
    expect(() => loadConfig({ ...sharded, ...env })).toThrow(message);
  });
});
