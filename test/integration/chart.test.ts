// The Helm chart with the real helm, both majors (helm 4 from helm.sh/helm/v4, test/tools/helm;
// helm 3 from helm.sh/helm/v3, test/tools/helm3: most clusters still run it), and the real
// API server of the test control plane. Every block below runs once with each helm:
// - helm lint and helm template with default and non-default values, and what they render;
// - values.schema.json and the template guards reject bad values;
// - the rendered manifests pass a server-side dry run (admission, strict field
//   validation, the restricted Pod Security level for the operator's pod);
// - the chart's RBAC is enough for the real operator, and no more: the operator runs
//   in-process as the chart's ServiceAccount (impersonated) and reconciles, with leader
//   election, while `kubectl auth can-i` denies everything else.
// ServiceMonitor and PrometheusRule (monitoring.coreos.com) are left out of the dry run
// unless the prometheus-operator CRDs are installed, which the test control plane does not do.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { loadConfig } from '../../operator/src/config.js';
import { repoRoot } from '../harness/binaries.js';
import { createTestNamespace, deleteTestNamespace, kubectl, kubectlOk, loadTestKubeConfig, testKubeconfigPath, uniqueName, waitFor } from '../harness/kube.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { grantAccount } from '../harness/services.js';
import { ensureHelm, ensureHelm3, runTool } from '../harness/tools.js';

const chartDir = path.join(repoRoot, 'charts', 'cloud-posture-operator');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** The helms the chart is tested with, by label. */
const HELMS = [
  ['helm 4', ensureHelm],
  ['helm 3', ensureHelm3],
] as const;
type HelmLabel = (typeof HELMS)[number][0];
const helms = new Map<HelmLabel, string>();
/** The helm of the block running now (see describeEachHelm); helmRun uses it. */
let helm: string;
let workDir: string;

/**
 * `describe`, once per helm: "<name> (helm 4)", then "<name> (helm 3)". Jest runs a file's
 * blocks one after another, so the helm a block's first hook selects holds for its
 * nested hooks and tests.
 */
function describeEachHelm(name: string, body: () => void): void {
  describe.each(HELMS.map(([label]) => label))(`${name} (%s)`, (label) => {
    beforeAll(() => {
      helm = helms.get(label) as string;
    });
    body();
  });
}

async function helmRun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // An empty HOME-like config: no repositories, no plugins, no cache from the machine.
  const env = {
    ...process.env,
    HELM_CONFIG_HOME: path.join(workDir, 'config'),
    HELM_CACHE_HOME: path.join(workDir, 'cache'),
    HELM_DATA_HOME: path.join(workDir, 'data'),
  };
  return runTool(helm, args, { env, timeoutMs: 60_000 });
}

async function writeValues(values: unknown): Promise<string> {
  const file = path.join(workDir, `${uniqueName('values')}.yaml`);
  await writeFile(file, stringify(values));
  return file;
}

interface RenderOptions {
  release?: string;
  namespace?: string;
  values?: unknown;
  set?: string[];
  includeCrds?: boolean;
}

async function template(opts: RenderOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ['template', opts.release ?? 'cpo', chartDir, '--namespace', opts.namespace ?? 'cloud-posture'];
  if (opts.values !== undefined) args.push('--values', await writeValues(opts.values));
  for (const s of opts.set ?? []) args.push('--set', s);
  if (opts.includeCrds) args.push('--include-crds');
  return helmRun(args);
}

