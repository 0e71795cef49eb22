// Fencing on the real parts: two operator processes share a Lease; the leader reaches the
// API server through a TCP proxy that stops forwarding (hangs) while the standby's link
// works, for longer than the lease, then recovers. Proven from each process's logged
// reconcile attempts (start and end, clock milliseconds): two replicas never reconcile at
// the same time; the standby takes over; a spec change made during the hang is in the
// status afterwards and no stale write of the old leader lands after recovery.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { CloudService } from '../../operator/src/api/types.js';
import { aSpec } from '../unit/builders.js';
import { startTcpFaultProxy, type TcpFaultProxy } from '../harness/fault-proxy.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, testKubeconfigPath, waitFor } from '../harness/kube.js';
import { freeLoopbackPort } from '../harness/moto.js';
import { installCrds } from '../harness/operator.js';
import { spawnOperator, type OperatorProcess } from '../harness/operator-process.js';
import { resolveTestSpec } from '../harness/services.js';
import { onAccount } from '../harness/test-specs.js';

const GROUP = 'cloudposture.io';
const VERSION = 'v1alpha1';
const LEASE = 'cloud-posture-operator';
const LEASE_DURATION_MS = 6_000;
const RENEW_DEADLINE_MS = 3_000;
/** The leader's link stays hung this long: well past the lease, so the standby must take over. */
const HANG_MS = 3 * LEASE_DURATION_MS;

interface Attempt {
  replica: string;
  pid: number;
  attemptId: string;
  start: number;
  /** Logged end; undefined while running (or if the process died first). */
  end: number | undefined;
}

/** When an attempt stopped at the latest: its logged end, the exit of its process, or not yet. */
function endOf(attempt: Attempt, replicas: readonly OperatorProcess[]): number {
  return attempt.end ?? replicas.find((r) => r.child.pid === attempt.pid)?.exitedAt ?? Number.POSITIVE_INFINITY;
}

/** Pairs of attempts of different processes that ran at the same time. */
function overlapsOf(replicas: readonly OperatorProcess[]): string[] {
  const attempts = replicas.flatMap(attemptsOf);
  const overlaps: string[] = [];
  for (const a of attempts) {
    for (const b of attempts) {
      if (a.pid !== b.pid && a.start <= b.start && b.start <= endOf(a, replicas)) {
        overlaps.push(`${a.replica}[${a.start}-${endOf(a, replicas)}] and ${b.replica}[${b.start}-${endOf(b, replicas)}]`);
      }
    }
  }
  return overlaps;
}

/** Every reconcile attempt a process logged, with its start and end (clock ms). */
function attemptsOf(replica: OperatorProcess): Attempt[] {
  const byId = new Map<string, Attempt>();
  for (const line of replica.logs) {
    const id = line.attemptId as string | undefined;
    if (!id) continue;
    if (line.message === 'reconcile started') {
      byId.set(id, { replica: replica.identity, pid: replica.child.pid ?? 0, attemptId: id, start: line.at as number, end: undefined });
    } else if (line.message === 'reconcile finished') {
      const attempt = byId.get(id);
      if (attempt) attempt.end = line.at as number;
    }
  }
  return [...byId.values()];
}

function loggedAt(replica: OperatorProcess, message: string): number | undefined {
  const line = replica.logs.find((l) => l.message === message);
  return line ? Date.parse(line.timestamp as string) : undefined;
}

