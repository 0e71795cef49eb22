// The CRDs on a real kube-apiserver: they are accepted and become Established, every
// sample is admitted unchanged, and malformed resources are refused at admission by the
// schema and the CEL rules with a message that names the field. Also: defaults, short
// names, printer columns and `kubectl explain`.
//
// The cluster-scoped CloudSecurityPolicy "default" is shared by every test file on the
// control plane, so policies here only go through server-side dry runs (full admission,
// nothing stored); so do the malformed CloudAccounts (cluster-scoped too). The sample
// CloudAccounts are stored only while the sample services are checked, then deleted.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';

import {
  createTestNamespace,
  deleteTestNamespace,
  kubectl,
  kubectlOk,
  loadTestKubeConfig,
  waitFor,
} from '../harness/kube.js';
import { awsServiceManifest } from '../harness/services.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CRD_FILES = [
  'crds/cloudposture.io_cloudservices.yaml',
  'crds/cloudposture.io_cloudsecuritypolicies.yaml',
  'crds/cloudposture.io_cloudaccounts.yaml',
  'crds/cloudposture.io_cloudorganizations.yaml',
];
const CRD_NAMES = ['cloudservices.cloudposture.io', 'cloudsecuritypolicies.cloudposture.io', 'cloudaccounts.cloudposture.io', 'cloudorganizations.cloudposture.io'];
const GROUP = 'cloudposture.io';
const VERSION = 'v1alpha1';

type Obj = Record<string, unknown>;

/** A minimal valid CloudService; each refusal test breaks one thing in a copy. */
const validService = (name: string): Obj => awsServiceManifest(name, { criticality: 'medium' }) as Obj;

function withSpec(name: string, patch: (spec: Obj) => void): Obj {
  const svc = validService(name);
  patch(svc.spec as Obj);
  return svc;
}

/** A minimal valid AWS CloudAccount (cluster-scoped) with `patch` applied to its spec. */
function accountWith(name: string, patch: (spec: Obj) => void = () => undefined): Obj {
  const spec: Obj = { provider: 'aws', aws: { accountId: '123456789012' }, namespaces: ['team-a'] };
  patch(spec);
  return { apiVersion: `${GROUP}/${VERSION}`, kind: 'CloudAccount', metadata: { name }, spec };
}

function validPolicy(name = 'default'): Obj {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'CloudSecurityPolicy',
    metadata: { name },
    spec: { approvedProviders: ['aws'] },
  };
}

async function readSample(file: string): Promise<Obj> {
  return parse(await readFile(path.join(repoRoot, 'crds', 'samples', file), 'utf8')) as Obj;
}

/** The sample CloudAccounts (crds/samples/accounts.yaml, several documents). */
async function readSampleAccounts(): Promise<Obj[]> {
  return parseAllDocuments(await readFile(path.join(repoRoot, 'crds', 'samples', 'accounts.yaml'), 'utf8')).map((d) => d.toJS() as Obj);
}

