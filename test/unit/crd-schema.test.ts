// Static checks of the CRDs (crds/*.yaml) and the samples (crds/samples/*.yaml):
// descriptions everywhere (so `kubectl explain` teaches every field), enums equal to the
// TypeScript unions, bounded lists and strings (CEL cost), CEL messages that name a field,
// and every sample valid against the schema. Admission by a real API server, CEL
// included, is tested in test/integration/admission.test.ts.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

import { CRD_FILES, REPO_ROOT } from '../../operator/scripts/generate-types.js';
import {
  ASSURANCE_REPORT_TYPE_VALUES,
  CLASSIFICATION_VALUES,
  CONDITION_STATUS_VALUES,
  CONTROL_CONDITION_TYPE_VALUES,
  CRITICALITY_VALUES,
  MFA_SCOPE_VALUES,
  PROVIDER_VALUES,
  RESPONSIBILITY_AREA_VALUES,
  RESPONSIBILITY_OWNER_VALUES,
  SERVICE_MODEL_VALUES,
  SELECTOR_OPERATOR_VALUES,
  SEVERITY_VALUES,
  EVIDENCE_SOURCE_VALUES,
  UNDECLARED_KIND_VALUES,
  UNDECLARED_STATUS_VALUES,
} from '../../operator/src/api/types.js';
import type {
  AssuranceReportType,
  CloudAccountSpec,
  Classification,
  ConditionStatus,
  ControlConditionType,
  Criticality,
  MfaScope,
  Provider,
  ResponsibilityArea,
  ResponsibilityOwner,
  SelectorOperator,
  ServiceModel,
  Severity,
  EvidenceSource,
  UndeclaredKind,
  UndeclaredStatus,
} from '../../operator/src/api/types.js';
import type { DiscoveredKind, DiscoveredStatus } from '../../operator/src/inventory/organization.js';
import type { ConditionType } from '../../operator/src/controls/types.js';
import { admitsNamespace } from '../../operator/src/controller/account-admission.js';

type Schema = {
  type?: string;
  title?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  additionalProperties?: unknown;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: { rule: string; message?: string; fieldPath?: string; reason?: string }[];
  maxProperties?: number;
  [key: string]: unknown;
};

interface Crd {
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular: string; shortNames?: string[]; categories?: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: { status?: object };
      additionalPrinterColumns?: { name: string; type: string; jsonPath: string }[];
      schema: { openAPIV3Schema: Schema };
    }[];
  };
}

const crds = Object.fromEntries(
  CRD_FILES.map((file) => {
    const crd = parse(readFileSync(path.join(REPO_ROOT, file), 'utf8')) as Crd;
    return [crd.spec.names.kind, crd];
  }),
) as Record<'CloudService' | 'CloudSecurityPolicy' | 'CloudAccount' | 'CloudOrganization', Crd>;

function rootSchema(kind: keyof typeof crds): Schema {
  const version = crds[kind].spec.versions[0];
  if (!version) throw new Error(`${kind}: no version`);
  return version.schema.openAPIV3Schema;
}

interface Visited {
  path: string;
  schema: Schema;
}

/**
 * The value schema of a string map (an object whose keys are free, like a label
 * selector's matchLabels): `additionalProperties` holding a typed schema, never `true`.
 */
function mapValues(schema: Schema): Schema | undefined {
  const values = schema.additionalProperties;
  return typeof values === 'object' && values !== null ? (values as Schema) : undefined;
}

/** Every schema node below `schema` (properties, items and map values as `{}`), depth first. */
function walk(schema: Schema, at: string, out: Visited[] = []): Visited[] {
  out.push({ path: at, schema });
  for (const [name, child] of Object.entries(schema.properties ?? {})) walk(child, `${at}.${name}`, out);
  if (schema.items) walk(schema.items, `${at}[]`, out);
  const values = mapValues(schema);
  if (values) walk(values, `${at}{}`, out);
  return out;
}

/** A map's value schema is described by the map itself (kubectl explain shows the map's description only). */
const isMapValue = (at: string): boolean => at.endsWith('{}');

