// readDeclaredState with injected I/O: which source is read, how each failure is
// classified, and that a Pulumi Cloud token never leaves the Authorization header.
// (The real S3 / API server / HTTP paths: test/integration/iac-drift and iac-state-sources.)
import { readFileSync } from 'node:fs';

import type { PulumiStateRef } from '../../operator/src/api/types.js';
import {
  describeSource,
  readDeclaredState,
  STATE_MAX_BYTES,
  stateSource,
  StateReadError,
  type FetchLike,
  type StateReaderDeps,
} from '../../operator/src/iac/state-reader.js';

const STATE = readFileSync(new URL('../fixtures/pulumi/state/missing.export.json', import.meta.url), 'utf8');
const TOKEN = 'pul-0123456789abcdef0123456789abcdef01234567';
const NS = 'payments';

function awsError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

const s3Ref: PulumiStateRef = { stack: 'prod', s3: { bucket: 'state', key: '.pulumi/stacks/payments/prod.json', region: 'eu-west-1' } };
const cloudRef: PulumiStateRef = {
  stack: 'acme/payments/prod',
  pulumiCloud: { organization: 'acme', project: 'payments', tokenSecretRef: { name: 'pulumi', key: 'token' } },
};

describe('the reference', () => {
  it('names exactly one source', () => {
    expect(stateSource(s3Ref)).toBe('s3');
    expect(stateSource({ stack: 'prod' })).toBeInstanceOf(StateReadError);
    const two = stateSource({ ...s3Ref, configMapRef: { name: 'a', key: 'b' } });
    expect(two).toMatchObject({ reason: 'InvalidStateReference', message: 'spec.iac.pulumi names 2 state sources (s3, configMapRef); set exactly one' });
  });

  it('is described for the evidence trail without credentials', () => {
    expect(describeSource(s3Ref, NS)).toBe('s3://state/.pulumi/stacks/payments/prod.json');
    expect(describeSource({ stack: 'prod', secretRef: { name: 'st', key: 'prod.json' } }, NS)).toBe('secret/payments/st#prod.json');
    expect(describeSource(cloudRef, NS)).toBe('pulumi-cloud://api.pulumi.com/acme/payments/prod');
  });
});

describe('S3', () => {
  it('passes bucket, key and region; records source and time', async () => {
    const calls: unknown[] = [];
    const result = await readDeclaredState(s3Ref, {
      namespace: NS,
      getS3Object: async (...args) => {
        calls.push(args);
        return STATE;
      },
      now: () => new Date('2026-11-15T12:00:00Z'),
    });
    expect(calls).toEqual([['state', '.pulumi/stacks/payments/prod.json', 'eu-west-1', STATE_MAX_BYTES]]);
    expect(result).toMatchObject({ ok: true, state: { stack: 'prod', source: 's3://state/.pulumi/stacks/payments/prod.json', readAt: '2026-11-15T12:00:00.000Z' } });
  });

  it.each([
    ['NoSuchKey', awsError('NoSuchKey', 404), 'StateNotFound'],
    ['NoSuchBucket', awsError('NoSuchBucket', 404), 'StateNotFound'],
    ['AccessDenied', awsError('AccessDenied', 403), 'AccessDenied'],
    ['InvalidAccessKeyId', awsError('InvalidAccessKeyId', 403), 'AccessDenied'],
    ['SlowDown', awsError('SlowDown', 503), 'Throttled'],
    ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), 'StateUnreachable'],
    ['InternalError', awsError('InternalError', 500), 'StateUnreadable'],
  ])('%s -> the reason for it', async (_name, error, reason) => {
    const result = await readDeclaredState(s3Ref, { namespace: NS, getS3Object: () => Promise.reject(error) });
    expect(result).toMatchObject({ ok: false, failure: { reason } });
  });

  it('no S3 reader configured, an empty object, an oversized object', async () => {
    expect(await readDeclaredState(s3Ref, { namespace: NS })).toMatchObject({ ok: false, failure: { reason: 'StateUnreadable' } });
    expect(await readDeclaredState(s3Ref, { namespace: NS, getS3Object: async () => ' \n' })).toMatchObject({
      ok: false,
      failure: { reason: 'StateInvalid', message: 'Pulumi state at s3://state/.pulumi/stacks/payments/prod.json is empty' },
    });
    expect(await readDeclaredState(s3Ref, { namespace: NS, maxBytes: 100, getS3Object: async () => STATE })).toMatchObject({
      ok: false,
      failure: { reason: 'StateTooLarge', message: 'Pulumi state at s3://state/.pulumi/stacks/payments/prod.json is larger than 100 bytes, the most the operator reads' },
    });
  });
});

