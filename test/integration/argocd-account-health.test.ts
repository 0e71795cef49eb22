// The Argo CD health check for CloudAccount (charts/cloud-posture-operator/argocd/
// account-health.lua) run by gopher-lua with Argo CD's restricted libraries: every
// health state from hand-written objects, and the status the real operator writes.

import path from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { CloudAccount } from '../../operator/src/api/types.js';
import { repoRoot } from '../harness/binaries.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { grantAccount } from '../harness/services.js';
import { ensureLua, runTool } from '../harness/tools.js';

const script = path.join(repoRoot, 'charts', 'cloud-posture-operator', 'argocd', 'account-health.lua');
let luahealth: string;

async function health(obj: unknown): Promise<{ status: string; message: string }> {
  const r = await runTool(luahealth, [script], { input: JSON.stringify(obj), timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`luahealth exited ${r.code}: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { status?: string; message?: string };
  return { status: out.status ?? '', message: out.message ?? '' };
}

const account = (status?: Record<string, unknown>, generation = 2) => ({
  apiVersion: 'cloudposture.io/v1alpha1',
  kind: 'CloudAccount',
  metadata: { name: 'payments-prod', generation },
  spec: { provider: 'aws', aws: { accountId: '123456789012' } },
  ...(status ? { status } : {}),
});
const ready = (status: string, reason: string, message: string) => ({ type: 'Ready', status, reason, message, lastTransitionTime: '2026-12-01T10:00:00Z' });

beforeAll(async () => {
  luahealth = await ensureLua();
}, 600_000);

describe('account-health.lua', () => {
  it.each([
    ['not checked yet', account(), 'Progressing', 'Waiting for the cloud-posture operator to check this account'],
    ['an older generation', account({ observedGeneration: 1, conditions: [ready('True', 'Reachable', 'read as x')] }), 'Progressing', 'Waiting for generation 2 to be checked (observed 1)'],
    ['reached', account({ observedGeneration: 2, conditions: [ready('True', 'Reachable', 'read as arn:aws:sts::123456789012:assumed-role/r/cloudposture-operator')] }), 'Healthy', 'Reachable: read as arn:aws:sts::123456789012:assumed-role/r/cloudposture-operator'],
    ['refused', account({ observedGeneration: 2, conditions: [ready('False', 'AccessDenied', 'sts:AssumeRole: AccessDenied')] }), 'Degraded', 'AccessDenied: sts:AssumeRole: AccessDenied'],
    ['credentials unreadable this time', account({ observedGeneration: 2, conditions: [ready('Unknown', 'CredentialsUnreadable', 'HTTP 503')] }), 'Progressing', 'CredentialsUnreadable: HTTP 503'],
  ])('%s', async (_what, obj, status, message) => {
    expect(await health(obj)).toEqual({ status, message });
  });
});

describe('account-health.lua on what the operator writes', () => {
  const kc = loadTestKubeConfig();
  let ns: string;
  let operator: TestOperator;
  const name = uniqueName('health-acct');

  beforeAll(async () => {
    await installCrds();
    ns = await createTestNamespace('acct-health');
    operator = await startTestOperator({ namespace: ns });
  }, 120_000);
  afterAll(async () => {
    await operator?.stop();
    await kc.makeApiClient(CustomObjectsApi).deleteClusterCustomObject({ group: 'cloudposture.io', version: 'v1alpha1', plural: 'cloudaccounts', name }).catch(() => undefined);
    if (ns) await deleteTestNamespace(ns);
  });

  it('is Degraded with the reason when the credentials Secret the account names is missing', async () => {
    await grantAccount(kc, name, 'aws', { aws: { accountId: '123456789012' }, credentialsSecretRef: { name: 'no-such-secret' } }, [ns]);
    const written = await waitFor(async () => {
      const got = (await kc.makeApiClient(CustomObjectsApi).getClusterCustomObject({ group: 'cloudposture.io', version: 'v1alpha1', plural: 'cloudaccounts', name })) as CloudAccount;
      return got.status?.conditions?.length ? got : undefined;
    });
    expect(await health(written)).toEqual({ status: 'Degraded', message: `CredentialsMissing: Secret ${ns}/no-such-secret not found` });
  });
});
