// Start-up benchmark (a script, not a test): from process start to the first status
// written for one CloudService on one AWS account (moto), on the local control plane.
// The control plane and moto start once; every run starts a fresh operator process the
// way the image runs it (`node dist/operator/src/main.js`, so `npm run build` first), or
// with `--tsx` the way test/harness/operator-process.ts does (`node --import tsx main.ts`).
// Prints, per run and as the median over the runs, milliseconds since the spawn:
//   modules loaded   main.ts starts running (`modulesLoadedMs` of 'operator starting')
//   first list       the caches are synced ('manager started')
//   first collection the first inventory is in hand ('first inventory read')
//   status written   the CloudService's status with observedGeneration 1 seen by a watch
//
//   npm run build && npm exec -- node --import tsx test/bench/startup.ts [--runs 3] [--tsx | --bundle] [--app-dir DIR]
//
// --app-dir runs dist/operator/src/main.js from another directory (e.g. a tree with the
// operator image's node_modules, without @pulumi/* and tsx). Leader election is on, as
// the chart deploys it (a fresh Lease per run); /metrics is secure with a self-signed
// certificate, the default without certificate files.

import { CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudService } from '../../operator/src/api/types.js';
import { EXTERNAL_ID, SeedClients, createBucket, createReadRole, createUser, createVolume } from '../harness/aws-seed.js';
import { repoRoot } from '../harness/binaries.js';
import { startControlPlane } from '../harness/controlplane.js';
import { startMoto } from '../harness/moto.js';
import { grantAccount } from '../harness/services.js';
import { aSpec } from '../unit/builders.js';

const argIndex = (name: string) => process.argv.indexOf(`--${name}`);
const RUNS = argIndex('runs') > 0 ? Number(process.argv[argIndex('runs') + 1]) : 3;
const USE_TSX = argIndex('tsx') > 0;
/** --bundle: dist/bundle/main.js (`npm run bundle`), the image's entry point. */
const USE_BUNDLE = process.argv.includes('--bundle');
const APP_DIR = argIndex('app-dir') > 0 ? (process.argv[argIndex('app-dir') + 1] as string) : repoRoot;
const NS = 'startup';
const ACCOUNT_ID = '410000000000';
const say = (m: string) => process.stdout.write(`${m}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

interface Run {
  modulesLoaded: number;
  firstList: number;
  firstCollection: number;
  statusWritten: number;
}

type LogLine = Record<string, unknown> & { message?: string; timestamp?: string; processUptimeMs?: number; modulesLoadedMs?: number };

async function oneRun(run: number, kubeconfig: string, kc: KubeConfig, motoEndpoint: string, accountRef: { name: string }): Promise<Run> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const name = `svc-${run}`;
  // The service exists before the operator starts: its first list finds it.
  await custom.createNamespacedCustomObject({
    group: 'cloudposture.io',
    version: 'v1alpha1',
    namespace: NS,
    plural: 'cloudservices',
    body: {
      apiVersion: 'cloudposture.io/v1alpha1',
      kind: 'CloudService',
      metadata: { name },
      spec: aSpec({ accountRef, allowedRegions: ['eu-west-1'], interval: '1h' }),
    },
  });
  let statusSeenAt = 0;
  let onStatus: () => void = () => {};
  let onWatchEnd: (err: unknown) => void = () => {};
  const statusSeen = new Promise<void>((resolve, reject) => {
    onStatus = resolve;
    onWatchEnd = reject;
  });
  const watch = await new Watch(kc).watch(
    `/apis/cloudposture.io/v1alpha1/namespaces/${NS}/cloudservices`,
    { fieldSelector: `metadata.name=${name}` },
    (_type: string, obj: CloudService) => {
      if (!statusSeenAt && obj.status?.observedGeneration === 1) {
        statusSeenAt = Date.now();
        onStatus();
      }
    },
    (err: unknown) => {
      if (!statusSeenAt) onWatchEnd(err ?? new Error('watch ended'));
    },
  );

  const main = USE_TSX ? join(APP_DIR, 'operator', 'src', 'main.ts') : USE_BUNDLE ? join(APP_DIR, 'dist', 'bundle', 'main.js') : join(APP_DIR, 'dist', 'operator', 'src', 'main.js');
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [...(USE_TSX ? ['--import', 'tsx'] : []), main], {
    cwd: APP_DIR,
    env: {
      ...process.env,
      KUBECONFIG: kubeconfig,
      NODE_ENV: 'production',
      CLOUDPOSTURE_INSTANCE_NAME: `startup-${run}`,
      CLOUDPOSTURE_WATCH_NAMESPACE: NS,
      CLOUDPOSTURE_LEADER_ELECTION: 'true',
      CLOUDPOSTURE_LEADER_ELECTION_NAMESPACE: NS,
      CLOUDPOSTURE_LEASE_NAME: `startup-${run}`,
      CLOUDPOSTURE_METRICS_ADDRESS: '127.0.0.1:0',
      CLOUDPOSTURE_AWS_ENDPOINT: motoEndpoint,
      CLOUDPOSTURE_LOG_LEVEL: 'info',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let buffer = '';
  const collect = (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ message: line });
      }
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      statusSeen,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no status within 120 s; logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`)), 120_000)),
      exited.then(() => {
        throw new Error(`operator exited; logs:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`);
      }),
    ]);
    // The log lines of the first collection and the status write are out by now (give stdout a moment).
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    watch.abort();
    child.kill('SIGTERM');
    await exited;
  }
  const find = (message: string) => {
    const line = logs.find((l) => l.message === message);
    if (!line?.timestamp) throw new Error(`no '${message}' log line`);
    return line;
  };
  // Log timestamps are wall-clock milliseconds on this machine, like spawnedAt.
  const since = (line: LogLine, backMs = 0) => Date.parse(line.timestamp as string) - backMs - spawnedAt;
  const starting = find('operator starting');
  return {
    modulesLoaded: since(starting, (starting.processUptimeMs ?? 0) - (starting.modulesLoadedMs ?? 0)),
    firstList: since(find('manager started')),
    firstCollection: since(find('first inventory read')),
    statusWritten: statusSeenAt - spawnedAt,
  };
}