describe('admission of cloudposture.io/v1alpha1 by a real API server', () => {
  const kc = loadTestKubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  let ns: string;

  /** kubectl apply of one object into the test namespace; resolves with kubectl's result. */
  const apply = (obj: Obj, ...flags: string[]) =>
    kubectl(['apply', '-n', ns, '--validate=strict', ...flags, '-f', '-'], { input: JSON.stringify(obj) });

  /** Applies `obj`, expects the API server to refuse it, and returns kubectl's error output. */
  async function refused(obj: Obj, ...flags: string[]): Promise<string> {
    const r = await apply(obj, ...flags);
    if (r.code === 0) throw new Error(`expected a refusal, but kubectl said: ${r.stdout.trim()}`);
    expect(r.stderr).toMatch(/is invalid|Error from server/);
    return r.stderr;
  }

  beforeAll(async () => {
    // Server-side apply, as the operator harness and the demo do (no last-applied annotation).
    for (const file of CRD_FILES) {
      await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', path.join(repoRoot, file)]);
    }
    await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', ...CRD_NAMES.map((n) => `crd/${n}`)]);
    // Established means served; discovery and the OpenAPI document follow shortly after.
    // Every kind: a kind whose storage is still initialising answers 429 (the namespace
    // teardown deletes the test's CloudAccounts).
    for (const plural of ['cloudservices', 'cloudsecuritypolicies', 'cloudaccounts', 'cloudorganizations']) {
      await waitFor(async () => (await kubectl(['get', plural, '-A'])).code === 0, { description: `${plural} to be listable` });
    }
  });

  beforeEach(async () => {
    ns = await createTestNamespace('admission');
  });
  afterEach(async () => {
    await deleteTestNamespace(ns);
  });

  it('accepts every CRD (structural, CEL within cost budget): Established and NamesAccepted', async () => {
    for (const name of CRD_NAMES) {
      const conditions = JSON.parse(
        await kubectlOk(['get', 'crd', name, '-o', 'jsonpath={.status.conditions}']),
      ) as { type: string; status: string }[];
      expect(conditions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'Established', status: 'True' }),
          expect.objectContaining({ type: 'NamesAccepted', status: 'True' }),
        ]),
      );
      expect(conditions.find((c) => c.type === 'NonStructuralSchema')).toBeUndefined();
    }
  });

  it('registers the short names and the category next to the built-in resources', async () => {
    const resources = await kubectlOk(['api-resources', '--api-group', GROUP, '-o', 'wide']);
    expect(resources).toMatch(/cloudservices\s+cldsvc,csvc\s+cloudposture\.io\/v1alpha1\s+true\s+CloudService/);
    expect(resources).toMatch(/cloudsecuritypolicies\s+cspol\s+cloudposture\.io\/v1alpha1\s+false\s+CloudSecurityPolicy/);
    expect(resources).toMatch(/cloudaccounts\s+cacct\s+cloudposture\.io\/v1alpha1\s+false\s+CloudAccount/);
    expect(resources).toMatch(/cloudorganizations\s+corg\s+cloudposture\.io\/v1alpha1\s+false\s+CloudOrganization/);
    // `cs` stays componentstatuses; our short names resolve to our kinds only.
    const all = await kubectlOk(['api-resources', '--no-headers']);
    const shortNames = all
      .split('\n')
      .filter((line) => !line.includes(GROUP))
      .flatMap((line) => line.trim().split(/\s+/).slice(1, 2).flatMap((s) => s.split(',')));
    for (const ours of ['cldsvc', 'csvc', 'cspol', 'cacct', 'corg']) expect(shortNames).not.toContain(ours);
    expect((await kubectl(['get', 'csvc,cldsvc', '-n', ns])).code).toBe(0);
    expect((await kubectl(['get', 'cloudposture', '-n', ns])).code).toBe(0);
  });

  it('admits the sample CloudOrganization unchanged (interval default kept), prints its columns, and refuses a bad accountRef, interval or ignore id naming the field', async () => {
    const sample = parse(await readFile(path.join(repoRoot, 'crds', 'samples', 'organization.yaml'), 'utf8')) as Obj;
    const name = `corg-${ns}`;
    const organization = { ...sample, metadata: { name } };
    try {
      const r = await apply(organization);
      expect([r.code, r.stderr]).toEqual([0, '']);
      const stored = (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'cloudorganizations', name })) as Obj;
      expect(stored.spec).toEqual(sample.spec);
      const table = await kubectlOk(['get', 'corg', name]);
      expect(table.split('\n')[0]).toMatch(/^NAME\s+ACCOUNT\s+UNDECLARED\s+ALLDECLARED\s+READY\s+AGE$/);
      const spec = sample.spec as Obj;
      const bad = (patch: Obj): Obj => ({ ...sample, metadata: { name: `${name}-bad` }, spec: { ...spec, ...patch } });
      expect(await refused(bad({ interval: '10s' }))).toContain('spec.interval must be at least 30s');
      expect(await refused(bad({ interval: '9000h' }))).toContain('spec.interval must be at most 8760h');
      expect(await refused(bad({ accountRef: { name: 'Payments_Prod' } }))).toMatch(/spec\.accountRef\.name/);
      expect(await refused(bad({ ignore: [{ kind: 'account', id: 'abc', reason: 'x' }] }))).toContain('spec.ignore[].id of kind account must be a 12-digit AWS account id');
      expect(await refused(bad({ ignore: [{ kind: 'account', id: '123456789012' }] }))).toMatch(/spec\.ignore\[0\]\.reason: Required value/);
    } finally {
      await kubectl(['delete', 'cloudorganizations', '--ignore-not-found', name, `${name}-bad`]);
    }
  });

  it('admits every sample unchanged (nothing pruned) and prints the dashboard columns', async () => {
    // The sample accounts, each also granted to this namespace (the services below name
    // them; an account-grant admission policy on the control plane would refuse them otherwise).
    const accounts = await readSampleAccounts();
    expect(accounts.map((a) => a.kind)).toEqual(accounts.map(() => 'CloudAccount'));
    const granted = accounts.map((a): Obj => {
      const spec = a.spec as Obj;
      return { ...a, spec: { ...spec, namespaces: [...((spec.namespaces as string[] | undefined) ?? []), ns] } };
    });
    const names = granted.map((a) => (a.metadata as { name: string }).name);
    try {
      for (const account of granted) {
        const r = await apply(account);
        expect([r.code, r.stderr]).toEqual([0, '']);
        const name = (account.metadata as { name: string }).name;
        const stored = (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'cloudaccounts', name })) as Obj;
        expect(stored.spec).toEqual(account.spec);
      }
      const accountTable = await kubectlOk(['get', 'cloudaccounts', ...names]);
      expect(accountTable.split('\n')[0]).toMatch(/^NAME\s+PROVIDER\s+ACCOUNT\s+NAMESPACES\s+READY\s+AGE$/);
      await admitsSampleServices();
    } finally {
      await kubectl(['delete', 'cloudaccounts', '--ignore-not-found', ...names]);
    }
  });

  async function admitsSampleServices(): Promise<void> {
    for (const file of ['aws-compliant.yaml', 'aws-noncompliant.yaml', 'azure-sample.yaml']) {
      const sample = await readSample(file);
      const r = await kubectl(['apply', '-n', ns, '--validate=strict', '-f', path.join(repoRoot, 'crds', 'samples', file)]);
      expect([file, r.code, r.stderr]).toEqual([file, 0, '']);
      const name = (sample.metadata as { name: string }).name;
      const stored = (await custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: ns,
        plural: 'cloudservices',
        name,
      })) as Obj;
      expect(stored.spec).toEqual(sample.spec);
    }
    const table = await kubectlOk(['get', 'cloudservices', '-n', ns]);
    expect(table.split('\n')[0]).toMatch(
      /^NAME\s+PROVIDER\s+ACCOUNT\s+CLASS\s+COMPLIANT\s+READY\s+MFA\s+DRIFT\s+FINDINGS\s+AGE$/,
    );
    expect(table).toMatch(/aws-payments-prod\s+aws\s+payments-prod\s+confidential\s/);
    expect(table).toMatch(/azure-m365-collab\s+azure\s+m365-collab\s+confidential\s/);

    // The policy sample: full admission as a server-side dry run (the shared "default"
    // policy of the control plane is left alone).
    const policy = await kubectl([
      'apply',
      '--dry-run=server',
      '--validate=strict',
      '-f',
      path.join(repoRoot, 'crds', 'samples', 'policy-default.yaml'),
    ]);
    expect([policy.code, policy.stderr]).toEqual([0, '']);
    expect(policy.stdout).toMatch(/cloudsecuritypolicy\.cloudposture\.io\/default (created|configured|unchanged) \(server dry run\)/);
  }

  it('admits the whole samples folder in one apply, the namespace chosen on the command line', async () => {
    // `kubectl apply -n <ns> -f crds/samples` is how the demo and the README install them,
    // so the folder must hold nothing kubectl cannot apply.
    const r = await kubectl(['apply', '--dry-run=server', '--validate=strict', '-n', ns, '-f', path.join(repoRoot, 'crds', 'samples')]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    for (const name of ['aws-payments-prod', 'aws-marketing-sandbox', 'azure-m365-collab', 'azure-payroll-eu']) {
      expect(r.stdout).toContain(`cloudservice.cloudposture.io/${name} created (server dry run)`);
    }
    for (const name of ['payments-prod', 'marketing-sandbox', 'payroll-eu', 'm365-collab']) {
      expect(r.stdout).toMatch(new RegExp(`cloudaccount\\.cloudposture\\.io/${name} (created|configured|unchanged) \\(server dry run\\)`));
    }
    expect(r.stdout).toMatch(/cloudsecuritypolicy\.cloudposture\.io\/default (created|configured|unchanged) \(server dry run\)/);
  });

  it('defaults spec.interval to 10m', async () => {
    expect((await apply(validService('defaults'))).code).toBe(0);
    const stored = (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: 'cloudservices',
      name: 'defaults',
    })) as { spec: { interval?: string } };
    expect(stored.spec.interval).toBe('10m');
  });

  describe('refuses malformed CloudServices with a message naming the field', () => {
    it('an unknown provider (spec.provider: gcp)', async () => {
      const err = await refused(withSpec('bad-provider', (s) => (s.provider = 'gcp')));
      expect(err).toMatch(/spec\.provider: Unsupported value: "gcp": supported values: "aws", "azure"/);
    });

    it('an empty spec.allowedRegions', async () => {
      const err = await refused(withSpec('no-regions', (s) => (s.allowedRegions = [])));
      expect(err).toMatch(/spec\.allowedRegions: .*spec\.allowedRegions must list at least one region/);
    });

    it('spec.contract.breachNotificationHours: 0 (and above a year)', async () => {
      const zero = await refused(
        withSpec('notify-0', (s) => (s.contract = { reference: 'csa', breachNotificationHours: 0 })),
      );
      expect(zero).toMatch(/spec\.contract\.breachNotificationHours: Invalid value: 0: .*greater than or equal to 1/);
      const huge = await refused(
        withSpec('notify-9000', (s) => (s.contract = { reference: 'csa', breachNotificationHours: 9000 })),
      );
      expect(huge).toMatch(/spec\.contract\.breachNotificationHours: Invalid value: 9000: .*less than or equal to 8760/);
    });

    it('an unknown field, with kubectl --validate=strict', async () => {
      const obj = withSpec('typo', (s) => (s.exitplan = { document: 'https://wiki/exit' }));
      const err = await refused(obj);
      expect(err).toMatch(/strict decoding error: unknown field "spec\.exitplan"/);
      // Without strict validation the API server drops (prunes) it instead: the reason
      // strict is the right default for GitOps pipelines.
      const lax = await apply(obj, '--validate=false');
      expect(lax.code).toBe(0);
      const stored = (await custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: ns,
        plural: 'cloudservices',
        name: 'typo',
      })) as { spec: Obj };
      expect(stored.spec.exitplan).toBeUndefined();
    });

    it('an unknown field, with the client fieldValidation=Strict', async () => {
      // A namespace in the reference: an account is cluster-scoped, granted, never named across namespaces.
      const obj = withSpec('typo-client', (s) => (s.accountRef = { name: 'admission-aws', namespace: 'platform' }));
      await expect(
        custom.createNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: ns,
          plural: 'cloudservices',
          body: obj,
          fieldValidation: 'Strict',
        }),
      ).rejects.toMatchObject({ code: 400, body: expect.stringContaining('unknown field \\"spec.accountRef.namespace\\"') });
    });

    it('no spec.accountRef, or a name that is no object name', async () => {
      const none = await refused(withSpec('no-account', (s) => delete s.accountRef));
      expect(none).toMatch(/spec\.accountRef: Required value/);
      const bad = await refused(withSpec('bad-account', (s) => (s.accountRef = { name: 'Payments_Prod' })));
      expect(bad).toMatch(/spec\.accountRef\.name: Invalid value: "Payments_Prod": spec\.accountRef\.name in body should match/);
      const empty = await refused(withSpec('empty-account', (s) => (s.accountRef = { name: '' })));
      expect(empty).toMatch(/spec\.accountRef\.name: Invalid value: "": spec\.accountRef\.name in body should be at least 1 chars long/);
    });

    it('the account itself in the service (spec.account is gone: accounts are CloudAccounts)', async () => {
      const err = await refused(withSpec('inline-account', (s) => (s.account = { aws: { accountId: '123456789012' } })));
      expect(err).toMatch(/strict decoding error: unknown field "spec\.account"/);
    });

    it('signedOffAt without signedOffBy (and the reverse)', async () => {
      const areas = [{ area: 'os-patching', owner: 'customer' }];
      const noBy = await refused(
        withSpec('signed-at', (s) => (s.sharedResponsibility = { areas, signedOffAt: '2026-10-01T09:00:00Z' })),
      );
      expect(noBy).toMatch(/spec\.sharedResponsibility\.signedOffBy: Required value: spec\.sharedResponsibility\.signedOffBy is required when signedOffAt is set/);
      const noAt = await refused(
        withSpec('signed-by', (s) => (s.sharedResponsibility = { areas, signedOffBy: 'Head of IT' })),
      );
      expect(noAt).toMatch(/spec\.sharedResponsibility\.signedOffAt: Required value: spec\.sharedResponsibility\.signedOffAt is required when signedOffBy is set/);
    });

    it('spec.interval below 30s, or not a duration', async () => {
      const fast = await refused(withSpec('fast', (s) => (s.interval = '5s')));
      expect(fast).toMatch(/spec\.interval: Invalid value: .*spec\.interval must be at least 30s/);
      const garbage = await refused(withSpec('garbage', (s) => (s.interval = 'ten minutes')));
      expect(garbage).toMatch(/spec\.interval: Invalid value: "ten minutes": spec\.interval in body should match/);
      expect((await apply(withSpec('slow', (s) => (s.interval = '1h30m')))).code).toBe(0);
      expect((await apply(withSpec('edge', (s) => (s.interval = '30s')))).code).toBe(0);
    });

    it('spec.interval above 8760h (a year: longer delays overflow timers)', async () => {
      const slow = await refused(withSpec('too-slow', (s) => (s.interval = '8761h')));
      expect(slow).toMatch(/spec\.interval: Invalid value: .*spec\.interval must be at most 8760h/);
      expect((await apply(withSpec('yearly', (s) => (s.interval = '8760h')))).code).toBe(0);
    });


    it('spec.saas on anything but an Azure SaaS service, or an application id that is no UUID', async () => {
      const app = { entraApplicationId: 'a1b2c3d4-0000-4000-8000-0000000000aa' };
      const saas = (s: Obj) => Object.assign(s, { provider: 'azure', model: 'SaaS', allowedRegions: ['westeurope'], saas: app });
      expect((await apply(withSpec('saas-ok', saas))).code).toBe(0);
      const onAws = await refused(withSpec('saas-aws', (s) => (s.saas = app)));
      expect(onAws).toMatch(/spec\.saas: Forbidden: spec\.saas is only for a SaaS app consented to in Entra ID: set spec\.provider azure and spec\.model SaaS/);
      const paas = await refused(withSpec('saas-paas', (s) => Object.assign(saas(s), { model: 'PaaS' })));
      expect(paas).toMatch(/spec\.saas: Forbidden: spec\.saas is only for/);
      const notUuid = await refused(withSpec('saas-bad-id', (s) => Object.assign(saas(s), { saas: { entraApplicationId: 'acme-mail' } })));
      expect(notUuid).toMatch(/spec\.saas\.entraApplicationId: Invalid value: "acme-mail": spec\.saas\.entraApplicationId in body should match/);
      const empty = await refused(withSpec('saas-empty', (s) => Object.assign(saas(s), { saas: {} })));
      expect(empty).toMatch(/spec\.saas\.entraApplicationId: Required value/);
    });

    it('a responsibility area listed twice', async () => {
      const err = await refused(
        withSpec('dup-area', (s) => {
          s.sharedResponsibility = {
            areas: [
              { area: 'os-patching', owner: 'customer' },
              { area: 'os-patching', owner: 'provider' },
            ],
          };
        }),
      );
      expect(err).toMatch(/spec\.sharedResponsibility\.areas\[1\]: Duplicate value: \{"area":"os-patching"\}/);
    });

    it('an assurance report with neither periodEnd nor expiresAt', async () => {
      const err = await refused(withSpec('undated', (s) => (s.assurance = { reports: [{ type: 'SOC2-TypeII' }] })));
      expect(err).toMatch(/spec\.assurance\.reports\[0\]: Required value: spec\.assurance\.reports\[\]: set periodEnd .* or expiresAt/);
    });

    it('a verified data export without the dry run date', async () => {
      const err = await refused(
        withSpec('exit', (s) => (s.exitPlan = { document: 'https://wiki/exit', dataExportVerified: true })),
      );
      expect(err).toMatch(/spec\.exitPlan\.lastDryRun: Required value: spec\.exitPlan\.lastDryRun is required when spec\.exitPlan\.dataExportVerified is true/);
    });

    it('a Pulumi stack with two state sources', async () => {
      const err = await refused(
        withSpec('two-sources', (s) => {
          s.iac = {
            pulumi: {
              stack: 'acme/payments/prod',
              s3: { bucket: 'acme-state', key: 'prod.json' },
              secretRef: { name: 'state', key: 'prod.json' },
            },
          };
        }),
      );
      expect(err).toMatch(/spec\.iac\.pulumi: Invalid value: .*spec\.iac\.pulumi: set exactly one state source/);
    });

    it('a date that is not RFC 3339', async () => {
      const err = await refused(
        withSpec('bad-date', (s) => (s.contract = { reference: 'csa', reviewedAt: '05/10/2026' })),
      );
      expect(err).toMatch(/spec\.contract\.reviewedAt: Invalid value: "05\/10\/2026": spec\.contract\.reviewedAt in body must be of type date-time/);
    });
  });

  describe('refuses malformed CloudAccounts with a message naming the field (server dry run)', () => {
    const accountName = () => `${ns}-account`;
    const refusedAccount = (patch: (spec: Obj) => void) => refused(accountWith(accountName(), patch), '--dry-run=server');

    it('accepts the minimal account, an account by label, and the sample accounts', async () => {
      for (const account of [
        accountWith(accountName()),
        accountWith(accountName(), (s) => {
          delete s.namespaces;
          s.namespaceSelector = { matchLabels: { 'cloudposture.io/team': 'payments' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] };
        }),
        ...(await readSampleAccounts()),
      ]) {
        const r = await apply(account, '--dry-run=server');
        expect([r.code, r.stderr]).toEqual([0, '']);
      }
    });

    it('provider aws with an Azure account, and the reverse', async () => {
      const awsWithAzure = await refusedAccount((s) => {
        delete s.aws;
        s.azure = { tenantId: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f', subscriptionId: '0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e' };
      });
      expect(awsWithAzure).toMatch(/spec\.aws: Required value: spec\.aws is required when spec\.provider is aws/);
      expect(awsWithAzure).toMatch(/spec\.azure: Forbidden: spec\.azure must not be set when spec\.provider is aws/);

      const azureWithAws = await refusedAccount((s) => (s.provider = 'azure'));
      expect(azureWithAws).toMatch(/spec\.azure: Required value: spec\.azure is required when spec\.provider is azure/);
      expect(azureWithAws).toMatch(/spec\.aws: Forbidden: spec\.aws must not be set when spec\.provider is azure/);
    });

    it('a malformed AWS account id or role ARN, and an external id (the operator generates it)', async () => {
      const id = await refusedAccount((s) => (s.aws = { accountId: '12345' }));
      expect(id).toMatch(/spec\.aws\.accountId: Invalid value: "12345": spec\.aws\.accountId in body should match '\^\[0-9\]\{12\}\$'/);
      const arn = await refusedAccount((s) => (s.aws = { accountId: '123456789012', roleArn: 'cloudposture-read' }));
      expect(arn).toMatch(/spec\.aws\.roleArn: Invalid value: "cloudposture-read"/);
      const ext = await refusedAccount((s) => (s.aws = { accountId: '123456789012', roleArn: 'arn:aws:iam::123456789012:role/r', externalId: 'abc-123' }));
      expect(ext).toMatch(/strict decoding error: unknown field "spec\.aws\.externalId"/);
    });

    it('an Azure tenant id that is not a UUID', async () => {
      const err = await refusedAccount((s) => {
        s.provider = 'azure';
        delete s.aws;
        s.azure = { tenantId: 'contoso.onmicrosoft.com', subscriptionId: '0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e' };
      });
      expect(err).toMatch(/spec\.azure\.tenantId: Invalid value: "contoso\.onmicrosoft\.com"/);
    });

    it('an unknown field, with the client fieldValidation=Strict', async () => {
      await expect(
        custom.createClusterCustomObject({
          group: GROUP,
          version: VERSION,
          plural: 'cloudaccounts',
          body: accountWith(accountName(), (s) => (s.aws = { accountId: '123456789012', role: 'x' })),
          fieldValidation: 'Strict',
          dryRun: 'All',
        }),
      ).rejects.toMatchObject({ code: 400, body: expect.stringContaining('unknown field \\"spec.aws.role\\"') });
    });

    it('a namespace that is no namespace name, a selector operator that does not exist, an empty Secret name', async () => {
      const name = await refusedAccount((s) => (s.namespaces = ['Team_A']));
      expect(name).toMatch(/spec\.namespaces\[0\]: Invalid value: "Team_A": spec\.namespaces\[0\] in body should match/);
      const operator = await refusedAccount((s) => (s.namespaceSelector = { matchExpressions: [{ key: 'team', operator: 'Equals', values: ['a'] }] }));
      expect(operator).toMatch(/spec\.namespaceSelector\.matchExpressions\[0\]\.operator: Unsupported value: "Equals": supported values: "In", "NotIn", "Exists", "DoesNotExist"/);
      const secret = await refusedAccount((s) => (s.credentialsSecretRef = { name: '' }));
      expect(secret).toMatch(/spec\.credentialsSecretRef\.name: Invalid value: "": spec\.credentialsSecretRef\.name in body should be at least 1 chars long/);
    });
  });

  describe('CloudSecurityPolicy', () => {
    const dryRun = (obj: Obj) =>
      kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], { input: JSON.stringify(obj) });

    it('accepts the sample-shaped "default" policy', async () => {
      const r = await dryRun(validPolicy());
      expect([r.code, r.stderr]).toEqual([0, '']);
    });

    it('refuses a non-positive limit, an unknown exempt condition and an unknown provider', async () => {
      const policy = validPolicy();
      policy.spec = {
        approvedProviders: ['gcp'],
        classifications: { confidential: { maxEvidenceAgeDays: 0 } },
        exemptConditions: ['Compliant'],
      };
      const r = await dryRun(policy);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/spec\.approvedProviders\[0\]: Unsupported value: "gcp"/);
      expect(r.stderr).toMatch(/spec\.classifications\.confidential\.maxEvidenceAgeDays: Invalid value: 0/);
      expect(r.stderr).toMatch(/spec\.exemptConditions\[0\]: Unsupported value: "Compliant"/);
    });
  });

  it('kubectl explain teaches the fields from the schema descriptions', async () => {
    // The OpenAPI v3 document is published shortly after the CRD is Established.
    const out = await waitFor(
      async () => {
        const r = await kubectl(['explain', 'cloudservice.spec.exitPlan']);
        return r.code === 0 && r.stdout.includes('Step 7') ? r.stdout : false;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, description: 'kubectl explain cloudservice.spec.exitPlan' },
    );
    expect(out).toMatch(/KIND:\s+CloudService/);
    expect(out).toMatch(/FIELD:\s+exitPlan\s+<Object>/);
    expect(out.replace(/\s+/g, ' ')).toContain('Step 7 of the A.5.23 checklist (exit strategy)');
    expect(out).toMatch(/lastDryRun\s+<string>/);
    const policy = await kubectlOk(['explain', 'cloudsecuritypolicy.spec.classifications.confidential.mfaScope']);
    expect(policy.replace(/\s+/g, ' ')).toContain('Step 8: which identities must have MFA');
    const account = await waitFor(
      async () => {
        const r = await kubectl(['explain', 'cloudaccount.status.externalId']);
        return r.code === 0 ? r.stdout : false;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, description: 'kubectl explain cloudaccount.status.externalId' },
    );
    expect(account).toMatch(/KIND:\s+CloudAccount/);
    expect(account.replace(/\s+/g, ' ')).toContain('generated by the operator from this object\'s uid');
    const saas = await kubectlOk(['explain', 'cloudservice.spec.saas.entraApplicationId']);
    expect(saas.replace(/\s+/g, ' ')).toContain("The app's application (client) id in Entra ID");
    const ref = await kubectlOk(['explain', 'cloudservice.spec.accountRef']);
    expect(ref.replace(/\s+/g, ' ')).toContain('The CloudAccount (cluster-scoped, granted by the platform team)');
  });
});
