import { CONTROL_FAMILIES } from '../../../operator/src/controls/types.js';
import { CATALOG, controlById, controlsByFamily, evaluatedFamilies } from '../../../operator/src/controls/catalog.js';

describe('catalog', () => {
  it('has unique ids', () => {
    const ids = CATALOG.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(CATALOG.map((c) => [c.id, c] as const))('%s is well formed', (id, control) => {
    expect(id).toMatch(/^A523-\d{2}-[A-Z0-9]+(-[A-Z0-9]+)*$/);
    expect(Number(id.slice(5, 7))).toBe(control.checklistStep);
    expect(control.checklistStep).toBeGreaterThanOrEqual(1);
    expect(control.checklistStep).toBeLessThanOrEqual(10);
    expect(CONTROL_FAMILIES).toContain(control.family);
    expect(control.title.length).toBeGreaterThan(10);
    expect(control.remediation.length).toBeGreaterThan(60);
    expect(['spec', 'live']).toContain(control.needs);
  });

  it('lists controls grouped by family in condition order', () => {
    const order = CATALOG.map((c) => CONTROL_FAMILIES.indexOf(c.family));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('publishes every family that has controls, in catalog order', () => {
    expect(evaluatedFamilies()).toEqual([
      'ResponsibilityDefined',
      'ContractReviewed',
      'AssuranceCurrent',
      'ExitPlanReady',
      'MFAEnforced',
      'DataResidency',
      'EncryptionAtRest',
      'NoPublicExposure',
      'AuditLogging',
      'ChangesTracked',
      'InSync',
    ]);
  });

  it('looks controls up by family and id', () => {
    expect(controlsByFamily('MFAEnforced').map((c) => c.id)).toEqual([
      'A523-08-ROOT-MFA',
      'A523-08-PRIVILEGED-MFA',
      'A523-08-BREAK-GLASS-MFA',
      'A523-08-ACCESS-KEY-AGE',
    ]);
    expect(controlById('A523-05-REGION-GUARDRAIL')?.family).toBe('DataResidency');
    expect(controlById('nope')).toBeUndefined();
  });
});