async function render(opts: RenderOptions = {}): Promise<K8sObject[]> {
  const r = await template(opts);
  if (r.code !== 0) throw new Error(`helm template failed (${r.code}): ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => !!o);
}

const find = (objects: K8sObject[], kind: string, name?: string): K8sObject => {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0] as K8sObject;
};

// Loose views of what the tests read.
interface Container {
  image: string;
  env: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  ports: Array<{ name: string; containerPort: number }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: Record<string, unknown>;
}
interface DeploymentView {
  spec: {
    replicas: number;
    strategy: { type: string };
    template: {
      metadata: { labels: Record<string, string> };
      spec: { automountServiceAccountToken: boolean; serviceAccountName: string; securityContext: Record<string, unknown>; containers: Container[] };
    };
  };
}
interface Rule {
  apiGroups?: string[];
  resources?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}
const deployment = (objects: K8sObject[]) => find(objects, 'Deployment') as unknown as K8sObject & DeploymentView;
const container = (objects: K8sObject[]) => deployment(objects).spec.template.spec.containers[0] as Container;
const envOf = (objects: K8sObject[]) => Object.fromEntries(container(objects).env.map((e) => [e.name, e.value ?? e.valueFrom]));
const rulesOf = (o: K8sObject) =>
  ((o as unknown as { rules: Rule[] }).rules ?? []).map((r) => `${(r.apiGroups ?? []).join(',') || 'core'}/${(r.resources ?? r.nonResourceURLs ?? []).join(',')}:${r.verbs.join(',')}`);

/** Non-default values exercising every optional part of the chart. */
function fullValues(watchNamespace: string, otherNamespace: string): Record<string, unknown> {
  return {
    replicaCount: 1,
    leaderElection: { enabled: false },
    image: { repository: 'registry.example.com/security/cloud-posture-operator', digest: `sha256:${'ab'.repeat(32)}` },
    config: {
      concurrency: 8,
      defaultInterval: '15m',
      watchNamespace,
      policyName: 'strict',
      logLevel: 'debug',
      awsEndpoint: 'http://127.0.0.1:5000',
      azureResourceManagerEndpoint: 'https://management.usgovcloudapi.net',
      azureGraphEndpoint: 'https://graph.microsoft.us',
    },
    extraEnv: [{ name: 'AWS_REGION', value: 'eu-west-1' }],
    metrics: { port: 9090 },
    workloadIdentity: {
      aws: { roleArn: 'arn:aws:iam::123456789012:role/cloudposture-readonly' },
      azure: { clientId: '00000000-1111-2222-3333-444444444444', tenantId: '55555555-6666-7777-8888-999999999999' },
    },
    serviceAccount: { annotations: { 'example.com/owner': 'security' } },
    rbac: { secrets: { scope: 'namespaces', namespaces: [watchNamespace, otherNamespace] } },
    podLabels: { team: 'security' },
    serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' }, interval: '30s' },
    prometheusRule: {
      enabled: true,
      labels: { release: 'kube-prometheus-stack' },
      runbookBaseUrl: 'https://wiki.example.com/runbooks/cloud-posture/',
      additionalAlertLabels: { team: 'security' },
      evidenceAgeDays: { 'exit-drill': { warning: 150, critical: 180 } },
    },
    grafanaDashboard: { namespace: otherNamespace, folder: 'Compliance' },
    networkPolicy: { enabled: true, apiServerCIDRs: ['10.0.0.1/32'], metricsPodSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'security', effect: 'NoSchedule' }],
  };
}

beforeAll(async () => {
  // One after the other (the builds share one lock anyway); each is minutes once, then cached.
  for (const [label, ensure] of HELMS) helms.set(label, await ensure());
  workDir = await mkdtemp(path.join(tmpdir(), 'chart-test-'));
}, 40 * 60_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describeEachHelm('helm lint', () => {
  it('passes with default values, strict', async () => {
    const r = await helmRun(['lint', '--strict', chartDir]);
    expect([r.code, r.stdout + r.stderr]).toEqual([0, expect.stringContaining('0 chart(s) failed')]);
  });

  it('passes with non-default values', async () => {
    const r = await helmRun(['lint', '--strict', chartDir, '--values', await writeValues(fullValues('payments', 'monitoring'))]);
    expect([r.code, r.stdout + r.stderr]).toEqual([0, expect.stringContaining('0 chart(s) failed')]);
  });

  it('packages a chart that still carries its rules, dashboard and CRDs (but not the promtool tests)', async () => {
    const out = await mkdtemp(path.join(workDir, 'package-'));
    const pkg = await helmRun(['package', chartDir, '--destination', out]);
    expect([pkg.code, pkg.stderr]).toEqual([0, '']);
    const tgz = path.join(out, 'cloud-posture-operator-0.1.0.tgz');
    const list = await runTool('tar', ['-tzf', tgz]);
    const files = list.stdout.split('\n').filter(Boolean);
    for (const f of ['rules/cloud-posture.rules.yaml', 'dashboards/cloud-posture.json', 'crds/cloudposture.io_cloudservices.yaml', 'values.schema.json']) {
      expect(files).toContain(`cloud-posture-operator/${f}`);
    }
    expect(files.filter((f) => f.includes('rules/tests/') || f.includes('/argocd/'))).toEqual([]);
    const r = await helmRun(['template', 'cpo', tgz, '--set', 'prometheusRule.enabled=true']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('alert: CloudPostureServiceNonCompliant');
    expect(r.stdout).toContain('"uid": "cloud-posture-a523"');
  });

  it('fails on a value the schema rejects', async () => {
    const r = await helmRun(['lint', chartDir, '--set', 'config.logLevel=verbose']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/logLevel/);
  });
});

describeEachHelm('helm template with default values', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await render();
  });

  it('renders exactly the default set of objects', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        'ClusterRole/cpo-cloud-posture-operator',
        'ClusterRoleBinding/cpo-cloud-posture-operator',
        // Secure /metrics (templates/access-review-rbac.yaml) and the NetworkPolicy, on by default.
        'ClusterRole/cpo-cloud-posture-operator-access-review',
        'ClusterRoleBinding/cpo-cloud-posture-operator-access-review',
        'ClusterRole/cpo-cloud-posture-operator-metrics-reader',
        'NetworkPolicy/cpo-cloud-posture-operator',
        // The account-grant admission policy (templates/account-admission-policy.yaml).
        'ValidatingAdmissionPolicy/cloudservice-account-grant.cloudposture.io',
        'ValidatingAdmissionPolicyBinding/cloudservice-account-grant.cloudposture.io',
        'ConfigMap/cpo-cloud-posture-operator-dashboard',
        'Deployment/cpo-cloud-posture-operator',
        // Two replicas by default: at most one evicted at a time (templates/poddisruptionbudget.yaml).
        'PodDisruptionBudget/cpo-cloud-posture-operator',
        'Role/cpo-cloud-posture-operator-leader-election',
        'RoleBinding/cpo-cloud-posture-operator-leader-election',
        'Role/cpo-cloud-posture-operator-secrets',
        'RoleBinding/cpo-cloud-posture-operator-secrets',
        'Service/cpo-cloud-posture-operator',
        'ServiceAccount/cpo-cloud-posture-operator',
      ].sort(),
    );
    const clusterScoped = (kind: string) => kind.startsWith('Cluster') || kind.startsWith('ValidatingAdmissionPolicy');
    for (const o of objects.filter((x) => !clusterScoped(x.kind))) expect(o.metadata.namespace).toBe('cloud-posture');
  });

  it('runs two replicas (leader + standby) of the image with the restricted security context', () => {
    const d = deployment(objects);
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.strategy.type).toBe('RollingUpdate');
    const pod = d.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.serviceAccountName).toBe('cpo-cloud-posture-operator');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    const c = container(objects);
    expect(c.image).toBe('ghcr.io/cloud-posture/cloud-posture-operator:0.1.0');
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.resources.requests).toEqual({ cpu: '50m', memory: '384Mi' });
    expect(c.resources.limits).toEqual({ cpu: '1', memory: '768Mi' });
  });

  it('bounds Node.js memory below the limit: heap cap, small semi-spaces, two malloc arenas, fixed malloc thresholds; each can be turned off', async () => {
    expect(envOf(objects)).toMatchObject({
      NODE_OPTIONS: '--max-old-space-size=384 --max-semi-space-size=8',
      MALLOC_ARENA_MAX: '2',
      GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072',
    });
    const off = envOf(await render({ set: ['nodeMaxSemiSpaceMiB=0', 'mallocArenaMax=0', 'glibcTunables='] })) as Record<string, unknown>;
    expect(off.NODE_OPTIONS).toBe('--max-old-space-size=384');
    expect(off.MALLOC_ARENA_MAX).toBeUndefined();
    expect(off.GLIBC_TUNABLES).toBeUndefined();
    // Anything but glibc tunables is refused by the values schema (the variable reaches the loader).
    await expect(render({ set: ['glibcTunables=LD_PRELOAD=/tmp/x.so'] })).rejects.toThrow(/glibcTunables/);
    const none = envOf(await render({ set: ['nodeMaxSemiSpaceMiB=0', 'nodeMaxOldSpaceMiB=0'] })) as Record<string, unknown>;
    expect(none.NODE_OPTIONS).toBeUndefined();
  });

  it('configures the operator through CLOUDPOSTURE_* variables and probes /healthz and /readyz on 8080 over HTTPS', () => {
    const env = envOf(objects);
    expect(env).toMatchObject({
      POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
      POD_NAMESPACE: { fieldRef: { fieldPath: 'metadata.namespace' } },
      CLOUDPOSTURE_INSTANCE_NAME: '$(POD_NAME)',
      CLOUDPOSTURE_METRICS_ADDRESS: '0.0.0.0:8080',
      CLOUDPOSTURE_CONCURRENCY: '4',
      CLOUDPOSTURE_DEFAULT_INTERVAL: '10m',
      CLOUDPOSTURE_WATCH_NAMESPACE: '',
      CLOUDPOSTURE_POLICY_NAME: 'default',
      CLOUDPOSTURE_LOG_LEVEL: 'info',
      CLOUDPOSTURE_LEADER_ELECTION: 'true',
      CLOUDPOSTURE_LEADER_ELECTION_NAMESPACE: '$(POD_NAMESPACE)',
      CLOUDPOSTURE_LEASE_NAME: 'cpo-cloud-posture-operator',
      CLOUDPOSTURE_METRICS_SECURE: 'true',
    });
    for (const unset of ['CLOUDPOSTURE_AWS_ENDPOINT', 'CLOUDPOSTURE_AZURE_RESOURCE_MANAGER_ENDPOINT', 'CLOUDPOSTURE_AZURE_GRAPH_ENDPOINT']) {
      expect(env).not.toHaveProperty(unset);
    }
    const c = container(objects);
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics', scheme: 'HTTPS' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics', scheme: 'HTTPS' });
    const svc = find(objects, 'Service') as unknown as { spec: { ports: unknown[] } };
    expect(svc.spec.ports).toEqual([{ name: 'metrics', port: 8080, targetPort: 'metrics', protocol: 'TCP' }]);
  });

  it('grants exactly the calls the operator makes', () => {
    expect(rulesOf(find(objects, 'ClusterRole', 'cpo-cloud-posture-operator')).sort()).toEqual(
      [
        'cloudposture.io/cloudaccounts:get,list,watch',
        'cloudposture.io/cloudaccounts/status:patch',
        'core/namespaces:get,list,watch',
        'cloudposture.io/cloudsecuritypolicies:get,list,watch',
        'cloudposture.io/cloudsecuritypolicies/status:patch',
        'cloudposture.io/cloudservices:get,list,watch',
        'cloudposture.io/cloudservices/status:get,patch',
        'core/events:create,patch',
        'cloudposture.io/cloudorganizations:get,list,watch',
        'cloudposture.io/cloudorganizations/status:patch',
      ].sort(),
    );
    expect(rulesOf(find(objects, 'Role', 'cpo-cloud-posture-operator-leader-election'))).toEqual(['coordination.k8s.io/leases:get,create,update']);
    const sa = find(objects, 'ServiceAccount') as K8sObject & { automountServiceAccountToken: boolean };
    expect(sa.metadata.annotations).toBeUndefined();
    expect(sa.automountServiceAccountToken).toBe(true);
  });

  it('reads Secrets in the release namespace only: no ClusterRole rule on Secrets', () => {
    for (const role of objects.filter((o) => o.kind === 'ClusterRole')) {
      expect([role.metadata.name, rulesOf(role).filter((r) => r.includes('secrets'))]).toEqual([role.metadata.name, []]);
    }
    const secretRoles = objects.filter((o) => o.kind === 'Role' && rulesOf(o).some((r) => r.includes('secrets')));
    expect(secretRoles.map((o) => [o.metadata.namespace, o.metadata.name, rulesOf(o)])).toEqual([
      ['cloud-posture', 'cpo-cloud-posture-operator-secrets', ['core/secrets:get']],
    ]);
    const binding = find(objects, 'RoleBinding', 'cpo-cloud-posture-operator-secrets') as K8sObject & { subjects: unknown[] };
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'cpo-cloud-posture-operator', namespace: 'cloud-posture' }]);
  });

  it('ships the Grafana dashboard for the sidecar, verbatim', async () => {
    const cm = find(objects, 'ConfigMap') as K8sObject & { data: Record<string, string> };
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    const { readFile } = await import('node:fs/promises');
    const file = await readFile(path.join(chartDir, 'dashboards', 'cloud-posture.json'), 'utf8');
    expect(JSON.parse(cm.data['cloud-posture.json'] as string)).toEqual(JSON.parse(file));
  });

  it('includes the CRDs, identical to crds/, with --include-crds', async () => {
    const withCrds = await render({ includeCrds: true });
    const crds = withCrds.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata.name);
    expect(crds.sort()).toEqual(['cloudaccounts.cloudposture.io', 'cloudorganizations.cloudposture.io', 'cloudsecuritypolicies.cloudposture.io', 'cloudservices.cloudposture.io']);
  });
});

describeEachHelm('helm template with non-default values', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await render({ values: fullValues('payments', 'monitoring') });
  });

  it('renders the optional objects', () => {
    const kinds = objects.map((o) => o.kind);
    for (const kind of ['NetworkPolicy', 'ServiceMonitor', 'PrometheusRule']) expect(kinds).toContain(kind);
  });

  it('wires workload identity for AWS IRSA and Azure', () => {
    const sa = find(objects, 'ServiceAccount');
    expect(sa.metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/cloudposture-readonly',
      'azure.workload.identity/client-id': '00000000-1111-2222-3333-444444444444',
      'azure.workload.identity/tenant-id': '55555555-6666-7777-8888-999999999999',
      'example.com/owner': 'security',
    });
    expect(deployment(objects).spec.template.metadata.labels).toMatchObject({ 'azure.workload.identity/use': 'true', team: 'security' });
  });

  it('passes the values to the operator', () => {
    const d = deployment(objects);
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy.type).toBe('Recreate');
    expect(container(objects).image).toBe(`registry.example.com/security/cloud-posture-operator@sha256:${'ab'.repeat(32)}`);
    expect(envOf(objects)).toMatchObject({
      CLOUDPOSTURE_METRICS_ADDRESS: '0.0.0.0:9090',
      CLOUDPOSTURE_CONCURRENCY: '8',
      CLOUDPOSTURE_DEFAULT_INTERVAL: '15m',
      CLOUDPOSTURE_WATCH_NAMESPACE: 'payments',
      CLOUDPOSTURE_POLICY_NAME: 'strict',
      CLOUDPOSTURE_LOG_LEVEL: 'debug',
      CLOUDPOSTURE_LEADER_ELECTION: 'false',
      CLOUDPOSTURE_AWS_ENDPOINT: 'http://127.0.0.1:5000',
      CLOUDPOSTURE_AZURE_RESOURCE_MANAGER_ENDPOINT: 'https://management.usgovcloudapi.net',
      CLOUDPOSTURE_AZURE_GRAPH_ENDPOINT: 'https://graph.microsoft.us',
      AWS_REGION: 'eu-west-1',
    });
    expect(container(objects).ports[0]).toMatchObject({ name: 'metrics', containerPort: 9090 });
  });

  it('narrows RBAC to the watched namespace and the listed Secret namespaces', () => {
    expect(rulesOf(find(objects, 'ClusterRole', 'cpo-cloud-posture-operator')).sort()).toEqual(
      [
        'cloudposture.io/cloudaccounts:get,list,watch',
        'cloudposture.io/cloudaccounts/status:patch',
        'core/namespaces:get,list,watch',
        'cloudposture.io/cloudsecuritypolicies:get,list,watch',
        'cloudposture.io/cloudsecuritypolicies/status:patch',
      ].sort(),
    );
    const services = find(objects, 'Role', 'cpo-cloud-posture-operator-cloudservices');
    expect(services.metadata.namespace).toBe('payments');
    expect(rulesOf(services).sort()).toEqual(
      ['cloudposture.io/cloudservices:get,list,watch', 'cloudposture.io/cloudservices/status:get,patch', 'core/events:create,patch'].sort(),
    );
    // The release namespace (CloudAccount credentials) and each listed tenant namespace.
    const secretRoles = objects.filter((o) => o.kind === 'Role' && o.metadata.name.endsWith('-secrets'));
    expect(secretRoles.map((o) => o.metadata.namespace).sort()).toEqual(['cloud-posture', 'monitoring', 'payments']);
    for (const r of secretRoles) expect(rulesOf(r)).toEqual(['core/secrets:get']);
    expect(objects.filter((o) => o.kind === 'RoleBinding')).toHaveLength(5);
  });

  it('rbac.secrets.scope=cluster is a separate ClusterRole, off unless asked for', async () => {
    const cluster = await render({ set: ['rbac.secrets.scope=cluster'] });
    expect(rulesOf(find(cluster, 'ClusterRole', 'cpo-cloud-posture-operator-secrets'))).toEqual(['core/secrets:get']);
    expect(cluster.filter((o) => o.kind === 'Role' && o.metadata.name.endsWith('-secrets'))).toEqual([]);
    const none = await render({ set: ['rbac.secrets.enabled=false'] });
    expect(none.filter((o) => (o.kind === 'Role' || o.kind === 'ClusterRole') && rulesOf(o).some((r) => r.includes('secrets')))).toEqual([]);
  });

  it('scrapes with honorLabels and a stable job name, over HTTPS with Prometheus\'s ServiceAccount token', () => {
    const sm = find(objects, 'ServiceMonitor') as K8sObject & { spec: { jobLabel: string; endpoints: Array<Record<string, unknown>> } };
    expect(sm.metadata.labels?.release).toBe('kube-prometheus-stack');
    expect(sm.spec.jobLabel).toBe('app.kubernetes.io/name');
    expect(sm.spec.endpoints).toEqual([
      {
        port: 'metrics',
        path: '/metrics',
        interval: '30s',
        scrapeTimeout: '10s',
        honorLabels: true,
        scheme: 'https',
        bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
        // The operator's certificate is self-signed: no TLS Secret in these values.
        tlsConfig: { insecureSkipVerify: true },
      },
    ]);
  });

  it('builds the PrometheusRule from the rule file with the thresholds, runbook base and labels of the values', () => {
    const pr = find(objects, 'PrometheusRule') as K8sObject & {
      spec: { groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> }> }> };
    };
    const thresholds = pr.spec.groups.find((g) => g.name === 'cloud-posture-thresholds')?.rules ?? [];
    // exit-drill from the values; the other kinds keep their defaults.
    expect(thresholds.map((r) => `${r.labels?.kind}/${r.labels?.severity}=${r.expr}`)).toEqual([
      'assurance-report/warning=vector(335 * 86400)',
      'assurance-report/critical=vector(365 * 86400)',
      'contract-review/warning=vector(335 * 86400)',
      'contract-review/critical=vector(365 * 86400)',
      'exit-drill/warning=vector(150 * 86400)',
      'exit-drill/critical=vector(180 * 86400)',
    ]);
    const alerts = pr.spec.groups.flatMap((g) => g.rules).filter((r) => r.alert);
    expect(alerts.length).toBeGreaterThanOrEqual(9);
    for (const a of alerts) {
      expect(a.annotations?.runbook_url).toBe(`https://wiki.example.com/runbooks/cloud-posture#${a.alert?.toLowerCase()}`);
      expect(a.labels?.team).toBe('security');
      expect(['critical', 'warning', 'info']).toContain(a.labels?.severity);
      // Alert templates reach Prometheus unexpanded (helm does not touch .Files.Get text);
      // an organisation's alert names the organisation (cluster-scoped), not a namespace.
      expect(a.annotations?.description).toContain(a.alert === 'CloudPostureUndeclaredService' ? '$labels.organization' : '$labels.namespace');
    }
  });

  it('restricts traffic with a NetworkPolicy: metrics in from the selected namespace, API server and 443 out', () => {
    const np = find(objects, 'NetworkPolicy') as K8sObject & { spec: { ingress: unknown[]; egress: Array<{ ports: Array<{ port: number | string }>; to?: unknown[] }> } };
    expect(np.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          },
        ],
        ports: [{ port: 'metrics', protocol: 'TCP' }],
      },
    ]);
    const egress = np.spec.egress.map((e) => ({ ports: e.ports.map((p) => p.port), to: e.to }));
    expect(egress).toEqual([
      { ports: [53, 53], to: undefined },
      { ports: [443, 6443], to: [{ ipBlock: { cidr: '10.0.0.1/32' } }] },
      { ports: [443], to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] },
    ]);
  });

  it('puts the dashboard ConfigMap in the Grafana namespace with its folder', () => {
    const cm = find(objects, 'ConfigMap');
    expect(cm.metadata.namespace).toBe('monitoring');
    expect(cm.metadata.annotations).toEqual({ grafana_folder: 'Compliance' });
  });
});

