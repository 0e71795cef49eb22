// Facts shared by several controls and the summary are computed once per evaluation
// (controls/memo.ts): the judged changes, the drift report and the region placement.

import { evaluateService } from '../../../operator/src/controls/evaluate.js';
import { judgedChangesOf } from '../../../operator/src/controls/changes/judge.js';
import { driftOf } from '../../../operator/src/controls/insync/drift-report.js';
import { onFactComputed, perInput } from '../../../operator/src/controls/memo.js';
import { regionViolationsOf } from '../../../operator/src/controls/residency/placement.js';
import type { ControlInput } from '../../../operator/src/controls/types.js';
import { ACCOUNT_ID, NOW, aResource, aSpec, anInput, anInventory, hoursAgo } from '../builders.js';

/** Drift (a shadow bucket), a copy outside the allowed regions, an out-of-band change and a break-glass sign-in. */
function busyInput(): ControlInput {
  const spec = aSpec({ iac: { pulumi: { stack: 'acme/p/prod', s3: { bucket: 'st', key: 'k' } } }, breakGlassIdentities: ['breakglass-admin'] });
  const base = anInput({ spec, inventory: anInventory({ resources: [aResource(), aResource({ id: 'arn:aws:s3:::far', region: 'us-east-1' })] }) });
  return {
    ...base,
    declared: { ok: true, state: { stack: 'acme/p/prod', source: 's3://st/k', readAt: NOW.toISOString(), resources: [] } },
    changes: [
      { id: 'n1', time: hoursAgo(1), actor: `arn:aws:iam::${ACCOUNT_ID}:user/alice`, action: 'AuthorizeSecurityGroupIngress', resource: 'sg-1', region: 'eu-west-1', kind: 'network-change' },
      { id: 'b1', time: hoursAgo(2), actor: `arn:aws:iam::${ACCOUNT_ID}:user/breakglass-admin`, action: 'ConsoleLogin', resource: 'console', region: 'eu-west-1', kind: 'sign-in' },
    ],
  };
}

/** How often each fact is computed while `run` runs. */
function countFacts(run: () => void): Record<string, number> {
  const counts: Record<string, number> = {};
  const previous = onFactComputed((fact) => {
    counts[fact] = (counts[fact] ?? 0) + 1;
  });
  try {
    run();
  } finally {
    onFactComputed(previous);
  }
  return counts;
}

describe('facts computed once per evaluation', () => {
  it('one evaluateService call computes the judged changes, the drift report and the region placement once each', () => {
    const input = busyInput();
    let evaluation: ReturnType<typeof evaluateService> | undefined;
    expect(countFacts(() => (evaluation = evaluateService(input)))).toEqual({ judgedChanges: 1, drift: 1, regionPlacement: 1 });
    // Every consumer of the facts was exercised: both change controls, InSync, residency and the summary.
    const outcome = (id: string) => evaluation?.controls.find((c) => c.control === id);
    expect(outcome('A523-10-NETWORK-CHANGES-TRACKED')).toMatchObject({ status: 'False', reason: 'OutOfBandChanges' });
    expect(outcome('A523-08-BREAK-GLASS-USED')).toMatchObject({ status: 'False', reason: 'BreakGlassUsed' });
    expect(outcome('A523-04-IAC-IN-SYNC')).toMatchObject({ status: 'False', reason: 'DriftDetected' });
    expect(outcome('A523-05-DATA-IN-ALLOWED-REGIONS')).toMatchObject({ status: 'False', reason: 'DataOutsideAllowedRegions' });
    expect(evaluation?.summary).toMatchObject({ regionViolations: 1, driftedResources: 2, findings: 6 });
  });

  it('the accessors then serve the same values without computing; a new input computes again', () => {
    const input = busyInput();
    evaluateService(input);
    let served: unknown[] = [];
    expect(countFacts(() => (served = [judgedChangesOf(input), driftOf(input), regionViolationsOf(input), evaluateService(input)]))).toEqual({});
    expect(served[0]).toHaveLength(2);
    expect(driftOf(input)).toBe(served[1]);
    expect(served[2]).toEqual({ 'us-east-1': 1 });
    expect(countFacts(() => evaluateService(busyInput()))).toEqual({ judgedChanges: 1, drift: 1, regionPlacement: 1 });
  });

  it('perInput runs its computation once per input object and tells the listener each time', () => {
    let runs = 0;
    const lengthOf = perInput('test-fact', (input) => {
      runs++;
      return input.spec.allowedRegions.length;
    });
    const a = anInput();
    const b = anInput();
    expect(countFacts(() => [lengthOf(a), lengthOf(a), lengthOf(b)])).toEqual({ 'test-fact': 2 });
    expect(runs).toBe(2);
    expect(lengthOf(a)).toBe(2);
  });

  it('onFactComputed hands back the listener it replaced', () => {
    const first = () => undefined;
    expect(onFactComputed(first)).toBeUndefined();
    expect(onFactComputed(undefined)).toBe(first);
  });
});