/** Nodes of spec and status (the API proper) of both CRDs. */
const apiNodes: Visited[] = (Object.keys(crds) as (keyof typeof crds)[]).flatMap((kind) => {
  const root = rootSchema(kind);
  return ['spec', 'status'].flatMap((p) => {
    const node = root.properties?.[p];
    if (!node) throw new Error(`${kind}: no ${p} schema`);
    return walk(node, `${kind}.${p}`);
  });
});

/**
 * The members of each TypeScript union, written out here as the expectation. A
 * `Record<Union, true>` literal only compiles when it lists exactly the union's members,
 * so these stay in step with the unions and the test compares them with the CRD enums.
 */
const provider: Record<Provider, true> = { aws: true, azure: true };
const serviceModel: Record<ServiceModel, true> = { IaaS: true, PaaS: true, SaaS: true };
const classification: Record<Classification, true> = {
  public: true,
  internal: true,
  confidential: true,
  'strictly-confidential': true,
};
const criticality: Record<Criticality, true> = { low: true, medium: true, high: true, critical: true };
const responsibilityOwner: Record<ResponsibilityOwner, true> = { provider: true, customer: true, shared: true };
const responsibilityArea: Record<ResponsibilityArea, true> = {
  'physical-security': true,
  network: true,
  virtualization: true,
  'os-patching': true,
  middleware: true,
  'application-security': true,
  'identity-and-access': true,
  data: true,
  'encryption-keys': true,
  'logging-and-monitoring': true,
  backup: true,
};
const assuranceReportType: Record<AssuranceReportType, true> = {
  'SOC2-TypeII': true,
  ISO27001: true,
  ISO27017: true,
  ISO27018: true,
  C5: true,
  'CSA-STAR': true,
};
const mfaScope: Record<MfaScope, true> = { privileged: true, all: true };
const conditionStatus: Record<ConditionStatus, true> = { True: true, False: true, Unknown: true };
const severity: Record<Severity, true> = { low: true, medium: true, high: true, critical: true };
const evidenceSource: Record<EvidenceSource, true> = { changeLog: true, declaredState: true };
// The CRD's kinds and statuses are exactly the discovery's (inventory/organization.ts).
const undeclaredKind: Record<UndeclaredKind, true> & Record<DiscoveredKind, true> = { account: true, subscription: true, 'saas-app': true };
const undeclaredStatus: Record<UndeclaredStatus, true> & Record<DiscoveredStatus, true> = {
  active: true,
  pending: true,
  suspended: true,
  closing: true,
  closed: true,
  unknown: true,
};
const selectorOperator: Record<SelectorOperator, true> = { In: true, NotIn: true, Exists: true, DoesNotExist: true };
// The exemptable condition types are exactly the control families of the controls package.
const controlConditionType: Record<ControlConditionType, true> & Record<ConditionType, true> = {
  ResponsibilityDefined: true,
  ContractReviewed: true,
  AssuranceCurrent: true,
  ExitPlanReady: true,
  MFAEnforced: true,
  DataResidency: true,
  EncryptionAtRest: true,
  NoPublicExposure: true,
  AuditLogging: true,
  ChangesTracked: true,
  ProviderAccessControlled: true,
  InSync: true,
};

/** Expected enum members per schema title, and the generated const array. */
const EXPECTED_ENUMS: Record<string, { members: string[]; values: readonly string[] }> = {
  Provider: { members: Object.keys(provider), values: PROVIDER_VALUES },
  ServiceModel: { members: Object.keys(serviceModel), values: SERVICE_MODEL_VALUES },
  Classification: { members: Object.keys(classification), values: CLASSIFICATION_VALUES },
  Criticality: { members: Object.keys(criticality), values: CRITICALITY_VALUES },
  ResponsibilityOwner: { members: Object.keys(responsibilityOwner), values: RESPONSIBILITY_OWNER_VALUES },
  ResponsibilityArea: { members: Object.keys(responsibilityArea), values: RESPONSIBILITY_AREA_VALUES },
  AssuranceReportType: { members: Object.keys(assuranceReportType), values: ASSURANCE_REPORT_TYPE_VALUES },
  MfaScope: { members: Object.keys(mfaScope), values: MFA_SCOPE_VALUES },
  ConditionStatus: { members: Object.keys(conditionStatus), values: CONDITION_STATUS_VALUES },
  Severity: { members: Object.keys(severity), values: SEVERITY_VALUES },
  EvidenceSource: { members: Object.keys(evidenceSource), values: EVIDENCE_SOURCE_VALUES },
  SelectorOperator: { members: Object.keys(selectorOperator), values: SELECTOR_OPERATOR_VALUES },
  ControlConditionType: { members: Object.keys(controlConditionType), values: CONTROL_CONDITION_TYPE_VALUES },
  UndeclaredKind: { members: Object.keys(undeclaredKind), values: UNDECLARED_KIND_VALUES },
  UndeclaredStatus: { members: Object.keys(undeclaredStatus), values: UNDECLARED_STATUS_VALUES },
};

