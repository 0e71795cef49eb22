// Go-style durations ("90s", "10m", "1h30m"), the format Kubernetes users know from Flux and kubebuilder.

/** The longest delay setTimeout honours (2^31-1 ms, about 24.8 days); longer ones fire after 1 ms. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** Milliseconds for a Go-style duration; throws on anything else so config errors surface early. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) {
    throw new Error(`invalid duration "${text}": expected e.g. "30s", "10m" or "1h30m"`);
  }
  let total = 0;
  for (const match of trimmed.matchAll(PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  }
  return total;
}
