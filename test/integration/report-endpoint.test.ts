// GET /report on the real control plane: callers are authenticated with a TokenReview
// (ServiceAccount tokens from the TokenRequest API, signed by the API server's
// service-account key) and see only the CloudServices a SubjectAccessReview says they
// may get, namespace by namespace or object by object (RBAC resourceNames).

import { createServer, type Server } from 'node:http';

import { CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';

import type { CloudService } from '../../operator/src/api/types.js';
import type { ReportModel } from '../../operator/src/report/model.js';
import { createReportHandler } from '../../operator/src/report/endpoint.js';
import { sampleServices } from '../../operator/src/report/sample.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig } from '../harness/kube.js';
import { installCrds } from '../harness/operator.js';

const GROUP = 'cloudposture.io';
const VERSION = 'v1alpha1';
const NOW = new Date('2026-11-15T12:00:00Z');

const kc = loadTestKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);

let nsA: string;
let nsB: string;
let server: Server;
let endpoint: string;
const requests: Array<{ user?: string; status: number; services: number }> = [];

/** Creates a sample service (spec), then writes its status through the status subresource. */
async function createService(namespace: string, name: string, sample: CloudService): Promise<void> {
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: 'cloudservices',
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'CloudService', metadata: { name }, spec: sample.spec },
  });
  if (sample.status) {
    const current = (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'cloudservices', name })) as CloudService;
    await custom.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: 'cloudservices',
      name,
      body: { ...current, status: { ...sample.status, observedGeneration: current.metadata.generation } },
    });
  }
}

async function serviceAccountToken(namespace: string, name: string): Promise<string> {
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  const request = await core.createNamespacedServiceAccountToken({ namespace, name, body: { spec: { audiences: [], expirationSeconds: 600 } } });
  const token = request.status?.token;
  if (!token) throw new Error('TokenRequest returned no token');
  return token;
}

async function grant(namespace: string, subject: { namespace: string; name: string }, rule: { verbs: string[]; resourceNames?: string[] }, name: string): Promise<void> {
  await rbac.createNamespacedRole({
    namespace,
    body: { metadata: { name }, rules: [{ apiGroups: [GROUP], resources: ['cloudservices'], ...rule }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', namespace: subject.namespace, name: subject.name }],
    },
  });
}

async function get(path: string, token?: string): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(`${endpoint}${path}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  return { status: res.status, body: await res.text(), headers: res.headers };
}

let readerToken: string;
let strangerToken: string;
let namedToken: string;

beforeAll(async () => {
  await installCrds();
  nsA = await createTestNamespace('report-a');
  nsB = await createTestNamespace('report-b');
  const [prod, sandbox, , fresh] = sampleServices(NOW);
  await createService(nsA, 'payments-prod', prod!);
  await createService(nsA, 'analytics-new', fresh!);
  await createService(nsB, 'marketing-sandbox', sandbox!);
  await createService(nsB, 'marketing-other', prod!);

  readerToken = await serviceAccountToken(nsA, 'auditor');
  await grant(nsA, { namespace: nsA, name: 'auditor' }, { verbs: ['get', 'list'] }, 'cloudservice-reader');
  strangerToken = await serviceAccountToken(nsA, 'stranger');
  namedToken = await serviceAccountToken(nsB, 'one-service');
  await grant(nsB, { namespace: nsB, name: 'one-service' }, { verbs: ['get'], resourceNames: ['marketing-sandbox'] }, 'one-cloudservice');

  const handler = createReportHandler({
    kubeConfig: kc,
    // The operator would pass its informer cache; here: the two test namespaces.
    listServices: async (namespace) => {
      const namespaces = namespace ? [namespace] : [nsA, nsB];
      const lists = await Promise.all(
        namespaces.map((ns) => custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'cloudservices' }) as Promise<{ items: CloudService[] }>),
      );
      return lists.flatMap((l) => l.items);
    },
    clock: () => NOW,
    onRequest: (info) => void requests.push(info),
  });
  server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await deleteTestNamespace(nsA);
  await deleteTestNamespace(nsB);
});

describe('GET /report', () => {
  it('401 without a token or with a token the API server does not accept', async () => {
    const none = await get('/report?format=json');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await get('/report?format=json', 'not-a-real-token')).status).toBe(401);
    // A structurally valid JWT with a forged signature.
    const forged = `${readerToken.split('.').slice(0, 2).join('.')}.AAAA`;
    expect((await get('/report?format=json', forged)).status).toBe(401);
  });

  it("shows the reader its namespace's services and nothing of the other namespace", async () => {
    const res = await get('/report?format=json', readerToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const model = JSON.parse(res.body) as ReportModel;
    expect(model.services.map((s) => `${s.namespace}/${s.name}`).sort()).toEqual([`${nsA}/analytics-new`, `${nsA}/payments-prod`]);
    expect(res.body).not.toContain(nsB);
    expect(model.services.find((s) => s.name === 'payments-prod')?.checklist.map((s) => s.status)).toEqual(Array(10).fill('pass'));

    const scoped = await get(`/report?format=json&namespace=${nsA}`, readerToken);
    expect((JSON.parse(scoped.body) as ReportModel).scope).toEqual({ namespace: nsA, label: `namespace ${nsA}` });
    expect(requests.at(-1)).toEqual({ user: `system:serviceaccount:${nsA}:auditor`, status: 200, services: 2 });
  });

  it('403 for a namespace the reader may not get, and for a caller allowed nothing', async () => {
    const other = await get(`/report?format=json&namespace=${nsB}`, readerToken);
    expect(other.status).toBe(403);
    expect(other.body).toContain(`system:serviceaccount:${nsA}:auditor may not get cloudservices.cloudposture.io in namespace ${nsB}`);
    expect((await get('/report', strangerToken)).status).toBe(403);
  });

  it('an RBAC grant on one named object shows that object only', async () => {
    const res = await get('/report?format=md', namedToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(res.body).toContain(`## ${nsB}/marketing-sandbox`);
    expect(res.body).not.toContain('marketing-other');
    expect(res.body).not.toContain(nsA);
  });

  it('serves the self-contained HTML with a restrictive CSP, and rejects unknown formats and methods', async () => {
    const res = await get('/report', readerToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.body).toContain('<h1>ISO/IEC 27001:2022 Annex A 5.23 - evidence report</h1>');
    expect((await get('/report?format=pdf', readerToken)).status).toBe(400);
    expect((await get('/report?namespace=Not_Valid', readerToken)).status).toBe(400);
    const post = await fetch(`${endpoint}/report`, { method: 'POST', headers: { Authorization: `Bearer ${readerToken}` } });
    expect(post.status).toBe(405);
  });
});
