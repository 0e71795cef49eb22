// Evidence survives any failed read (issue: "evidence wiped by one failed read"). The
// real reconciler, change-log gather and status assembly run over random sequences of
// change-log reads that succeed (with new records, some by a break-glass identity) or
// fail (an error answer or a thrown error) and exit-drill gathers that carry or record a
// run; the status lives in an in-memory API (memory-api.ts). After every reconcile: no change-ledger
// entry, watermark or drill result disappears or goes back in time, status.reads says
// when the records in use were obtained and whether the last attempt failed, and no
// break-glass use is announced twice.

import fc from 'fast-check';
import type { CloudServiceStatus, ExitDrillStatus } from '../../operator/src/api/types.js';
import { createChangeLogGather } from '../../operator/src/controller/change-log.js';
import type { ExitDrillGather } from '../../operator/src/controller/exit-drill.js';
import { ServiceReconciler } from '../../operator/src/controller/service-reconciler.js';
import type { ChangeRecord } from '../../operator/src/inventory/changes.js';
import { createLogger } from '../../operator/src/log.js';
import { OperatorMetrics } from '../../operator/src/metrics.js';
import type { ChangeReadResult } from '../../operator/src/providers/types.js';
import { Writable } from 'node:stream';
import { anAccount, targetsOver } from './account-fakes.js';
import { aSpec, NOW } from './builders.js';
import { MemoryApi } from './memory-api.js';

const BREAK_GLASS = 'breakglass-admin';
const ACCOUNT = '111111111111';
const STEP_MS = 10 * 60_000;

type Step =
  | { read: 'ok'; records: Array<{ breakGlass: boolean }> }
  | { read: 'fails' }
  | { read: 'throws' };

const stepArb: fc.Arbitrary<{ step: Step; drill: 'carry' | 'run' }> = fc.record({
  step: fc.oneof(
    fc.record({ read: fc.constant('ok' as const), records: fc.array(fc.record({ breakGlass: fc.boolean() }), { maxLength: 3 }) }),
    fc.constant({ read: 'fails' as const }),
    fc.constant({ read: 'throws' as const }),
  ),
  drill: fc.constantFrom('carry' as const, 'run' as const),
});

function record(n: number, at: Date, breakGlass: boolean): ChangeRecord {
  return breakGlass
    ? { id: `use-${n}`, time: at.toISOString(), actor: `arn:aws:iam::${ACCOUNT}:user/${BREAK_GLASS}`, userName: BREAK_GLASS, action: 'ConsoleLogin', resource: 'console', region: 'us-east-1', kind: 'sign-in' }
    : { id: `chg-${n}`, time: at.toISOString(), actor: `arn:aws:iam::${ACCOUNT}:user/bob`, action: 'AuthorizeSecurityGroupIngress', resource: `sg-${n}`, region: 'us-east-1', kind: 'network-change' };
}

function drillStatus(at: Date): ExitDrillStatus {
  return { lastRunAt: at.toISOString(), result: 'Succeeded', reason: 'DrillPassed', message: 'ok', lastSuccessAt: at.toISOString(), source: 's3://exports/' };
}

const quiet = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));

describe('evidence survives any failed read (property)', () => {
  it('never drops or rewinds the ledger, the watermark or the drill result, and announces each break-glass use once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 12 }), async (steps) => {
        let clock = NOW;
        let n = 0;
        let step = steps[0] as (typeof steps)[number];
        const api = new MemoryApi({
          apiVersion: 'cloudposture.io/v1alpha1',
          kind: 'CloudService',
          metadata: { namespace: 'team', name: 'svc', generation: 1, resourceVersion: '1', uid: 'u1' },
          spec: aSpec({
            breakGlassIdentities: [BREAK_GLASS],
            changeManagement: { lookback: '24h', logSource: { bucket: 'trail' } },
          }),
        });
        const reader = {
          async readChanges(): Promise<ChangeReadResult> {
            const s = step.step;
            if (s.read === 'throws') throw new Error('socket hang up');
            if (s.read === 'fails') return { ok: false, failure: { reason: 'Throttled', message: 'SlowDown: reduce your request rate' } };
            const records = s.records.map((r) => record(++n, new Date(clock.getTime() - 60_000), r.breakGlass));
            return { ok: true, records, readUntil: new Date(clock.getTime() - 5 * 60_000).toISOString(), filesRead: records.length, complete: true, source: 's3://trail/' };
          },
        };
        const drills: ExitDrillGather = {
          read: ({ service }) => {
            const previous = service.status?.exitDrill;
            const status = step.drill === 'run' ? drillStatus(clock) : previous;
            return status ? { status } : undefined;
          },
          stop: async () => undefined,
        };
        const metrics = new OperatorMetrics({ defaultMetrics: false });
        const reconciler = new ServiceReconciler({
          api,
          services: { get: () => structuredClone(api.object) },
          policies: { get: () => undefined },
          policyName: 'default',
          sources: {
            // an account granted to the service's namespace, no credentials Secret named: the plain target
            targets: targetsOver(api, [anAccount({ spec: { aws: { accountId: ACCOUNT } } })]),
            inventory: async () => ({ ok: false, skipped: true, failure: { reason: 'LiveChecksDisabled', message: 'not in this test' } }),
            changeLog: createChangeLogGather({ aws: reader }),
            exitDrills: drills,
          },
          metrics,
          log: quiet,
          defaultIntervalMs: STEP_MS,
          clock: () => clock,
          random: () => 0.5,
        });

        let before: CloudServiceStatus | undefined;
        for (const s of steps) {
          step = s;
          await reconciler.reconcile('team/svc', new AbortController().signal);
          const after = api.object.status ?? {};
          const ids = (st: CloudServiceStatus | undefined) => new Set((st?.changes ?? []).map((c) => c.id));
          for (const id of ids(before)) expect({ id, kept: ids(after).has(id) }).toEqual({ id, kept: true });
          const until = (st: CloudServiceStatus | undefined) => Date.parse(st?.changeLog?.readUntil ?? '1970-01-01T00:00:00Z');
          expect(until(after)).toBeGreaterThanOrEqual(until(before));
          if (before?.exitDrill) {
            expect(after.exitDrill).toBeDefined();
            expect(Date.parse(after.exitDrill?.lastRunAt ?? '')).toBeGreaterThanOrEqual(Date.parse(before.exitDrill.lastRunAt ?? ''));
          }
          const read = after.reads?.find((r) => r.source === 'changeLog');
          expect(read).toBeDefined();
          if (s.step.read === 'ok') {
            expect(read).toEqual({ source: 'changeLog', obtainedAt: clock.toISOString() });
          } else {
            expect(read?.failedAt).toBe(clock.toISOString());
            expect(read?.obtainedAt).toBe(before?.changeLog?.lastReadAt);
          }
          before = structuredClone(after);
          clock = new Date(clock.getTime() + STEP_MS);
        }
        const announced = api.events.filter((e) => e.reason === 'BreakGlassUsed' && e.action === 'Detect').map((e) => /change (use-\d+)/.exec(e.message)?.[1]);
        const uses = steps.flatMap((s) => (s.step.read === 'ok' ? s.step.records.filter((r) => r.breakGlass) : [])).length;
        expect(announced).toHaveLength(uses);
        expect(new Set(announced).size).toBe(announced.length);
      }),
      { numRuns: 60 },
    );
  });
});
