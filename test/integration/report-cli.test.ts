// `cloudposture report` against the real control plane, with the caller's own
// kubeconfig: an auditor ServiceAccount allowed to read one namespace gets that
// namespace's report (JSON, Markdown, PDF through Chromium); listing all namespaces is
// refused with a hint; a policy they cannot read falls back to the defaults, with a warning;
// CloudOrganizations they may not list leave the Shadow IT section out, with a note, and
// the admin sees them.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { stringify } from 'yaml';

import type { CloudOrganization, CloudService } from '../../operator/src/api/types.js';
import { runReportCommand } from '../../operator/src/report/cli.js';
import type { ReportModel } from '../../operator/src/report/model.js';
import { sampleOrganizations, sampleServices } from '../../operator/src/report/sample.js';
import { repoRoot } from '../harness/binaries.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, testKubeconfigPath, uniqueName } from '../harness/kube.js';
import { installCrds } from '../harness/operator.js';

const GROUP = 'cloudposture.io';
const NOW = new Date('2026-11-15T12:00:00Z');
const kc = loadTestKubeConfig();
let ns: string;
let dir: string;
let auditorKubeconfig: string;
const organization = uniqueName('report-cli-org');

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
}

beforeAll(async () => {
  await installCrds();
  ns = await createTestNamespace('report-cli');
  dir = await mkdtemp(join(tmpdir(), 'report-cli-'));
  const custom = kc.makeApiClient(CustomObjectsApi);
  const [prod] = sampleServices(NOW) as [CloudService];
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: 'v1alpha1',
    namespace: ns,
    plural: 'cloudservices',
    body: { apiVersion: `${GROUP}/v1alpha1`, kind: 'CloudService', metadata: { name: 'payments-prod' }, spec: prod.spec },
  });
  // A CloudOrganization with the sample's status (as the operator would have written it).
  const [sample] = sampleOrganizations(NOW) as [CloudOrganization];
  await custom.createClusterCustomObject({
    group: GROUP,
    version: 'v1alpha1',
    plural: 'cloudorganizations',
    body: { apiVersion: `${GROUP}/v1alpha1`, kind: 'CloudOrganization', metadata: { name: organization }, spec: sample.spec },
  });
  const created = (await custom.getClusterCustomObject({ group: GROUP, version: 'v1alpha1', plural: 'cloudorganizations', name: organization })) as CloudOrganization;
  await custom.replaceClusterCustomObjectStatus({
    group: GROUP,
    version: 'v1alpha1',
    plural: 'cloudorganizations',
    name: organization,
    body: { ...created, status: { ...sample.status, observedGeneration: created.metadata.generation } },
  });
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'auditor' } } });
  await rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'reader' }, rules: [{ apiGroups: [GROUP], resources: ['cloudservices'], verbs: ['get', 'list'] }] } });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: { metadata: { name: 'reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'auditor', namespace: ns }] },
  });
  const token = (await core.createNamespacedServiceAccountToken({ namespace: ns, name: 'auditor', body: { spec: { audiences: [], expirationSeconds: 600 } } })).status?.token;
  const cluster = kc.getCurrentCluster();
  if (!token || !cluster) throw new Error('no token or cluster');
  const ca = cluster.caData ?? (cluster.caFile ? (await readFile(cluster.caFile)).toString('base64') : undefined);
  auditorKubeconfig = join(dir, 'auditor.kubeconfig');
  await writeFile(
    auditorKubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server: cluster.server, ...(ca ? { 'certificate-authority-data': ca } : {}) } }],
      users: [{ name: 'auditor', user: { token } }],
      contexts: [{ name: 'auditor', context: { cluster: 'test', user: 'auditor', namespace: ns } }],
      'current-context': 'auditor',
    }),
  );
}, 120_000);

afterAll(async () => {
  await kc
    .makeApiClient(CustomObjectsApi)
    .deleteClusterCustomObject({ group: GROUP, version: 'v1alpha1', plural: 'cloudorganizations', name: organization })
    .catch(() => undefined);
  await deleteTestNamespace(ns);
  await rm(dir, { recursive: true, force: true });
});

describe('cloudposture report', () => {
  it('writes the JSON report of the namespace the caller may read; the policy falls back to defaults', async () => {
    const { out, io } = capture();
    const code = await runReportCommand(['--kubeconfig', auditorKubeconfig, '-n', ns, '--format', 'json'], io, () => NOW);
    expect(code).toBe(0);
    const model = JSON.parse(out.stdout) as ReportModel;
    expect(model.services.map((s) => s.name)).toEqual(['payments-prod']);
    // Not evaluated by an operator in this test: the report says so instead of passing anything.
    expect(model.services[0]?.checklist.every((s) => s.status === 'not-evaluated')).toBe(true);
    expect(model.policy).toEqual({ name: 'default', source: 'defaults' });
    expect(out.stderr).toMatch(/warning: policy default not readable \(403\)/);
    // May not list CloudOrganizations: the section is left out with the reason, the report still written.
    expect(model.shadowIt).toMatchObject({ shown: false, organizations: [], note: 'Shadow IT left out of this report: you may not list cloudorganizations.cloudposture.io cluster-wide (403).' });
    expect(out.stderr).toContain('warning: Shadow IT left out of this report: you may not list cloudorganizations.cloudposture.io cluster-wide (403).');
  });

  it('refuses all namespaces for a namespace-scoped reader, with a hint', async () => {
    const { out, io } = capture();
    expect(await runReportCommand(['--kubeconfig', auditorKubeconfig, '-A'], io)).toBe(1);
    expect(out.stderr).toMatch(/cannot read cloudservices in all namespaces: 403 \(forbidden: .*try --namespace\)/);
  });

  it('writes Markdown and PDF files', async () => {
    const md = join(dir, 'report.md');
    const pdf = join(repoRoot, 'test-output', 'report-cli.pdf');
    await mkdir(join(repoRoot, 'test-output'), { recursive: true }); // a fresh clone has none
    const { out, io } = capture();
    expect(await runReportCommand(['--kubeconfig', auditorKubeconfig, '-n', ns, '-f', 'md', '-o', md], io)).toBe(0);
    expect(await readFile(md, 'utf8')).toContain(`## ${ns}/payments-prod`);
    expect(await runReportCommand(['--kubeconfig', auditorKubeconfig, '-n', ns, '-f', 'pdf', '-o', pdf], io)).toBe(0);
    expect((await readFile(pdf)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(out.stderr).toContain(`wrote ${pdf} (1 services, pdf)`);
  });

  it('with the admin kubeconfig, reads the policy from the cluster and all namespaces', async () => {
    const { out, io } = capture();
    expect(await runReportCommand(['--kubeconfig', testKubeconfigPath(), '--format', 'json', '--policy', 'no-such-policy'], io)).toBe(0);
    const model = JSON.parse(out.stdout) as ReportModel;
    expect(model.scope.namespace).toBeNull();
    expect(model.services.some((s) => s.namespace === ns && s.name === 'payments-prod')).toBe(true);
    expect(out.stderr).toBe(''); // 404 on the policy: defaults, silently
    // Allowed to list CloudOrganizations: the Shadow IT section lists this one's undeclared account.
    expect(model.shadowIt.shown).toBe(true);
    expect(model.shadowIt.organizations.find((o) => o.name === organization)).toMatchObject({
      provider: 'aws',
      allServicesDeclared: { status: 'False' },
      undeclared: [expect.objectContaining({ kind: 'account', id: '444444444444', pathNames: 'Root/Sandbox' })],
    });
  });
});
