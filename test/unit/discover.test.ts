// `cloudposture discover`: the skeletons (YAML that parses, every FILL IN line recorded
// with its path and holding a refused placeholder, stable names) and the writing
// (sorted, one file per item, existing files kept unless --force).

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseAllDocuments } from 'yaml';

import type { CloudOrganization, UndeclaredService } from '../../operator/src/api/types.js';
import { parseDiscoverArgs, skeletonsOf, writeSkeletons } from '../../operator/src/discover/cli.js';
import { buildSkeleton, FILL_IN_MARK, PLACEHOLDER } from '../../operator/src/discover/skeleton.js';
import { COMMANDS } from '../../operator/src/cli.js';

const FIRST = '2026-11-01T10:00:00Z';
const TENANT = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const account: UndeclaredService = { kind: 'account', id: '111122223333', name: 'data-lake', path: 'r-ab12/ou-ab12-x', pathNames: 'Root/Workloads', status: 'active', firstSeen: FIRST };
const subscription: UndeclaredService = { kind: 'subscription', id: '0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e', name: 'Shadow sub', status: 'active', firstSeen: FIRST };
const app: UndeclaredService = { kind: 'saas-app', id: 'A1B2C3D4-0000-4000-8000-000000000001', name: 'Miro', status: 'active', firstSeen: FIRST };
const source = { organization: 'acme', accountRef: 'm365-collab', organizationId: TENANT };

type Obj = Record<string, unknown>;
const docs = (text: string): Obj[] => parseAllDocuments(text).map((d) => {
  expect(d.errors).toEqual([]);
  return d.toJS() as Obj;
});

/** The value at a path like spec.sharedResponsibility.areas[2].owner. */
function at(obj: unknown, path: string): unknown {
  return path.split('.').flatMap((p) => p.split(/\[(\d+)\]/).filter((s) => s !== '')).reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], obj);
}

function organization(name: string, undeclared: UndeclaredService[]): CloudOrganization {
  return { apiVersion: 'cloudposture.io/v1alpha1', kind: 'CloudOrganization', metadata: { name }, spec: { accountRef: { name: `${name}-mgmt` } }, status: { undeclared, organizationId: TENANT } } as CloudOrganization;
}

describe('discover skeletons', () => {
  it('an AWS account: a CloudAccount with its id and a CloudService naming it, each fill-in marked with a refused placeholder', () => {
    const s = buildSkeleton(account, source);
    expect(s.fileName).toBe('account-111122223333.yaml');
    const [acct, svc] = docs(s.text) as [Obj, Obj];
    expect(acct).toMatchObject({ kind: 'CloudAccount', metadata: { name: 'aws-111122223333' }, spec: { provider: 'aws', aws: { accountId: '111122223333' } } });
    expect(svc).toMatchObject({ kind: 'CloudService', metadata: { name: 'aws-111122223333' }, spec: { provider: 'aws', accountRef: { name: 'aws-111122223333' } } });
    expect(s.documents.map((d) => d.kind)).toEqual(['CloudAccount', 'CloudService']);
    expect(s.documents[0]?.fillIns.map((f) => f.path)).toEqual(['spec.aws.roleArn', 'spec.namespaces']);
    expect(s.documents[1]?.fillIns.map((f) => f.path)).toEqual(expect.arrayContaining(['spec.model', 'spec.owner', 'spec.criticality', 'spec.classification', 'spec.allowedRegions', 'spec.sharedResponsibility.areas[10].owner', 'spec.sharedResponsibility.signedOffBy', 'spec.sharedResponsibility.signedOffAt', 'spec.contract.reference', 'spec.contract.reviewedAt', 'spec.exitPlan.document']));
    // One marked line per recorded field, and each holds a placeholder, never a plausible value.
    const marked = s.text.split('\n').filter((l) => l.includes(FILL_IN_MARK));
    expect(marked).toHaveLength(s.documents.flatMap((d) => d.fillIns).length);
    for (const [i, d] of s.documents.entries()) {
      for (const f of d.fillIns) {
        const v = at(docs(s.text)[i], f.path);
        const values = Array.isArray(v) ? v : [v];
        expect(values.every((x) => x === '' || x === PLACEHOLDER || (typeof x === 'string' && x.includes('<FILL IN')))).toBe(true);
      }
    }
    expect(s.text).toContain('Root/Workloads (r-ab12/ou-ab12-x)');
  });

  it('an Azure subscription takes the tenant from the organisation; without a GUID the tenant is a fill-in', () => {
    const [acct, svc] = docs(buildSkeleton(subscription, source).text) as [Obj, Obj];
    expect(acct).toMatchObject({ metadata: { name: `azure-${subscription.id}` }, spec: { provider: 'azure', azure: { tenantId: TENANT, subscriptionId: subscription.id, clientId: PLACEHOLDER } } });
    expect(svc).toMatchObject({ spec: { provider: 'azure', accountRef: { name: `azure-${subscription.id}` } } });
    const unknownTenant = buildSkeleton(subscription, { organization: 'acme', accountRef: 'x' });
    expect(unknownTenant.documents[0]?.fillIns.map((f) => f.path)).toEqual(['spec.azure.tenantId', 'spec.azure.clientId', 'spec.namespaces']);
  });

  it('a SaaS app: one CloudService, model SaaS, its application id in spec.saas, on the tenant account', () => {
    const s = buildSkeleton(app, source);
    expect(s.fileName).toBe('saas-app-a1b2c3d4-0000-4000-8000-000000000001.yaml');
    const all = docs(s.text);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      kind: 'CloudService',
      metadata: { name: 'saas-a1b2c3d4-0000-4000-8000-000000000001' },
      spec: { provider: 'azure', model: 'SaaS', saas: { entraApplicationId: app.id }, accountRef: { name: 'm365-collab' } },
    });
    expect(s.documents[0]?.fillIns.map((f) => f.path)).not.toContain('spec.model');
    expect((at(all[0], 'spec.sharedResponsibility.areas') as unknown[]).length).toBe(6);
  });

  it('is deterministic: the same item gives the same text; items sorted by kind then id, duplicates once', () => {
    expect(buildSkeleton(account, source).text).toBe(buildSkeleton({ ...account }, { ...source }).text);
    const other: UndeclaredService = { ...account, id: '000011112222' };
    const list = skeletonsOf([organization('zeta', [account]), organization('acme', [app, subscription, account, other])]);
    expect(list.map((s) => s.fileName)).toEqual([
      'account-000011112222.yaml',
      'account-111122223333.yaml',
      `subscription-${subscription.id}.yaml`,
      'saas-app-a1b2c3d4-0000-4000-8000-000000000001.yaml',
    ]);
    expect(list[1]?.text).toContain('CloudOrganization acme');
  });
});

