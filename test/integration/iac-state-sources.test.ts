// The other state sources of spec.iac.pulumi on real parts: ConfigMap and Secret on the
// test control plane's API server (read through kubeStateReaders), and the Pulumi Cloud
// export API served by a local HTTP server with the documented request and response
// shape (GET /api/stacks/{org}/{project}/{stack}/export, Authorization: token <t>;
// answer: an UntypedDeployment), the token read from a real Secret.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';

import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig } from '../harness/kube.js';
import { kubeStateReaders, readDeclaredState, type StateReaderDeps } from '../../operator/src/iac/state-reader.js';
import type { PulumiStateRef } from '../../operator/src/api/types.js';

const FIXTURES = new URL('../fixtures/pulumi/state/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');
const TOKEN = 'pul-4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b';

let core: CoreV1Api;
let ns: string;
let cloud: Server;
let cloudUrl: string;
const requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];

function deps(extra: Partial<StateReaderDeps> = {}): StateReaderDeps {
  return { namespace: ns, ...kubeStateReaders(core), fetch: (url, init) => fetch(url, init), pulumiCloudApi: cloudUrl, ...extra };
}

beforeAll(async () => {
  core = loadTestKubeConfig().makeApiClient(CoreV1Api);
  ns = await createTestNamespace('iac-state');
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'payments-state' }, data: { 'prod.json': fixture('missing.export.json') } },
  });
  await core.createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: { name: 'payments-state' },
      data: { 'prod.json': Buffer.from(fixture('changed.checkpoint.json')).toString('base64') },
    },
  });
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'pulumi-token' }, stringData: { token: `${TOKEN}\n` } } });
  await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'pulumi-token-revoked' }, stringData: { token: 'pul-revoked' } } });

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
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":404,"message":"Not Found: Stack not found"}');
  });
  await new Promise<void>((resolve) => cloud.listen(0, '127.0.0.1', resolve));
  cloudUrl = `http://127.0.0.1:${(cloud.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (cloud ? cloud.close(() => resolve()) : resolve()));
  if (ns) await deleteTestNamespace(ns);
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
