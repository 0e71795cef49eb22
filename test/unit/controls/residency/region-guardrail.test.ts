// Table tests of A523-05-REGION-GUARDRAIL (controls/residency/region-guardrail.ts).

import type { RegionRestriction } from '../../../../operator/src/inventory/types.js';
import { regionGuardrail } from '../../../../operator/src/controls/residency/region-guardrail.js';
import { aSpec, anInput, anInventory, liveFailed } from '../../builders.js';

describe('A523-05-REGION-GUARDRAIL (the step-5 region lock)', () => {
  const guarded = (regionRestriction: RegionRestriction | null | undefined) =>
    anInventory({ guardrails: { ...anInventory().guardrails, regionRestriction } });

  it('passes when a guardrail limits regions to a subset of the allowed ones', () => {
    const inventory = guarded({ allowedRegions: ['eu-west-1', 'global'], source: 'scp:p-1' });
    expect(regionGuardrail.evaluate(anInput({ inventory }))).toMatchObject({
      status: 'True',
      reason: 'RegionGuardrailInPlace',
    });
  });

  it('fails when no guardrail is in place', () => {
    const outcome = regionGuardrail.evaluate(anInput({ inventory: guarded(null) }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'NoRegionGuardrail' });
    expect(outcome.message).toBe('No region guardrail: resources can be created in any region.');
  });

  it('fails when the guardrail permits regions beyond the allowed ones', () => {
    const outcome = regionGuardrail.evaluate(
      anInput({
        inventory: guarded({ allowedRegions: ['eu-west-1', 'us-east-1'], source: 'scp:p-1' }),
        spec: aSpec({ allowedRegions: ['eu-west-1'] }),
      }),
    );
    expect(outcome).toMatchObject({ status: 'False', reason: 'RegionGuardrailTooPermissive' });
    expect(outcome.findings).toEqual([
      { resource: 'scp:p-1', message: 'Guardrail permits region us-east-1, not in spec.allowedRegions' },
    ]);
  });

  it('is Unknown when the guardrail could not be read, with the gap reason when there is one', () => {
    expect(regionGuardrail.evaluate(anInput({ inventory: guarded(undefined) }))).toMatchObject({
      status: 'Unknown',
      reason: 'NotCollected',
    });
    const withGap = {
      ...guarded(undefined),
      gaps: [{ area: 'guardrails' as const, reason: 'AccessDenied', message: 'organizations:ListPolicies denied' }],
    };
    expect(regionGuardrail.evaluate(anInput({ inventory: withGap }))).toMatchObject({
      status: 'Unknown',
      reason: 'AccessDenied',
    });
  });

  it('still decides from a guardrail that was read when another guardrail fact has a gap', () => {
    const inventory = {
      ...guarded(null),
      gaps: [{ area: 'guardrails' as const, reason: 'AccessDenied', message: 'x' }],
    };
    expect(regionGuardrail.evaluate(anInput({ inventory })).status).toBe('False');
  });

  it('is Unknown when the account could not be read', () => {
    expect(regionGuardrail.evaluate(anInput({ inventory: liveFailed('AccountUnreachable') }))).toMatchObject({
      status: 'Unknown',
      reason: 'AccountUnreachable',
    });
  });
});
