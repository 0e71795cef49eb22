// The other state sources of spec.iac.pulumi on real parts: ConfigMap and Secret on the
// test control plane's API server (read through kubeStateReaders over KubeApi, the one
// Secret read path: the opt-in label outside the operator's namespace), and the Pulumi Cloud
// export API served by a local HTTP server with the documented request and response
// shape (GET /api/stacks/{org}/{project}/{stack}/export, Authorization: token <t>;
// answer: an UntypedDeployment), the token read from a real Secret. The byte caps: an
// export answer past the cap (announced, or streamed without a length) and an S3 state
// object past it (moto) stop at the cap with StateTooLarge.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig } from '../harness/kube.js';
import { MOTO_CREDENTIALS, startMoto } from '../harness/moto.js';
import { createS3StateGetter, readDeclaredState, type StateReaderDeps } from '../../operator/src/iac/state-reader.js';
import { kubeStateReaders } from '../../operator/src/controller/declared-source.js';
import { KubeApi, OPERATOR_READABLE_LABEL } from '../../operator/src/kube/api.js';
import type { PulumiStateRef } from '../../operator/src/api/types.js';

const FIXTURES = new URL('../fixtures/pulumi/state/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');
const TOKEN = 'pul-4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b';
/** A value planted in Secrets the reader must refuse or fail to parse: it must appear in no result. */
const PLANTED = `LEAK-CANARY-${Math.random().toString(36).slice(2, 10)}`;
const readable = { labels: { [OPERATOR_READABLE_LABEL]: 'true' } };

let core: CoreV1Api;
let ns: string;
/** Stands in for the operator's own namespace: its Secrets need no label. */
let operatorNs: string;
let readers: ReturnType<typeof kubeStateReaders>;
let cloud: Server;
let cloudUrl: string;
const requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
/** Bytes the endless export route wrote before the client went away, and whether it did. */
const endless = { written: 0, closed: Promise.resolve() };
const MIB = 1024 * 1024;

function deps(extra: Partial<StateReaderDeps> = {}): StateReaderDeps {
  return { namespace: ns, ...readers, fetch: (url, init) => fetch(url, init), pulumiCloudApi: cloudUrl, ...extra };
}

beforeAll(async () => {
  const kc = loadTestKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  ns = await createTestNamespace('iac-state');
  operatorNs = await createTestNamespace('iac-operator');
  readers = kubeStateReaders(new KubeApi(kc, 'iac-state-test', 30_000, operatorNs));
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'payments-state' }, data: { 'prod.json': fixture('missing.export.json') } },
  });
  await core.createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: { name: 'payments-state', ...readable },
      data: { 'prod.json': Buffer.from(fixture('changed.checkpoint.json')).toString('base64') },
    },
  });
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'pulumi-token', ...readable }, stringData: { token: `${TOKEN}\n` } } });
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'pulumi-token-revoked', ...readable }, stringData: { token: 'pul-revoked' } } });
  // Not labelled: the same content as a readable one, and a token.
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'unlabelled-state' }, stringData: { 'prod.json': fixture('changed.checkpoint.json'), [`${PLANTED}-key`]: PLANTED } },
  });
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'unlabelled-token' }, stringData: { token: PLANTED } } });
  // Labelled and malformed: a password where the state should be.
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'not-a-state', ...readable }, stringData: { 'prod.json': `${PLANTED}-Pa55` } } });
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'not-a-state' }, data: { 'prod.json': `{"version": 3, "deployment": ${PLANTED}}` } } });

  const exported = fixture('missing.export.json');
  cloud = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (req.headers.authorization !== `token ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":401,"message":"Unauthorized: No credentials provided or are invalid."}');
      return;
    }
    if (req.method === 'GET' && req.url === '/api/stacks/acme/payments/prod/export') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(exported);
      return;
    }
    if (req.method === 'GET' && req.url === '/api/stacks/acme/payments/announced-huge/export') {
      // Says how large it is and would then send it all.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(512 * MIB) });
      res.write('{"version":3,"deployment":{');
      req.socket.once('close', () => res.destroy());
      return;
    }
    if (req.method === 'GET' && req.url === '/api/stacks/acme/payments/endless/export') {
      // Chunked, no length: streams until the client goes away (or 1 GiB).
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(MIB, 0x20);
      endless.written = 0;
      endless.closed = new Promise<void>((resolve) => res.once('close', resolve));
      const pump = (): void => {
        while (!res.destroyed && endless.written < 1024 * MIB) {
          endless.written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        if (!res.destroyed) res.end();
      };
      res.write('{"version":3,"deployment":{"resources":["');
      pump();
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":404,"message":"Not Found: Stack not found"}');
  });
  await new Promise<void>((resolve) => cloud.listen(0, '127.0.0.1', resolve));
  cloudUrl = `http://127.0.0.1:${(cloud.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (cloud ? cloud.close(() => resolve()) : resolve()));
  if (ns) await deleteTestNamespace(ns);
  if (operatorNs) await deleteTestNamespace(operatorNs);
});