describeEachHelm('values the chart rejects', () => {
  it.each([
    ['a negative replica count', ['replicaCount=-1'], /replicaCount/],
    ['an unknown log level', ['config.logLevel=verbose'], /logLevel/],
    ['a misspelt key', ['confg.logLevel=debug'], /confg|additional/i],
    ['a zero concurrency', ['config.concurrency=0'], /concurrency/],
    ['a duration without a unit', ['config.defaultInterval=600'], /defaultInterval/],
    ['running as root', ['securityContext.runAsNonRoot=false'], /runAsNonRoot/],
    ['privilege escalation', ['securityContext.allowPrivilegeEscalation=true'], /allowPrivilegeEscalation/],
    ['a malformed IRSA role ARN', ['workloadIdentity.aws.roleArn=cloudposture-readonly'], /roleArn/],
    ['a malformed Azure client id', ['workloadIdentity.azure.clientId=my-app'], /clientId/],
    ['a privileged metrics port', ['metrics.port=80'], /port/],
    ['an unknown Secret scope', ['rbac.secrets.scope=everything'], /scope/],
    ['a threshold that is not a number', ['prometheusRule.evidenceAgeDays.exit-drill.warning=soon'], /warning/],
    ['two replicas without leader election', ['replicaCount=2', 'leaderElection.enabled=false'], /leaderElection/],
    ['a Secret namespace that is not a namespace name', ['rbac.secrets.namespaces={Team_A}'], /namespaces/],
  ])('%s', async (_name, set, message) => {
    const r = await template({ set });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });
});

