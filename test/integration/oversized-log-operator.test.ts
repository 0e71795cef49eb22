// Fault test on the real parts: the operator as a real process (what a Pod runs, with
// the chart's kind of heap cap, tighter) against the test control plane and moto. A
// team's trail bucket holds a log file of a few hundred KB that unzips to 300 MiB; the
// operator keeps running and the service's ChangesTracked is Unknown with
// LogFileTooLarge, naming the object. The process's peak RSS (VmHWM) is printed for
// the record, not asserted (test/bench/oversized-log.ts measures the reader alone).

import { readFileSync } from 'node:fs';

import { PutObjectCommand } from '@aws-sdk/client-s3';

import type { CloudService } from '../../operator/src/api/types.js';
import { SeedClients, createBucket } from '../harness/aws-seed.js';
import { ctEvent, iamUser, logFileKey, seedCloudTrailLogs } from '../harness/cloudtrail-logs.js';
import { zeroBomb } from '../harness/gzip-bomb.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, testKubeconfigPath, uniqueName, waitFor } from '../harness/kube.js';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_ACCOUNT_ID, startMoto, type MotoServer } from '../harness/moto.js';
import { installCrds } from '../harness/operator.js';
import { spawnOperator, type OperatorProcess } from '../harness/operator-process.js';
import { condition, serviceClient } from '../harness/services.js';
import { onAccount } from '../harness/test-specs.js';
import { aSpec } from '../unit/builders.js';

const ACCOUNT = MOTO_DEFAULT_ACCOUNT_ID;
const REGION = 'eu-west-1';
/** Half the chart's nodeMaxOldSpaceMiB (384): an unzipped 300 MiB log would not fit. */
const HEAP_MIB = 192;

function peakRssMiB(pid: number | undefined): number | undefined {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Math.round(Number(kib) / 1024);
  } catch {
    return undefined;
  }
}

describe('a 300 MiB-expanding CloudTrail log file in a trail bucket (operator process)', () => {
  const kc = loadTestKubeConfig();
  let moto: MotoServer;
  let ns: string;
  let operator: OperatorProcess | undefined;
  const { create, get } = serviceClient(kc, () => ns);

  beforeAll(async () => {
    moto = await startMoto();
    await installCrds();
    ns = await createTestNamespace('oversized-log');
  }, 120_000);

  afterAll(async () => {
    operator?.kill('SIGKILL');
    await operator?.exited;
    await moto?.stop();
    if (ns) await deleteTestNamespace(ns);
  });

  it('keeps the operator running and makes ChangesTracked Unknown with LogFileTooLarge naming the object', async () => {
    const seed = new SeedClients(moto.endpoint, ACCOUNT);
    const bucket = uniqueName('team-trail');
    await createBucket(seed, bucket, REGION);
    const now = Date.now();
    await seedCloudTrailLogs(seed.s3(REGION), {
      bucket,
      accountId: ACCOUNT,
      files: [{ region: REGION, at: new Date(now - 50 * 60_000), records: [ctEvent({ eventName: 'CreateRoute', identity: iamUser(ACCOUNT, 'alice'), at: new Date(now - 52 * 60_000), requestParameters: { routeTableId: 'rtb-1' } })] }],
    });
    const bombKey = logFileKey({ accountId: ACCOUNT }, REGION, new Date(now - 30 * 60_000));
    await seed.s3(REGION).send(new PutObjectCommand({ Bucket: bucket, Key: bombKey, Body: await zeroBomb(300) }));

    operator = spawnOperator({
      kubeconfig: testKubeconfigPath(),
      identity: 'oversized-log',
      env: {
        CLOUDPOSTURE_WATCH_NAMESPACE: ns,
        CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint,
        CLOUDPOSTURE_POLICY_NAME: uniqueName('policy'),
        AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
        AWS_REGION: 'us-east-1',
        NODE_OPTIONS: `--max-old-space-size=${HEAP_MIB}`,
      },
    });
    let exitCode: number | null | undefined;
    void operator.exited.then((code) => (exitCode = code));

    await create(
      'bomb',
      onAccount(
        aSpec({
          allowedRegions: [REGION],
          changeManagement: { logSource: { bucket, region: REGION } },
        }),
        { aws: { accountId: ACCOUNT, regions: [REGION] } },
      ),
    );
    // Until the condition is there, or the operator died (then at once, not at the timeout).
    const svc: CloudService | 'exited' = await waitFor(
      async () => {
        if (exitCode !== undefined) return 'exited' as const;
        const current = await get('bomb');
        return condition(current, 'ChangesTracked')?.reason === 'LogFileTooLarge' ? current : undefined;
      },
      { timeoutMs: 90_000, description: 'ChangesTracked Unknown with LogFileTooLarge' },
    );
    process.stdout.write(`oversized log file: operator peak RSS ${peakRssMiB(operator.child.pid) ?? '?'} MiB (heap cap ${HEAP_MIB} MiB)\n`);
    expect(exitCode).toBeUndefined();
    if (svc === 'exited') return;
    expect(condition(svc, 'ChangesTracked')).toMatchObject({ status: 'Unknown', reason: 'LogFileTooLarge' });
    expect(condition(svc, 'ChangesTracked')?.message).toContain(bombKey);
  });
});