describe('ConfigMap and Secret', () => {
  it('reads an exported deployment from a ConfigMap key', async () => {
    const ref: PulumiStateRef = { stack: 'prod', configMapRef: { name: 'payments-state', key: 'prod.json' } };
    const result = await readDeclaredState(ref, deps());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.state.source).toBe(`configmap/${ns}/payments-state#prod.json`);
    expect(result.state.resources.filter((r) => r.kind !== undefined).map((r) => r.name)).toEqual([
      'payments-data',
      'payments-reports',
      'reports-scratch',
    ]);
  });

  it('reads a checkpoint from a Secret key (base64 data decoded)', async () => {
    const ref: PulumiStateRef = { stack: 'acme/payments/prod', secretRef: { name: 'payments-state', key: 'prod.json' } };
    const result = await readDeclaredState(ref, deps());
    expect(result).toMatchObject({ ok: true, state: { stack: 'acme/payments/prod', source: `secret/${ns}/payments-state#prod.json` } });
  });

  it('a missing object or key is StateNotFound', async () => {
    const noObject = await readDeclaredState({ stack: 'prod', configMapRef: { name: 'nope', key: 'prod.json' } }, deps());
    expect(noObject).toMatchObject({ ok: false, failure: { reason: 'StateNotFound' } });
    const noKey = await readDeclaredState({ stack: 'prod', configMapRef: { name: 'payments-state', key: 'staging.json' } }, deps());
    expect(noKey).toMatchObject({ ok: false, failure: { reason: 'StateNotFound', message: `ConfigMap ${ns}/payments-state has no key staging.json` } });
  });
});

describe('which Secrets the operator reads', () => {
  it('a Secret outside the operator namespace without the opt-in label is SecretNotPermitted, naming no key or value', async () => {
    const result = await readDeclaredState({ stack: 'acme/payments/prod', secretRef: { name: 'unlabelled-state', key: 'prod.json' } }, deps());
    expect(result).toEqual({
      ok: false,
      failure: { reason: 'SecretNotPermitted', message: `Secret ${ns}/unlabelled-state is not labelled ${OPERATOR_READABLE_LABEL}=true` },
    });
    // A key that is not there gets the same answer: the refusal is no key-name oracle.
    const absentKey = await readDeclaredState({ stack: 'prod', secretRef: { name: 'unlabelled-state', key: 'nope' } }, deps());
    expect(absentKey).toEqual(result);
  });

  it('an unlabelled Pulumi token Secret is refused before any request to Pulumi Cloud', async () => {
    requests.length = 0;
    const ref: PulumiStateRef = {
      stack: 'acme/payments/prod',
      pulumiCloud: { organization: 'acme', project: 'payments', tokenSecretRef: { name: 'unlabelled-token', key: 'token' } },
    };
    const result = await readDeclaredState(ref, deps());
    expect(result).toMatchObject({ ok: false, failure: { reason: 'SecretNotPermitted' } });
    expect(requests).toHaveLength(0);
    expect(JSON.stringify(result)).not.toContain(PLANTED);
  });

  it("a Secret in the operator's own namespace is read without the label", async () => {
    await core.createNamespacedSecret({
      namespace: operatorNs,
      body: { metadata: { name: 'state' }, stringData: { 'prod.json': fixture('changed.checkpoint.json') } },
    });
    const ref: PulumiStateRef = { stack: 'acme/payments/prod', secretRef: { name: 'state', key: 'prod.json' } };
    expect(await readDeclaredState(ref, { ...deps(), namespace: operatorNs })).toMatchObject({ ok: true });
  });

  it('malformed state in a Secret or a ConfigMap: the position, never the text', async () => {
    const inSecret = await readDeclaredState({ stack: 'prod', secretRef: { name: 'not-a-state', key: 'prod.json' } }, deps());
    expect(inSecret).toEqual({ ok: false, failure: { reason: 'StateInvalid', message: 'Pulumi state is not valid JSON: unexpected character at line 1, column 1 (byte 0)' } });
    const inConfigMap = await readDeclaredState({ stack: 'prod', configMapRef: { name: 'not-a-state', key: 'prod.json' } }, deps());
    expect(inConfigMap).toEqual({ ok: false, failure: { reason: 'StateInvalid', message: 'Pulumi state is not valid JSON: unexpected character at line 1, column 30 (byte 29)' } });
  });
});

