import type { RegionRestriction } from '../../../operator/src/inventory/types.js';
import { dataInAllowedRegions, regionGuardrail, regionViolations } from '../../../operator/src/controls/residency.js';
import { aResource, aSpec, aTrail, anInput, anInventory, liveFailed, withGaps } from '../builders.js';

const ALLOWED = ['eu-west-1', 'eu-west-2'];

describe('regionViolations', () => {
  it('counts every copy outside the allowed regions: snapshots, replicas and log destinations; global ignored', () => {
    const inventory = anInventory({
      resources: [
        aResource({ id: 'ok', region: 'eu-west-1' }),
        aResource({ id: 'snap', kind: 'snapshot', region: 'us-east-1', sourceId: 'vol-1' }),
        aResource({ id: 'replica', kind: 'database-replica', region: 'us-east-1' }),
        aResource({ id: 'iam', region: 'global' }),
        aResource({ id: 'ap', region: 'ap-south-1' }),
      ],
      auditTrails: [aTrail({ destination: 'log-bucket', destinationRegion: 'us-west-2' })],
    });
    expect(regionViolations(inventory, ALLOWED)).toEqual({ 'ap-south-1': 1, 'us-east-1': 2, 'us-west-2': 1 });
  });

  it('counts a log destination once when the collector also listed it as a resource', () => {
    const inventory = anInventory({
      resources: [aResource({ id: 'log-bucket', kind: 'log-destination', region: 'us-west-2' })],
      auditTrails: [aTrail({ destination: 'log-bucket', destinationRegion: 'us-west-2' })],
    });
    expect(regionViolations(inventory, ALLOWED)).toEqual({ 'us-west-2': 1 });
  });

  it('compares Azure region names without case or spaces', () => {
    const inventory = anInventory({
      resources: [aResource({ region: 'West Europe' }), aResource({ region: 'eastus' })],
      auditTrails: [],
    });
    expect(regionViolations(inventory, ['westeurope'])).toEqual({ eastus: 1 });
  });
});

describe('A523-05-DATA-IN-ALLOWED-REGIONS', () => {
  it('passes when every copy is in an allowed region', () => {
    expect(dataInAllowedRegions.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'DataInAllowedRegions' });
  });

  it('fails with one finding per misplaced copy and a per-region summary', () => {
    const inventory = anInventory({
      resources: [
        aResource({ id: 'snap-2', kind: 'snapshot', region: 'us-east-1', sourceId: 'vol-9' }),
        aResource({ id: 'b', region: 'us-east-1' }),
      ],
    });
    const outcome = dataInAllowedRegions.evaluate(anInput({ inventory }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'DataOutsideAllowedRegions' });
    expect(outcome.message).toBe('2 resources outside the allowed regions: us-east-1 (2).');
    expect(outcome.findings).toEqual([
      { resource: 'b', message: 'bucket in us-east-1, outside the allowed regions' },
      { resource: 'snap-2', message: 'snapshot (copy of vol-9) in us-east-1, outside the allowed regions' },
    ]);
  });

  it('treats the audit-log copy as data', () => {
    const inventory = anInventory({ auditTrails: [aTrail({ destinationRegion: 'us-east-1' })] });
    expect(dataInAllowedRegions.evaluate(anInput({ inventory })).status).toBe('False');
  });

  it.each(['resources', 'auditTrails'] as const)('is Unknown on a %s gap', (area) => {
    const inventory = anInventory({ resources: [aResource({ region: 'us-east-1' })] });
    expect(dataInAllowedRegions.evaluate(anInput({ inventory: withGaps(inventory, area) })).status).toBe('Unknown');
  });
});

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