describe('discover writing and arguments', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'discover-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const capture = () => {
    const out = { stdout: '', stderr: '' };
    return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
  };

  it('writes one file per item, keeps an existing one unless --force, and says what it did', async () => {
    const list = skeletonsOf([organization('acme', [account, app])]);
    await writeFile(join(dir, 'account-111122223333.yaml'), 'mine\n');
    const first = capture();
    expect(await writeSkeletons(list, dir, false, first.io)).toBe(0);
    expect(first.out.stdout).toMatch(/^kept .*account-111122223333\.yaml: it exists \(--force overwrites it\)$/m);
    expect(first.out.stdout).toMatch(/^wrote .*saas-app-a1b2c3d4-0000-4000-8000-000000000001\.yaml: CloudService saas-a1b2c3d4-0000-4000-8000-000000000001 \(saas-app A1B2C3D4-0000-4000-8000-000000000001 "Miro"; \d+ fields to fill in\)$/m);
    expect(first.out.stdout).toMatch(/^1 written, 1 kept, 2 undeclared items$/m);
    expect(await readFile(join(dir, 'account-111122223333.yaml'), 'utf8')).toBe('mine\n');
    const second = capture();
    expect(await writeSkeletons(list, dir, true, second.io)).toBe(0);
    expect(await readFile(join(dir, 'account-111122223333.yaml'), 'utf8')).toBe(list[0]?.text);
    expect((await readdir(dir)).sort()).toEqual(['account-111122223333.yaml', 'saas-app-a1b2c3d4-0000-4000-8000-000000000001.yaml']);
  });

  it('parses its options, requires --out, and is wired as a subcommand', async () => {
    expect(parseDiscoverArgs(['--out', 'd', '--organization=acme', '--force'])).toMatchObject({ out: 'd', organization: 'acme', force: true });
    expect(() => parseDiscoverArgs([])).toThrow('--out DIR is required');
    expect(() => parseDiscoverArgs(['-o', 'd', '--bogus'])).toThrow('unknown option "--bogus"');
    const { out, io } = capture();
    expect(await COMMANDS.discover?.run(['--nope'], io)).toBe(2);
    expect(out.stderr).toContain('Usage: cloudposture discover');
  });
});
