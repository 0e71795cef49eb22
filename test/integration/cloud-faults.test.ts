// Cloud faults through a fault-injecting proxy in front of moto: throttling, 5xx,
// hanging requests. The operator backs off per account (services sharing an account
// share one failing collection), reports Unknown with a reason instead of findings,
// and recovers fully when the faults stop.

import type { CloudService } from '../../operator/src/api/types.js';
import { seedDemoAccount } from '../harness/aws-seed.js';
import { startFaultProxy, type FaultProxy } from '../harness/fault-proxy.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_ACCOUNT_ID, startMoto, type MotoServer } from '../harness/moto.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { condition, serviceClient } from '../harness/services.js';
import { onAccount } from '../harness/test-specs.js';
import { aSpec } from '../unit/builders.js';

const LIVE = ['MFAEnforced', 'DataResidency', 'EncryptionAtRest', 'NoPublicExposure', 'AuditLogging'];
const SERVICES = ['svc-a', 'svc-b'];

describe('cloud faults', () => {
  let moto: MotoServer;
  let proxy: FaultProxy;
  let ns: string;
  let operator: TestOperator;
  const saved = { ...process.env };

  const { create, get } = serviceClient(loadTestKubeConfig(), () => ns);
  const cond = condition;
  const liveFindings = (svc: CloudService) => (svc.status?.findings ?? []).filter((f) => LIVE.includes(f.condition));
  const readyReason = (reason: string) =>
    Promise.all(
      SERVICES.map((name) =>
        waitFor(
          async () => {
            const svc = await get(name);
            return cond(svc, 'Ready')?.reason === reason ? svc : undefined;
          },
          { timeoutMs: 30_000, intervalMs: 250, description: `${name} Ready reason ${reason}` },
        ),
      ),
    );
  const expectUnknownWithoutFindings = (services: CloudService[], reason: string) => {
    for (const svc of services) {
      expect(cond(svc, 'Ready')).toMatchObject({ status: 'False', reason });
      for (const type of LIVE) expect({ type, status: cond(svc, type)?.status }).toEqual({ type, status: 'Unknown' });
      expect(liveFindings(svc)).toEqual([]);
      expect(cond(svc, 'Compliant')?.status).not.toBe('True');
    }
  };

  beforeAll(async () => {
    moto = await startMoto();
    await seedDemoAccount(moto.endpoint);
    proxy = await startFaultProxy(moto.endpoint);
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = 'us-east-1';
    await installCrds();
    ns = await createTestNamespace('faults');
    proxy.setMode({ kind: 'throttle' });
    operator = await startTestOperator({
      namespace: ns,
      env: {
        CLOUDPOSTURE_AWS_ENDPOINT: proxy.endpoint,
        CLOUDPOSTURE_POLICY_NAME: uniqueName('policy'),
        CLOUDPOSTURE_ACCOUNT_BACKOFF_BASE: '1s',
        CLOUDPOSTURE_ACCOUNT_BACKOFF_MAX: '4s',
        CLOUDPOSTURE_CLOUD_MAX_ATTEMPTS: '2',
        // moto answers DescribeSnapshots in about 1 s per region: leave room on a loaded machine.
        CLOUDPOSTURE_CLOUD_REQUEST_TIMEOUT: '4s',
        CLOUDPOSTURE_BACKOFF_BASE: '100ms',
        CLOUDPOSTURE_BACKOFF_MAX: '1s',
      },
    });
    for (const name of SERVICES) {
      await create(
        name,
        onAccount(
          aSpec({
            allowedRegions: ['eu-west-1', 'eu-central-1'],
            logVault: undefined,
            breakGlassIdentities: [],
            interval: '30s',
          }),
          { aws: { accountId: MOTO_DEFAULT_ACCOUNT_ID, regions: ['eu-west-1', 'eu-central-1'] } },
        ),
      );
    }
  }, 180_000);

  afterAll(async () => {
    await operator?.stop();
    await proxy?.stop();
    await moto?.stop();
    await deleteTestNamespace(ns);
    process.env = saved;
  });

  it('throttling: Unknown with reason Throttled, and one backed-off collection per account, not per service', async () => {
    expectUnknownWithoutFindings(await readyReason('Throttled'), 'Throttled');
    // Over 8 s both services keep retrying (queue backoff capped at 1 s), but the account
    // is only collected when its backoff (1, 2, 4, 4 s) allows: at most ~4 collections of
    // 2 attempts each. Without the per-account backoff it would be dozens.
    proxy.resetCounts();
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const calls = proxy.counts().GetCallerIdentity ?? 0;
    const reconciles = operator.logs.filter((l) => l.message === 'reconciled' && SERVICES.includes(String(l.name))).length;
    console.info(`throttled for 8 s: ${calls} GetCallerIdentity attempts; ${reconciles} reconciles of the 2 services so far`);
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(10);
    expect(reconciles).toBeGreaterThan(calls / 2); // services retried more often than the account was called
  });

  it('5xx: Unknown with reason ServiceUnavailable, never a finding', async () => {
    proxy.setMode({ kind: 'error5xx' });
    expectUnknownWithoutFindings(await readyReason('ServiceUnavailable'), 'ServiceUnavailable');
  });

  it('hanging requests: Unknown with reason AccountUnreachable after the request timeout', async () => {
    proxy.setMode({ kind: 'hang' });
    expectUnknownWithoutFindings(await readyReason('AccountUnreachable'), 'AccountUnreachable');
  });

  it('recovers fully when the faults stop, slow responses included', async () => {
    proxy.setMode({ kind: 'slow', delayMs: 50 });
    // Full recovery: the demo account's real posture is back (users without MFA, a
    // bucket outside the allowed regions), read completely, for both services.
    const services = await Promise.all(
      SERVICES.map((name) =>
        waitFor(
          async () => {
            const svc = await get(name);
            const back =
              cond(svc, 'Ready')?.status === 'True' &&
              cond(svc, 'MFAEnforced')?.status === 'False' &&
              cond(svc, 'DataResidency')?.status === 'False';
            return back ? svc : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 250, description: `${name} back to its real posture` },
        ),
      ),
    );
    for (const svc of services) {
      expect(cond(svc, 'Ready')?.reason).toBe('Reconciled');
      expect(liveFindings(svc).length).toBeGreaterThan(0);
    }
  });
});