describe('ConfigMap and Secret', () => {
  const kubeError = (code: number) => Object.assign(new Error(`HTTP-Code: ${code}`), { code });

  it('read in the service namespace only', async () => {
    const seen: string[] = [];
    const deps: StateReaderDeps = {
      namespace: NS,
      readConfigMapKey: async (ns, name, key) => {
        seen.push(`cm ${ns}/${name}#${key}`);
        return STATE;
      },
      readSecretKey: async (ns, name, key) => {
        seen.push(`secret ${ns}/${name}#${key}`);
        return STATE;
      },
    };
    expect((await readDeclaredState({ stack: 'prod', configMapRef: { name: 'st', key: 'prod.json' } }, deps)).ok).toBe(true);
    expect((await readDeclaredState({ stack: 'prod', secretRef: { name: 'st', key: 'prod.json' } }, deps)).ok).toBe(true);
    expect(seen).toEqual(['cm payments/st#prod.json', 'secret payments/st#prod.json']);
  });

  it.each([
    [404, 'StateNotFound', 'ConfigMap payments/st not found'],
    [403, 'AccessDenied', 'Not allowed to read ConfigMap payments/st (RBAC)'],
    [500, 'StateUnreadable', 'Could not read ConfigMap payments/st (HTTP 500)'],
  ])('API error %s -> %s', async (code, reason, message) => {
    const result = await readDeclaredState(
      { stack: 'prod', configMapRef: { name: 'st', key: 'prod.json' } },
      { namespace: NS, readConfigMapKey: () => Promise.reject(kubeError(code)) },
    );
    expect(result).toEqual({ ok: false, failure: { reason, message } });
  });
});

describe('Pulumi Cloud', () => {
  interface Call {
    url: string;
    headers: Record<string, string>;
  }

  function cloud(respond: (call: Call) => { status: number; body?: string } | Error): { deps: StateReaderDeps; calls: Call[] } {
    const calls: Call[] = [];
    const fetchStub: FetchLike = async (url, init) => {
      const call = { url, headers: init.headers };
      calls.push(call);
      const answer = respond(call);
      if (answer instanceof Error) throw answer;
      return { status: answer.status, ok: answer.status >= 200 && answer.status < 300, text: async () => answer.body ?? '' };
    };
    return {
      calls,
      deps: { namespace: NS, fetch: fetchStub, readSecretKey: async (_ns, name) => (name === 'pulumi' ? `  ${TOKEN}\n` : undefined) },
    };
  }

  it('GET /api/stacks/{org}/{project}/{stack}/export with Authorization: token <t>', async () => {
    const { deps, calls } = cloud(() => ({ status: 200, body: STATE }));
    const result = await readDeclaredState(cloudRef, deps);
    expect(result.ok).toBe(true);
    expect(calls).toEqual([
      {
        url: 'https://api.pulumi.com/api/stacks/acme/payments/prod/export',
        headers: { Authorization: `token ${TOKEN}`, Accept: 'application/vnd.pulumi+8', 'Content-Type': 'application/json' },
      },
    ]);
  });

  it.each([
    [401, 'AccessDenied'],
    [403, 'AccessDenied'],
    [404, 'StateNotFound'],
    [429, 'Throttled'],
    [502, 'StateUnreachable'],
    [400, 'StateUnreadable'],
  ])('HTTP %s -> %s, the token in no message', async (status, reason) => {
    const { deps } = cloud(() => ({ status, body: `{"message":"bad token ${TOKEN}"}` }));
    const result = await readDeclaredState(cloudRef, deps);
    expect(result).toMatchObject({ ok: false, failure: { reason } });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('a network error that quotes the token is redacted', async () => {
    const { deps } = cloud(() => new Error(`request with token ${TOKEN} failed: ECONNRESET`));
    const result = await readDeclaredState(cloudRef, deps);
    expect(result).toMatchObject({ ok: false, failure: { reason: 'StateUnreachable' } });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  /** An export answer that never ends, counting the bytes it was asked for. */
  function endless(headers: Record<string, string> = {}): { fetch: FetchLike; pulled: () => number; cancelled: () => boolean } {
    let pulled = 0;
    let cancelled = false;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const body = {
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            pulled += chunk.length;
            yield chunk;
          }
        } finally {
          cancelled = true;
        }
      },
      cancel: async () => {
        cancelled = true;
      },
    };
    const fetch: FetchLike = async () => ({
      status: 200,
      ok: true,
      text: async () => {
        throw new Error('the body must be streamed, not read whole');
      },
      body,
      headers: { get: (name: string) => headers[name.toLowerCase()] ?? null },
    });
    return { fetch, pulled: () => pulled, cancelled: () => cancelled };
  }

  it('an answer past the cap stops streaming at the cap: StateTooLarge naming the cap, never the content', async () => {
    const answer = endless();
    const deps: StateReaderDeps = { namespace: NS, fetch: answer.fetch, maxBytes: 1024 * 1024, readSecretKey: async () => TOKEN };
    const result = await readDeclaredState(cloudRef, deps);
    expect(result).toEqual({
      ok: false,
      failure: { reason: 'StateTooLarge', message: 'Pulumi state at pulumi-cloud://api.pulumi.com/acme/payments/prod is larger than 1048576 bytes (1 MiB), the most the operator reads' },
    });
    expect(answer.pulled()).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024);
    expect(answer.cancelled()).toBe(true);
  });

  it('an announced Content-Length past the cap is refused before the body is read', async () => {
    const answer = endless({ 'content-length': String(STATE_MAX_BYTES + 1) });
    const result = await readDeclaredState(cloudRef, { namespace: NS, fetch: answer.fetch, readSecretKey: async () => TOKEN });
    expect(result).toMatchObject({ ok: false, failure: { reason: 'StateTooLarge', message: expect.stringContaining('67108864 bytes (64 MiB)') } });
    expect(answer.pulled()).toBe(0);
    expect(answer.cancelled()).toBe(true);
  });

  it('an answer within the cap is streamed and parsed', async () => {
    const bytes = Buffer.from(STATE);
    const fetch: FetchLike = async () => ({
      status: 200,
      ok: true,
      text: async () => '',
      body: (async function* () {
        for (let o = 0; o < bytes.length; o += 1000) yield bytes.subarray(o, o + 1000);
      })(),
    });
    expect(await readDeclaredState(cloudRef, { namespace: NS, fetch, readSecretKey: async () => TOKEN })).toMatchObject({ ok: true });
  });

  it('no token: CredentialsMissing, nothing fetched', async () => {
    const { deps, calls } = cloud(() => ({ status: 200, body: STATE }));
    const ref = { ...cloudRef, pulumiCloud: { ...cloudRef.pulumiCloud!, tokenSecretRef: { name: 'other', key: 'token' } } };
    expect(await readDeclaredState(ref, deps)).toMatchObject({ ok: false, failure: { reason: 'CredentialsMissing' } });
    expect(calls).toEqual([]);
  });
});

