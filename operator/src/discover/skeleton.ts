// The skeletons `cloudposture discover` writes for one undeclared item of a
// CloudOrganization: a CloudAccount and a CloudService naming it (AWS account, Azure
// subscription), or a CloudService alone (a SaaS app, on the tenant's CloudAccount).
//
// What the discovery knows is filled in (provider, ids, the account reference). What
// only a person can decide is marked `# FILL IN: <what>` and carries a placeholder the
// API server refuses, with a message naming the field, so a skeleton applied unchanged
// is never admitted (nothing half-declared counts as declared):
// - enums (model, criticality, classification, responsibility owners) and pattern-checked
//   strings (regions, namespaces, client id): "FILL-IN" (not in the enum, upper case);
// - free text with minLength 1 (owner, contract reference, exit-plan document, who signed
//   the matrix off): "" (too short);
// - dates (contract review, sign-off): "FILL-IN" (not a date-time);
// - the AWS role ARN: the account's ARN with "<FILL IN role name>" as the name (not a role name).
// Pure: no I/O, no clock; the same item gives the same text.

import { API_GROUP_VERSION, RESPONSIBILITY_AREA_VALUES, type ResponsibilityArea, type UndeclaredService } from '../api/types.js';

/** Placeholder for enums, patterns and dates: refused by each. */
export const PLACEHOLDER = 'FILL-IN';
/** The marker every field to fill in carries in its comment. */
export const FILL_IN_MARK = '# FILL IN:';

/** One field the user must fill in: its path in the object (e.g. spec.owner) and what goes there. */
export interface FillIn {
  path: string;
  what: string;
}

export interface SkeletonDocument {
  kind: 'CloudAccount' | 'CloudService';
  name: string;
  fillIns: FillIn[];
}

export interface Skeleton {
  /** Stable file name from kind and id, e.g. account-123456789012.yaml. */
  fileName: string;
  item: UndeclaredService;
  documents: SkeletonDocument[];
  /** The YAML text (one or two documents), ending in a newline. */
  text: string;
}

