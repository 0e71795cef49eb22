// The chart's sharding values with the real helm, 4 and 3 (test/tools/helm, test/tools/helm3;
// every block runs once with each), and the real API server:
// the PodDisruptionBudget with more than one replica, the Lease settings reaching the
// operator, the Lease RBAC narrowed to the set's own names with sharding on (checked with
// `kubectl auth can-i` as the chart's ServiceAccount), and the real operator, running as
// that ServiceAccount with two shards, holding them and reconciling with no 403.
// (chart.test.ts covers the rest of the chart; this file only the sharding parts.)

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoordinationV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { repoRoot } from '../harness/binaries.js';
import { createTestNamespace, deleteTestNamespace, kubectl, kubectlOk, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { grantAccount } from '../harness/services.js';
import { ensureHelm, ensureHelm3, runTool } from '../harness/tools.js';

const chartDir = path.join(repoRoot, 'charts', 'cloud-posture-operator');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}
interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
}

/** The helms the chart is rendered with, by label. */
const helms = { 'helm 4': '', 'helm 3': '' };
const helmLabels = Object.keys(helms) as Array<keyof typeof helms>;
/** The helm of the block running now (set by its first beforeAll). */
let helm: string;
let workDir: string;

async function render(release: string, namespace: string, values: unknown, set: string[] = []): Promise<{ code: number; objects: K8sObject[]; stderr: string }> {
  const file = path.join(workDir, `${uniqueName('values')}.yaml`);
  await writeFile(file, stringify(values));
  const env = { ...process.env, HELM_CONFIG_HOME: path.join(workDir, 'config'), HELM_CACHE_HOME: path.join(workDir, 'cache'), HELM_DATA_HOME: path.join(workDir, 'data') };
  const r = await runTool(helm, ['template', release, chartDir, '--namespace', namespace, '--values', file, ...set.flatMap((s) => ['--set', s])], { env, timeoutMs: 60_000 });
  const objects = r.code === 0 ? parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject | null).filter((o): o is K8sObject => !!o) : [];
  return { code: r.code, objects, stderr: r.stderr };
}

const ok = async (values: unknown, release = 'cpo', namespace = 'cloud-posture') => {
  const r = await render(release, namespace, values);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return r.objects;
};
const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const envOf = (objects: K8sObject[]) => {
  const d = ofKind(objects, 'Deployment')[0] as unknown as { spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } } };
  return Object.fromEntries((d.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
};
const leaseRules = (objects: K8sObject[]) => {
  const role = objects.find((o) => o.kind === 'Role' && o.metadata.name.endsWith('-leader-election')) as unknown as { rules: Rule[] };
  return role.rules.map((r) => ({ verbs: r.verbs.join(','), ...(r.resourceNames ? { names: r.resourceNames } : {}) }));
};

beforeAll(async () => {
  helms['helm 4'] = await ensureHelm();
  helms['helm 3'] = await ensureHelm3();
  workDir = await mkdtemp(path.join(tmpdir(), 'chart-sharding-'));
}, 40 * 60_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe.each(helmLabels)('chart: replicas, Leases and shards (%s)', (label) => {
  beforeAll(() => {
    helm = helms[label];
  });

  it('by default (two replicas, leader election): a PodDisruptionBudget of maxUnavailable 1, the Lease timings, one shard, the leader Lease rule as before', async () => {
    const objects = await ok({});
    const pdbs = ofKind(objects, 'PodDisruptionBudget') as unknown as Array<K8sObject & { spec: unknown }>;
    expect(pdbs.map((p) => [p.apiVersion, p.metadata.name, p.metadata.namespace, p.spec])).toEqual([
      [
        'policy/v1',
        'cpo-cloud-posture-operator',
        'cloud-posture',
        { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'cloud-posture-operator', 'app.kubernetes.io/instance': 'cpo' } } },
      ],
    ]);
    expect(envOf(objects)).toMatchObject({
      CLOUDPOSTURE_LEADER_ELECTION: 'true',
      CLOUDPOSTURE_LEASE_NAME: 'cpo-cloud-posture-operator',
      CLOUDPOSTURE_LEASE_DURATION: '15s',
      CLOUDPOSTURE_RENEW_DEADLINE: '10s',
      CLOUDPOSTURE_RETRY_PERIOD: '2s',
      CLOUDPOSTURE_SHARDS: '1',
    });
    expect(leaseRules(objects)).toEqual([{ verbs: 'get,create,update' }]);
  });

  it('one replica: no PodDisruptionBudget (it would block every drain)', async () => {
    expect(ofKind(await ok({ replicaCount: 1, leaderElection: { enabled: false } }), 'PodDisruptionBudget')).toEqual([]);
  });

  it('sharding.shards=4 with three replicas: the shard count and timings reach the operator; Lease get/update only by the set\'s names', async () => {
    const objects = await ok({ replicaCount: 3, sharding: { shards: 4 }, leaderElection: { leaseDuration: '20s', renewDeadline: '12s', retryPeriod: '3s' } });
    expect(envOf(objects)).toMatchObject({
      CLOUDPOSTURE_SHARDS: '4',
      CLOUDPOSTURE_LEASE_DURATION: '20s',
      CLOUDPOSTURE_RENEW_DEADLINE: '12s',
      CLOUDPOSTURE_RETRY_PERIOD: '3s',
      CLOUDPOSTURE_LEADER_ELECTION: 'true',
    });
    const names = [0, 1, 2, 3].map((i) => `cpo-cloud-posture-operator-shard-${i}`).concat([0, 1, 2, 3].map((i) => `cpo-cloud-posture-operator-member-${i}`));
    expect(leaseRules(objects)).toEqual([{ verbs: 'create' }, { verbs: 'list' }, { verbs: 'get,update', names }]);
    // Nothing else anywhere touches Leases.
    const leaseVerbs = objects
      .filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')
      .flatMap((o) => ((o as unknown as { rules?: Rule[] }).rules ?? []).filter((r) => r.resources?.includes('leases')).flatMap((r) => r.verbs));
    expect([...new Set(leaseVerbs)].sort()).toEqual(['create', 'get', 'list', 'update']);
    expect(ofKind(objects, 'PodDisruptionBudget')).toHaveLength(1);
  });

  it.each([
    ['shards without leader election', { replicaCount: 1, leaderElection: { enabled: false }, sharding: { shards: 2 } }, /sharding.shards > 1 needs leaderElection.enabled/],
    ['zero shards', { sharding: { shards: 0 } }, /shards/],
    ['more shards than the operator accepts', { sharding: { shards: 257 } }, /shards/],
    ['a lease duration without a unit', { leaderElection: { leaseDuration: '15' } }, /leaseDuration/],
    ['a misspelt sharding key', { sharding: { shard: 4 } }, /shard|additional/i],
  ])('refuses %s', async (_name, values, message) => {
    const r = await render('cpo', 'cloud-posture', values);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });
});

