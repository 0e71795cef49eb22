// Table tests of the InSync control A523-04-IAC-IN-SYNC (controls/insync/iac-in-sync.ts):
// declared Pulumi state vs live inventory.

import { driftScopeFor } from '../../../../operator/src/controls/insync/drift-report.js';
import { iacInSync } from '../../../../operator/src/controls/insync/iac-in-sync.js';
import type { DeclaredStateResult } from '../../../../operator/src/inventory/declared-state.js';
import { aResource, aSpec, anInventory, liveFailed, withGaps } from '../../builders.js';
import { REF, bucket, declaredOk, input, live } from './builders.js';

describe('A523-04-IAC-IN-SYNC', () => {
  it('is the InSync family, checklist step 4, live', () => {
    expect(iacInSync).toMatchObject({ id: 'A523-04-IAC-IN-SYNC', family: 'InSync', checklistStep: 4, needs: 'live' });
  });

  it('a service without spec.iac is not affected: True, NotApplicable', () => {
    const outcome = iacInSync.evaluate(input({ inventory: liveFailed() }, undefined, null));
    expect(outcome).toEqual({ status: 'True', reason: 'NotApplicable', message: 'no IaC state declared (spec.iac).', findings: [] });
  });

  it('state not read: Unknown with the reader reason, never a finding', () => {
    expect(iacInSync.evaluate(input())).toMatchObject({ status: 'Unknown', reason: 'StateNotRead', findings: [] });
    const denied: DeclaredStateResult = { ok: false, failure: { reason: 'AccessDenied', message: 'Access denied to the Pulumi state at s3://acme-pulumi-state/...' } };
    expect(iacInSync.evaluate(input({}, denied))).toMatchObject({
      status: 'Unknown',
      reason: 'AccessDenied',
      message: 'Pulumi state not read: Access denied to the Pulumi state at s3://acme-pulumi-state/...',
    });
    const old: DeclaredStateResult = { ok: false, failure: { reason: 'UnsupportedStateVersion', message: 'Pulumi state version 2 is not supported' } };
    expect(iacInSync.evaluate(input({}, old))).toMatchObject({ status: 'Unknown', reason: 'UnsupportedStateVersion' });
  });

  it('inventory not read or incomplete: Unknown', () => {
    expect(iacInSync.evaluate(input({ inventory: liveFailed('Throttled', 'Rate exceeded') }, declaredOk(bucket('data'))))).toMatchObject({
      status: 'Unknown',
      reason: 'Throttled',
    });
    expect(iacInSync.evaluate(input({ inventory: withGaps(anInventory(), 'resources') }, declaredOk(bucket('data'))))).toMatchObject({
      status: 'Unknown',
      reason: 'AccessDenied',
    });
  });

  it('in sync: True, and the DIY state bucket is not a shadow resource', () => {
    const inventory = live(aResource({ id: 'arn:aws:s3:::data' }), aResource({ id: 'arn:aws:s3:::acme-pulumi-state', region: 'us-east-1' }));
    const outcome = iacInSync.evaluate(input({ inventory }, declaredOk(bucket('data'))));
    expect(outcome).toMatchObject({ status: 'True', reason: 'InSync', message: 'Live resources match stack acme/payments/prod (1 declared resource compared).' });
    expect(driftScopeFor(aSpec({ iac: { pulumi: REF } }))).toEqual({ ignore: ['arn:aws:s3:::acme-pulumi-state'] });
  });

  it('drift: False, one finding per changed, missing and unmanaged resource', () => {
    const inventory = live(
      aResource({ id: 'arn:aws:s3:::data', public: true }),
      aResource({ id: 'arn:aws:s3:::shadow', region: 'eu-west-2' }),
    );
    const outcome = iacInSync.evaluate(input({ inventory }, declaredOk(bucket('data'), bucket('reports'))));
    expect(outcome.status).toBe('False');
    expect(outcome.reason).toBe('DriftDetected');
    expect(outcome.message).toBe('3 resources drifted from stack acme/payments/prod: 1 changed, 1 missing, 1 unmanaged.');
    expect(outcome.findings).toEqual([
      {
        resource: 'arn:aws:s3:::data',
        message:
          'bucket changed outside IaC: public access opened (declared private, live public); declared as "data" in stack acme/payments/prod: revert the change (pulumi up) or change the program',
      },
      {
        resource: 'arn:aws:s3:::reports',
        message:
          'bucket "reports" declared in stack acme/payments/prod is missing from the live account (deleted outside IaC): recreate it (pulumi up) or remove it from the program (pulumi refresh)',
      },
      {
        resource: 'arn:aws:s3:::shadow',
        message: 'bucket in eu-west-2 is declared in no IaC stack (shadow resource): bring it under IaC (pulumi import) or delete it',
      },
    ]);
    expect(outcome.evidenceAt).toBeDefined();
  });
});
