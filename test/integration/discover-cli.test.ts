// `cloudposture discover` against the real control plane: a CloudOrganization whose
// status lists an undeclared AWS account, Azure subscription and SaaS app (written
// through the status subresource, no cloud needed) gives one file per item; each file
// applied unchanged (server-side dry run, full admission) is refused with messages naming
// every field marked FILL IN; with those fields filled in, the same objects are admitted.

import { randomInt, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CustomObjectsApi } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';

import type { CloudOrganization, UndeclaredService } from '../../operator/src/api/types.js';
import { runDiscoverCommand, skeletonsOf } from '../../operator/src/discover/cli.js';
import {
  createTestNamespace,
  deleteTestNamespace,
  kubectl,
  kubectlOk,
  loadTestKubeConfig,
  TEST_ACCOUNT_NAMESPACE_LABEL,
  testKubeconfigPath,
  uniqueName,
} from '../harness/kube.js';
import { installCrds } from '../harness/operator.js';

type Obj = Record<string, unknown>;
const GROUP = { group: 'cloudposture.io', version: 'v1alpha1' };
const kc = loadTestKubeConfig();
const custom = kc.makeApiClient(CustomObjectsApi);
const organization = uniqueName('discover');
const accountId = String(randomInt(100_000_000, 999_999_999)).padStart(12, '4');
const subscriptionId = randomUUID();
const appId = randomUUID();
const TENANT = randomUUID();
const FIRST = '2026-11-01T10:00:00Z';
const undeclared: UndeclaredService[] = [
  { kind: 'saas-app', id: appId, name: 'Whiteboard Pro', status: 'active', firstSeen: FIRST },
  { kind: 'account', id: accountId, name: 'data-lake-sandbox', path: 'r-ab12/ou-ab12-work', pathNames: 'Root/Workloads', status: 'active', providerStatus: 'ACTIVE', firstSeen: FIRST },
  { kind: 'subscription', id: subscriptionId, name: 'Shadow analytics', status: 'active', firstSeen: FIRST },
];
let ns = '';
let dir = '';

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
}

function setAt(obj: Obj, path: string, value: unknown): void {
  const keys = path.split('.').flatMap((p) => p.split(/\[(\d+)\]/).filter((s) => s !== ''));
  const last = keys.pop() as string;
  const parent = keys.reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, obj);
  parent[last] = value;
}

/** A valid value for each field `discover` marks (by the field's path). */
function validValue(path: string, obj: Obj): unknown {
  const azure = (obj.spec as Obj).provider === 'azure';
  const leaf = path.replace(/^.*\./, '');
  const byLeaf: Record<string, unknown> = {
    roleArn: `arn:aws:iam::${accountId}:role/cloudposture-readonly`,
    clientId: randomUUID(),
    tenantId: TENANT,
    namespaces: [ns],
    model: 'PaaS',
    owner: path === 'spec.owner' ? 'data-platform' : 'shared',
    criticality: 'medium',
    classification: 'internal',
    allowedRegions: [azure ? 'westeurope' : 'eu-west-1'],
    signedOffBy: 'jane.doe@example.com (Head of IT)',
    signedOffAt: '2026-10-01T09:00:00Z',
    reviewedAt: '2026-10-01T09:00:00Z',
    reference: 'https://contracts.example.com/agreement-2026',
    document: 'https://wiki.example.com/exit-manual',
  };
  if (!(leaf in byLeaf)) throw new Error(`no valid value for ${path}`);
  return byLeaf[leaf];
}