const sorted = (xs: readonly unknown[]): string[] => xs.map(String).sort();

describe('CRD definitions', () => {
  it('CloudService: namespaced, plural cloudservices, short names cldsvc/csvc, category cloudposture', () => {
    const { spec } = crds.CloudService;
    expect(spec.group).toBe('cloudposture.io');
    expect(spec.scope).toBe('Namespaced');
    expect(spec.names).toMatchObject({ plural: 'cloudservices', singular: 'cloudservice' });
    expect(spec.names.shortNames).toEqual(['cldsvc', 'csvc']);
    expect(spec.names.categories).toEqual(['cloudposture']);
  });

  it('CloudSecurityPolicy: cluster-scoped, plural cloudsecuritypolicies, short name cspol', () => {
    const { spec } = crds.CloudSecurityPolicy;
    expect(spec.group).toBe('cloudposture.io');
    expect(spec.scope).toBe('Cluster');
    expect(spec.names).toMatchObject({ plural: 'cloudsecuritypolicies', singular: 'cloudsecuritypolicy' });
    expect(spec.names.shortNames).toEqual(['cspol']);
    expect(rootSchema('CloudSecurityPolicy').description).toMatch(/only\s+the policy named "default" applies/);
  });

  it('CloudAccount: cluster-scoped (granted by the platform team), plural cloudaccounts, short name cacct, category cloudposture', () => {
    const { spec } = crds.CloudAccount;
    expect(spec.group).toBe('cloudposture.io');
    expect(spec.scope).toBe('Cluster');
    expect(spec.names).toMatchObject({ plural: 'cloudaccounts', singular: 'cloudaccount' });
    expect(spec.names.shortNames).toEqual(['cacct']);
    expect(spec.names.categories).toEqual(['cloudposture']);
  });

  it('CloudOrganization: cluster-scoped (the platform team declares the organisation), plural cloudorganizations, short name corg', () => {
    const { spec } = crds.CloudOrganization;
    expect(spec.group).toBe('cloudposture.io');
    expect(spec.scope).toBe('Cluster');
    expect(spec.names).toMatchObject({ plural: 'cloudorganizations', singular: 'cloudorganization' });
    expect(spec.names.shortNames).toEqual(['corg']);
    expect(spec.names.categories).toEqual(['cloudposture']);
    const columns = spec.versions[0]?.additionalPrinterColumns ?? [];
    expect(columns.map((c) => [c.name, c.type, c.jsonPath])).toEqual([
      ['Account', 'string', '.spec.accountRef.name'],
      ['Undeclared', 'integer', '.status.undeclaredCount'],
      ['AllDeclared', 'string', '.status.conditions[?(@.type=="AllServicesDeclared")].status'],
      ['Ready', 'string', '.status.conditions[?(@.type=="Ready")].status'],
      ['Age', 'date', '.metadata.creationTimestamp'],
    ]);
    const status = rootSchema('CloudOrganization').properties?.status?.properties ?? {};
    expect(status.undeclared?.maxItems).toBe(200);
    expect(status.undeclaredOmitted?.type).toBe('integer');
    // The same interval bounds as a CloudService's, with its own default.
    const interval = rootSchema('CloudOrganization').properties?.spec?.properties?.interval;
    const serviceInterval = rootSchema('CloudService').properties?.spec?.properties?.interval;
    expect(interval?.default).toBe('1h');
    expect([interval?.pattern, interval?.['x-kubernetes-validations']]).toEqual([serviceInterval?.pattern, serviceInterval?.['x-kubernetes-validations']]);
  });

  it('no short name collides with a built-in one (cs is componentstatuses)', () => {
    const builtIn = ['cs', 'cm', 'csr', 'crd', 'crds', 'ds', 'deploy', 'ep', 'ev', 'hpa', 'ing', 'limits', 'netpol',
      'no', 'ns', 'pc', 'pdb', 'po', 'psp', 'pv', 'pvc', 'quota', 'rc', 'rs', 'sa', 'sc', 'sts', 'svc', 'cj'];
    for (const crd of Object.values(crds)) {
      for (const short of crd.spec.names.shortNames ?? []) expect(builtIn).not.toContain(short);
    }
  });

  it.each(Object.keys(crds) as (keyof typeof crds)[])('%s: one served storage version v1alpha1 with a status subresource', (kind) => {
    const { versions } = crds[kind].spec;
    expect(versions.map((v) => [v.name, v.served, v.storage])).toEqual([['v1alpha1', true, true]]);
    expect(versions[0]?.subresources?.status).toEqual({});
  });

  it('CloudService printer columns read like a dashboard', () => {
    const columns = crds.CloudService.spec.versions[0]?.additionalPrinterColumns ?? [];
    expect(columns.map((c) => [c.name, c.type, c.jsonPath])).toEqual([
      ['Provider', 'string', '.spec.provider'],
      ['Account', 'string', '.spec.accountRef.name'],
      ['Class', 'string', '.spec.classification'],
      ['Compliant', 'string', '.status.conditions[?(@.type=="Compliant")].status'],
      ['Ready', 'string', '.status.conditions[?(@.type=="Ready")].status'],
      ['MFA', 'number', '.status.summary.mfaCoverage'],
      ['Drift', 'integer', '.status.summary.driftedResources'],
      ['Findings', 'integer', '.status.summary.findings'],
      ['Age', 'date', '.metadata.creationTimestamp'],
    ]);
    const policyColumns = crds.CloudSecurityPolicy.spec.versions[0]?.additionalPrinterColumns ?? [];
    expect(policyColumns.map((c) => c.name)).toEqual(['Services', 'Age']);
    const accountColumns = crds.CloudAccount.spec.versions[0]?.additionalPrinterColumns ?? [];
    expect(accountColumns.map((c) => [c.name, c.type, c.jsonPath])).toEqual([
      ['Provider', 'string', '.spec.provider'],
      ['Account', 'string', '.status.accountId'],
      ['Namespaces', 'string', '.status.admits'],
      ['Ready', 'string', '.status.conditions[?(@.type=="Ready")].status'],
      ['Age', 'date', '.metadata.creationTimestamp'],
    ]);
  });
});

