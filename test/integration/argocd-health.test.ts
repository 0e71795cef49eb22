// The Argo CD health check (charts/cloud-posture-operator/argocd/health.lua) run by
// gopher-lua, the Lua VM Argo CD runs health checks on, with the same restricted
// libraries Argo CD opens for a check from argocd-cm (test/tools/lua/main.go):
// hand-written objects for every health state, then objects whose status the real
// operator wrote on the test control plane.

import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import type { CloudAccount, CloudService } from '../../operator/src/api/types.js';
import { repoRoot } from '../harness/binaries.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { grantAccount } from '../harness/services.js';
import { ensureLua, runTool } from '../harness/tools.js';

const script = path.join(repoRoot, 'charts', 'cloud-posture-operator', 'argocd', 'health.lua');
let luahealth: string;

interface Health {
  status: string;
  message: string;
}

async function health(obj: unknown, scriptPath = script): Promise<Health> {
  const r = await runTool(luahealth, [scriptPath], { input: JSON.stringify(obj), timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`luahealth exited ${r.code}: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as Partial<Health>;
  return { status: out.status ?? '', message: out.message ?? '' };
}

const condition = (type: string, status: string, reason: string, message: string, observedGeneration = 3) => ({
  type,
  status,
  reason,
  message,
  observedGeneration,
  lastTransitionTime: '2026-11-20T10:00:00Z',
});

function service(status?: Record<string, unknown>, generation = 3): Record<string, unknown> {
  return {
    apiVersion: 'cloudposture.io/v1alpha1',
    kind: 'CloudService',
    metadata: { name: 'aws-payments-prod', namespace: 'payments', generation },
    spec: { provider: 'aws', model: 'IaaS' },
    ...(status ? { status } : {}),
  };
}

const controlsTrue = ['ResponsibilityDefined', 'ContractReviewed', 'AssuranceCurrent', 'ExitPlanReady', 'MFAEnforced', 'DataResidency'].map((t) =>
  condition(t, 'True', 'Satisfied', `${t} satisfied`),
);

beforeAll(async () => {
  luahealth = await ensureLua();
}, 20 * 60_000);

describe('Argo CD health.lua on gopher-lua', () => {
  it('Healthy when Compliant is True for the current generation', async () => {
    const obj = service({
      observedGeneration: 3,
      conditions: [...controlsTrue, condition('Compliant', 'True', 'AllControlsSatisfied', 'every required control is satisfied'), condition('Ready', 'True', 'Reconciled', 'ok')],
    });
    expect(await health(obj)).toEqual({ status: 'Healthy', message: 'AllControlsSatisfied: every required control is satisfied' });
  });

  it('Degraded when Compliant is False, with the condition message', async () => {
    const obj = service({
      observedGeneration: 3,
      conditions: [
        ...controlsTrue.slice(1),
        condition('ResponsibilityDefined', 'False', 'MatrixIncomplete', 'areas without an owner: backup'),
        condition('Compliant', 'False', 'ControlsFailing', 'ResponsibilityDefined is False'),
      ],
    });
    expect(await health(obj)).toEqual({ status: 'Degraded', message: 'ControlsFailing: ResponsibilityDefined is False' });
  });

  it('Degraded wins over a control that could not be evaluated', async () => {
    const obj = service({
      observedGeneration: 3,
      conditions: [
        condition('MFAEnforced', 'Unknown', 'Throttled', 'IAM throttled the credential report'),
        condition('ContractReviewed', 'False', 'ReviewOverdue', 'reviewed 400 days ago'),
        condition('Compliant', 'False', 'ControlsFailing', 'ContractReviewed is False'),
      ],
    });
    expect((await health(obj)).status).toBe('Degraded');
  });

  it('Degraded when a permanent failure stalled the service, with what to fix', async () => {
    const obj = service({
      observedGeneration: 3,
      conditions: [
        condition('MFAEnforced', 'Unknown', 'AccountMismatch', 'live account not read'),
        condition('Compliant', 'Unknown', 'ControlsUnknown', 'MFAEnforced could not be evaluated'),
        condition('Ready', 'False', 'AccountMismatch', 'live account not read'),
        condition('Stalled', 'True', 'AccountMismatch', 'the credentials belong to another account: fix the CloudAccount'),
      ],
    });
    expect(await health(obj)).toEqual({ status: 'Degraded', message: 'AccountMismatch: the credentials belong to another account: fix the CloudAccount' });
  });

  it('Progressing when there is no status yet', async () => {
    expect(await health(service())).toEqual({ status: 'Progressing', message: 'Waiting for the cloud-posture operator to evaluate this service' });
    expect((await health(service({}))).status).toBe('Progressing');
    expect((await health(service({ conditions: [] }))).status).toBe('Progressing');
  });

  it('Progressing while status.observedGeneration is behind metadata.generation', async () => {
    const obj = service({ observedGeneration: 2, conditions: [condition('Compliant', 'True', 'AllControlsSatisfied', 'ok', 2)] }, 3);
    expect(await health(obj)).toEqual({ status: 'Progressing', message: 'Waiting for generation 3 to be evaluated (observed 2)' });
    const none = service({ conditions: [condition('Compliant', 'True', 'AllControlsSatisfied', 'ok', 2)] }, 3);
    expect(await health(none)).toEqual({ status: 'Progressing', message: 'Waiting for generation 3 to be evaluated (observed 0)' });
  });

  it('Progressing while the Compliant condition itself is from an older generation', async () => {
    const obj = service({ observedGeneration: 3, conditions: [condition('Compliant', 'False', 'ControlsFailing', 'old', 2)] }, 3);
    expect(await health(obj)).toEqual({ status: 'Progressing', message: 'Compliant condition is from generation 2, waiting for 3' });
  });

  it('Progressing while a control is Unknown, naming it', async () => {
    const obj = service({
      observedGeneration: 3,
      conditions: [
        ...controlsTrue.filter((c) => c.type !== 'MFAEnforced'),
        condition('MFAEnforced', 'Unknown', 'NoCredentials', 'cannot assume role arn:aws:iam::123456789012:role/x'),
        condition('Compliant', 'Unknown', 'ControlsUnknown', 'MFAEnforced could not be evaluated'),
      ],
    });
    expect(await health(obj)).toEqual({
      status: 'Progressing',
      message: 'MFAEnforced could not be evaluated (NoCredentials: cannot assume role arn:aws:iam::123456789012:role/x)',
    });
  });

  it('Progressing when the Compliant condition is missing', async () => {
    expect((await health(service({ observedGeneration: 3, conditions: controlsTrue }))).status).toBe('Progressing');
  });

  it('the runner opens only the libraries Argo CD opens for a custom check (no string, no os)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'luahealth-'));
    try {
      const bad = path.join(dir, 'bad.lua');
      await writeFile(bad, 'return { status = string.format("%s", "Healthy") }\n');
      const r = await runTool(luahealth, [bad], { input: '{}', timeoutMs: 10_000 });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/string/);
      const invalid = path.join(dir, 'invalid.lua');
      await writeFile(invalid, 'return { status = "Fine" }\n');
      expect(await health({}, invalid)).toEqual({ status: 'Unknown', message: 'Lua returned an invalid health status' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Argo CD health.lua on statuses the operator wrote', () => {
  let ns: string;
  let operator: TestOperator | undefined;
  const kc = () => loadTestKubeConfig();
  const custom = () => kc().makeApiClient(CustomObjectsApi);
  const sampleService = parse(readFileSync(path.join(repoRoot, 'crds', 'samples', 'aws-compliant.yaml'), 'utf8')) as CloudService;
  /** The sample's CloudAccount (crds/samples/accounts.yaml), granted to the test's namespace under its own name. */
  const sampleAccount = (parseAllDocuments(readFileSync(path.join(repoRoot, 'crds', 'samples', 'accounts.yaml'), 'utf8')).map((d) => d.toJS()) as CloudAccount[]).find(
    (a) => a.metadata.name === sampleService.spec.accountRef.name,
  );
  let sample: CloudService;

  beforeAll(async () => {
    await installCrds();
  });
  beforeEach(async () => {
    ns = await createTestNamespace('argocd-health');
    if (!sampleAccount) throw new Error(`crds/samples/accounts.yaml has no CloudAccount ${sampleService.spec.accountRef.name}`);
    const { namespaces: _admitted, namespaceSelector: _selected, ...reach } = sampleAccount.spec;
    const accountRef = await grantAccount(kc(), `${ns}.${sampleAccount.metadata.name}`, reach.provider, reach, [ns]);
    sample = { ...sampleService, spec: { ...sampleService.spec, accountRef } };
    // A policy name that does not exist: the operator's built-in defaults apply.
    operator = await startTestOperator({ namespace: ns, env: { CLOUDPOSTURE_POLICY_NAME: uniqueName('nopolicy') } });
  });
  afterEach(async () => {
    await operator?.stop();
    operator = undefined;
    await deleteTestNamespace(ns);
  });

  const createAndWait = async (name: string, spec: CloudService['spec']): Promise<CloudService> => {
    await custom().createNamespacedCustomObject({
      group: 'cloudposture.io',
      version: 'v1alpha1',
      namespace: ns,
      plural: 'cloudservices',
      body: { apiVersion: 'cloudposture.io/v1alpha1', kind: 'CloudService', metadata: { name }, spec },
    });
    return waitFor(
      async () => {
        const svc = (await custom().getNamespacedCustomObject({ group: 'cloudposture.io', version: 'v1alpha1', namespace: ns, plural: 'cloudservices', name })) as CloudService;
        return svc.status?.observedGeneration === svc.metadata?.generation ? svc : undefined;
      },
      { timeoutMs: 30_000, description: `status of ${name} for its generation` },
    );
  };

  it('a service that fails a declared control is Degraded with the operator message', async () => {
    const svc = await createAndWait('no-audit-right', { ...sample.spec, contract: { ...sample.spec.contract!, auditRight: false } });
    const compliant = svc.status?.conditions?.find((c) => c.type === 'Compliant');
    expect(compliant?.status).toBe('False');
    const h = await health(svc);
    expect(h.status).toBe('Degraded');
    expect(h.message).toBe(`${compliant?.reason}: ${compliant?.message}`);
  });

  it('a service whose live controls are not evaluated yet is Progressing (Degraded once stalled) or, once read, Healthy/Degraded', async () => {
    const svc = await createAndWait('sample', sample.spec);
    const compliant = svc.status?.conditions?.find((c) => c.type === 'Compliant');
    const h = await health(svc);
    // A permanent failure (here: no credentials at all) stalls the live read: waiting would never end.
    const stalled = svc.status?.conditions?.find((c) => c.type === 'Stalled')?.status === 'True';
    const expected = stalled && compliant?.status === 'Unknown' ? 'Degraded' : { True: 'Healthy', False: 'Degraded', Unknown: 'Progressing' }[compliant?.status ?? 'Unknown'];
    expect(h.status).toBe(expected);
    if (h.status === 'Progressing') expect(h.message).toMatch(/could not be evaluated/);
  });
});