beforeAll(async () => {
  await installCrds();
  ns = await createTestNamespace('discover');
  dir = await mkdtemp(join(tmpdir(), 'discover-cli-'));
  await custom.createClusterCustomObject({
    ...GROUP,
    plural: 'cloudorganizations',
    body: { apiVersion: 'cloudposture.io/v1alpha1', kind: 'CloudOrganization', metadata: { name: organization }, spec: { accountRef: { name: `${organization}-tenant` } } },
  });
  const status = { provider: 'azure', organizationId: TENANT, lastCheckedAt: FIRST, undeclaredCount: 3, undeclared };
  await kubectlOk(['patch', 'cloudorganization', organization, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
}, 120_000);

afterAll(async () => {
  await custom.deleteClusterCustomObject({ ...GROUP, plural: 'cloudorganizations', name: organization }).catch(() => undefined);
  if (ns) await deleteTestNamespace(ns);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('cloudposture discover on the real control plane', () => {
  it('writes one skeleton per undeclared item, sorted, and keeps them on a second run', async () => {
    const { out, io } = capture();
    expect(await runDiscoverCommand(['--kubeconfig', testKubeconfigPath(), '--organization', organization, '--out', dir], io)).toBe(0);
    expect(out.stderr).toBe('');
    const files = [`account-${accountId}.yaml`, `subscription-${subscriptionId}.yaml`, `saas-app-${appId}.yaml`];
    expect(out.stdout.split('\n').filter((l) => l.startsWith('wrote ')).map((l) => l.slice(6 + dir.length + 1).split(':')[0])).toEqual(files);
    expect(out.stdout).toContain(`CloudAccount aws-${accountId}, CloudService aws-${accountId}`);
    expect((await readdir(dir)).sort()).toEqual([...files].sort());
    const again = capture();
    expect(await runDiscoverCommand(['--kubeconfig', testKubeconfigPath(), '--organization', organization, '--out', dir], again.io)).toBe(0);
    expect(again.out.stdout).toMatch(/^0 written, 3 kept, 3 undeclared items$/m);
  });

  it('refuses every file applied unchanged, naming each marked field; admits them filled in', async () => {
    const org = (await custom.getClusterCustomObject({ ...GROUP, plural: 'cloudorganizations', name: organization })) as CloudOrganization;
    for (const skeleton of skeletonsOf([org])) {
      const file = join(dir, skeleton.fileName);
      const text = await readFile(file, 'utf8');
      expect(text).toBe(skeleton.text);
      const unchanged = await kubectl(['apply', '--dry-run=server', '--validate=strict', '-n', ns, '-f', file]);
      expect({ file: skeleton.fileName, code: unchanged.code }).toEqual({ file: skeleton.fileName, code: 1 });
      for (const doc of skeleton.documents) {
        expect(unchanged.stderr).toMatch(new RegExp(`${doc.kind}(\\.cloudposture\\.io)? "${doc.name}" is invalid`));
        for (const f of doc.fillIns) expect({ file: skeleton.fileName, field: f.path, named: unchanged.stderr.includes(f.path) }).toMatchObject({ named: true });
      }
      // Filled in: every marked field replaced with a valid value, nothing else touched.
      const objects = parseAllDocuments(text).map((d) => d.toJS() as Obj);
      objects.forEach((obj, i) => {
        for (const f of skeleton.documents[i]?.fillIns ?? []) setAt(obj, f.path, validValue(f.path, obj));
        // Cluster-scoped accounts of this test go with its namespace (deleteTestNamespace).
        if (obj.kind === 'CloudAccount') (obj.metadata as Obj).labels = { [TEST_ACCOUNT_NAMESPACE_LABEL]: ns };
      });
      const filled = join(dir, `filled-${skeleton.fileName}`);
      await writeFile(filled, objects.map((o) => stringify(o)).join('---\n'));
      const applied = await kubectl(['apply', '--validate=strict', '-n', ns, '-f', filled]);
      expect({ file: skeleton.fileName, code: applied.code, stderr: applied.stderr }).toEqual({ file: skeleton.fileName, code: 0, stderr: '' });
    }
    const services = JSON.parse(await kubectlOk(['get', 'cloudservices', '-n', ns, '-o', 'json'])) as { items: Obj[] };
    expect(services.items.map((s) => (s.metadata as Obj).name).sort()).toEqual([`aws-${accountId}`, `azure-${subscriptionId}`, `saas-${appId}`].sort());
    const saas = services.items.find((s) => (s.metadata as Obj).name === `saas-${appId}`) as Obj;
    expect(saas.spec).toMatchObject({ provider: 'azure', model: 'SaaS', saas: { entraApplicationId: appId }, accountRef: { name: `${organization}-tenant` } });
  });
});
