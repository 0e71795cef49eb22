// GET /report on the real control plane: callers are authenticated with a TokenReview
// for the report's own audience (ServiceAccount tokens from the TokenRequest API, signed
// by the API server's service-account key, made with `--audience cloud-posture-operator`)
// and see only the CloudServices a SubjectAccessReview says they may get, namespace by
// namespace or object by object (RBAC resourceNames). The reviews are counted at the
// API boundary: concurrent requests of one token share them, a bogus-token flood evicts
// no valid answer, one request consults a bounded number of answers and a report cut by
// that bound says so; who viewed what is logged, never the token. CloudOrganizations
// (Shadow IT) are shown only to a caller whose RBAC lets them list them cluster-wide.

import { createServer, type Server } from 'node:http';

import { CustomObjectsApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';

import type { CloudService } from '../../operator/src/api/types.js';
import type { ReportModel } from '../../operator/src/report/model.js';
import { AccessReviewer } from '../../operator/src/kube/access-review.js';
import { createReportHandler, type ReportRequestHandler } from '../../operator/src/report/endpoint.js';
import { sampleOrganizations, sampleServices } from '../../operator/src/report/sample.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, uniqueName } from '../harness/kube.js';
import { installCrds } from '../harness/operator.js';
import { countingReviewApi, serviceAccountToken as tokenFor } from '../harness/review-tokens.js';

const GROUP = 'cloudposture.io';
const VERSION = 'v1alpha1';
const NOW = new Date('2026-11-15T12:00:00Z');

const AUDIENCE = 'cloud-posture-operator';
const kc = loadTestKubeConfig();
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);

let nsA: string;
let nsB: string;
let server: Server;
let endpoint: string;
const requests: Array<{ user?: string; status: number; services: number; truncated?: boolean }> = [];
const viewLog: Array<{ message: string; meta: Record<string, unknown> }> = [];
const api = countingReviewApi(kc);
let handler: ReportRequestHandler;

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

/** A token made for the report: `kubectl create token <sa> --audience cloud-posture-operator`. */
const serviceAccountToken = (namespace: string, name: string) => tokenFor(namespace, name, [AUDIENCE]);

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

  handler = createReportHandler({
    reviewer: new AccessReviewer({ api }),
    audience: AUDIENCE,
    log: { info: (message, meta) => void viewLog.push({ message, meta }) },
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
  // The handler in use can be swapped by a test (a smaller review bound).
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
    // Complete: nothing says otherwise.
    expect(res.headers.get('x-report-truncated')).toBeNull();
    expect(model).not.toHaveProperty('truncated');
  });

  it('logs who viewed which namespaces, never the token', async () => {
    const from = viewLog.length;
    expect((await get('/report?format=json', readerToken)).status).toBe(200);
    expect(viewLog.slice(from)).toEqual([
      { message: 'report viewed', meta: { user: `system:serviceaccount:${nsA}:auditor`, status: 200, namespaces: [nsA], services: 2, truncated: false } },
    ]);
    expect((await get(`/report?format=json&namespace=${nsB}`, readerToken)).status).toBe(403);
    expect(viewLog.at(-1)?.meta).toMatchObject({ user: `system:serviceaccount:${nsA}:auditor`, status: 403, scope: nsB, namespaces: [] });
    const logged = JSON.stringify(viewLog);
    for (const token of [readerToken, strangerToken, namedToken]) {
      expect(logged).not.toContain(token);
      expect(logged).not.toContain(token.split('.')[2]);
    }
  });

  it("refuses a token for the API server's audience (or another one) before any TokenReview", async () => {
    const before = api.counts.tokenReviews;
    const apiServerToken = await tokenFor(nsA, 'auditor', []); // the same ServiceAccount, granted the namespace
    const res = await get('/report?format=json', apiServerToken);
    expect(res.status).toBe(401);
    expect(res.body).toContain(`a token for audience ${AUDIENCE} is required`);
    expect((await get('/report?format=json', await tokenFor(nsA, 'auditor', ['some-other-service']))).status).toBe(401);
    expect(api.counts.tokenReviews).toBe(before);
  });

  it('twenty concurrent requests of one token cost what one request costs: one TokenReview, each SubjectAccessReview once', async () => {
    const one = await serviceAccountToken(nsA, 'nobody-one');
    let before = { ...api.counts };
    expect((await get('/report?format=json', one)).status).toBe(403);
    // Nothing allowed: the cluster, the two namespaces, then the four services one by one.
    const single = { tokenReviews: api.counts.tokenReviews - before.tokenReviews, subjectAccessReviews: api.counts.subjectAccessReviews - before.subjectAccessReviews };
    expect(single).toEqual({ tokenReviews: 1, subjectAccessReviews: 7 });

    const burst = await serviceAccountToken(nsA, 'nobody-burst');
    before = { ...api.counts };
    const answers = await Promise.all(Array.from({ length: 20 }, () => get('/report?format=json', burst)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(403));
    expect({ tokenReviews: api.counts.tokenReviews - before.tokenReviews, subjectAccessReviews: api.counts.subjectAccessReviews - before.subjectAccessReviews }).toEqual(single);
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

/** A second endpoint on its own port, for options the shared one does not have. */
async function serve(h: ReportRequestHandler): Promise<{ url: string; close: () => Promise<void> }> {
  const srv = createServer((req, res) => void h(req, res));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const address = srv.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, close: () => new Promise<void>((resolve) => srv.close(() => resolve())) };
}

const listBoth = async (namespace?: string) => {
  const namespaces = namespace ? [namespace] : [nsA, nsB];
  const lists = await Promise.all(
    namespaces.map((ns) => custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'cloudservices' }) as Promise<{ items: CloudService[] }>),
  );
  return lists.flatMap((l) => l.items);
};