describeEachHelm('helm template: evidence report and exit drill', () => {
  it('by default: no report, review rights for /metrics only in their own ClusterRole, HTTPS probes, an exit-drill scratch volume', async () => {
    const objects = await render();
    expect(envOf(objects).CLOUDPOSTURE_SERVE_REPORT).toBeUndefined();
    expect(rulesOf(find(objects, 'ClusterRole', 'cpo-cloud-posture-operator')).some((r) => r.includes('tokenreviews') || r.includes('subjectaccessreviews'))).toBe(false);
    expect(rulesOf(find(objects, 'ClusterRole', 'cpo-cloud-posture-operator-access-review'))).toEqual([
      'authentication.k8s.io/tokenreviews:create',
      'authorization.k8s.io/subjectaccessreviews:create',
    ]);
    const d = deployment(objects);
    const c = container(objects) as unknown as { livenessProbe: { httpGet: { scheme?: string } }; volumeMounts: Array<{ name: string; mountPath: string }> };
    expect(c.livenessProbe.httpGet.scheme).toBe('HTTPS');
    // No certificate Secret: the operator makes a self-signed one, nothing is mounted.
    expect(c.volumeMounts.map((m) => m.name)).not.toContain('tls');
    expect(c.volumeMounts.map((m) => m.mountPath)).toContain('/var/lib/cloudposture/exit-drill');
    expect(envOf(objects).CLOUDPOSTURE_EXIT_DRILL_DIR).toBe('/var/lib/cloudposture/exit-drill');
    expect(JSON.stringify(d)).toContain('"sizeLimit":"1Gi"');
  });

  it('the drills share a byte budget below the scratch volume sizeLimit, which the operator checks at start-up', async () => {
    const env = envOf(await render()) as Record<string, string>;
    expect(env.CLOUDPOSTURE_EXIT_DRILL_SCRATCH_SIZE_LIMIT).toBe('1Gi');
    expect(env.CLOUDPOSTURE_EXIT_DRILL_SCRATCH_BUDGET).toBeUndefined();
    expect(loadConfig(env)).toMatchObject({ exitDrillScratchSizeLimitBytes: 1024 ** 3, exitDrillScratchBudgetBytes: 896 * 1024 ** 2 });
    const tight = envOf(await render({ set: ['exitDrill.scratchSizeLimit=2Gi', 'exitDrill.scratchBudget=1536Mi'] })) as Record<string, string>;
    expect(loadConfig(tight)).toMatchObject({ exitDrillScratchSizeLimitBytes: 2 * 1024 ** 3, exitDrillScratchBudgetBytes: 1536 * 1024 ** 2 });
    const over = envOf(await render({ set: ['exitDrill.scratchBudget=1Gi'] })) as Record<string, string>;
    expect(() => loadConfig(over)).toThrow(/must be above 0 and below CLOUDPOSTURE_EXIT_DRILL_SCRATCH_SIZE_LIMIT/);
  });

  it('report.enabled: TokenReview/SubjectAccessReview create rights, HTTPS probes, the TLS Secret mounted', async () => {
    const objects = await render({ set: ['report.enabled=true', 'report.tlsSecretName=cpo-report-tls'] });
    const role = find(objects, 'ClusterRole', 'cpo-cloud-posture-operator-access-review');
    expect(rulesOf(role)).toEqual(
      expect.arrayContaining(['authentication.k8s.io/tokenreviews:create', 'authorization.k8s.io/subjectaccessreviews:create']),
    );
    const c = container(objects) as unknown as { livenessProbe: { httpGet: { scheme?: string } }; readinessProbe: { httpGet: { scheme?: string } } };
    expect(c.livenessProbe.httpGet.scheme).toBe('HTTPS');
    expect(c.readinessProbe.httpGet.scheme).toBe('HTTPS');
    expect(envOf(objects)).toMatchObject({
      CLOUDPOSTURE_SERVE_REPORT: 'true',
      CLOUDPOSTURE_TLS_CERT_FILE: '/etc/cloudposture/tls/tls.crt',
      CLOUDPOSTURE_REPORT_TOKEN_AUDIENCE: 'cloud-posture-operator',
      CLOUDPOSTURE_REPORT_MAX_REVIEWS: '100',
    });
    expect(loadConfig(envOf(objects) as Record<string, string>)).toMatchObject({ serveReport: true, reportTokenAudience: 'cloud-posture-operator', reportMaxReviews: 100 });
    expect(JSON.stringify(deployment(objects))).toContain('"secretName":"cpo-report-tls"');
  });

  it('report.enabled without a TLS Secret is refused', async () => {
    const r = await template({ set: ['report.enabled=true'] });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/report\.tlsSecretName/);
  });
});

