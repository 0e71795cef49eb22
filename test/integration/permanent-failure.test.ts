// A permanent collection failure stalls instead of retrying: a service whose declared
// account id is not the account its credentials land in (AccountMismatch, against moto)
// gets Ready=False and Stalled=True and is not reconciled again until a watched object
// changes; a corrected CloudAccount is read at once and clears Stalled.

import { CustomObjectsApi } from '@kubernetes/client-node';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_ACCOUNT_ID, startMoto, type MotoServer } from '../harness/moto.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { condition, serviceClient } from '../harness/services.js';
import { onAccount } from '../harness/test-specs.js';
import { aSpec } from '../unit/builders.js';

/** How long the stalled service is watched for further reconciles. */
const OBSERVE_MS = 20_000;
/** Reconciles allowed in that window (a policy relist or a late watch event, not a loop). */
const MAX_RECONCILES_WHILE_STALLED = 2;

describe('a permanently broken account stalls (moto)', () => {
  const kc = loadTestKubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  let moto: MotoServer;
  let ns: string;
  let operator: TestOperator;
  const saved = { ...process.env };
  const { create, get, reconciled } = serviceClient(kc, () => ns, 120_000);
  const reconciles = (name: string) => operator.logs.filter((l) => l.message === 'reconciled' && l.name === name).length;

  beforeAll(async () => {
    moto = await startMoto();
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = 'us-east-1';
    await installCrds();
    ns = await createTestNamespace('stall');
    operator = await startTestOperator({
      namespace: ns,
      env: { CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint, CLOUDPOSTURE_POLICY_NAME: uniqueName('policy') },
    });
  }, 300_000);

  afterAll(async () => {
    await operator?.stop();
    await moto?.stop();
    await deleteTestNamespace(ns);
    process.env = saved;
  });

  it('AccountMismatch: Ready=False, Stalled=True, not retried in a loop; a corrected CloudAccount is read at once', async () => {
    // moto's credentials land in MOTO_DEFAULT_ACCOUNT_ID; the CloudAccount names another account.
    await create('mismatch', onAccount(aSpec({ allowedRegions: ['eu-west-1'] }), { aws: { accountId: '444455556666', regions: ['eu-west-1'] } }));
    await reconciled('mismatch', { ready: (s) => condition(s, 'Ready')?.status === 'False' });
    const before = reconciles('mismatch');
    await new Promise((resolve) => setTimeout(resolve, OBSERVE_MS));
    const during = reconciles('mismatch') - before;
    console.log(`mismatch: ${during} reconciles in ${OBSERVE_MS / 1000} s after the first failed one (${before} before)`);

    const svc = await get('mismatch');
    expect(condition(svc, 'Ready')).toMatchObject({ status: 'False', reason: 'AccountMismatch' });
    const stalled = condition(svc, 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'AccountMismatch', observedGeneration: svc.metadata.generation });
    expect(stalled?.message).toMatch(/CloudAccount's spec\.aws\.accountId/);
    expect(stalled?.message).toMatch(/not retried until/i);
    expect(svc.status?.conditions?.map((c) => c.type).slice(-2)).toEqual(['Ready', 'Stalled']);
    expect(during).toBeLessThanOrEqual(MAX_RECONCILES_WHILE_STALLED);
    const metrics = (await operator.metrics.render()).body;
    expect(metrics).toMatch(/cloudposture_reconcile_failures_total\{kind="permanent",reason="AccountMismatch"\} [1-9]/);
    expect(metrics).toMatch(/cloudposture_reconcile_total\{result="terminal"\} [1-9]/);

    // Fixing the CloudAccount the service names (a watched change) is retried at once, not after the ceiling.
    await custom.patchClusterCustomObject({
      group: 'cloudposture.io',
      version: 'v1alpha1',
      plural: 'cloudaccounts',
      name: `${ns}.mismatch`,
      body: [{ op: 'replace', path: '/spec/aws/accountId', value: MOTO_DEFAULT_ACCOUNT_ID }],
    });
    const fixed = await waitFor(
      async () => {
        const s = await get('mismatch');
        return s.status?.observedGeneration === s.metadata.generation && condition(s, 'Ready')?.status === 'True' ? s : undefined;
      },
      { timeoutMs: 90_000, description: 'mismatch: Ready after the account id was fixed' },
    );
    expect(condition(fixed, 'Stalled')).toBeUndefined();
  });
});
