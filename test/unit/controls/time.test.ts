// Evidence-window arithmetic (controls/time.ts): which timestamps parse, and windows
// that are current strictly before their expiry.

import { DAY_MS, addDays, datedEvidence, earliest, isCurrent, parseTime } from '../../../operator/src/controls/time.js';
import { NOW } from '../builders.js';

describe('parseTime', () => {
  it.each([
    ['2026-03-31T10:00:00Z', '2026-03-31T10:00:00.000Z'],
    ['2026-03-31T10:00:00.123+02:00', '2026-03-31T08:00:00.123Z'],
    ['2026-03-31', '2026-03-31T00:00:00.000Z'],
  ])('reads %s', (raw, iso) => {
    expect(parseTime(raw)?.toISOString()).toBe(iso);
  });

  // Forms Date.parse would read in the machine's local time zone, or not at all.
  it.each(['2026-03-31T10:00:00', 'March 31, 2026', '31/03/2026', '2026-13-01', '', 'soon'])('rejects %p', (raw) => {
    expect(parseTime(raw)).toBeUndefined();
  });

  it('passes valid Date objects through and rejects invalid ones', () => {
    expect(parseTime(NOW)).toBe(NOW);
    expect(parseTime(new Date(Number.NaN))).toBeUndefined();
    expect(parseTime(undefined)).toBeUndefined();
  });

  it('reads anything else read back from the cluster as no time, without throwing', () => {
    for (const raw of [1, 8760, true, {}, []] as unknown as string[]) expect(parseTime(raw)).toBeUndefined();
  });
});

describe('evidence windows are half-open: current strictly before expiry', () => {
  const max = 365;
  const producedAt = new Date(NOW.getTime() - max * DAY_MS); // expires exactly at NOW

  it.each([
    ['1 ms before expiry', -1, 'current'],
    ['at the expiry instant', 0, 'stale'],
    ['1 ms after expiry', 1, 'stale'],
  ])('%s → %s', (_label, offsetMs, state) => {
    const now = new Date(NOW.getTime() + offsetMs);
    expect(datedEvidence(producedAt.toISOString(), max, now).state).toBe(state);
    expect(isCurrent(now, addDays(producedAt, max))).toBe(state === 'current');
  });

  it('reports the expiry instant, which is when the outcome flips', () => {
    const evidence = datedEvidence('2026-01-01T00:00:00Z', 10, new Date('2026-01-05T00:00:00Z'));
    expect(evidence).toMatchObject({ state: 'current', expiresAt: new Date('2026-01-11T00:00:00Z') });
  });

  it.each([
    [undefined, 'missing'],
    ['  ', 'missing'],
    ['yesterday', 'invalid'],
    [new Date(NOW.getTime() + 2 * DAY_MS).toISOString(), 'future'],
    [new Date(NOW.getTime() + 3_600_000).toISOString(), 'current'], // clock skew tolerated
  ])('%p → %s', (raw, state) => {
    expect(datedEvidence(raw, 30, NOW).state).toBe(state);
  });
});

describe('earliest', () => {
  it('ignores undefined and picks the first instant', () => {
    const a = new Date('2026-01-02T00:00:00Z');
    const b = new Date('2026-01-01T00:00:00Z');
    expect(earliest([undefined, a, b])).toBe(b);
    expect(earliest([])).toBeUndefined();
  });
});
