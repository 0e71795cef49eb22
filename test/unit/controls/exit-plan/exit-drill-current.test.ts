// Table tests of A523-07-EXIT-DRILL-CURRENT (controls/exit-plan/exit-drill-current.ts).

import { exitDrillCurrent } from '../../../../operator/src/controls/exit-plan/exit-drill-current.js';
import { DAY_MS } from '../../../../operator/src/controls/time.js';
import { NOW, aPolicy, anInput, daysAgo } from '../../builders.js';
import { describeExitPlanRequired, withPlan } from './builders.js';

describeExitPlanRequired(exitDrillCurrent);

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
