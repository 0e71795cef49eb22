import { exitDrillCurrent, exitPlanDocumented } from '../../../operator/src/controls/exitplan.js';
import { DAY_MS } from '../../../operator/src/controls/time.js';
import type { ExitPlan } from '../../../operator/src/api/types.js';
import { NOW, aPolicy, aSpec, anInput, daysAgo } from '../builders.js';

function withPlan(overrides: Partial<ExitPlan> | undefined) {
  const base = aSpec().exitPlan as ExitPlan;
  return aSpec({ exitPlan: overrides === undefined ? undefined : { ...base, ...overrides } });
}

describe('when an exit plan is required', () => {
  it.each([
    ['public, low criticality', 'public', 'low', false],
    ['public, high criticality', 'public', 'high', true],
    ['public, critical', 'public', 'critical', true],
    ['internal, low criticality (policy requires)', 'internal', 'low', true],
  ] as const)('%s → required %p', (_label, classification, criticality, required) => {
    const input = anInput({ spec: aSpec({ criticality, exitPlan: undefined }), policy: aPolicy({}, classification) });
    for (const control of [exitPlanDocumented, exitDrillCurrent]) {
      const outcome = control.evaluate(input);
      expect(outcome.status).toBe(required ? 'False' : 'True');
      if (!required) expect(outcome.reason).toBe('NotRequired');
    }
  });
});

describe('A523-07-EXIT-PLAN-DOCUMENTED', () => {
  it('passes with a document and an alternative', () => {
    expect(exitPlanDocumented.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'ExitPlanDocumented' });
  });

  it.each([
    ['no plan', undefined, 'no exit plan document'],
    ['an empty document', { document: ' ' }, 'no exit plan document'],
    ['no alternative', { alternatives: [] }, 'no alternative provider'],
  ])('fails with %s', (_label, plan, text) => {
    const outcome = exitPlanDocumented.evaluate(anInput({ spec: withPlan(plan) }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'ExitPlanIncomplete' });
    expect(outcome.message).toContain(text);
  });
});

describe('A523-07-EXIT-DRILL-CURRENT ("policy is not a tested extraction" trap)', () => {
  it('passes with a recent verified dry run and requeues at its expiry', () => {
    const outcome = exitDrillCurrent.evaluate(anInput());
    expect(outcome).toMatchObject({ status: 'True', reason: 'ExitDrillCurrent' });
    expect(outcome.changesAt).toEqual(new Date(NOW.getTime() + (365 - 90) * DAY_MS));
  });

  it.each([
    ['no dry run', { lastDryRun: undefined }, 'ExitDrillMissing'],
    ['a dry run older than the policy allows', { lastDryRun: daysAgo(400) }, 'ExitDrillOverdue'],
    ['an unreadable dry-run date', { lastDryRun: 'Q3' }, 'ExitDrillDateInvalid'],
    ['export not verified', { dataExportVerified: false }, 'DataExportNotVerified'],
    ['export verification unset', { dataExportVerified: undefined }, 'DataExportNotVerified'],
  ])('fails with %s', (_label, overrides, reason) => {
    expect(exitDrillCurrent.evaluate(anInput({ spec: withPlan(overrides) }))).toMatchObject({
      status: 'False',
      reason,
    });
  });

  it('uses the stricter drill age for strictly-confidential data', () => {
    const input = anInput({
      spec: withPlan({ lastDryRun: daysAgo(200) }),
      policy: aPolicy({}, 'strictly-confidential'),
    });
    expect(exitDrillCurrent.evaluate(input).reason).toBe('ExitDrillOverdue');
  });

  describe('boundary (exitDrillMaxAgeDays 365)', () => {
    const lastDryRun = new Date(NOW.getTime() - 365 * DAY_MS).toISOString();
    it.each([
      [-1, 'True'],
      [0, 'False'],
    ])('now = expiry %+d ms → %s', (offset, status) => {
      const input = anInput({ spec: withPlan({ lastDryRun }), now: new Date(NOW.getTime() + offset) });
      expect(exitDrillCurrent.evaluate(input).status).toBe(status);
    });
  });

  it('lists both problems when the drill is stale and unverified', () => {
    const outcome = exitDrillCurrent.evaluate(
      anInput({ spec: withPlan({ lastDryRun: daysAgo(400), dataExportVerified: false }) }),
    );
    expect(outcome.findings).toHaveLength(2);
    expect(outcome.reason).toBe('ExitDrillOverdue');
  });
});
