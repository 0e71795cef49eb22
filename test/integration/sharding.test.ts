// Horizontal scale-out on the real parts: three operator processes (what three Pods run)
// share six shards of six moto AWS accounts through Leases on the real API server.
// - One replica starts alone and takes every shard; two more join and the shards move to
//   their rendezvous owners (hand-over after the running reconciles ended).
// - SIGKILL of one replica: the other two hold its shards within the lease duration (the
//   measured time is printed), and a spec change of every service made right after the
//   kill is in every status afterwards (no update lost).
// - Exclusivity, proven from each process's own log lines (clock milliseconds, one
//   machine): no account is collected by two processes at once, no service is reconciled
//   by two processes at once, and no shard is held by two processes at once.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoordinationV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { CloudService } from '../../operator/src/api/types.js';
import { assignShards, shardOfAccount } from '../../operator/src/controller/shard-assignment.js';
import { EXTERNAL_ID, SeedClients, createBucket, createReadRole, createUser } from '../harness/aws-seed.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, testKubeconfigPath, waitFor } from '../harness/kube.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../harness/moto.js';
import { installCrds } from '../harness/operator.js';
import { spawnOperator, type OperatorProcess } from '../harness/operator-process.js';
import { grantAccount } from '../harness/services.js';
import { repoRoot } from '../harness/binaries.js';
import { aSpec } from '../unit/builders.js';

const GROUP = 'cloudposture.io';
const VERSION = 'v1alpha1';
const SHARDS = 6;
const ACCOUNTS = 6;
const SERVICES_PER_ACCOUNT = 2;
/** Lease 6 s, renew deadline 3 s: a replica paused (loaded machine, GC) for up to 3 s is still fenced before anyone takes over. */
const LEASE_DURATION_MS = 6_000;
const PREFIX = 'cpo';

interface Interval {
  replica: string;
  pid: number;
  key: string;
  start: number;
  /** Logged end, else the process's exit; undefined while still running. */
  end: number | undefined;
}

/** Intervals from pairs of log lines (start / end messages) keyed by `keyOf`, per process. */
function intervalsOf(
  replica: OperatorProcess & { killedAt?: number },
  startMessage: string | ((l: Record<string, unknown>) => boolean),
  endMessage: string | ((l: Record<string, unknown>) => boolean),
  keyOf: (l: Record<string, unknown>) => string,
): Interval[] {
  const isStart = typeof startMessage === 'string' ? (l: Record<string, unknown>) => l.message === startMessage : startMessage;
  const isEnd = typeof endMessage === 'string' ? (l: Record<string, unknown>) => l.message === endMessage : endMessage;
  const open = new Map<string, Interval[]>();
  const all: Interval[] = [];
  for (const line of replica.logs) {
    if (isStart(line)) {
      const interval = { replica: replica.identity, pid: replica.child.pid ?? 0, key: keyOf(line), start: line.at as number, end: undefined };
      all.push(interval);
      open.set(interval.key, [...(open.get(interval.key) ?? []), interval]);
    } else if (isEnd(line)) {
      const pending = open.get(keyOf(line));
      const first = pending?.shift();
      if (first) first.end = line.at as number;
    }
  }
  // SIGKILL ends a process at once; the parent may notice its exit later on a loaded machine.
  const endedAt = replica.killedAt ?? replica.exitedAt;
  for (const i of all) if (i.end === undefined && endedAt !== undefined) i.end = endedAt;
  return all;
}

/** Pairs of intervals of one key in two different processes that overlap in time. */
function overlaps(intervals: Interval[]): string[] {
  const found: string[] = [];
  for (const a of intervals) {
    for (const b of intervals) {
      if (a.pid === b.pid || a.key !== b.key) continue;
      const aEnd = a.end ?? Number.POSITIVE_INFINITY;
      if (a.start <= b.start && b.start <= aEnd) found.push(`${a.key}: ${a.replica}[${a.start}-${a.end ?? 'running'}] and ${b.replica}[${b.start}-${b.end ?? 'running'}]`);
    }
  }
  return found;
}