// Whatever a source returns may be a Secret's value: no failure quotes it, whichever
// source it came from and wherever it broke.
describe('no message quotes what a source returned', () => {
  const PLANTED = 'LEAK-CANARY-hunter2-Pa55';
  const noLeak = (result: unknown) => {
    expect(JSON.stringify(result)).not.toContain(PLANTED);
    expect(JSON.stringify(result)).not.toContain('hunter2');
  };
  const bodies = [PLANTED, `{"version": 3, "deployment": "${PLANTED}`, `{"version": 3, "checkpoint": {"stack": "${PLANTED}"}}`, `{"version": "${PLANTED}"}`];
  const refs: Array<[string, PulumiStateRef]> = [
    ['S3', s3Ref],
    ['ConfigMap', { stack: 'prod', configMapRef: { name: 'st', key: 'prod.json' } }],
    ['Secret', { stack: 'prod', secretRef: { name: 'st', key: 'prod.json' } }],
    ['Pulumi Cloud', cloudRef],
  ];

  it.each(refs.flatMap(([where, ref]) => bodies.map((body) => [where, body, ref] as const)))('%s returning %j', async (_where, body, ref) => {
    const deps: StateReaderDeps = {
      namespace: NS,
      getS3Object: async () => body,
      readConfigMapKey: async () => body,
      readSecretKey: async (_ns, name) => (name === 'pulumi' ? TOKEN : body),
      fetch: async () => ({ status: 200, ok: true, text: async () => body }),
    };
    const result = await readDeclaredState(ref, deps);
    expect(result).toMatchObject({ ok: false, failure: { reason: expect.stringMatching(/^(StateInvalid|StackMismatch)$/) } });
    noLeak(result);
  });

  it('an API error carrying a response body gives its status code only', async () => {
    const apiError = Object.assign(new Error(`HTTP-Code: 500 Message: Unknown API Status Code! Body: "${PLANTED}"`), { code: 500 });
    const result = await readDeclaredState({ stack: 'prod', secretRef: { name: 'st', key: 'prod.json' } }, { namespace: NS, readSecretKey: () => Promise.reject(apiError) });
    expect(result).toEqual({ ok: false, failure: { reason: 'StateUnreadable', message: 'Could not read Secret payments/st (HTTP 500)' } });
  });

  it('a Secret the operator may not use is SecretNotPermitted for the state and for the Pulumi token', async () => {
    const refused = new StateReadError('SecretNotPermitted', 'Secret payments/st is not labelled cloudposture.io/operator-readable=true');
    let fetched = 0;
    const deps: StateReaderDeps = {
      namespace: NS,
      readSecretKey: () => Promise.reject(refused),
      fetch: async () => {
        fetched++;
        return { status: 200, ok: true, text: async () => STATE };
      },
    };
    const expected = { ok: false, failure: { reason: 'SecretNotPermitted', message: refused.message } };
    expect(await readDeclaredState({ stack: 'prod', secretRef: { name: 'st', key: 'prod.json' } }, deps)).toEqual(expected);
    expect(await readDeclaredState(cloudRef, deps)).toEqual(expected);
    expect(fetched).toBe(0);
  });
});
