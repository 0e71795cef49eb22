// Fencing of the Lease holder: when its connection to the API server hangs, the leader
// stops leading by lastRenew + renewDeadline by its own timer (the hung renew never
// returns), and a standby whose connection works takes over only after that.

import { LeaderElector, type LeaderElectionOptions } from '../../operator/src/kube/leader.js';
import { createLogger } from '../../operator/src/log.js';
import { Writable } from 'node:stream';
import { kubeConfigFor, startLeaseServer, type LeaseServer, type LeaseStore } from './kube-fakes.js';

const LEASE_DURATION_MS = 2_000;
const RENEW_DEADLINE_MS = 1_000;
const RETRY_PERIOD_MS = 200;
/** Far longer than the test: the renew must be cut by the renew deadline, not by the request timeout. */
const REQUEST_TIMEOUT_MS = 60_000;

const quiet = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));

function elector(url: string, identity: string, events: Array<{ at: number; who: string; what: 'started' | 'stopped' }>): LeaderElector {
  const options: LeaderElectionOptions = {
    namespace: 'ns',
    name: 'lease',
    identity,
    leaseDurationMs: LEASE_DURATION_MS,
    renewDeadlineMs: RENEW_DEADLINE_MS,
    retryPeriodMs: RETRY_PERIOD_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    log: quiet,
    onStartedLeading: () => events.push({ at: Date.now(), who: identity, what: 'started' }),
    onStoppedLeading: () => events.push({ at: Date.now(), who: identity, what: 'stopped' }),
  };
  return new LeaderElector(kubeConfigFor(url), options);
}

async function until(probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('leader fencing', () => {
  const servers: LeaseServer[] = [];
  const electors: LeaderElector[] = [];
  afterEach(async () => {
    for (const s of servers) s.setMode('pass');
    await Promise.all(electors.splice(0).map((e) => e.stop()));
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it(
    'a leader whose renew hangs stops by lastRenew + renewDeadline, before a standby can take over',
    async () => {
      const store: LeaseStore = { revision: 0, writes: [] };
      // Two connections to one API server: the leader's can hang, the standby's works.
      const leaderLink = await startLeaseServer(store);
      const standbyLink = await startLeaseServer(store);
      servers.push(leaderLink, standbyLink);
      const events: Array<{ at: number; who: string; what: 'started' | 'stopped' }> = [];
      const leader = elector(leaderLink.url, 'a', events);
      electors.push(leader);
      leader.start();
      await until(() => leader.isLeader, 5_000);
      const standby = elector(standbyLink.url, 'b', events);
      electors.push(standby);
      standby.start();
      // A few renewals pass, then the leader's connection stops answering.
      await until(() => store.writes.filter((w) => w.holder === 'a').length >= 3, 5_000);
      leaderLink.setMode('hang');
      const hungAt = Date.now();

      await until(() => events.some((e) => e.who === 'b' && e.what === 'started'), 10_000);
      const lastRenewWrite = Math.max(...store.writes.filter((w) => w.holder === 'a').map((w) => w.at));
      const stopped = events.find((e) => e.who === 'a' && e.what === 'stopped');
      const takeover = events.find((e) => e.who === 'b' && e.what === 'started')!;
      expect(stopped).toBeDefined();
      expect(leader.isLeader).toBe(false);
      // The renew deadline is counted from the start of the last renewal, which precedes its write.
      expect(stopped!.at - lastRenewWrite).toBeLessThan(RENEW_DEADLINE_MS + RETRY_PERIOD_MS);
      expect(stopped!.at).toBeLessThan(takeover.at);
      expect(stopped!.at - hungAt).toBeLessThan(LEASE_DURATION_MS);
    },
    20_000,
  );

  it(
    'a leader that lost its Lease does not campaign again when its connection recovers',
    async () => {
      const store: LeaseStore = { revision: 0, writes: [] };
      const link = await startLeaseServer(store);
      servers.push(link);
      const events: Array<{ at: number; who: string; what: 'started' | 'stopped' }> = [];
      const leader = elector(link.url, 'a', events);
      electors.push(leader);
      leader.start();
      await until(() => leader.isLeader, 5_000);
      link.setMode('hang');
      await until(() => events.some((e) => e.what === 'stopped'), 5_000);
      const writes = store.writes.length;
      link.setMode('pass');
      await new Promise((resolve) => setTimeout(resolve, 5 * RETRY_PERIOD_MS));
      expect(store.writes.length).toBe(writes);
      expect(events.map((e) => e.what)).toEqual(['started', 'stopped']);
    },
    20_000,
  );
});
