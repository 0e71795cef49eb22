// Scale benchmark (a script, not a test): N CloudServices over M AWS accounts on the
// local control plane and moto. Prints the time until every service has status, the
// operator's peak RSS and CPU time, and the cloud API calls it made.
//
//   npm run build && npm exec -- node --import tsx test/bench/scale.ts [--services 1000] [--accounts 20] [--concurrency 4]
//
// With --replicas N (N > 1) it runs N operator processes with sharding on (--shards,
// default 4 per replica; lease timings --lease-duration / --renew-deadline / --retry-period
// in seconds, default 15 / 10 / 2) and prints per replica its peak RSS, CPU seconds,
// reconciles, accounts owned (accounts of the shards it holds) and cloud calls; overall the
// time until every service has status and cloud calls per account in that one interval
// (services check every 1h: more than one collection's worth means an account was read
// twice, e.g. before and after a hand-over). --kill-one then SIGKILLs the replica owning
// the most accounts and prints how long until the others hold all its shards.

import { CoordinationV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXTERNAL_ID, SeedClients, createBucket, createReadRole, createUser, createVolume } from '../harness/aws-seed.js';
import { repoRoot } from '../harness/binaries.js';
import { freePort, startControlPlane } from '../harness/controlplane.js';
import { startMoto } from '../harness/moto.js';
import { spawnOperator, type OperatorProcess } from '../harness/operator-process.js';
import { shardOfAccount } from '../../operator/src/controller/shard-assignment.js';
import { grantAccount } from '../harness/services.js';
import { aSpec } from '../unit/builders.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SERVICES = arg('services', 1000);
const ACCOUNTS = arg('accounts', 20);
const CONCURRENCY = arg('concurrency', 4);
// The operator runs compiled (`npm run build` first: dist/operator/src/main.js; --bundle:
// the image's entry point dist/bundle/main.js, `npm run bundle` first) with the chart's
// defaults: heap cap 384 MiB, 8 MiB semi-spaces, MALLOC_ARENA_MAX=2, its glibcTunables
// (--heap-mb, --semi-mb, --arenas, --glibc-tunables; 0 or '' leaves Node's / glibc's
// default). --tsx runs the sources through tsx instead, as the tests do (tsx adds memory).
const HEAP_MB = arg('heap-mb', 384);
const SEMI_MB = arg('semi-mb', 8);
const ARENAS = arg('arenas', 2);
/** glibc malloc tunables for the operator (GLIBC_TUNABLES); default the chart's glibcTunables, --glibc-tunables '' for glibc's own. */
const GLIBC_TUNABLES = (() => {
  const i = process.argv.indexOf('--glibc-tunables');
  return i > 0 ? (process.argv[i + 1] ?? '') : 'glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072';
})();
const USE_TSX = process.argv.includes('--tsx');
/** --bundle: the image's entry point, dist/bundle/main.js (`npm run bundle`), instead of tsc's output. */
const USE_BUNDLE = process.argv.includes('--bundle');
/** Further Node/V8 flags for the compiled operator (--node-arg --optimize-for-size, repeatable). */
const NODE_ARGS = process.argv.flatMap((a, i) => (a === '--node-arg' && process.argv[i + 1] ? [process.argv[i + 1] as string] : []));
const REPLICAS = arg('replicas', 1);
const SHARDS = REPLICAS > 1 ? arg('shards', 4 * REPLICAS) : 1;
const LEASE = { duration: arg('lease-duration', 15), renew: arg('renew-deadline', 10), retry: arg('retry-period', 2) };
const KILL_ONE = process.argv.includes('--kill-one');
const LEASE_PREFIX = 'scale';
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

    const started = Date.now();
    const replicas: Array<{ process: OperatorProcess; metricsPort: number }> = [];
    for (let r = 0; r < REPLICAS; r++) {
      const metricsPort = await freePort();
      const identity = REPLICAS > 1 ? `bench-${r}` : 'bench';
      const sharding: Record<string, string> =
        REPLICAS > 1
          ? {
              CLOUDPOSTURE_LEADER_ELECTION: 'true',
              CLOUDPOSTURE_LEADER_ELECTION_NAMESPACE: NS,
              CLOUDPOSTURE_LEASE_NAME: LEASE_PREFIX,
              CLOUDPOSTURE_SHARDS: String(SHARDS),
              CLOUDPOSTURE_LEASE_DURATION: `${LEASE.duration}s`,
              CLOUDPOSTURE_RENEW_DEADLINE: `${LEASE.renew}s`,
              CLOUDPOSTURE_RETRY_PERIOD: `${LEASE.retry}s`,
            }
          : {};
      const operator = spawnOperator({
        kubeconfig: cp.kubeconfigPath,
        identity,
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
          ...sharding,
          ...(ARENAS ? { MALLOC_ARENA_MAX: String(ARENAS) } : {}),
          ...(GLIBC_TUNABLES ? { GLIBC_TUNABLES } : {}),
        },
        ...(USE_TSX ? {} : { compiled: { nodeArgs: [...(HEAP_MB ? [`--max-old-space-size=${HEAP_MB}`] : []), ...(SEMI_MB ? [`--max-semi-space-size=${SEMI_MB}`] : []), ...NODE_ARGS], ...(USE_BUNDLE ? { entry: join(repoRoot, 'dist', 'bundle', 'main.js') } : {}) } }),
      });
      replicas.push({ process: operator, metricsPort });
    }
    const peaks = replicas.map(() => ({ rssPeakMiB: 0, cpuSeconds: 0 }));
    let withStatus = 0;
    const progress: string[] = [];
    while (withStatus < SERVICES) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const gone = replicas.findIndex((r) => r.process.exitedAt !== undefined);
      if (gone >= 0) {
        // Say why (a heap limit, a lost Lease) instead of failing on its missing /proc entry;
        // its last output may come after the exit event.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const child = replicas[gone]?.process.child;
        const last = replicas[gone]?.process.logs.slice(-8).map((l) => JSON.stringify(l).slice(0, 300)) ?? [];
        throw new Error(
          `replica ${gone} exited (code ${child?.exitCode}, signal ${child?.signalCode}) with ${withStatus}/${SERVICES} services reconciled; its last output:\n${last.join('\n')}`,
        );
      }
      replicas.forEach((r, i) => (peaks[i] = procStats(r.process.child.pid as number)));
      const list = (await custom.listNamespacedCustomObject({ group: 'cloudposture.io', version: 'v1alpha1', namespace: NS, plural: 'cloudservices' })) as {
        items: Array<{ status?: { observedGeneration?: number } }>;
      };
      withStatus = list.items.filter((s) => s.status?.observedGeneration === 1).length;
      progress.push(`${Math.round((Date.now() - started) / 1000)}s:${withStatus}`);
      if (Date.now() - started > 30 * 60_000) throw new Error(`timed out with ${withStatus}/${SERVICES} services reconciled`);
    }
    const elapsedMs = Date.now() - started;
    const scraped = await Promise.all(replicas.map(async (r) => (await fetch(`http://127.0.0.1:${r.metricsPort}/metrics`)).text()));
    const sum = (metrics: string, name: string) =>
      metrics
        .split('\n')
        .filter((l) => l.startsWith(name))
        .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    /** Shards whose cloudposture_shard_owner series a replica exports (it holds their Leases). */
    const heldShards = (metrics: string) =>
      metrics
        .split('\n')
        .flatMap((l) => /^cloudposture_shard_owner\{shard="(\d+)"\} 1$/.exec(l)?.[1] ?? [])
        .map(Number);
    const perReplica = replicas.map((r, i) => {
      const metrics = scraped[i] as string;
      const held = REPLICAS > 1 ? heldShards(metrics) : [0];
      return {
        identity: r.process.identity,
        ...(peaks[i] as { rssPeakMiB: number; cpuSeconds: number }),
        reconciles: sum(metrics, 'cloudposture_reconcile_total{'),
        apiCalls: sum(metrics, 'cloudposture_cloud_api_calls_total{'),
        shards: held.length,
        accounts: accounts.filter((id) => held.includes(shardOfAccount(`bench-${id}`, SHARDS))).length,
      };
    });
    const apiCalls = perReplica.reduce((n, r) => n + r.apiCalls, 0);
    // Which calls grow with accounts and which with services: the operations, summed over replicas.
    const byOperation = new Map<string, number>();
    for (const metrics of scraped) {
      for (const line of metrics.split('\n')) {
        const m = /^cloudposture_cloud_api_calls_total\{.*operation="([^"]+)".*\} (\d+)/.exec(line);
        if (m) byOperation.set(m[1] as string, (byOperation.get(m[1] as string) ?? 0) + Number(m[2]));
      }
    }
    say(`\ncloud calls by operation: ${[...byOperation].sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op} ${n}`).join(', ')}`);
    const reconciles = perReplica.reduce((n, r) => n + r.reconciles, 0);
    let killLine = '';
    if (KILL_ONE && REPLICAS > 1) {
      const leases = kc.makeApiClient(CoordinationV1Api);
      // The replica with the most accounts (then shards): its accounts must move.
      const victim = [...perReplica].sort((a, b) => b.accounts - a.accounts || b.shards - a.shards)[0] as (typeof perReplica)[number];
      const victimProcess = replicas.find((r) => r.process.identity === victim.identity)?.process as OperatorProcess;
      victimProcess.kill('SIGKILL');
      const killedAt = Date.now();
      for (;;) {
        const list = await leases.listNamespacedLease({ namespace: NS, labelSelector: `cloudposture.io/lease-set=${LEASE_PREFIX},cloudposture.io/lease-role=shard` });
        const holders = list.items.map((l) => l.spec?.holderIdentity ?? '');
        if (holders.length === SHARDS && holders.every((h) => h !== '' && h !== victim.identity)) break;
        if (Date.now() - killedAt > 10 * 60_000) throw new Error('shards not taken over within 10 minutes');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      killLine = `\nSIGKILL of ${victim.identity} (${victim.shards} shards, ${victim.accounts} accounts): the others held every shard after ${((Date.now() - killedAt) / 1000).toFixed(1)} s (lease duration ${LEASE.duration} s)`;
    }
    for (const r of replicas) r.process.kill('SIGTERM');
    await Promise.all(replicas.map((r) => r.process.exited));
    say(`\nprogress (seconds:services with status): ${progress.join(' ')}`);
    say('\n| services | accounts | replicas | shards | concurrency | heap / semi-space | time to all status | peak RSS (sum) | CPU time (sum) | cloud API calls | calls per account per interval | reconciles |');
    say('|---|---|---|---|---|---|---|---|---|---|---|---|');
    say(
      `| ${SERVICES} | ${ACCOUNTS} | ${REPLICAS} | ${SHARDS} | ${CONCURRENCY} | ${USE_TSX ? 'tsx, ' : ''}${USE_BUNDLE ? 'bundle, ' : ''}${HEAP_MB ? `${HEAP_MB} MiB` : 'default'}${SEMI_MB ? ` / semi ${SEMI_MB} MiB` : ''}${NODE_ARGS.length ? ` ${NODE_ARGS.join(' ')}` : ''}${GLIBC_TUNABLES ? ` ${GLIBC_TUNABLES}` : ''} | ${(elapsedMs / 1000).toFixed(1)} s | ${perReplica.reduce((n, r) => n + r.rssPeakMiB, 0)} MiB | ${perReplica.reduce((n, r) => n + r.cpuSeconds, 0).toFixed(1)} s | ${apiCalls} | ${(apiCalls / ACCOUNTS).toFixed(0)} | ${reconciles} |`,
    );
    if (REPLICAS > 1) {
      say('\n| replica | peak RSS | CPU time | services reconciled | shards held | accounts owned | cloud API calls |');
      say('|---|---|---|---|---|---|---|');
      for (const r of perReplica) say(`| ${r.identity} | ${r.rssPeakMiB} MiB | ${r.cpuSeconds.toFixed(1)} s | ${r.reconciles} | ${r.shards} | ${r.accounts} | ${r.apiCalls} |`);
      say(killLine);
    }
  } finally {
    await moto.stop();
    await cp.stop();
  }
}

await main();