describe.each(helmLabels)("chart: the sharded operator's Lease RBAC on the real API server (%s)", (label) => {
  const kc = loadTestKubeConfig();
  let ns: string;
  let release: string;
  let operator: TestOperator | undefined;

  beforeAll(async () => {
    helm = helms[label];
    await installCrds();
    ns = await createTestNamespace('chart-shard');
    release = uniqueName('shard').slice(0, 24);
    const objects = await ok({ replicaCount: 2, sharding: { shards: 2 }, config: { watchNamespace: ns } }, release, ns);
    const rbac = objects.filter((o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind));
    await kubectlOk(['apply', '-f', '-'], { input: rbac.map((o) => stringify(o)).join('---\n') });
    // The PodDisruptionBudget is what the API server accepts (strict field validation).
    const pdb = ofKind(objects, 'PodDisruptionBudget');
    const dry = await kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], { input: pdb.map((o) => stringify(o)).join('---\n') });
    expect([dry.code, dry.stderr]).toEqual([0, '']);
  });

  afterAll(async () => {
    await operator?.stop();
    for (const kind of ['clusterrolebinding', 'clusterrole']) await kubectl(['delete', kind, '-l', `app.kubernetes.io/instance=${release}`, '--ignore-not-found']);
    await deleteTestNamespace(ns);
  });

  const sa = () => `system:serviceaccount:${ns}:${release}-cloud-posture-operator`;
  const canI = async (args: string[]) => (await kubectl(['auth', 'can-i', ...args, '-n', ns, '--as', sa()])).stdout.trim();

  it('allows get/update of its own shard and member Leases, create and list, and nothing else on Leases', async () => {
    const lease = (name: string) => `leases.coordination.k8s.io/${name}`;
    const allowed = [
      ['get', lease(`${release}-cloud-posture-operator-shard-1`)],
      ['update', lease(`${release}-cloud-posture-operator-shard-0`)],
      ['update', lease(`${release}-cloud-posture-operator-member-1`)],
      ['create', 'leases.coordination.k8s.io'],
      ['list', 'leases.coordination.k8s.io'],
    ];
    const denied = [
      ['update', lease(`${release}-cloud-posture-operator-shard-2`)],
      ['update', lease('kube-controller-manager')],
      ['get', lease('someone-else')],
      ['delete', lease(`${release}-cloud-posture-operator-shard-0`)],
      ['patch', lease(`${release}-cloud-posture-operator-shard-0`)],
      ['watch', 'leases.coordination.k8s.io'],
    ];
    for (const a of allowed) expect([a.join(' '), await canI(a)]).toEqual([a.join(' '), 'yes']);
    for (const d of denied) expect([d.join(' '), await canI(d)]).toEqual([d.join(' '), 'no']);
  });

  it('is enough for the real operator with two shards: it holds both, reconciles, and is never refused', async () => {
    const asOperator = new KubeConfig();
    asOperator.loadFromOptions({
      clusters: kc.clusters,
      contexts: [{ name: 'operator', cluster: kc.getCurrentCluster()?.name ?? '', user: 'operator' }],
      currentContext: 'operator',
      users: [{ ...(kc.getCurrentUser() ?? { name: 'admin' }), name: 'operator', impersonateUser: sa() }],
    });
    operator = await startTestOperator({
      namespace: ns,
      kubeConfig: asOperator,
      env: {
        CLOUDPOSTURE_POLICY_NAME: uniqueName('nopolicy'),
        CLOUDPOSTURE_LEADER_ELECTION: 'true',
        CLOUDPOSTURE_LEADER_ELECTION_NAMESPACE: ns,
        CLOUDPOSTURE_LEASE_NAME: `${release}-cloud-posture-operator`,
        CLOUDPOSTURE_SHARDS: '2',
        CLOUDPOSTURE_LEASE_DURATION: '4s',
        CLOUDPOSTURE_RENEW_DEADLINE: '3s',
        CLOUDPOSTURE_RETRY_PERIOD: '500ms',
      },
      inventory: async ({ service }) => ({
        ok: false,
        skipped: true,
        failure: { reason: 'ProviderNotSupported', message: `live checks off in this test (${service.spec.provider})` },
      }),
    });
    const leases = kc.makeApiClient(CoordinationV1Api);
    const holders = await waitFor(
      async () => {
        const names = [0, 1].map((i) => `${release}-cloud-posture-operator-shard-${i}`);
        const held = await Promise.all(names.map(async (name) => (await leases.readNamespacedLease({ name, namespace: ns }).catch(() => undefined))?.spec?.holderIdentity));
        return held.every((h) => h === `test-${ns}`) ? held : undefined;
      },
      { timeoutMs: 30_000, description: 'both shard Leases held by the operator running as the chart ServiceAccount' },
    );
    expect(holders).toHaveLength(2);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const accountRef = await grantAccount(kc, `${ns}.payments`, 'aws', { aws: { accountId: '123456789012' } }, [ns]);
    await custom.createNamespacedCustomObject({
      group: 'cloudposture.io',
      version: 'v1alpha1',
      namespace: ns,
      plural: 'cloudservices',
      body: {
        apiVersion: 'cloudposture.io/v1alpha1',
        kind: 'CloudService',
        metadata: { name: 'payments' },
        spec: { provider: 'aws', model: 'SaaS', owner: 'payments-team', criticality: 'low', classification: 'public', accountRef, allowedRegions: ['eu-west-1'] },
      },
    });
    await waitFor(
      async () => {
        const svc = (await custom.getNamespacedCustomObject({ group: 'cloudposture.io', version: 'v1alpha1', namespace: ns, plural: 'cloudservices', name: 'payments' })) as {
          status?: { observedGeneration?: number };
        };
        return svc.status?.observedGeneration === 1;
      },
      { timeoutMs: 30_000, description: 'status written by the sharded operator running as the chart ServiceAccount' },
    );
    expect(operator.logs.filter((l) => l.code === 403 || l.reason === 'Forbidden')).toEqual([]);
    expect(operator.logs.filter((l) => l.message === 'shard acquired').map((l) => l.shard).sort()).toEqual([0, 1]);
    // The shard gauges: a count, and one bounded series per shard held (no replica names in labels).
    const { body } = await operator.metrics.render();
    expect(body).toMatch(/^cloudposture_shards_owned 2$/m);
    expect(body.split('\n').filter((l) => l.startsWith('cloudposture_shard_owner{')).sort()).toEqual(['cloudposture_shard_owner{shard="0"} 1', 'cloudposture_shard_owner{shard="1"} 1']);
    expect(body).toMatch(/^cloudposture_shard_members 1$/m);
  });
});
