// The catalog: well-formed controls in family order, and the layout that lets a newcomer
// go from a catalog entry to its control and its table test in one hop each.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CONTROL_FAMILIES, type ConditionType, type Control } from '../../../operator/src/controls/types.js';
import { CATALOG, controlById, controlsByFamily, evaluatedFamilies } from '../../../operator/src/controls/catalog.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CONTROLS = join(ROOT, 'operator/src/controls');
const TESTS = join(ROOT, 'test/unit/controls');

/** The folder under controls/ (and test/unit/controls/) of each family's controls. */
const FAMILY_FOLDER: Record<ConditionType, string> = {
  ResponsibilityDefined: 'responsibility',
  ContractReviewed: 'contract',
  AssuranceCurrent: 'assurance',
  ExitPlanReady: 'exit-plan',
  MFAEnforced: 'mfa',
  DataResidency: 'residency',
  EncryptionAtRest: 'encryption',
  NoPublicExposure: 'exposure',
  AuditLogging: 'audit-logging',
  ChangesTracked: 'changes',
  ProviderAccessControlled: 'provider-access',
  InSync: 'insync',
};

/** privilegedMfa -> privileged-mfa */
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function isControl(value: unknown): value is Control {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Partial<Control>;
  return typeof c.id === 'string' && typeof c.family === 'string' && typeof c.evaluate === 'function';
}

interface ControlExport {
  /** Relative to controls/, e.g. mfa/privileged-mfa.ts. */
  file: string;
  name: string;
  control: Control;
}

/** Every Control object exported by a file under controls/<folder>/. */
async function controlExports(): Promise<ControlExport[]> {
  const found: ControlExport[] = [];
  const folders = readdirSync(CONTROLS, { withFileTypes: true }).filter((d) => d.isDirectory());
  for (const folder of folders) {
    for (const file of readdirSync(join(CONTROLS, folder.name)).filter((f) => f.endsWith('.ts'))) {
      const module = (await import(join(CONTROLS, folder.name, file))) as Record<string, unknown>;
      for (const [name, value] of Object.entries(module)) {
        if (isControl(value)) found.push({ file: `${folder.name}/${file}`, name, control: value });
      }
    }
  }
  return found;
}

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
      'ProviderAccessControlled',
      'InSync',
    ]);
  });

  it('looks controls up by family and id', () => {
    expect(controlsByFamily('MFAEnforced').map((c) => c.id)).toEqual([
      'A523-08-ROOT-MFA',
      'A523-08-PRIVILEGED-MFA',
      'A523-08-BREAK-GLASS-MFA',
      'A523-08-ACCESS-KEY-AGE',
      'A523-08-UNUSED-ACCESS',
    ]);
    expect(controlById('A523-05-REGION-GUARDRAIL')?.family).toBe('DataResidency');
    expect(controlById('nope')).toBeUndefined();
  });
});

describe('one control per file, found in one hop', () => {
  let exported: ControlExport[] = [];
  beforeAll(async () => {
    exported = await controlExports();
  });
  const where = (e: ControlExport) => `${e.file}: ${e.name}`;

  it('finds the control files (sanity)', () => {
    expect(exported.length).toBeGreaterThanOrEqual(CATALOG.length);
  });

  it.each(CATALOG.map((c) => [c.id, c] as const))(
    '%s is exported from exactly one file, controls/<family>/<export in kebab case>.ts',
    (_id, control) => {
      const homes = exported.filter((e) => e.control === control);
      expect(homes).toHaveLength(1);
      const home = homes[0] as ControlExport;
      expect(where(home)).toBe(`${FAMILY_FOLDER[control.family]}/${kebab(home.name)}.ts: ${home.name}`);
    },
  );

  it.each(CATALOG.map((c) => [c.id, c] as const))('%s has its table test at the mirrored path', (_id, control) => {
    const home = exported.find((e) => e.control === control);
    expect(home).toBeDefined();
    const test = `${(home as ControlExport).file.replace(/\.ts$/, '')}.test.ts`;
    expect(existsSync(join(TESTS, test)) ? test : `missing test/unit/controls/${test}`).toBe(test);
  });

  it('exports no control the catalog does not list, and at most one control per file', () => {
    expect(exported.filter((e) => !CATALOG.includes(e.control)).map(where)).toEqual([]);
    const files = exported.map((e) => e.file);
    expect(files.filter((f, i) => files.indexOf(f) !== i)).toEqual([]);
  });
});
