// What /healthz judges. A replica is unhealthy (the kubelet restarts it) while a watched
// kind has not heard from the API server past a bound, or while its work queue is stuck:
// an attempt running past a bound, or keys waiting while no attempt started or finished
// past a bound. Restarting helps in both cases (a wedged connection pool, a lost worker);
// /readyz (caches synced) is judged elsewhere and unchanged.

import type { QueueProgress } from './reconcile-runner.js';

export interface HealthFacts {
  /** Clock milliseconds. */
  now: number;
  /** How long each watched kind has not heard from the API server (milliseconds). */
  reflectors: ReadonlyArray<{ name: string; silentForMs: number }>;
  /** Only while this replica reconciles: a standby's queue does not run, keys wait there by design. */
  queue?: { depth: number; progress: QueueProgress };
}

export interface HealthBounds {
  /** A watched kind silent this long is stuck (the watchdog restarts a silent watch much earlier). */
  watchStuckAfterMs: number;
  /** A reconcile running this long, or waiting keys with no progress this long, is a stuck queue. */
  queueStuckAfterMs: number;
}

export interface Health {
  healthy: boolean;
  /** One short line per problem, for the /healthz body and the log. */
  problems: string[];
}

export function judgeHealth(facts: HealthFacts, bounds: HealthBounds): Health {
  const problems: string[] = [];
  for (const r of facts.reflectors) {
    if (r.silentForMs > bounds.watchStuckAfterMs) {
      problems.push(`watch of ${r.name}: no answer from the API server for ${seconds(r.silentForMs)} (bound ${seconds(bounds.watchStuckAfterMs)})`);
    }
  }
  const queue = facts.queue;
  if (queue) {
    const oldest = queue.progress.oldest;
    if (oldest && facts.now - oldest.startedAt > bounds.queueStuckAfterMs) {
      // Not the key: /healthz answers without a token, and a key names a team's service.
      problems.push(`queue: a reconcile running for ${seconds(facts.now - oldest.startedAt)} (bound ${seconds(bounds.queueStuckAfterMs)})`);
    }
    const idleFor = facts.now - queue.progress.lastProgressAt;
    if (queue.depth > 0 && idleFor > bounds.queueStuckAfterMs) {
      problems.push(`queue: ${queue.depth} waiting, no reconcile started or finished for ${seconds(idleFor)} (bound ${seconds(bounds.queueStuckAfterMs)})`);
    }
  }
  return { healthy: problems.length === 0, problems };
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}