describe('GET /report under its bounds', () => {
  it('a flood of bogus tokens evicts no valid cached answer', async () => {
    const counted = countingReviewApi(kc);
    const small = await serve(
      createReportHandler({ reviewer: new AccessReviewer({ api: counted, maxUsers: 8, maxRejectedTokens: 8, maxDecisions: 64, cacheTtlMs: 600_000 }), audience: AUDIENCE, listServices: listBoth, clock: () => NOW }),
    );
    const at = (token: string) => fetch(`${small.url}/report?format=json`, { headers: { Authorization: `Bearer ${token}` } });
    try {
      expect((await at(readerToken)).status).toBe(200);
      const warm = { ...counted.counts };
      // JWTs that name the audience (so each costs a TokenReview) with forged signatures.
      const [header, payload] = readerToken.split('.');
      for (let i = 0; i < 100; i++) expect((await at(`${header}.${payload}.forged${i.toString(36)}`)).status).toBe(401);
      expect(counted.counts.tokenReviews - warm.tokenReviews).toBe(100);
      const flooded = { ...counted.counts };
      expect((await at(readerToken)).status).toBe(200);
      expect(counted.counts).toEqual(flooded);
    } finally {
      await small.close();
    }
  });

  it('a report cut by the review bound says it is truncated, in every format and a header', async () => {
    const bounded = await serve(
      createReportHandler({ reviewer: new AccessReviewer({ api: countingReviewApi(kc) }), audience: AUDIENCE, listServices: listBoth, clock: () => NOW, maxReviewsPerRequest: 2 }),
    );
    const at = (format: string) => fetch(`${bounded.url}/report?format=${format}`, { headers: { Authorization: `Bearer ${readerToken}` } });
    try {
      // Two answers: the cluster (no), then the first namespace (the reader's: yes); the other namespace is never asked.
      const json = await at('json');
      expect(json.status).toBe(200);
      expect(json.headers.get('x-report-truncated')).toBe('true');
      const model = (await json.json()) as ReportModel & { truncated?: unknown };
      expect(model.truncated).toEqual({ reason: 'ReviewBound', maxReviewsPerRequest: 2, hint: 'ask for one namespace: ?namespace=<name>' });
      expect(model.services.map((s) => s.namespace)).toEqual([nsA, nsA]);
      const md = await at('md');
      expect(md.headers.get('x-report-truncated')).toBe('true');
      expect((await md.text()).split('\n').slice(0, 4).join('\n')).toMatch(/^# .+\n\n> \*\*Truncated: this report shows only the services found within 2 access checks/);
      const html = await at('html');
      expect(html.headers.get('x-report-truncated')).toBe('true');
      expect(await html.text()).toMatch(/<main><div class="truncated" role="alert"[^>]*>Truncated: this report shows only the services found within 2 access checks/);
      // One namespace asked for fits the bound: complete.
      const scoped = await fetch(`${bounded.url}/report?format=json&namespace=${nsA}`, { headers: { Authorization: `Bearer ${readerToken}` } });
      expect([scoped.status, scoped.headers.get('x-report-truncated')]).toEqual([200, null]);
    } finally {
      await bounded.close();
    }
  });
});

describe('GET /report: Shadow IT (cluster-scoped CloudOrganizations)', () => {
  const clusterRole = uniqueName('org-lister');
  let platformToken: string;

  beforeAll(async () => {
    // The platform team: may get the services of nsA and list CloudOrganizations cluster-wide.
    platformToken = await serviceAccountToken(nsA, 'platform');
    await grant(nsA, { namespace: nsA, name: 'platform' }, { verbs: ['get', 'list'] }, 'platform-services');
    await rbac.createClusterRole({ body: { metadata: { name: clusterRole }, rules: [{ apiGroups: [GROUP], resources: ['cloudorganizations'], verbs: ['get', 'list'] }] } });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: clusterRole },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
        subjects: [{ kind: 'ServiceAccount', namespace: nsA, name: 'platform' }],
      },
    });
    // The auditor may list them in its namespace only, which grants nothing cluster-wide.
    await rbac.createNamespacedRole({ namespace: nsA, body: { metadata: { name: 'org-reader' }, rules: [{ apiGroups: [GROUP], resources: ['cloudorganizations'], verbs: ['list'] }] } });
    await rbac.createNamespacedRoleBinding({
      namespace: nsA,
      body: {
        metadata: { name: 'org-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'org-reader' },
        subjects: [{ kind: 'ServiceAccount', namespace: nsA, name: 'auditor' }],
      },
    });
  }, 60_000);

  afterAll(async () => {
    await rbac.deleteClusterRoleBinding({ name: clusterRole }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: clusterRole }).catch(() => undefined);
  });

  it('shows the organisations to a caller allowed to list them cluster-wide, and a note to everyone else', async () => {
    const log: Array<Record<string, unknown>> = [];
    const counted = countingReviewApi(kc);
    const withOrganizations = await serve(
      createReportHandler({
        reviewer: new AccessReviewer({ api: counted }),
        audience: AUDIENCE,
        listServices: listBoth,
        // The operator passes its informer cache of CloudOrganizations.
        listOrganizations: () => sampleOrganizations(NOW),
        clock: () => NOW,
        log: { info: (_message, meta) => void log.push(meta) },
      }),
    );
    const at = async (token: string, format = 'json') => {
      const res = await fetch(`${withOrganizations.url}/report?format=${format}`, { headers: { Authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return res.text();
    };
    try {
      const before = counted.counts.subjectAccessReviews;
      const platform = JSON.parse(await at(platformToken)) as ReportModel;
      expect(platform.services.map((s) => s.namespace)).toEqual([nsA, nsA]);
      expect(platform.shadowIt).toMatchObject({ shown: true, undeclared: 3, undeclaredByKind: { account: 1, subscription: 1, 'saas-app': 1 } });
      expect(platform.shadowIt.organizations.map((o) => o.name)).toEqual(['acme-aws', 'acme-entra']);
      // For the services: the cluster, the two namespaces, the two services of the denied one; then one for the organisations.
      expect(counted.counts.subjectAccessReviews - before).toBe(6);
      expect(log.at(-1)).toMatchObject({ user: `system:serviceaccount:${nsA}:platform`, organizations: 2 });
      expect(await at(platformToken, 'md')).toContain('| account | `444444444444` | growth-experiments | Root/Sandbox |');

      const auditor = JSON.parse(await at(readerToken)) as ReportModel;
      expect(auditor.services).toHaveLength(2);
      expect(auditor.shadowIt).toMatchObject({ shown: false, organizations: [], note: `Shadow IT left out of this report: system:serviceaccount:${nsA}:auditor may not list cloudorganizations.cloudposture.io cluster-wide.` });
      expect(JSON.stringify(auditor)).not.toContain('444444444444');
      expect(log.at(-1)).not.toHaveProperty('organizations');
      const html = await at(readerToken, 'html');
      expect(html).toContain('<section id="shadow-it">');
      expect(html).not.toContain('growth-experiments');
    } finally {
      await withOrganizations.close();
    }
  });
});
