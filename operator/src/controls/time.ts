// Time arithmetic for evidence windows. Pure: the clock is always passed in (`input.now`).
//
// Boundary semantics, used by every control: a window is half-open. Evidence produced
// at `t` with a maximum age `max` is current for `now` in [t, t + max) and stale from
// the instant t + max on. That instant is the outcome's `changesAt`, so a requeue
// scheduled there observes the flip. Certificates follow the same rule: current
// while `now < expiresAt`.

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Dates more than this far ahead of `now` are treated as typos, not as evidence. */
export const FUTURE_TOLERANCE_MS = DAY_MS;

// RFC 3339 date-time with an explicit offset, or a bare calendar date (read as UTC
// midnight). Anything else is rejected: `Date.parse` would read other forms in the
// process's local time zone, which would make the controls depend on the machine.
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;

/** Parses a spec or inventory timestamp; undefined when absent or not a valid ISO 8601 value. */
export function parseTime(value: string | Date | undefined | null): Date | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  // Objects read back from the cluster are typed, not checked: anything else is no time.
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!ISO_TIMESTAMP.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

export function addDays(from: Date, days: number): Date {
  return new Date(from.getTime() + days * DAY_MS);
}

export function addHours(from: Date, hours: number): Date {
  return new Date(from.getTime() + hours * HOUR_MS);
}

/** True while `now` is strictly before `expiry` (see the boundary semantics above). */
export function isCurrent(now: Date, expiry: Date): boolean {
  return now.getTime() < expiry.getTime();
}

/** Whole days elapsed from `from` to `now` (floor; negative when `from` is ahead). */
export function ageInDays(from: Date, now: Date): number {
  return Math.floor((now.getTime() - from.getTime()) / DAY_MS);
}

/** Whole hours elapsed from `from` to `now` (floor). */
export function ageInHours(from: Date, now: Date): number {
  return Math.floor((now.getTime() - from.getTime()) / HOUR_MS);
}

export function isImplausiblyFuture(value: Date, now: Date): boolean {
  return value.getTime() - now.getTime() > FUTURE_TOLERANCE_MS;
}

/** Calendar day (UTC) for messages: "2026-03-31". */
export function formatDay(value: Date): string {
  return value.toISOString().slice(0, 10);
}

/** Earliest of the given instants; undefined when none. */
export function earliest(values: ReadonlyArray<Date | undefined>): Date | undefined {
  let best: Date | undefined;
  for (const value of values) {
    if (value !== undefined && (best === undefined || value.getTime() < best.getTime())) best = value;
  }
  return best;
}

/** A dated piece of evidence checked against a maximum age, for messages and requeue. */
export type DatedEvidence =
  | { state: 'missing' }
  | { state: 'invalid'; raw: string }
  | { state: 'future'; at: Date }
  | { state: 'current'; at: Date; expiresAt: Date }
  | { state: 'stale'; at: Date; expiresAt: Date };

/** Classifies evidence dated `raw` that stays current for `maxAgeDays`. */
export function datedEvidence(raw: string | Date | undefined, maxAgeDays: number, now: Date): DatedEvidence {
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return { state: 'missing' };
  const at = parseTime(raw);
  if (at === undefined) return { state: 'invalid', raw: String(raw) };
  if (isImplausiblyFuture(at, now)) return { state: 'future', at };
  const expiresAt = addDays(at, maxAgeDays);
  return isCurrent(now, expiresAt) ? { state: 'current', at, expiresAt } : { state: 'stale', at, expiresAt };
}