describe('leader fencing when the leader’s API connection hangs', () => {
  const kc = loadTestKubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const leases = kc.makeApiClient(CoordinationV1Api);
  let ns: string;
  let proxy: TcpFaultProxy;
  let dir: string;
  /** A loopback port nothing listens on: every cloud read fails at once (connection refused), a transient failure. */
  let deadCloud: string;
  const replicas: OperatorProcess[] = [];

  const env = () => ({
    CLOUDPOSTURE_WATCH_NAMESPACE: ns,
    // The CloudAccount's credentials Secret is in the test's namespace.
    CLOUDPOSTURE_OPERATOR_NAMESPACE: ns,
    CLOUDPOSTURE_LEADER_ELECTION: 'true',
    CLOUDPOSTURE_LEADER_ELECTION_NAMESPACE: ns,
    CLOUDPOSTURE_LEASE_DURATION: `${LEASE_DURATION_MS}ms`,
    CLOUDPOSTURE_RENEW_DEADLINE: `${RENEW_DEADLINE_MS}ms`,
    CLOUDPOSTURE_RETRY_PERIOD: '500ms',
    CLOUDPOSTURE_POLICY_NAME: `policy-${ns}`,
    // Frequent reconciles (the account cannot be reached, each attempt is retried soon),
    // so that some are in flight when the link hangs.
    CLOUDPOSTURE_AWS_ENDPOINT: deadCloud,
    CLOUDPOSTURE_CLOUD_MAX_ATTEMPTS: '1',
    CLOUDPOSTURE_BACKOFF_BASE: '200ms',
    CLOUDPOSTURE_BACKOFF_MAX: '1s',
    CLOUDPOSTURE_ACCOUNT_BACKOFF_BASE: '500ms',
    CLOUDPOSTURE_ACCOUNT_BACKOFF_MAX: '1s',
    CLOUDPOSTURE_LOG_LEVEL: 'debug',
  });
  const holder = async () => (await leases.readNamespacedLease({ name: LEASE, namespace: ns })).spec?.holderIdentity;
  const serviceOf = async () =>
    (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'cloudservices', name: 'svc' })) as CloudService;

  beforeAll(async () => {
    await installCrds();
    ns = await createTestNamespace('fencing');
    dir = mkdtempSync(join(tmpdir(), 'fencing-'));
    proxy = await startTcpFaultProxy(kc.getCurrentCluster()!.server);
    deadCloud = `http://127.0.0.1:${await freeLoopbackPort()}`;
  });
  afterAll(async () => {
    if (process.env.FENCING_DUMP) writeFileSync(process.env.FENCING_DUMP, JSON.stringify(replicas.map((r) => ({ id: r.identity, logs: r.logs })), null, 1));
    for (const r of replicas) r.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await proxy?.stop();
    rmSync(dir, { recursive: true, force: true });
    await deleteTestNamespace(ns);
  });

  it('never two reconcile at once; the standby takes over and the change made during the hang reaches the status', async () => {
    // The leader's kubeconfig points at the proxy; the certificates are the same (TLS passes through).
    const proxied = JSON.parse(kc.exportConfig()) as { clusters: Array<{ cluster: { server: string } }> };
    for (const c of proxied.clusters) c.cluster.server = proxy.server;
    const proxiedPath = join(dir, 'kubeconfig-proxied.json');
    writeFileSync(proxiedPath, JSON.stringify(proxied));

    // Each reconcile reads the credentials Secret, so a reconcile in flight at the hang waits on the API server.
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'aws-creds' }, stringData: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' } },
    });
    const spec = await resolveTestSpec(
      kc,
      ns,
      'svc',
      onAccount(aSpec({ owner: 'team-before' }), { aws: { accountId: '123456789012' }, credentialsSecretRef: { name: 'aws-creds' } }),
    );
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: 'cloudservices',
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'CloudService', metadata: { name: 'svc' }, spec },
    });

    const leader = spawnOperator({ kubeconfig: proxiedPath, identity: 'replica-a', env: env() });
    replicas.push(leader);
    await waitFor(async () => (await holder()) === 'replica-a', { timeoutMs: 30_000, description: 'replica-a to lead' });
    const standby = spawnOperator({ kubeconfig: testKubeconfigPath(), identity: 'replica-b', env: env() });
    replicas.push(standby);
    await waitFor(async () => (await serviceOf()).status?.observedGeneration === 1, { description: 'status from the leader' });
    await waitFor(() => standby.logs.some((l) => l.message === 'manager started'), { description: 'the standby’s caches' });
    // A few reconciles by the leader, so that the hang meets one in flight or between two.
    await waitFor(() => attemptsOf(leader).length >= 3, { description: 'the leader reconciling' });

    proxy.setMode('hang');
    const hungAt = Date.now();
    // The spec changes while the leader cannot see it (its watch hangs too).
    await custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace: ns, plural: 'cloudservices', name: 'svc', body: { spec: { owner: 'team-during-the-hang' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );

    await waitFor(async () => (await serviceOf()).status?.observedGeneration === 2, { timeoutMs: HANG_MS, intervalMs: 100, description: 'the new leader’s status for generation 2' });
    const reconciledAt = Date.now();
    expect(await holder()).toBe('replica-b');
    // Two replicas never reconciled at the same time (an attempt still running counts as running now).
    await waitFor(() => standby.logs.some((l) => l.message === 'reconcile finished'), { description: 'the new leader’s first attempt to end' });
    expect(overlapsOf(replicas)).toEqual([]);
    // The old leader stopped (and exits to restart clean) without waiting for its link.
    await waitFor(() => leader.exitedAt !== undefined, { timeoutMs: 5_000, description: 'the old leader to exit' });
    expect(await leader.exited).toBe(1);
    const remaining = HANG_MS - (Date.now() - hungAt);
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
    proxy.setMode('pass');

    // The old leader comes back (as the kubelet restarts it) through the recovered link: a standby now.
    const restarted = spawnOperator({ kubeconfig: proxiedPath, identity: 'replica-a', env: env() });
    replicas.push(restarted);
    await waitFor(() => restarted.logs.some((l) => l.message === 'manager started'), { description: 'the restarted replica’s caches' });
    await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_DURATION_MS));
    expect(await holder()).toBe('replica-b');
    expect(restarted.logs.some((l) => l.message === 'became leader')).toBe(false);
    // No stale write of the old leader landed after recovery: the status is still the new leader's.
    const after = await serviceOf();
    expect(after.metadata.generation).toBe(2);
    expect(after.status?.observedGeneration).toBe(2);

    // Over the whole run too; and the old leader let go of every attempt before it exited
    // (none was merely cut off by the exit).
    expect(overlapsOf(replicas)).toEqual([]);
    for (const a of attemptsOf(leader)) expect(a.end).toBeDefined();
    expect(attemptsOf(restarted)).toEqual([]);

    const oldAttempts = attemptsOf(leader);
    const newAttempts = attemptsOf(standby);
    const fencedAt = loggedAt(leader, 'lost leadership')!;
    const lastOldEnd = Math.max(...oldAttempts.map((a) => a.end as number));
    const firstNewStart = Math.min(...newAttempts.map((a) => a.start));
    expect(fencedAt).toBeDefined();
    expect(lastOldEnd).toBeLessThan(firstNewStart);
    const aborted = leader.logs.filter((l) => l.message === 'reconcile aborted').length;
    console.info(
      [
        `hang -> old leader fenced (lost leadership): ${fencedAt - hungAt} ms (renew deadline ${RENEW_DEADLINE_MS} ms)`,
        `hang -> old leader's last reconcile ended: ${lastOldEnd - hungAt} ms (${aborted} aborted in flight)`,
        `hang -> old leader exited: ${(leader.exitedAt as number) - hungAt} ms`,
        `hang -> standby leads: ${(loggedAt(standby, 'became leader') as number) - hungAt} ms (lease ${LEASE_DURATION_MS} ms)`,
        `hang -> standby's first reconcile: ${firstNewStart - hungAt} ms; gap after the old leader's last: ${firstNewStart - lastOldEnd} ms`,
        `hang -> generation 2 in status: ${reconciledAt - hungAt} ms`,
        `attempts: old leader ${oldAttempts.length}, new leader ${newAttempts.length}, restarted replica 0`,
      ].join('\n'),
    );
  }, 180_000);
});