describe('Pulumi Cloud export API', () => {
  const ref: PulumiStateRef = {
    stack: 'acme/payments/prod',
    pulumiCloud: { organization: 'acme', project: 'payments', tokenSecretRef: { name: 'pulumi-token', key: 'token' } },
  };

  it('GETs the export with the token from the Secret and parses the deployment', async () => {
    requests.length = 0;
    const result = await readDeclaredState(ref, deps());
    expect(result).toMatchObject({ ok: true, state: { stack: 'acme/payments/prod' } });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'GET', url: '/api/stacks/acme/payments/prod/export' });
    expect(requests[0]?.headers.authorization).toBe(`token ${TOKEN}`);
    if (result.ok) expect(result.state.source).not.toContain(TOKEN);
  });

  it('a refused token is AccessDenied; the token is in no message', async () => {
    const revoked = { ...ref, pulumiCloud: { ...ref.pulumiCloud!, tokenSecretRef: { name: 'pulumi-token-revoked', key: 'token' } } };
    const result = await readDeclaredState(revoked, deps());
    expect(result).toMatchObject({ ok: false, failure: { reason: 'AccessDenied' } });
    expect(JSON.stringify(result)).not.toContain('pul-revoked');
  });

  it('an unknown stack is StateNotFound; a missing token Secret is CredentialsMissing', async () => {
    const other = { ...ref, stack: 'acme/payments/staging' };
    expect(await readDeclaredState(other, deps())).toMatchObject({ ok: false, failure: { reason: 'StateNotFound' } });
    const noToken = { ...ref, pulumiCloud: { ...ref.pulumiCloud!, tokenSecretRef: { name: 'no-such-secret', key: 'token' } } };
    expect(await readDeclaredState(noToken, deps())).toMatchObject({ ok: false, failure: { reason: 'CredentialsMissing' } });
  });

  it('an unreachable API is StateUnreachable', async () => {
    const result = await readDeclaredState(ref, deps({ pulumiCloudApi: 'http://127.0.0.1:1' }));
    expect(result).toMatchObject({ ok: false, failure: { reason: 'StateUnreachable' } });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });
});

describe('byte caps', () => {
  const at = (stack: string): PulumiStateRef => ({
    stack: `acme/payments/${stack}`,
    pulumiCloud: { organization: 'acme', project: 'payments', tokenSecretRef: { name: 'pulumi-token', key: 'token' } },
  });

  it('an export answer streamed without a length stops at the cap: StateTooLarge naming the cap', async () => {
    const result = await readDeclaredState(at('endless'), deps({ maxBytes: 4 * MIB }));
    expect(result).toEqual({
      ok: false,
      failure: {
        reason: 'StateTooLarge',
        message: 'Pulumi state at pulumi-cloud://api.pulumi.com/acme/payments/endless is larger than 4194304 bytes (4 MiB), the most the operator reads',
      },
    });
    await endless.closed; // the connection was dropped, not drained
    expect(endless.written).toBeLessThan(64 * MIB);
  });

  it('an export answer whose Content-Length is past the cap is refused before its body is read', async () => {
    const result = await readDeclaredState(at('announced-huge'), deps());
    expect(result).toMatchObject({ ok: false, failure: { reason: 'StateTooLarge', message: expect.stringContaining('67108864 bytes (64 MiB)') } });
  });

  it('an S3 state object past the cap is StateTooLarge (moto), one within it is read', async () => {
    const moto = await startMoto();
    const s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: MOTO_CREDENTIALS, forcePathStyle: true });
    const getter = createS3StateGetter({ endpoint: moto.endpoint, credentials: async () => ({ ...MOTO_CREDENTIALS }) });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'state-caps' }));
      const exported = fixture('missing.export.json');
      await s3.send(new PutObjectCommand({ Bucket: 'state-caps', Key: 'prod.json', Body: exported }));
      await s3.send(new PutObjectCommand({ Bucket: 'state-caps', Key: 'huge.json', Body: Buffer.alloc(3 * MIB, 0x20) }));
      const read = (key: string) =>
        readDeclaredState({ stack: 'prod', s3: { bucket: 'state-caps', key } }, { namespace: ns, getS3Object: getter.getS3Object, maxBytes: 2 * MIB });
      expect(await read('huge.json')).toEqual({
        ok: false,
        failure: { reason: 'StateTooLarge', message: 'Pulumi state at s3://state-caps/huge.json is larger than 2097152 bytes (2 MiB), the most the operator reads' },
      });
      expect(await read('prod.json')).toMatchObject({ ok: true });
    } finally {
      getter.destroy();
      s3.destroy();
      await moto.stop();
    }
  });
});
