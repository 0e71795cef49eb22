// Table tests of A523-07-EXIT-DRILL-VERIFIED (controls/exit-plan/exit-drill-verified.ts):
// what the control reads from its input (the drill configured in spec.exitPlan.drill,
// the result in input.exitDrill, the policy's exitDrillMaxAgeDays). The decision table of
// exitDrillOutcome itself is tested with the drill, in test/unit/exitdrill.test.ts.

import type { ExitDrill } from '../../../../operator/src/api/types.js';
import { exitDrillVerified } from '../../../../operator/src/controls/exit-plan/exit-drill-verified.js';
import type { ControlInput } from '../../../../operator/src/controls/types.js';
import type { ExitDrillResult } from '../../../../operator/src/inventory/exit-drill.js';
import { aPolicy, aSpec, anExitDrillResult, anInput, daysAgo, hoursAgo, liveFailed } from '../../builders.js';

const DRILL: ExitDrill = { s3: { bucket: 'payments-data', prefix: 'ledger/' }, recoveryTimeObjective: '72h', sampleObjects: 20 };

function input(drill: ExitDrill | undefined, exitDrill?: ExitDrillResult, parts: Parameters<typeof anInput>[0] = {}): ControlInput {
  const base = anInput({ spec: aSpec({ exitPlan: { ...aSpec().exitPlan!, drill } }), ...parts });
  return exitDrill ? { ...base, exitDrill } : base;
}

describe('A523-07-EXIT-DRILL-VERIFIED', () => {
  it('is the ExitPlanReady family, checklist step 7, decided without the account inventory', () => {
    expect(exitDrillVerified).toMatchObject({ id: 'A523-07-EXIT-DRILL-VERIFIED', family: 'ExitPlanReady', checklistStep: 7, needs: 'spec' });
  });

  it.each<[string, ExitDrill | undefined, ExitDrillResult | undefined, string, string]>([
    ['no drill configured', undefined, anExitDrillResult(), 'True', 'ExitDrillNotConfigured'],
    ['configured, never run', DRILL, undefined, 'Unknown', 'ExitDrillPending'],
    ['configured, passed two hours ago', DRILL, anExitDrillResult(), 'True', 'ExitDrillPassed'],
    ['configured, the run could not happen', DRILL, anExitDrillResult({ error: { reason: 'AccessDenied', message: 'listing denied' } }), 'Unknown', 'AccessDenied'],
    [
      'configured, a copy did not match',
      DRILL,
      anExitDrillResult({ objectsVerified: 19, failures: [{ key: 'ledger/a', reason: 'SizeMismatch', message: 'truncated' }] }),
      'False',
      'ExitDrillIntegrityFailure',
    ],
    ['configured, last run a year ago', DRILL, anExitDrillResult({ ranAt: daysAgo(366) }), 'False', 'ExitDrillOverdue'],
  ])('%s: %s', (_label, drill, result, status, reason) => {
    expect(exitDrillVerified.evaluate(input(drill, result))).toMatchObject({ status, reason });
  });

  it('records the run as its evidence and takes the maximum age from the policy', () => {
    const passed = exitDrillVerified.evaluate(input(DRILL, anExitDrillResult()));
    expect(passed.evidenceAt).toEqual(new Date(hoursAgo(2)));
    const old = anExitDrillResult({ ranAt: daysAgo(200) });
    expect(exitDrillVerified.evaluate(input(DRILL, old)).status).toBe('True');
    expect(exitDrillVerified.evaluate(input(DRILL, old, { policy: aPolicy({ exitDrillMaxAgeDays: 180 }) })).status).toBe('False');
  });

  it('is not touched by a failed inventory read: its live evidence is the drill itself', () => {
    expect(exitDrillVerified.evaluate(input(DRILL, anExitDrillResult(), { inventory: liveFailed() }))).toMatchObject({
      status: 'True',
      reason: 'ExitDrillPassed',
    });
  });
});
