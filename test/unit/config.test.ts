import { loadConfig } from '../../operator/src/config.js';
import { parseDuration } from '../../operator/src/api/duration.js';

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
    [{ CLOUDPOSTURE_LOG_LEVEL: 'loud' }, /CLOUDPOSTURE_LOG_LEVEL/],
    [{ CLOUDPOSTURE_METRICS_ADDRESS: 'localhost' }, /host:port/],
  ])('names the bad setting: %p', (env, message) => {
    expect(() => loadConfig(env, [])).toThrow(message);
  });

  it('refuses a malformed flag', () => {
    expect(() => loadConfig({}, ['--concurrency'])).toThrow(/unrecognised argument/);
  });
});