describe('CRD schemas', () => {
  it('every property has a description (kubectl explain)', () => {
    const missing: string[] = [];
    for (const kind of Object.keys(crds) as (keyof typeof crds)[]) {
      const root = rootSchema(kind);
      if (!root.description) missing.push(kind);
      for (const [name, child] of Object.entries(root.properties ?? {})) {
        // metadata at the root may not carry anything but `type: object` (structural schema rule).
        if (name === 'metadata') continue;
        for (const node of walk(child, `${kind}.${name}`)) {
          if (isMapValue(node.path)) continue;
          if (typeof node.schema.description !== 'string' || node.schema.description.trim() === '') {
            missing.push(node.path);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('the checklist-backed fields name their A.5.23 step', () => {
    const spec = rootSchema('CloudService').properties?.spec?.properties ?? {};
    const steps: Record<string, number> = {
      contract: 2,
      sharedResponsibility: 3,
      iac: 4,
      allowedRegions: 5,
      assurance: 6,
      exitPlan: 7,
      breakGlassIdentities: 8,
      logVault: 9,
    };
    for (const [field, step] of Object.entries(steps)) {
      expect(`${field}: ${spec[field]?.description}`).toContain(`Step ${step} of the A.5.23 checklist`);
    }
  });

  it('structural: typed nodes, objects with properties, no unknown-field escape hatches', () => {
    const problems: string[] = [];
    for (const kind of Object.keys(crds) as (keyof typeof crds)[]) {
      for (const node of walk(rootSchema(kind), kind)) {
        if (!node.schema.type) problems.push(`${node.path}: no type`);
        if ('x-kubernetes-preserve-unknown-fields' in node.schema) problems.push(`${node.path}: preserve-unknown-fields`);
        // A string map (typed values, bounded keys) is no escape hatch; `true` or an untyped schema is.
        if ('additionalProperties' in node.schema) {
          const values = mapValues(node.schema);
          if (!values || values.type !== 'string' || node.schema.properties) problems.push(`${node.path}: additionalProperties`);
          else if (node.schema.maxProperties === undefined) problems.push(`${node.path}: map without maxProperties`);
        }
        if ('x-kubernetes-int-or-string' in node.schema) problems.push(`${node.path}: int-or-string`);
      }
    }
    for (const node of apiNodes) {
      if (node.schema.type === 'object' && !node.schema.properties && !mapValues(node.schema)) problems.push(`${node.path}: object without properties`);
    }
    expect(problems).toEqual([]);
  });

  it('every list has maxItems and every string maxLength or an enum (bounded CEL cost)', () => {
    const unbounded = apiNodes
      .filter(({ schema }) =>
        (schema.type === 'array' && schema.maxItems === undefined) ||
        (schema.type === 'string' && schema.maxLength === undefined && schema.enum === undefined))
      .map((n) => n.path);
    expect(unbounded).toEqual([]);
  });

  it('every enum is a titled type whose members equal the TypeScript union', () => {
    const seen = new Set<string>();
    for (const { path: at, schema } of apiNodes.filter((n) => n.schema.enum)) {
      const title = schema.title ?? '(untitled)';
      const expected = EXPECTED_ENUMS[title];
      if (!expected) throw new Error(`${at}: enum with title ${title} has no TypeScript union listed in this test`);
      expect([at, sorted(schema.enum ?? [])]).toEqual([at, sorted(expected.members)]);
      expect([at, schema.enum]).toEqual([at, [...expected.values]]);
      seen.add(title);
    }
    expect([...seen].sort()).toEqual(Object.keys(EXPECTED_ENUMS).sort());
  });

  it('the formats, patterns and ranges the brief asks for', () => {
    const specAt = (kind: keyof typeof crds) => (p: string): Schema => {
      let node: Schema | undefined = rootSchema(kind).properties?.spec;
      for (const part of p.split('.')) node = part === '[]' ? node?.items : node?.properties?.[part];
      if (!node) throw new Error(`no schema at ${kind} spec.${p}`);
      return node;
    };
    const at = specAt('CloudService');
    const accountAt = specAt('CloudAccount');
    expect(accountAt('aws.accountId').pattern).toBe('^[0-9]{12}$');
    expect(rootSchema('CloudService').properties?.spec?.required).toContain('accountRef');
    expect(at('accountRef').required).toEqual(['name']);
    expect(at('accountRef.name')).toMatchObject({ minLength: 1, maxLength: 253 });
    expect(accountAt('namespaces.[]').pattern).toBe('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$');
    expect(accountAt('namespaceSelector.matchLabels')).toMatchObject({ maxProperties: 32, additionalProperties: { type: 'string', maxLength: 63 } });
    expect(accountAt('credentialsSecretRef').required).toEqual(['name']);
    expect(accountAt('aws').properties).not.toHaveProperty('externalId'); // the operator generates it (status.externalId)
    expect(at('interval')).toMatchObject({ default: '10m', pattern: '^([0-9]+(\\.[0-9]+)?(s|m|h))+$' });
    expect(at('allowedRegions').minItems).toBe(1);
    expect(at('allowedRegions.[]').pattern).toBe('^[a-z0-9-]+$');
    expect(at('contract.breachNotificationHours')).toMatchObject({ type: 'integer', minimum: 1, maximum: 8760 });
    expect(at('sharedResponsibility.areas')).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['area'],
    });
    for (const p of ['sharedResponsibility.signedOffAt', 'contract.reviewedAt', 'exitPlan.lastDryRun',
      'assurance.reports.[].periodEnd', 'assurance.reports.[].expiresAt']) {
      expect([p, at(p).format]).toEqual([p, 'date-time']);
    }
    const status = rootSchema('CloudService').properties?.status?.properties ?? {};
    expect(status.findings?.maxItems).toBe(50);
    expect(status.summary?.properties?.mfaCoverage).toMatchObject({ type: 'number', minimum: 0, maximum: 1 });
    expect(status.conditions).toMatchObject({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });
  });

  it('every CEL rule has a message that names the field, and fieldPaths resolve', () => {
    const problems: string[] = [];
    let rules = 0;
    for (const kind of Object.keys(crds) as (keyof typeof crds)[]) {
      for (const { path: at, schema } of walk(rootSchema(kind), kind)) {
        for (const v of schema['x-kubernetes-validations'] ?? []) {
          rules++;
          if (!v.message || !/\b(spec|metadata)\.[A-Za-z]/.test(v.message)) {
            problems.push(`${at}: rule ${v.rule} has no message naming a field`);
          }
          if (v.fieldPath !== undefined) {
            let node: Schema | undefined = schema;
            for (const part of v.fieldPath.split('.').slice(1)) node = node?.properties?.[part];
            if (!v.fieldPath.startsWith('.') || !node) problems.push(`${at}: fieldPath ${v.fieldPath} does not resolve`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(rules).toBeGreaterThanOrEqual(12);
  });

  it('a schema used in several CRDs (Condition, Provider) is identical in each', () => {
    const conditions = (kind: keyof typeof crds) =>
      rootSchema(kind).properties?.status?.properties?.conditions?.items;
    expect(conditions('CloudSecurityPolicy')).toEqual(conditions('CloudService'));
    expect(conditions('CloudAccount')).toEqual(conditions('CloudService'));
    const { description: _service, ...serviceProvider } = rootSchema('CloudService').properties?.spec?.properties?.provider ?? {};
    const { description: _account, ...accountProvider } = rootSchema('CloudAccount').properties?.spec?.properties?.provider ?? {};
    expect(accountProvider).toEqual(serviceProvider);
  });
});

// ---------------------------------------------------------------------------------------
// Samples: a small validator for the subset of OpenAPI the CRDs use, so a typo in a sample
// (which the API server would silently prune) fails here without a cluster.

function validate(value: unknown, schema: Schema, at: string, errors: string[]): void {
  const type = schema.type;
  if (type === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      errors.push(`${at}: expected an object`);
      return;
    }
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in obj)) errors.push(`${at}.${key}: required`);
    if (schema.maxProperties !== undefined && Object.keys(obj).length > schema.maxProperties) errors.push(`${at}: more than ${schema.maxProperties} entries`);
    for (const [key, child] of Object.entries(obj)) {
      const childSchema = schema.properties?.[key] ?? mapValues(schema);
      if (!childSchema) errors.push(`${at}.${key}: unknown field`);
      else validate(child, childSchema, `${at}.${key}`, errors);
    }
  } else if (type === 'array') {
    if (!Array.isArray(value)) {
      errors.push(`${at}: expected a list`);
      return;
    }
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${at}: more than ${schema.maxItems} items`);
    const listType = schema['x-kubernetes-list-type'];
    const keys = listType === 'set' ? value.map((v) => JSON.stringify(v))
      : listType === 'map' ? value.map((v) => JSON.stringify((schema['x-kubernetes-list-map-keys'] ?? []).map((k) => (v as Record<string, unknown>)[k])))
      : [];
    if (new Set(keys).size !== keys.length) errors.push(`${at}: duplicate entries`);
    value.forEach((item, i) => schema.items && validate(item, schema.items, `${at}[${i}]`, errors));
  } else if (type === 'string') {
    if (typeof value !== 'string') {
      errors.push(`${at}: expected a string, got ${JSON.stringify(value)}`);
      return;
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${at}: longer than ${schema.maxLength}`);
    if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) errors.push(`${at}: does not match ${schema.pattern}`);
    if (schema.format === 'date-time' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)) {
      errors.push(`${at}: not an RFC 3339 date-time`);
    }
  } else if (type === 'integer' || type === 'number') {
    if (typeof value !== 'number' || (type === 'integer' && !Number.isInteger(value))) {
      errors.push(`${at}: expected ${type}, got ${JSON.stringify(value)}`);
      return;
    }
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: above ${schema.maximum}`);
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') errors.push(`${at}: expected a boolean`);
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} not one of ${schema.enum.join(', ')}`);
}

const SAMPLES_DIR = path.join(REPO_ROOT, 'crds', 'samples');
const sampleFiles = readdirSync(SAMPLES_DIR).filter((f) => f.endsWith('.yaml')).sort();

/** Every object of a sample file (accounts.yaml holds several). */
const sampleObjects = (file: string) =>
  parseAllDocuments(readFileSync(path.join(SAMPLES_DIR, file), 'utf8')).map(
    (d) => d.toJS() as { apiVersion: string; kind: keyof typeof crds; metadata: Record<string, unknown>; spec: Record<string, unknown> },
  );
/** Where the demo applies the samples (test/harness/demo.ts): every sample account admits it. */
const DEMO_NAMESPACE = 'cloudposture-demo';

describe('samples', () => {
  it('are the seven documented ones, and nothing else kubectl would try to apply', () => {
    expect(readdirSync(SAMPLES_DIR).sort()).toEqual([
      'accounts.yaml',
      'aws-compliant.yaml',
      'aws-noncompliant.yaml',
      'azure-payroll.yaml',
      'azure-sample.yaml',
      'organization.yaml',
      'policy-default.yaml',
    ]);
  });

  it.each(sampleFiles)('%s is valid against its CRD schema', (file) => {
    const objects = sampleObjects(file);
    // One object a file, but the accounts: the platform team grants them together.
    if (file === 'accounts.yaml') expect(objects.map((o) => o.kind)).toEqual(['CloudAccount', 'CloudAccount', 'CloudAccount', 'CloudAccount']);
    else expect(objects).toHaveLength(1);
    for (const obj of objects) {
      expect(obj.apiVersion).toBe('cloudposture.io/v1alpha1');
      expect(Object.keys(crds)).toContain(obj.kind);
      // No namespace: `kubectl apply -n` chooses it (and the cluster-scoped kinds have none).
      expect(obj.metadata.namespace).toBeUndefined();
      const errors: string[] = [];
      const root = rootSchema(obj.kind);
      for (const [key, value] of Object.entries(obj)) {
        if (key === 'metadata') continue;
        const child = root.properties?.[key];
        if (!child) errors.push(`${key}: unknown field`);
        else validate(value, child, key, errors);
      }
      expect(errors).toEqual([]);
    }
  });

  it('every sample service names a sample account of its provider that admits the demo namespace', () => {
    const accounts = new Map(sampleObjects('accounts.yaml').map((a) => [a.metadata.name as string, a.spec as unknown as CloudAccountSpec]));
    const services = sampleFiles.flatMap(sampleObjects).filter((o) => o.kind === 'CloudService');
    expect(services).toHaveLength(4);
    for (const service of services) {
      const ref = (service.spec.accountRef as { name: string }).name;
      const account = accounts.get(ref);
      expect([service.metadata.name, ref, account?.provider]).toEqual([service.metadata.name, ref, service.spec.provider]);
      expect([service.metadata.name, admitsNamespace(account as CloudAccountSpec, DEMO_NAMESPACE, {})]).toEqual([service.metadata.name, true]);
    }
  });

  it('the sample organisation is read through a sample AWS account', () => {
    const accounts = new Map(sampleObjects('accounts.yaml').map((a) => [a.metadata.name as string, a.spec as unknown as CloudAccountSpec]));
    const [organization] = sampleObjects('organization.yaml');
    const ref = (organization?.spec.accountRef as { name: string }).name;
    expect(accounts.get(ref)?.provider).toBe('aws');
  });

  it('the sample names match the documentation', () => {
    const names = Object.fromEntries(sampleFiles.map((f) => [f, sampleObjects(f).map((o) => o.metadata.name).join(', ')]));
    expect(names).toEqual({
      'accounts.yaml': 'payments-prod, marketing-sandbox, payroll-eu, m365-collab',
      'aws-compliant.yaml': 'aws-payments-prod',
      'aws-noncompliant.yaml': 'aws-marketing-sandbox',
      'azure-payroll.yaml': 'azure-payroll-eu',
      'azure-sample.yaml': 'azure-m365-collab',
      'organization.yaml': 'acme',
      'policy-default.yaml': 'default',
    });
  });
});