async function main(): Promise<void> {
  const mainFile = USE_TSX ? join(APP_DIR, 'operator', 'src', 'main.ts') : USE_BUNDLE ? join(APP_DIR, 'dist', 'bundle', 'main.js') : join(APP_DIR, 'dist', 'operator', 'src', 'main.js');
  if (!existsSync(mainFile)) throw new Error(`${mainFile} is missing (npm run build first)`);
  const cp = await startControlPlane();
  const moto = await startMoto();
  try {
    const c = new SeedClients(moto.endpoint, ACCOUNT_ID);
    await createReadRole(c, { externalId: EXTERNAL_ID });
    await createUser(c, 'admin', { password: true, mfa: 'virtual', managedPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'] });
    await createUser(c, 'dev', { password: true });
    await createBucket(c, 'startup-eu', 'eu-west-1', { encryption: 'AES256', blockPublicAccess: true });
    await createVolume(c, 'eu-west-1', { encrypted: true, name: 'vol' });
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
    const accountRef = await grantAccount(
      kc,
      'startup-account',
      'aws',
      { aws: { accountId: ACCOUNT_ID, roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/cloudposture-readonly`, regions: ['eu-west-1', 'us-east-1'] } },
      [NS],
    );
    const runs: Run[] = [];
    for (let run = 0; run < RUNS; run++) {
      const r = await oneRun(run, cp.kubeconfigPath, kc, moto.endpoint, accountRef);
      say(`run ${run + 1}: modules loaded ${r.modulesLoaded} ms, first list ${r.firstList} ms, first collection ${r.firstCollection} ms, status written ${r.statusWritten} ms`);
      runs.push(r);
    }
    const m = (k: keyof Run) => Math.round(median(runs.map((r) => r[k])));
    say(`\n${USE_TSX ? 'node --import tsx operator/src/main.ts' : USE_BUNDLE ? 'node dist/bundle/main.js' : 'node dist/operator/src/main.js'}${APP_DIR === repoRoot ? '' : ` in ${APP_DIR}`}, median of ${RUNS} (ms since spawn):`);
    say('| modules loaded | first list (caches synced) | first collection | first status written |');
    say('|---|---|---|---|');
    say(`| ${m('modulesLoaded')} | ${m('firstList')} | ${m('firstCollection')} | ${m('statusWritten')} |`);
  } finally {
    await moto.stop();
    await cp.stop();
  }
}

await main();