describe('sharding over three operator processes', () => {
  const kc = loadTestKubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  const leases = kc.makeApiClient(CoordinationV1Api);
  let moto: MotoServer;
  let ns: string;
  let replicas: OperatorProcess[] = [];
  const accountNames: string[] = [];
  const serviceNames: string[] = [];

  const env = () => ({
    CLOUDPOSTURE_WATCH_NAMESPACE: ns,
    CLOUDPOSTURE_OPERATOR_NAMESPACE: ns,
    CLOUDPOSTURE_LEADER_ELECTION: 'true',
    CLOUDPOSTURE_LEADER_ELECTION_NAMESPACE: ns,
    CLOUDPOSTURE_LEASE_NAME: PREFIX,
    CLOUDPOSTURE_SHARDS: String(SHARDS),
    CLOUDPOSTURE_LEASE_DURATION: `${LEASE_DURATION_MS / 1000}s`,
    CLOUDPOSTURE_RENEW_DEADLINE: '3s',
    CLOUDPOSTURE_RETRY_PERIOD: '500ms',
    CLOUDPOSTURE_POLICY_NAME: `policy-${ns}`,
    CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint,
    CLOUDPOSTURE_LOG_LEVEL: 'debug',
    CLOUDPOSTURE_BACKOFF_BASE: '200ms',
    CLOUDPOSTURE_METRICS_SECURE: 'false',
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
  });
  const spawn = (identity: string) => {
    const replica = spawnOperator({ kubeconfig: testKubeconfigPath(), identity, env: env() });
    replicas.push(replica);
    return replica;
  };
  /** Holder of each shard Lease (undefined: none yet), as the API server has them. */
  const holders = async (): Promise<Array<string | undefined>> => {
    const list = await leases.listNamespacedLease({ namespace: ns, labelSelector: `cloudposture.io/lease-set=${PREFIX},cloudposture.io/lease-role=shard` });
    const byName = new Map(list.items.map((l) => [l.metadata?.name ?? '', l.spec?.holderIdentity || undefined]));
    return Array.from({ length: SHARDS }, (_, i) => byName.get(`${PREFIX}-shard-${i}`));
  };
  const services = async () =>
    ((await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'cloudservices' })) as { items: CloudService[] }).items;
  const allAt = async (generation: number) => {
    const items = await services();
    return items.length === serviceNames.length && items.every((s) => s.metadata.generation === generation && s.status?.observedGeneration === generation);
  };
  const createService = (name: string, account: string) =>
    custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: 'cloudservices',
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'CloudService',
        metadata: { name },
        spec: aSpec({ accountRef: { name: account }, allowedRegions: ['eu-west-1'], interval: '30s' }),
      },
    });

  beforeAll(async () => {
    moto = await startMoto();
    await installCrds();
    ns = await createTestNamespace('shard');
    for (let i = 0; i < ACCOUNTS; i++) {
      const accountId = String(410000000000 + i);
      const c = new SeedClients(moto.endpoint, accountId);
      await createReadRole(c, { externalId: EXTERNAL_ID });
      await createUser(c, `dev-${i}`, { password: true });
      await createBucket(c, `shard-${i}-eu`, 'eu-west-1', { encryption: 'AES256', blockPublicAccess: true });
      const name = `${ns}.acct-${i}`;
      await grantAccount(kc, name, 'aws', { aws: { accountId, roleArn: `arn:aws:iam::${accountId}:role/cloudposture-readonly`, regions: ['eu-west-1'] } }, [ns]);
      accountNames.push(name);
    }
  }, 300_000);

  afterAll(async () => {
    for (const r of replicas) r.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    // Each replica's log lines, to read a failure afterwards (test-output/ is not committed).
    const dir = join(repoRoot, 'test-output', 'sharding');
    mkdirSync(dir, { recursive: true });
    for (const r of replicas) writeFileSync(join(dir, `${r.identity}.jsonl`), r.logs.map((l) => JSON.stringify(l)).join('\n'));
    await moto?.stop();
    if (ns) await deleteTestNamespace(ns);
  });

  it(
    'every account is collected and reconciled by one replica at a time; a SIGKILLed replica\'s shards move within the lease duration and no update is lost',
    async () => {
      const shardsUsed = new Set(accountNames.map((a) => shardOfAccount(a, SHARDS)));
      // Half the services exist before any replica starts (a shard gained enqueues them), half come after (watch events).
      for (let i = 0; i < (ACCOUNTS * SERVICES_PER_ACCOUNT) / 2; i++) {
        serviceNames.push(`svc-${i}`);
        await createService(`svc-${i}`, accountNames[i % ACCOUNTS] as string);
      }
      const a = spawn('replica-a');
      await waitFor(async () => (await holders()).every((h) => h === 'replica-a'), { timeoutMs: 60_000, description: 'replica-a holds every shard' });
      await waitFor(() => allAt(1), { timeoutMs: 120_000, intervalMs: 500, description: 'status of the first services from replica-a' });

      // Two more replicas: the shards they win move to them, and only those.
      const joinedAt = Date.now();
      const [b, c] = [spawn('replica-b'), spawn('replica-c')];
      const target = assignShards(SHARDS, ['replica-a', 'replica-b', 'replica-c']);
      await waitFor(async () => JSON.stringify(await holders()) === JSON.stringify(target), { timeoutMs: 60_000, intervalMs: 100, description: `shards held as ${target.join(',')}` });
      // Hand-over proper: from replica-a seeing the newcomers (it drains) to the last shard acquired by them.
      const drainStart = Math.min(...a.logs.filter((l) => l.message === 'shard draining').map((l) => l.at as number));
      const lastTaken = Math.max(...[b, c].flatMap((r) => r.logs.filter((l) => l.message === 'shard acquired').map((l) => l.at as number)));
      console.info(`two replicas joined -> shards at their rendezvous owners after ${Date.now() - joinedAt} ms (process start included); hand-over ${lastTaken - drainStart} ms`);
      for (let i = (ACCOUNTS * SERVICES_PER_ACCOUNT) / 2; i < ACCOUNTS * SERVICES_PER_ACCOUNT; i++) {
        serviceNames.push(`svc-${i}`);
        await createService(`svc-${i}`, accountNames[i % ACCOUNTS] as string);
      }
      await waitFor(() => allAt(1), { timeoutMs: 120_000, intervalMs: 500, description: 'status of every service' });

      // Kill the replica with the most shards that have accounts.
      const victim = [a, b, c].sort((x, y) => target.filter((o, s) => o === y.identity && shardsUsed.has(s)).length - target.filter((o, s) => o === x.identity && shardsUsed.has(s)).length)[0] as OperatorProcess;
      const victimShards = target.flatMap((o, s) => (o === victim.identity ? [s] : []));
      victim.kill('SIGKILL');
      const killedAt = Date.now();
      (victim as OperatorProcess & { killedAt?: number }).killedAt = killedAt;
      // Every service changes right away, those of the victim's shards too.
      await Promise.all(
        serviceNames.map((name) =>
          custom.patchNamespacedCustomObject(
            { group: GROUP, version: VERSION, namespace: ns, plural: 'cloudservices', name, body: { spec: { owner: 'platform-team' } } },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          ),
        ),
      );
      const survivors = [a, b, c].filter((r) => r !== victim).map((r) => r.identity);
      const after = assignShards(SHARDS, survivors);
      await waitFor(async () => JSON.stringify(await holders()) === JSON.stringify(after), { timeoutMs: 30_000, intervalMs: 100, description: 'the survivors hold every shard' });
      const takeoverMs = Date.now() - killedAt;
      console.info(`replica SIGKILLed -> its ${victimShards.length} shards held by the others after ${takeoverMs} ms (lease duration ${LEASE_DURATION_MS} ms)`);
      // Expiry, not a restart: lease duration plus a few retry periods; loose, the machine is shared.
      expect(takeoverMs).toBeLessThan(LEASE_DURATION_MS + 8_000);
      await waitFor(() => allAt(2), { timeoutMs: 120_000, intervalMs: 500, description: 'every service reconciled at generation 2' });
      for (const s of await services()) expect([s.metadata.name, s.spec.owner]).toEqual([s.metadata.name, 'platform-team']);

      // The survivors' own view: each logged acquiring exactly the victim's shards it won.
      await waitFor(
        () => victimShards.every((s) => [a, b, c].some((r) => r !== victim && r.logs.some((l) => l.message === 'shard acquired' && l.shard === s && (l.at as number) > killedAt))),
        { description: 'the acquisitions logged' },
      );

      // Exclusivity, from the processes' own logs.
      const collections = [a, b, c].flatMap((r) => intervalsOf(r, 'inventory collection started', 'inventory collection finished', (l) => String(l.account)));
      const reconciles = [a, b, c].flatMap((r) =>
        intervalsOf(
          r,
          'reconcile started',
          'reconcile finished',
          (l) => String(l.attemptId),
        ).map((i) => ({ ...i, key: keyOfAttempt(r, i.key) })),
      );
      const holdings = [a, b, c].flatMap((r) =>
        intervalsOf(
          r,
          'shard acquired',
          (l) => l.message === 'shard released' || l.message === 'shard lost',
          (l) => String(l.shard),
        ),
      );
      expect(collections.length).toBeGreaterThanOrEqual(ACCOUNTS);
      expect(new Set(collections.map((i) => i.key))).toEqual(new Set(accountNames));
      // Each account was collected by more than one process over the run (it moved), never by two at once.
      expect(collections.filter((i) => accountNames.includes(i.key)).length).toBeGreaterThan(ACCOUNTS);
      expect(overlaps(collections)).toEqual([]);
      expect(overlaps(reconciles)).toEqual([]);
      expect(overlaps(holdings)).toEqual([]);
      // Where each service was last reconciled: by the replica now holding its account's shard.
      for (const name of serviceNames) {
        const account = accountNames[Number(name.slice(4)) % ACCOUNTS] as string;
        const owner = after[shardOfAccount(account, SHARDS)];
        const last = [a, b, c]
          .flatMap((r) => r.logs.filter((l) => l.message === 'reconciled' && l.name === name && l.generation === 2).map((l) => ({ r: r.identity, at: Date.parse(l.timestamp as string) })))
          .sort((x, y) => x.at - y.at)
          .at(-1);
        expect([name, last?.r]).toEqual([name, owner]);
      }
    },
    420_000,
  );
});

/** The service an attempt id belongs to, from its start line. */
function keyOfAttempt(replica: OperatorProcess, attemptId: string): string {
  const line = replica.logs.find((l) => l.message === 'reconcile started' && l.attemptId === attemptId);
  return line ? `${line.namespace as string}/${line.name as string}` : attemptId;
}