describeEachHelm('rendered manifests on the real API server', () => {
  let releaseNs: string;
  let otherNs: string;
  let monitoringCrds: boolean;

  beforeAll(async () => {
    await installCrds();
    releaseNs = await createTestNamespace('chart');
    otherNs = await createTestNamespace('chart-other');
    monitoringCrds = (await kubectl(['get', 'crd', 'prometheusrules.monitoring.coreos.com', 'servicemonitors.monitoring.coreos.com'])).code === 0;
  });
  afterAll(async () => {
    await deleteTestNamespace(releaseNs);
    await deleteTestNamespace(otherNs);
  });

  /** Server-side apply, dry run, of the rendered objects; returns the kinds applied. Any
   *  warning fails (PodSecurity, deprecated APIs, unknown fields). */
  async function dryRun(objects: K8sObject[]): Promise<string[]> {
    const applicable = objects.filter((o) => monitoringCrds || !o.apiVersion.startsWith('monitoring.coreos.com/'));
    const input = applicable.map((o) => stringify(o)).join('---\n');
    const r = await kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=chart-test', '--dry-run=server', '--validate=strict', '-f', '-'], { input });
    expect([r.code, r.stderr]).toEqual([0, expect.not.stringMatching(/error|warning/i)]);
    return applicable.map((o) => o.kind);
  }

  it('accepts the default render, CRDs included', async () => {
    const kinds = await dryRun(await render({ namespace: releaseNs, includeCrds: true }));
    expect(kinds).toEqual(expect.arrayContaining(['CustomResourceDefinition', 'Deployment', 'ClusterRole', 'Role', 'Service', 'ConfigMap', 'ServiceAccount']));
  });

  it('accepts the non-default render (ServiceMonitor and PrometheusRule only with their CRDs)', async () => {
    const kinds = await dryRun(await render({ namespace: releaseNs, values: fullValues(releaseNs, otherNs) }));
    expect(kinds).toContain('NetworkPolicy');
    if (!monitoringCrds) expect(kinds).not.toContain('PrometheusRule');
  });

  it("the operator's pod meets the restricted Pod Security Standard (enforced by admission)", async () => {
    const restricted = await createTestNamespace('chart-restricted');
    try {
      await kubectlOk(['label', 'namespace', restricted, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=latest']);
      const d = deployment(await render({ namespace: restricted }));
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'operator', namespace: restricted, labels: d.spec.template.metadata.labels }, spec: d.spec.template.spec };
      const ok = await kubectl(['apply', '--dry-run=server', '-f', '-'], { input: stringify(pod) });
      expect([ok.code, ok.stderr]).toEqual([0, '']);
      // The same admission rejects a pod that drops the hardening, so the check is real.
      const weakened = { ...pod, spec: { ...pod.spec, securityContext: {}, containers: pod.spec.containers.map((c) => ({ ...c, securityContext: {} })) } };
      const bad = await kubectl(['apply', '--dry-run=server', '-f', '-'], { input: stringify(weakened) });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/violates PodSecurity "restricted/);
    } finally {
      await deleteTestNamespace(restricted);
    }
  });
});

