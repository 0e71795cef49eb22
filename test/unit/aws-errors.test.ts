import { memoizeCredentials } from '../../operator/src/providers/aws/clients.js';
import { mapLimit } from '../../operator/src/providers/aws/concurrency.js';
import { classifyAwsError, gapReason, redact } from '../../operator/src/providers/aws/errors.js';

function sdkError(name: string, status = 400, message = `${name} happened`): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

describe('classifyAwsError', () => {
  it.each([
    ['InvalidClientTokenId', 'CredentialsInvalid'],
    ['ExpiredToken', 'CredentialsInvalid'],
    ['SignatureDoesNotMatch', 'CredentialsInvalid'],
    ['AuthFailure', 'CredentialsInvalid'],
    ['AccessDenied', 'AccessDenied'],
    ['AccessDeniedException', 'AccessDenied'],
    ['UnauthorizedOperation', 'AccessDenied'],
    ['Throttling', 'Throttled'],
    ['ThrottlingException', 'Throttled'],
    ['TooManyRequestsException', 'Throttled'],
    ['RequestLimitExceeded', 'Throttled'],
    ['SlowDown', 'Throttled'],
    ['NoSuchBucket', 'NotFound'],
    ['OptInRequired', 'RegionNotEnabled'],
    ['SomethingElse', 'CollectionError'],
  ])('%s -> %s', (name, reason) => {
    expect(classifyAwsError(sdkError(name)).reason).toBe(reason);
  });

  it('maps network errors to AccountUnreachable (and Unreachable for gaps)', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(classifyAwsError(refused)).toMatchObject({ reason: 'AccountUnreachable', code: 'ECONNREFUSED' });
    const agg = Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), { code: undefined });
    expect(classifyAwsError(agg).reason).toBe('AccountUnreachable');
    expect(classifyAwsError(sdkError('TimeoutError')).reason).toBe('AccountUnreachable');
    expect(gapReason('AccountUnreachable')).toBe('Unreachable');
  });

  it('maps a missing credential chain to CredentialsMissing', () => {
    expect(classifyAwsError(sdkError('CredentialsProviderError', 0, 'Could not load credentials from any providers')).reason).toBe(
      'CredentialsMissing',
    );
  });

  it('maps a 5xx after retries to ServiceUnavailable, not a generic error', () => {
    const err = Object.assign(new Error('We encountered an internal error.'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } });
    expect(classifyAwsError(err).reason).toBe('ServiceUnavailable');
  });

  it('treats an unparseable 403 as AccessDenied', () => {
    expect(classifyAwsError(sdkError('Unknown', 403)).reason).toBe('AccessDenied');
  });

  it('never carries credentials in the message', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const err = sdkError(
      'SignatureDoesNotMatch',
      403,
      `bad signature for AKIAIOSFODNN7EXAMPLE with ${secret} Credential=AKIAIOSFODNN7EXAMPLE/20261101/us-east-1/s3/aws4_request, Signature=abcdef0123`,
    );
    const c = classifyAwsError(err, ['AKIAIOSFODNN7EXAMPLE', secret]);
    expect(c.message).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(c.message).not.toContain(secret);
    expect(c.message).not.toContain('abcdef0123');
    expect(redact('token FwoGZXIvYXdzEJr//////////wEaDLongSessionTokenValue1234567890abcdef')).not.toContain('FwoGZXIvYXdzEJr');
    expect(redact('x'.repeat(1000)).length).toBeLessThanOrEqual(300);
  });
});

describe('helpers', () => {
  it('mapLimit keeps order and bounds concurrency', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (x) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, x));
      inFlight--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
    expect(await mapLimit([], 4, async (x: number) => x)).toEqual([]);
  });

  it('memoizeCredentials shares one fetch and refreshes before expiry', async () => {
    let calls = 0;
    let expiration = new Date(Date.now() + 3_600_000);
    const m = memoizeCredentials(async () => {
      calls++;
      return { accessKeyId: 'a', secretAccessKey: 'b', expiration };
    });
    await Promise.all([m(), m(), m()]);
    expect(calls).toBe(1);
    expiration = new Date(Date.now() + 30_000);
    await m(); // still the old (fresh) one
    expect(calls).toBe(1);
    const failing = memoizeCredentials(async () => {
      calls++;
      if (calls === 2) throw new Error('sts down');
      return { accessKeyId: 'a', secretAccessKey: 'b' };
    });
    await expect(failing()).rejects.toThrow('sts down');
    await expect(failing()).resolves.toMatchObject({ accessKeyId: 'a' });
  });
});