export interface SkeletonSource {
  /** The CloudOrganization's name. */
  organization: string;
  /** Its spec.accountRef.name: the tenant's CloudAccount a SaaS app is checked through. */
  accountRef: string;
  /** Its status.organizationId: the Azure tenant id (used for subscriptions when it is a GUID). */
  organizationId?: string;
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** The SaaS areas of the matrix (controls/responsibility/matrix.ts REQUIRED_AREAS.SaaS, in the CRD's order). */
const SAAS_AREAS: readonly ResponsibilityArea[] = ['application-security', 'identity-and-access', 'data', 'encryption-keys', 'logging-and-monitoring', 'backup'];

/** A file or object name part from an id: lower case, [a-z0-9-] only. */
export function safeId(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'unnamed';
}

export function skeletonFileName(item: Pick<UndeclaredService, 'kind' | 'id'>): string {
  return `${item.kind}-${safeId(item.id)}.yaml`;
}

/** Object names: aws-<account id>, azure-<subscription id>, saas-<application id>. */
export function skeletonObjectName(item: Pick<UndeclaredService, 'kind' | 'id'>): string {
  const prefix = item.kind === 'account' ? 'aws' : item.kind === 'subscription' ? 'azure' : 'saas';
  return `${prefix}-${safeId(item.id)}`.slice(0, 63).replace(/-+$/, '');
}

/** Writes YAML by line, recording the path of every field marked FILL IN. */
class Lines {
  readonly lines: string[] = [];
  readonly fillIns: FillIn[] = [];

  comment(indent: number, text: string): void {
    this.lines.push(`${' '.repeat(indent)}# ${text}`);
  }

  /** `key: value` (strings always quoted: JSON strings are YAML). */
  field(indent: number, key: string, value: unknown, note?: string): void {
    this.lines.push(`${' '.repeat(indent)}${key}: ${scalar(value)}${note ? `   # ${note}` : ''}`);
  }

  /** `key: placeholder   # FILL IN: what`, recorded under `path`. */
  fill(indent: number, key: string, path: string, placeholder: unknown, what: string): void {
    this.lines.push(`${' '.repeat(indent)}${key}: ${scalar(placeholder)}   ${FILL_IN_MARK} ${what}`);
    this.fillIns.push({ path, what });
  }

  raw(text: string): void {
    this.lines.push(text);
  }
}

function scalar(value: unknown): string {
  return Array.isArray(value) ? `[${value.map(scalar).join(', ')}]` : JSON.stringify(value);
}

function header(item: UndeclaredService, source: SkeletonSource): string[] {
  const what = item.kind === 'account' ? 'AWS account' : item.kind === 'subscription' ? 'Azure subscription' : 'SaaS app (Entra ID application)';
  const where = [item.pathNames, item.path && item.path !== item.pathNames ? `(${item.path})` : undefined].filter(Boolean).join(' ');
  const out = [
    `# Written by \`cloudposture discover\` for the ${what} ${item.id}${item.name ? ` "${item.name}"` : ''},`,
    `# found undeclared by CloudOrganization ${source.organization}${where ? ` in ${where}` : ''}, first seen ${item.firstSeen}.`,
    '#',
    '# Every line whose comment starts with FILL IN holds a placeholder the API server refuses: applied',
    '# unchanged, this file is refused at admission with a message naming each such field.',
    '# Fill them all in, then commit the file to the GitOps repository. Optional fields are',
    '# described by `kubectl explain cloudservice.spec` (and cloudaccount.spec).',
  ];
  if (item.kind === 'saas-app') {
    out.push('# Not a SaaS app you use? Revoke its consent in Entra ID, or accept it in the', `# CloudOrganization's spec.ignore with a reason, and delete this file.`);
  } else {
    out.push('# Not yours to declare? Close it at the provider, or accept it in the', `# CloudOrganization's spec.ignore with a reason, and delete this file.`);
  }
  return out;
}

function accountDocument(item: UndeclaredService, source: SkeletonSource, name: string): { lines: Lines; doc: SkeletonDocument } {
  const l = new Lines();
  l.raw(`apiVersion: ${API_GROUP_VERSION}`);
  l.raw('kind: CloudAccount');
  l.raw('metadata:');
  l.field(2, 'name', name);
  l.raw('spec:');
  if (item.kind === 'account') {
    l.field(2, 'provider', 'aws');
    l.raw('  aws:');
    l.field(4, 'accountId', item.id);
    l.fill(4, 'roleArn', 'spec.aws.roleArn', `arn:aws:iam::${item.id}:role/<FILL IN role name>`, 'the read-only role (SecurityAudit-like) the operator assumes, or remove the line to use spec.credentialsSecretRef / the default chain');
  } else {
    l.field(2, 'provider', 'azure');
    l.raw('  azure:');
    const tenant = source.organizationId && GUID.test(source.organizationId) ? source.organizationId : undefined;
    if (tenant) l.field(4, 'tenantId', tenant, `the tenant CloudOrganization ${source.organization} lists`);
    else l.fill(4, 'tenantId', 'spec.azure.tenantId', PLACEHOLDER, 'the Entra ID tenant (directory) id, a GUID');
    l.field(4, 'subscriptionId', item.id);
    l.fill(4, 'clientId', 'spec.azure.clientId', PLACEHOLDER, 'client id of the workload identity that reads (Reader on the subscription, Graph read), or remove the line');
  }
  l.fill(2, 'namespaces', 'spec.namespaces', [PLACEHOLDER], 'the namespaces whose CloudServices may name this account, e.g. ["payments"]');
  return { lines: l, doc: { kind: 'CloudAccount', name, fillIns: l.fillIns } };
}

function serviceDocument(item: UndeclaredService, source: SkeletonSource, name: string, accountName: string): { lines: Lines; doc: SkeletonDocument } {
  const saas = item.kind === 'saas-app';
  const l = new Lines();
  l.raw(`apiVersion: ${API_GROUP_VERSION}`);
  l.raw('kind: CloudService');
  l.raw('metadata:');
  l.field(2, 'name', name);
  l.comment(2, 'namespace: apply it in the namespace of the team that owns the service (kubectl apply -n TEAM);');
  l.comment(2, `CloudAccount ${accountName} must admit that namespace.`);
  l.raw('spec:');
  l.field(2, 'provider', item.kind === 'account' ? 'aws' : 'azure');
  if (saas) l.field(2, 'model', 'SaaS');
  else l.fill(2, 'model', 'spec.model', PLACEHOLDER, 'IaaS or PaaS (SaaS for a SaaS tenant)');
  if (saas) {
    l.raw('  saas:');
    l.field(4, 'entraApplicationId', item.id, 'declares the app: the CloudOrganization stops listing it');
  }
  l.raw('  accountRef:');
  l.field(4, 'name', accountName, saas ? `the tenant's CloudAccount (CloudOrganization ${source.organization})` : undefined);
  l.fill(2, 'owner', 'spec.owner', '', 'the accountable team or person, e.g. "payments-platform"');
  l.fill(2, 'criticality', 'spec.criticality', PLACEHOLDER, 'low, medium, high or critical');
  l.fill(2, 'classification', 'spec.classification', PLACEHOLDER, 'public, internal, confidential or strictly-confidential');
  l.fill(2, 'allowedRegions', 'spec.allowedRegions', [PLACEHOLDER], saas ? 'where the vendor may keep the data, e.g. ["westeurope"]' : 'where the data may live, e.g. ["eu-west-1"]');
  l.raw('  sharedResponsibility:');
  l.comment(4, saas ? 'The areas a SaaS matrix must cover; identity-and-access and data are never provider-only.' : 'Every area; for PaaS, virtualization and os-patching may go.');
  l.raw('    areas:');
  const areas = saas ? SAAS_AREAS : RESPONSIBILITY_AREA_VALUES;
  areas.forEach((area, i) => {
    l.field(6, '- area', area);
    l.fill(8, 'owner', `spec.sharedResponsibility.areas[${i}].owner`, PLACEHOLDER, 'provider, customer or shared');
  });
  l.fill(4, 'signedOffBy', 'spec.sharedResponsibility.signedOffBy', '', 'who signed the matrix off, e.g. "jane.doe@example.com (Head of IT)"');
  l.fill(4, 'signedOffAt', 'spec.sharedResponsibility.signedOffAt', PLACEHOLDER, 'when, RFC 3339, e.g. 2026-10-01T09:00:00Z');
  l.raw('  contract:');
  l.fill(4, 'reference', 'spec.contract.reference', '', 'where the signed agreement and security addendum live (document id or URL)');
  l.fill(4, 'reviewedAt', 'spec.contract.reviewedAt', PLACEHOLDER, 'when it was last reviewed for security terms, RFC 3339');
  l.raw('  exitPlan:');
  l.fill(4, 'document', 'spec.exitPlan.document', '', 'the technical exit manual (document id or URL)');
  return { lines: l, doc: { kind: 'CloudService', name, fillIns: l.fillIns } };
}

/** The skeleton for one undeclared item. */
export function buildSkeleton(item: UndeclaredService, source: SkeletonSource): Skeleton {
  const name = skeletonObjectName(item);
  const parts: { lines: Lines; doc: SkeletonDocument }[] = [];
  if (item.kind === 'saas-app') {
    parts.push(serviceDocument(item, source, name, source.accountRef));
  } else {
    parts.push(accountDocument(item, source, name));
    parts.push(serviceDocument(item, source, name, name));
  }
  const text = `${header(item, source).join('\n')}\n${parts.map((p) => p.lines.lines.join('\n')).join('\n---\n')}\n`;
  return { fileName: skeletonFileName(item), item, documents: parts.map((p) => p.doc), text };
}
