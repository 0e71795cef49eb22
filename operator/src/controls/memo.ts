// One computation per evaluation for the facts several controls and the summary derive
// from the same input (the judged changes, the drift report, the region placement):
// each fact is memoized per ControlInput object (one WeakMap per fact), so one
// evaluateService call computes it once and nothing outlives the input. An input is
// treated as immutable: a different question is a new input (the reconciler builds one
// per reconcile).

import type { ControlInput } from './types.js';

/** Told the fact's name each time a fact is computed, not when the memo serves it: for tests. */
export type FactListener = (fact: string) => void;

let listener: FactListener | undefined;

/** Sets the one listener (undefined clears it) and returns the previous one. */
export function onFactComputed(next: FactListener | undefined): FactListener | undefined {
  const previous = listener;
  listener = next;
  return previous;
}

/** `compute`, run at most once per input object; `fact` names it for the listener. */
export function perInput<T>(fact: string, compute: (input: ControlInput) => T): (input: ControlInput) => T {
  const memo = new WeakMap<ControlInput, { value: T }>();
  return (input) => {
    const hit = memo.get(input);
    if (hit !== undefined) return hit.value;
    listener?.(fact);
    const value = compute(input);
    memo.set(input, { value });
    return value;
  };
}