describeEachHelm("the chart's RBAC is what the operator needs", () => {
  let ns: string;
  let release: string;
  let operator: TestOperator | undefined;
  /** A tenant namespace listed in rbac.secrets.namespaces (opt-in labelled Pulumi Secrets). */
  let tenantNs: string;

  beforeAll(async () => {
    await installCrds();
    ns = await createTestNamespace('chart-rbac');
    tenantNs = await createTestNamespace('chart-rbac-tenant');
    release = uniqueName('rbac').slice(0, 30);
    // The narrowest variant: watch one namespace; Secrets readable in the release namespace and one tenant's.
    const objects = await render({
      release,
      namespace: ns,
      values: { config: { watchNamespace: ns }, rbac: { secrets: { namespaces: [tenantNs] } }, leaderElection: { enabled: true } },
    });
    const rbac = objects.filter((o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(o.kind));
    await kubectlOk(['apply', '-f', '-'], { input: rbac.map((o) => stringify(o)).join('---\n') });
  });

  afterAll(async () => {
    await operator?.stop();
    for (const kind of ['clusterrolebinding', 'clusterrole']) {
      await kubectl(['delete', kind, '-l', `app.kubernetes.io/instance=${release}`, '--ignore-not-found']);
    }
    await deleteTestNamespace(ns);
    if (tenantNs) await deleteTestNamespace(tenantNs);
  });

  const sa = () => `system:serviceaccount:${ns}:${release}-cloud-posture-operator`;
  const canI = async (args: string[]) => (await kubectl(['auth', 'can-i', ...args, '--as', sa()])).stdout.trim();

  it('allows the operator calls and denies the rest', async () => {
    const allowed = [
      ['list', 'cloudservices.cloudposture.io', '-n', ns],
      ['watch', 'cloudservices.cloudposture.io', '-n', ns],
      ['patch', 'cloudservices.cloudposture.io', '--subresource=status', '-n', ns],
      ['list', 'cloudsecuritypolicies.cloudposture.io'],
      ['patch', 'cloudsecuritypolicies.cloudposture.io', '--subresource=status'],
      ['watch', 'cloudaccounts.cloudposture.io'],
      ['patch', 'cloudaccounts.cloudposture.io', '--subresource=status'],
      ['watch', 'namespaces'],
      ['create', 'events', '-n', ns],
      ['get', 'secrets', '-n', ns],
      ['get', 'secrets', '-n', tenantNs],
      ['create', 'leases.coordination.k8s.io', '-n', ns],
      ['update', 'leases.coordination.k8s.io', '-n', ns],
    ];
    const denied = [
      ['list', 'cloudservices.cloudposture.io', '-n', 'default'],
      ['update', 'cloudservices.cloudposture.io', '-n', ns],
      ['delete', 'cloudservices.cloudposture.io', '-n', ns],
      ['create', 'cloudsecuritypolicies.cloudposture.io'],
      ['create', 'cloudaccounts.cloudposture.io'],
      ['update', 'cloudaccounts.cloudposture.io'],
      // Organisations are cluster-wide: an operator watching one namespace does not reconcile them.
      ['list', 'cloudorganizations.cloudposture.io'],
      ['patch', 'cloudorganizations.cloudposture.io', '--subresource=status'],
      ['update', 'namespaces'],
      ['list', 'secrets', '-n', ns],
      ['list', 'secrets', '-n', tenantNs],
      ['get', 'secrets', '-n', 'default'],
      ['get', 'secrets', '-A'],
      ['delete', 'leases.coordination.k8s.io', '-n', ns],
      ['list', 'pods', '-n', ns],
      ['get', 'configmaps', '-n', ns],
    ];
    for (const a of allowed) expect([a.join(' '), await canI(a)]).toEqual([a.join(' '), 'yes']);
    for (const d of denied) expect([d.join(' '), await canI(d)]).toEqual([d.join(' '), 'no']);
  });

  it('is enough for the real operator to reconcile, elect a leader and record Events', async () => {
    const kc = loadTestKubeConfig();
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
      },
      // No cloud access in this test: live checks are skipped, which is not what is tested here.
      inventory: async ({ service }) => ({
        ok: false,
        skipped: true,
        failure: { reason: 'ProviderNotSupported', message: `live checks off in this test (${service.spec.provider})` },
      }),
    });
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
        spec: {
          provider: 'aws',
          model: 'SaaS',
          owner: 'payments-team',
          criticality: 'low',
          classification: 'public',
          accountRef,
          allowedRegions: ['eu-west-1'],
        },
      },
    });
    await waitFor(
      async () => {
        const svc = (await custom.getNamespacedCustomObject({ group: 'cloudposture.io', version: 'v1alpha1', namespace: ns, plural: 'cloudservices', name: 'payments' })) as {
          status?: { observedGeneration?: number };
        };
        return svc.status?.observedGeneration === 1;
      },
      { timeoutMs: 30_000, description: 'status written by the operator running as the chart ServiceAccount' },
    );
    const lease = await kubectlOk(['-n', ns, 'get', 'lease', `${release}-cloud-posture-operator`, '-o', 'jsonpath={.spec.holderIdentity}']);
    expect(lease).toBe(`test-${ns}`);
    // Events are recorded after the status write: wait for one (creating it needs the RBAC under test).
    const events = await waitFor(async () => {
      const names = await kubectlOk(['-n', ns, 'get', 'events', '--field-selector', 'involvedObject.name=payments', '-o', 'name']);
      return names.trim() !== '' ? names : undefined;
    }, { timeoutMs: 15_000, description: 'an Event recorded as the chart ServiceAccount' });
    expect(events.trim()).not.toBe('');
    // By status code and reason, not by text: a random audit id can contain "403".
    const forbidden = operator.logs.filter((l) => l.code === 403 || l.reason === 'Forbidden');
    expect(forbidden).toEqual([]);
  });
});

