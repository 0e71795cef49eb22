// Scale benchmark (a script, not a test): N CloudServices over M AWS accounts on the
// local control plane and moto. Prints the time until every service has status, the
// operator's peak RSS and CPU time, and the cloud API calls it made.
//
//   npm exec -- node --import tsx test/bench/scale.ts [--services 1000] [--accounts 20] [--concurrency 4]

import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXTERNAL_ID, SeedClients, createBucket, createReadRole, createUser, createVolume } from '../harness/aws-seed.js';
import { repoRoot } from '../harness/binaries.js';
import { freePort, startControlPlane } from '../harness/controlplane.js';
import { startMoto } from '../harness/moto.js';
import { spawnOperator } from '../harness/operator-process.js';
import { grantAccount } from '../harness/services.js';
import { aSpec } from '../unit/builders.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SERVICES = arg('services', 1000);
const ACCOUNTS = arg('accounts', 20);
const CONCURRENCY = arg('concurrency', 4);
/** V8 old-space limit for the operator in MiB (0: Node's default), to tell garbage from live memory. */
const HEAP_MB = arg('heap-mb', 0);
const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'eu-north-1'];
const NS = 'scale';
const say = (m: string) => process.stdout.write(`${m}\n`);

function procStats(pid: number): { rssPeakMiB: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
  return { rssPeakMiB: Math.round(hwm / 1024), cpuSeconds: ticks / 100 };
}

async function main(): Promise<void> {
  const cp = await startControlPlane();
  const moto = await startMoto();
  try {
    say(`seeding ${ACCOUNTS} accounts in moto ...`);
    const accounts: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const accountId = String(400000000000 + i);
      const c = new SeedClients(moto.endpoint, accountId);
      await createReadRole(c, { externalId: EXTERNAL_ID });
      await createUser(c, `admin-${i}`, { password: true, mfa: 'virtual', managedPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'] });
      await createUser(c, `dev-${i}`, { password: true });
      await createBucket(c, `bench-${i}-eu`, 'eu-west-1', { encryption: 'AES256', blockPublicAccess: true });
      await createVolume(c, 'eu-west-1', { encrypted: i % 2 === 0, name: `vol-${i}` });
      accounts.push(accountId);
    }
    for (const args of [
      ['apply', '--server-side', '-f', join(repoRoot, 'crds')],
      ['wait', '--for=condition=Established', '--timeout=60s', 'crd/cloudservices.cloudposture.io', 'crd/cloudaccounts.cloudposture.io'],
      ['create', 'namespace', NS],
    ]) {
      const r = await cp.kubectl(args);
      if (r.code !== 0) throw new Error(r.stderr);
    }
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    const custom = kc.makeApiClient(CustomObjectsApi);
    say(`granting ${ACCOUNTS} CloudAccounts to ${NS} ...`);
    const accountRefs = await Promise.all(
      accounts.map((accountId) =>
        grantAccount(kc, `bench-${accountId}`, 'aws', { aws: { accountId, roleArn: `arn:aws:iam::${accountId}:role/cloudposture-readonly`, regions: REGIONS } }, [NS]),
      ),
    );
    say(`creating ${SERVICES} CloudServices ...`);
    for (let start = 0; start < SERVICES; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, SERVICES - start) }, (_, k) => {
          const i = start + k;
          const spec = aSpec({
            accountRef: accountRefs[i % ACCOUNTS] as { name: string },
            allowedRegions: ['eu-west-1'],
            interval: '1h',
          });
          return custom.createNamespacedCustomObject({
            group: 'cloudposture.io',
            version: 'v1alpha1',
            namespace: NS,
            plural: 'cloudservices',
            body: { apiVersion: 'cloudposture.io/v1alpha1', kind: 'CloudService', metadata: { name: `svc-${i}` }, spec },
          });
        }),
      );
    }

    const metricsPort = await freePort();
    const started = Date.now();
    const operator = spawnOperator({
      kubeconfig: cp.kubeconfigPath,
      identity: 'bench',
      env: {
        CLOUDPOSTURE_WATCH_NAMESPACE: NS,
        CLOUDPOSTURE_CONCURRENCY: String(CONCURRENCY),
        CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint,
        CLOUDPOSTURE_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
        // Loopback only: the benchmark reads /metrics in plain HTTP without a token.
        CLOUDPOSTURE_METRICS_SECURE: 'false',
        CLOUDPOSTURE_LOG_LEVEL: 'warn',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: 'us-east-1',
        ...(HEAP_MB ? { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` } : {}),
      },
    });
    let peak = { rssPeakMiB: 0, cpuSeconds: 0 };
    let withStatus = 0;
    const progress: string[] = [];
    while (withStatus < SERVICES) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      peak = procStats(operator.child.pid as number);
      const list = (await custom.listNamespacedCustomObject({ group: 'cloudposture.io', version: 'v1alpha1', namespace: NS, plural: 'cloudservices' })) as {
        items: Array<{ status?: { observedGeneration?: number } }>;
      };
      withStatus = list.items.filter((s) => s.status?.observedGeneration === 1).length;
      progress.push(`${Math.round((Date.now() - started) / 1000)}s:${withStatus}`);
      if (Date.now() - started > 30 * 60_000) throw new Error(`timed out with ${withStatus}/${SERVICES} services reconciled`);
    }
    const elapsedMs = Date.now() - started;
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const sum = (name: string) =>
      metrics
        .split('\n')
        .filter((l) => l.startsWith(name))
        .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    const apiCalls = sum('cloudposture_cloud_api_calls_total{');
    const reconciles = sum('cloudposture_reconcile_total{');
    operator.kill('SIGTERM');
    await operator.exited;
    say(`\nprogress (seconds:services with status): ${progress.join(' ')}`);
    say('\n| services | accounts | concurrency | heap limit | time to all status | peak RSS | CPU time | cloud API calls | calls per account | reconciles |');
    say('|---|---|---|---|---|---|---|---|---|---|');
    say(
      `| ${SERVICES} | ${ACCOUNTS} | ${CONCURRENCY} | ${HEAP_MB ? `${HEAP_MB} MiB` : 'default'} | ${(elapsedMs / 1000).toFixed(1)} s | ${peak.rssPeakMiB} MiB | ${peak.cpuSeconds.toFixed(1)} s | ${apiCalls} | ${(apiCalls / ACCOUNTS).toFixed(0)} | ${reconciles} |`,
    );
  } finally {
    await moto.stop();
    await cp.stop();
  }
}

await main();
