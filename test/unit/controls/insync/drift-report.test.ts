// The drift report one evaluation shares (controls/insync/drift-report.ts).

import { driftOf } from '../../../../operator/src/controls/insync/drift-report.js';
import { aResource, liveFailed } from '../../builders.js';
import { declaredOk, input, live } from './builders.js';

describe('A523-04-IAC-IN-SYNC', () => {
  it('driftOf: the report behind the condition, for the summary and metrics', () => {
    const inventory = live(aResource({ id: 'arn:aws:s3:::shadow' }));
    expect(driftOf(input({ inventory }, declaredOk()))?.unmanaged.map((u) => u.id)).toEqual(['arn:aws:s3:::shadow']);
    expect(driftOf(input({ inventory }, undefined, null))).toBeUndefined();
    expect(driftOf(input({ inventory: liveFailed() }, declaredOk()))).toBeUndefined();
  });
});