describeEachHelm('helm template: secure /metrics', () => {
  interface Endpoint {
    scheme?: string;
    bearerTokenFile?: string;
    authorization?: { type: string; credentials: { name: string; key: string } };
    tlsConfig?: Record<string, unknown>;
  }
  const endpointOf = (objects: K8sObject[]) => (find(objects, 'ServiceMonitor') as K8sObject & { spec: { endpoints: Endpoint[] } }).spec.endpoints[0] as Endpoint;

  it('by default: what the operator reads as secure metrics with a self-signed certificate', async () => {
    const env = envOf(await render()) as Record<string, string>;
    expect(env.CLOUDPOSTURE_TLS_CERT_FILE).toBeUndefined();
    expect(loadConfig(env)).toMatchObject({ metricsSecure: true, metricsTokenAudience: '', tlsCertFile: '', accessReviewConcurrency: 8, accessReviewCacheTtlMs: 10_000 });
  });

  it('ships the metrics-reader ClusterRole, bound to the Prometheus ServiceAccount named', async () => {
    const objects = await render({ set: ['metrics.reader.serviceAccount.name=prometheus-k8s', 'metrics.reader.serviceAccount.namespace=monitoring'] });
    expect(rulesOf(find(objects, 'ClusterRole', 'cpo-cloud-posture-operator-metrics-reader'))).toEqual(['core//metrics:get']);
    const binding = find(objects, 'ClusterRoleBinding', 'cpo-cloud-posture-operator-metrics-reader') as K8sObject & { roleRef: unknown; subjects: unknown };
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cpo-cloud-posture-operator-metrics-reader' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'prometheus-k8s', namespace: 'monitoring' }]);
    // Without a name: the role only, for the cluster's own binding.
    expect((await render()).filter((o) => o.metadata.name === 'cpo-cloud-posture-operator-metrics-reader').map((o) => o.kind)).toEqual(['ClusterRole']);
    const r = await template({ set: ['metrics.reader.serviceAccount.name=prometheus-k8s'] });
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/metrics\.reader\.serviceAccount\.namespace is required/)]);
  });

  it('with a certificate Secret: mounted, reloaded by the operator, and the ServiceMonitor verifies it (serverName, CA of the Secret)', async () => {
    const objects = await render({ set: ['serviceMonitor.enabled=true', 'metrics.tlsSecretName=cpo-metrics-tls'] });
    expect(envOf(objects)).toMatchObject({ CLOUDPOSTURE_TLS_CERT_FILE: '/etc/cloudposture/tls/tls.crt', CLOUDPOSTURE_TLS_KEY_FILE: '/etc/cloudposture/tls/tls.key' });
    expect(JSON.stringify(deployment(objects))).toContain('"secretName":"cpo-metrics-tls"');
    expect(endpointOf(objects).tlsConfig).toEqual({ serverName: 'cpo-cloud-posture-operator.cloud-posture.svc', ca: { secret: { name: 'cpo-metrics-tls', key: 'ca.crt' } } });
    // Given tlsConfig wins; a token Secret replaces the ServiceAccount token file.
    const custom = await render({
      values: {
        serviceMonitor: { enabled: true, tlsConfig: { serverName: 'metrics.example.com', ca: { configMap: { name: 'corp-ca', key: 'ca.pem' } } }, bearerTokenSecret: { name: 'prometheus-token' } },
      },
    });
    expect(endpointOf(custom)).toMatchObject({
      scheme: 'https',
      authorization: { type: 'Bearer', credentials: { name: 'prometheus-token', key: 'token' } },
      tlsConfig: { serverName: 'metrics.example.com', ca: { configMap: { name: 'corp-ca', key: 'ca.pem' } } },
    });
    expect(endpointOf(custom).bearerTokenFile).toBeUndefined();
  });

  it('metrics.secure=false: plain HTTP probes, no review rights, no metrics-reader, an http scrape without token', async () => {
    const objects = await render({ set: ['serviceMonitor.enabled=true', 'metrics.secure=false'] });
    expect(objects.filter((o) => /-(access-review|metrics-reader)$/.test(o.metadata.name))).toEqual([]);
    expect((container(objects) as unknown as { livenessProbe: { httpGet: { scheme?: string } } }).livenessProbe.httpGet.scheme).toBeUndefined();
    expect(endpointOf(objects)).toEqual({ port: 'metrics', path: '/metrics', interval: '60s', scrapeTimeout: '10s', honorLabels: true });
    expect(loadConfig(envOf(objects) as Record<string, string>)).toMatchObject({ metricsSecure: false });
  });

  it('with the report on, the port is HTTPS even for plain metrics: the ServiceMonitor follows (the scrape no longer fails)', async () => {
    const objects = await render({ set: ['serviceMonitor.enabled=true', 'metrics.secure=false', 'report.enabled=true', 'report.tlsSecretName=cpo-report-tls'] });
    const endpoint = endpointOf(objects);
    expect(endpoint.scheme).toBe('https');
    expect(endpoint.bearerTokenFile).toBeUndefined();
    expect(endpoint.tlsConfig).toMatchObject({ ca: { secret: { name: 'cpo-report-tls', key: 'ca.crt' } } });
  });

  it('refuses two different certificate Secrets for the one server', async () => {
    const r = await template({ set: ['metrics.tlsSecretName=a', 'report.tlsSecretName=b'] });
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/one server serves both/)]);
  });

  it('NOTES.txt tells how to scrape with a token, and warns when /metrics is open', async () => {
    // helm 3's `install --dry-run=client` still needs a cluster that answers (helm/helm#13144;
    // only `helm template` is client-only there): it is given the test control plane, and
    // --take-ownership so that objects other tests made there (the cluster-wide admission
    // policy) do not fail its ownership check. A dry run writes nothing; helm 4 reads neither.
    const notes = async (set: string[]) => {
      const r = await helmRun([
        'install', 'cpo', chartDir, '--dry-run=client', '--namespace', 'cloud-posture',
        '--kubeconfig', testKubeconfigPath(), '--take-ownership',
        ...set.flatMap((x) => ['--set', x]),
      ]);
      if (r.code !== 0) throw new Error(`helm install --dry-run=client failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    };
    const secure = await notes([]);
    expect(secure).toContain('curl -sk -H "Authorization: Bearer $TOKEN" https://localhost:8080/metrics');
    expect(secure).not.toContain('WARNING');
    const open = await notes(['metrics.secure=false']);
    expect(open).toContain('WARNING: metrics.secure=false. /metrics is served without authentication over plain HTTP');
    expect(await notes(['networkPolicy.enabled=false'])).toContain('WARNING: networkPolicy.enabled=false');
  });
});

describeEachHelm('evidence history values', () => {
  const evidenceEnv = (env: Record<string, unknown>) => Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('CLOUDPOSTURE_EVIDENCE_')));

  it('is off by default: no evidence setting reaches the operator', async () => {
    expect(evidenceEnv(envOf(await render()))).toEqual({});
  });

  it('passes the bucket, prefix, retention, queue bound and region to the operator', async () => {
    const objects = await render({
      set: ['evidenceHistory.bucket=acme-evidence', 'evidenceHistory.prefix=a523', 'evidenceHistory.retentionDays=730', 'evidenceHistory.region=eu-west-1', 'evidenceHistory.queueMax=50'],
    });
    expect(evidenceEnv(envOf(objects))).toEqual({
      CLOUDPOSTURE_EVIDENCE_BUCKET: 'acme-evidence',
      CLOUDPOSTURE_EVIDENCE_PREFIX: 'a523',
      CLOUDPOSTURE_EVIDENCE_RETENTION_DAYS: '730',
      CLOUDPOSTURE_EVIDENCE_QUEUE_MAX: '50',
      CLOUDPOSTURE_EVIDENCE_REGION: 'eu-west-1',
      CLOUDPOSTURE_EVIDENCE_SPOOL_DIR: '/var/lib/cloudposture/evidence-spool',
      CLOUDPOSTURE_EVIDENCE_SPOOL_MAX_BYTES: String(112 * 1024 * 1024),
    });
  });

  it('keeps waiting records on their own emptyDir, bounded below its sizeLimit, only with a bucket', async () => {
    type Pod = { volumes: Array<{ name: string; emptyDir?: { sizeLimit?: string } }>; containers: Array<{ volumeMounts: Array<{ name: string; mountPath: string }> }> };
    const spoolOf = (objects: K8sObject[]) => {
      const pod = deployment(objects).spec.template.spec as unknown as Pod;
      return {
        volume: pod.volumes.find((v) => v.name === 'evidence-spool'),
        mount: pod.containers[0]?.volumeMounts.find((m) => m.name === 'evidence-spool'),
      };
    };
    expect(spoolOf(await render())).toEqual({ volume: undefined, mount: undefined });

    const defaults = await render({ set: ['evidenceHistory.bucket=acme-evidence'] });
    expect(spoolOf(defaults)).toEqual({
      volume: { name: 'evidence-spool', emptyDir: { sizeLimit: '128Mi' } },
      mount: { name: 'evidence-spool', mountPath: '/var/lib/cloudposture/evidence-spool' },
    });
    expect(envOf(defaults).CLOUDPOSTURE_EVIDENCE_SPOOL_DIR).toBe('/var/lib/cloudposture/evidence-spool');
    expect(envOf(defaults).CLOUDPOSTURE_EVIDENCE_SPOOL_MAX_BYTES).toBe(String(112 * 1024 * 1024)); // 7/8 of 128Mi
    // The root filesystem stays read-only: the spool writes only to its emptyDir.
    expect(container(defaults).securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });

    const sized = await render({ set: ['evidenceHistory.bucket=acme-evidence', 'evidenceHistory.spool.sizeLimit=1Gi'] });
    expect(spoolOf(sized).volume?.emptyDir?.sizeLimit).toBe('1Gi');
    expect(envOf(sized).CLOUDPOSTURE_EVIDENCE_SPOOL_MAX_BYTES).toBe(String(896 * 1024 * 1024));
    const explicit = await render({ set: ['evidenceHistory.bucket=acme-evidence', 'evidenceHistory.spool.maxBytes=100Mi'] });
    expect(envOf(explicit).CLOUDPOSTURE_EVIDENCE_SPOOL_MAX_BYTES).toBe(String(100 * 1024 * 1024));

    for (const set of ['evidenceHistory.spool.maxBytes=128Mi', 'evidenceHistory.spool.sizeLimit=lots']) {
      const r = await template({ set: ['evidenceHistory.bucket=acme-evidence', set] });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/evidenceHistory[./]spool/);
    }
  });

  it('refuses a retention the operator would refuse, naming the value', async () => {
    for (const set of ['evidenceHistory.retentionDays=0', 'evidenceHistory.retentionDays=40000', 'evidenceHistory.prefix=/abs', 'evidenceHistory.bucket=Not_A_Bucket']) {
      const r = await template({ set: [set] });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/evidenceHistory/);
    }
  });
});
