import { buildStatus, changedOrDue, conditionTransitions, MAX_STATUS_FINDINGS, statusNeedsWrite } from '../../operator/src/kube/status.js';
import type { Finding } from '../../operator/src/api/types.js';

const now = new Date('2026-11-23T08:00:00Z');
const later = new Date('2026-11-23T08:03:00Z');

const base = {
  generation: 2,
  conditions: [
    { type: 'ContractReviewed', status: 'True' as const, reason: 'ContractCurrent', message: 'ok' },
    { type: 'Compliant', status: 'False' as const, reason: 'ControlsFailing', message: 'x' },
  ],
  ready: { status: 'True' as const, reason: 'Reconciled', message: 'done' },
  summary: { findings: 0 },
  findings: [] as Finding[],
};

describe('buildStatus', () => {
  it('stamps observedGeneration on status and every condition, Ready last', () => {
    const status = buildStatus({ ...base, previous: undefined, now });
    expect(status.observedGeneration).toBe(2);
    expect(status.conditions?.map((c) => c.type)).toEqual(['ContractReviewed', 'Compliant', 'Ready']);
    expect(status.conditions?.every((c) => c.observedGeneration === 2)).toBe(true);
    expect(status.lastCheckedAt).toBe('2026-11-23T08:00:00Z');
  });

  it('keeps lastTransitionTime of unchanged conditions and drops conditions no longer evaluated', () => {
    const first = buildStatus({ ...base, previous: undefined, now });
    const previous = { ...first, conditions: [...(first.conditions ?? []), { type: 'Old', status: 'True' as const, reason: 'x', message: '', lastTransitionTime: '2020-01-01T00:00:00Z' }] };
    const second = buildStatus({
      ...base,
      conditions: [base.conditions[0]!, { ...base.conditions[1]!, status: 'True', reason: 'AllControlsPass' }],
      previous,
      now: later,
    });
    const byType = Object.fromEntries((second.conditions ?? []).map((c) => [c.type, c]));
    expect(byType.ContractReviewed?.lastTransitionTime).toBe('2026-11-23T08:00:00Z');
    expect(byType.Compliant?.lastTransitionTime).toBe('2026-11-23T08:03:00Z');
    expect(byType.Old).toBeUndefined();
  });

  it('puts Stalled after Ready while a permanent failure stalls, and removes it once it does not', () => {
    const failedReady = { status: 'False' as const, reason: 'AccountMismatch', message: 'live account not read: x' };
    const stalled = { status: 'True' as const, reason: 'AccountMismatch', message: 'Correct spec.account.aws.accountId.' };
    const first = buildStatus({ ...base, ready: failedReady, stalled, previous: undefined, now });
    expect(first.conditions?.map((c) => c.type)).toEqual(['ContractReviewed', 'Compliant', 'Ready', 'Stalled']);
    expect(first.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({ ...stalled, observedGeneration: 2 });
    const again = buildStatus({ ...base, ready: failedReady, stalled, previous: first, now: later });
    expect(again.conditions?.find((c) => c.type === 'Stalled')?.lastTransitionTime).toBe('2026-11-23T08:00:00Z');
    const recovered = buildStatus({ ...base, previous: again, now: later });
    expect(recovered.conditions?.map((c) => c.type)).toEqual(['ContractReviewed', 'Compliant', 'Ready']);
  });

  it('bounds findings and counts the rest', () => {
    const findings: Finding[] = Array.from({ length: MAX_STATUS_FINDINGS + 7 }, (_, i) => ({
      control: 'C', condition: 'MFAEnforced', severity: 'high', message: `f${i}`,
    }));
    const status = buildStatus({ ...base, findings, previous: undefined, now });
    expect(status.findings).toHaveLength(MAX_STATUS_FINDINGS);
    expect(status.findingsOmitted).toBe(7);
  });
});

describe('statusNeedsWrite', () => {
  const interval = 10 * 60_000;
  it('writes the first status, and any content change', () => {
    const status = buildStatus({ ...base, previous: undefined, now });
    expect(statusNeedsWrite(undefined, status, interval, now)).toBe(true);
    const changed = buildStatus({ ...base, summary: { findings: 1 }, previous: status, now: later });
    expect(statusNeedsWrite(status, changed, interval, later)).toBe(true);
  });

  it('does not write when only lastCheckedAt would move within the interval', () => {
    const status = buildStatus({ ...base, previous: undefined, now });
    const again = buildStatus({ ...base, previous: status, now: later });
    expect(statusNeedsWrite(status, again, interval, later)).toBe(false);
  });

  it('does not write for a moved change-log watermark alone', () => {
    const status = { ...buildStatus({ ...base, previous: undefined, now }), changeLog: { source: 's3://b/AWSLogs/1/CloudTrail/', readUntil: '2026-11-23T07:45:00Z', filesRead: 2 } };
    const again = { ...buildStatus({ ...base, previous: status, now: later }), changeLog: { source: 's3://b/AWSLogs/1/CloudTrail/', readUntil: '2026-11-23T07:48:00Z', filesRead: 0 } };
    expect(statusNeedsWrite(status, again, interval, later)).toBe(false);
  });

  it('writes when a read starts or stops failing, not when the same outcome is only newer', () => {
    const ok = (at: string) => ({ ...buildStatus({ ...base, previous: undefined, now }), reads: [{ source: 'changeLog' as const, obtainedAt: at }] });
    const failed = (at: string) => ({
      ...buildStatus({ ...base, previous: undefined, now }),
      reads: [{ source: 'changeLog' as const, obtainedAt: '2026-11-23T07:45:00Z', failedAt: at, reason: 'Throttled', message: 'SlowDown' }],
    });
    expect(statusNeedsWrite(ok('2026-11-23T07:45:00Z'), ok('2026-11-23T07:55:00Z'), interval, later)).toBe(false);
    expect(statusNeedsWrite(ok('2026-11-23T07:45:00Z'), failed('2026-11-23T07:55:00Z'), interval, later)).toBe(true);
    expect(statusNeedsWrite(failed('2026-11-23T07:55:00Z'), failed('2026-11-23T08:05:00Z'), interval, later)).toBe(false);
    expect(statusNeedsWrite(failed('2026-11-23T08:05:00Z'), ok('2026-11-23T08:15:00Z'), interval, later)).toBe(true);
  });

  it('records the periodic check once the interval has passed', () => {
    const status = buildStatus({ ...base, previous: undefined, now });
    const after = new Date(now.getTime() + interval);
    const again = buildStatus({ ...base, previous: status, now: after });
    expect(statusNeedsWrite(status, again, interval, after)).toBe(true);
  });
});

describe('conditionTransitions', () => {
  it('lists only flips and first appearances', () => {
    const before = buildStatus({ ...base, previous: undefined, now }).conditions;
    const after = buildStatus({
      ...base,
      conditions: [base.conditions[0]!, { ...base.conditions[1]!, status: 'True', reason: 'AllControlsPass' }, { type: 'New', status: 'Unknown', reason: 'R', message: '' }],
      previous: { conditions: before },
      now: later,
    }).conditions!;
    expect(conditionTransitions(before, after).map((t) => `${t.type}:${t.from}->${t.to}`)).toEqual([
      'Compliant:False->True',
      'New:undefined->Unknown',
    ]);
  });
});

describe('changedOrDue (CloudAccount and CloudOrganization status)', () => {
  const at = (iso: string) => new Date(iso);
  const prev = { checkedAt: '2026-12-01T10:00:00Z', conditions: [{ type: 'Ready', status: 'True' }] };
  it.each([
    ['no previous status', undefined, { ...prev, checkedAt: '2026-12-01T10:01:00Z' }, '2026-12-01T10:01:00Z', true],
    ['only the check time moved, within the interval', prev, { ...prev, checkedAt: '2026-12-01T10:05:00Z' }, '2026-12-01T10:05:00Z', false],
    ['only the check time moved, an interval later', prev, { ...prev, checkedAt: '2026-12-01T10:10:00Z' }, '2026-12-01T10:10:00Z', true],
    ['something else changed', prev, { checkedAt: '2026-12-01T10:01:00Z', conditions: [{ type: 'Ready', status: 'False' }] }, '2026-12-01T10:01:00Z', true],
    ['no recorded check time', { conditions: prev.conditions }, prev, '2026-12-01T10:01:00Z', true],
  ])('%s', (_name, previous, next, now, expected) => {
    expect(changedOrDue(previous as typeof prev | undefined, next as typeof prev, 'checkedAt', 10 * 60_000, at(now))).toBe(expected);
  });
});
