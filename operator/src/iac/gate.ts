// The IaC hardening gate (pure): the resources a Pulumi program declares (captured
// under mocks by capture.ts) checked against the same policy the operator verifies on
// the live account, before anything is deployed.
//
// Rules (see README.md for the reasoning):
//   encryption-at-rest     EBS volumes `encrypted: true`; EC2 root / EBS block devices
//                          encrypted; RDS instances / clusters `storageEncrypted: true`;
//                          bucket SSE configurations use AES256 / aws:kms / aws:kms:dsse;
//                          Azure storage accounts do not declare a service's encryption off.
//                          A bucket without an SSE configuration is NOT a violation: S3
//                          encrypts every new object with SSE-S3 since January 2023 (a note
//                          says the bucket relies on it).
//   customer-managed-key   only when required (default: strictly-confidential, the policy
//                          default): a KMS key on volumes, databases and bucket SSE
//                          (aws:kms + kmsMasterKeyId); Key Vault keys on Azure storage and
//                          disks (disk encryption set).
//   no-public-access       every bucket has a public access block with all four flags (its
//                          own, or the account's declared in the program); no public canned
//                          ACL / grants; no bucket policy allowing "*" without a condition;
//                          RDS not publiclyAccessible; Azure storage `allowBlobPublicAccess:
//                          false` explicitly, no public blob containers, disks not exportable
//                          from any network.
//   allowed-region         each regional resource's region (its own `region` input in
//                          @pulumi/aws v7, else its provider's `region`, else the stack's
//                          `aws:region`; Azure: `location`, else the resource group's, else
//                          the provider's / `azure-native:location`) is in the allowed list.
//   region-declared        a provider whose region cannot be determined (no aws:region in
//                          the stack config, no region on the explicit provider): one
//                          violation per provider.
//   classification-tag     data stores and compute carry `classification` or
//                          `data-classification` equal to the classification (AWS provider
//                          `defaultTags` count, also `aws:defaultTags` in the stack config).

import type { Classification } from '../api/types.js';
import { normalizeRegion } from '../controls/regions.js';
import { compareText } from '../controls/text.js';
import {
  AWS_ACCOUNT_PUBLIC_ACCESS_BLOCK_TYPE,
  AWS_BUCKET_ACL_TYPES,
  AWS_BUCKET_POLICY_TYPE,
  AWS_BUCKET_PUBLIC_ACCESS_BLOCK_TYPE,
  AWS_BUCKET_SSE_TYPES,
  AWS_BUCKET_TYPES,
  AWS_DB_CLUSTER_TYPE,
  AWS_DB_INSTANCE_TYPE,
  AWS_INSTANCE_TYPE,
  AWS_PROVIDER_TYPE,
  AWS_VOLUME_TYPE,
  AZURE_BLOB_CONTAINER_TYPE,
  AZURE_DISK_TYPE,
  AZURE_PROVIDER_TYPE,
  AZURE_RESOURCE_GROUP_TYPE,
  AZURE_STORAGE_ACCOUNT_TYPE,
  AZURE_VM_TYPE,
  type Cloud,
  type Props,
  PUBLIC_ACCESS_BLOCK_FLAGS,
  aclIsPublic,
  asArray,
  asBool,
  asRecord,
  asString,
  asTags,
  azureDiskCustomerKey,
  azureDiskPubliclyExportable,
  azureStorageCustomerKey,
  azureStorageEncryptionOff,
  cloudOfType,
  isProviderType,
  isRecord,
  isRegionalType,
  policyIsPublic,
  publicAccessBlockGaps,
} from './resource-types.js';

/** One resource registration seen under mocks. */
export interface CapturedResource {
  /** urn:pulumi:<stack>::<project>::<type>::<name> (parent types not included). */
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  /** The id the mock assigned (a bucket's name, else "<name>-id"). */
  id: string;
  inputs: Props;
  /** URN of the explicit provider resource; undefined on the default provider. */
  provider?: string;
}

export interface CapturedProgram {
  project: string;
  stack: string;
  /** Stack configuration ("aws:region" -> "eu-west-1"), values as written in Pulumi.<stack>.yaml. */
  config: Record<string, unknown>;
  resources: CapturedResource[];
}

export type GateRule =
  | 'encryption-at-rest'
  | 'customer-managed-key'
  | 'no-public-access'
  | 'allowed-region'
  | 'region-declared'
  | 'classification-tag';

export const GATE_RULES: readonly GateRule[] = [
  'encryption-at-rest',
  'customer-managed-key',
  'no-public-access',
  'allowed-region',
  'region-declared',
  'classification-tag',
];

export const RULE_REMEDIATION: Readonly<Record<GateRule, string>> = {
  'encryption-at-rest':
    'Set encrypted: true (EBS, EC2 block devices), storageEncrypted: true (RDS), a valid SSE algorithm on bucket encryption configurations, and leave Azure storage service encryption enabled.',
  'customer-managed-key':
    'Encrypt with a customer-managed key: kmsKeyId on volumes and databases, sseAlgorithm aws:kms with kmsMasterKeyId on buckets, keySource Microsoft.Keyvault on Azure storage, a disk encryption set on Azure disks.',
  'no-public-access':
    'Add an aws.s3.BucketPublicAccessBlock with all four flags true, remove public ACLs and "*" bucket policy grants, set publiclyAccessible: false on databases, allowBlobPublicAccess: false and publicAccess: None on Azure storage, networkAccessPolicy DenyAll / AllowPrivate on disks.',
  'allowed-region': 'Deploy into an allowed region: change the provider region (aws:region, aws.Provider region) or the resource location.',
  'region-declared':
    'Declare the region: set aws:region (azure-native:location) in Pulumi.<stack>.yaml, or give the explicit provider a region, so the deployment region does not depend on the environment.',
  'classification-tag':
    'Tag the resource with classification (or data-classification) set to the service classification; AWS provider defaultTags apply to every resource of that provider.',
};

export interface GateOptions {
  classification: Classification;
  allowedRegions: readonly string[];
  /** Require customer-managed keys; default: only for strictly-confidential (the policy default). */
  customerManagedKeys?: boolean;
}

export interface GateFinding {
  rule: GateRule;
  /** URN of the resource (or of the provider, for region-declared). */
  resource: string;
  type: string;
  name: string;
  message: string;
}

export interface GateResult {
  passed: boolean;
  project: string;
  stack: string;
  classification: Classification;
  allowedRegions: string[];
  customerManagedKeys: boolean;
  /** Custom resources declared (providers excluded). */
  declared: number;
  /** Resources at least one rule applied to. */
  checked: number;
  violations: GateFinding[];
  /** Facts worth knowing that are not violations (e.g. a bucket relying on S3 default encryption). */
  notes: GateFinding[];
  counts: Record<GateRule, number>;
}

/** Types whose classification tag is checked: the data stores and compute. */
const TAGGED_TYPES: readonly string[] = [
  ...AWS_BUCKET_TYPES,
  AWS_VOLUME_TYPE,
  AWS_INSTANCE_TYPE,
  AWS_DB_INSTANCE_TYPE,
  AWS_DB_CLUSTER_TYPE,
  AZURE_STORAGE_ACCOUNT_TYPE,
  AZURE_DISK_TYPE,
  AZURE_VM_TYPE,
];

/** Azure types that must resolve a location even when the program sets none. */
const AZURE_LOCATED_TYPES: readonly string[] = [AZURE_RESOURCE_GROUP_TYPE, AZURE_STORAGE_ACCOUNT_TYPE, AZURE_DISK_TYPE, AZURE_VM_TYPE];

const VALID_SSE = ['AES256', 'aws:kms', 'aws:kms:dsse'];
const CLASSIFICATION_TAG_KEYS = ['classification', 'data-classification'];

interface Ctx {
  program: CapturedProgram;
  options: Required<GateOptions>;
  allowed: Set<string>;
  providers: Map<string, CapturedResource>;
  byBucket: Map<string, { sse: Props[]; pab?: Props; acls: Props[]; policies: unknown[] }>;
  accountBlock?: Props;
  resourceGroups: Map<string, CapturedResource>;
  publicContainers: Map<string, CapturedResource[]>;
  violations: GateFinding[];
  notes: GateFinding[];
  checked: Set<string>;
  /** Resources per provider whose region is unknown, for one region-declared violation per provider. */
  regionless: Map<string, { provider: string; cloud: Cloud; providerResource?: CapturedResource; resources: CapturedResource[] }>;
}

function add(ctx: Ctx, list: 'violations' | 'notes', r: CapturedResource, rule: GateRule, message: string): void {
  ctx[list].push({ rule, resource: r.urn, type: r.type, name: r.name, message });
  ctx.checked.add(r.urn);
}

function violation(ctx: Ctx, r: CapturedResource, rule: GateRule, message: string): void {
  add(ctx, 'violations', r, rule, message);
}

function note(ctx: Ctx, r: CapturedResource, rule: GateRule, message: string): void {
  add(ctx, 'notes', r, rule, message);
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

function buildContext(program: CapturedProgram, options: GateOptions): Ctx {
  const ctx: Ctx = {
    program,
    options: {
      classification: options.classification,
      allowedRegions: options.allowedRegions,
      customerManagedKeys: options.customerManagedKeys ?? options.classification === 'strictly-confidential',
    },
    allowed: new Set(options.allowedRegions.map(normalizeRegion)),
    providers: new Map(),
    byBucket: new Map(),
    resourceGroups: new Map(),
    publicContainers: new Map(),
    violations: [],
    notes: [],
    checked: new Set(),
    regionless: new Map(),
  };
  const bucket = (name: string) => {
    let e = ctx.byBucket.get(name);
    if (!e) {
      e = { sse: [], acls: [], policies: [] };
      ctx.byBucket.set(name, e);
    }
    return e;
  };
  for (const r of program.resources) {
    if (isProviderType(r.type)) {
      ctx.providers.set(r.urn, r);
      continue;
    }
    if (r.type === AWS_ACCOUNT_PUBLIC_ACCESS_BLOCK_TYPE) ctx.accountBlock = r.inputs;
    if (r.type === AZURE_RESOURCE_GROUP_TYPE) {
      ctx.resourceGroups.set(asString(r.inputs.resourceGroupName) ?? r.name, r);
      ctx.resourceGroups.set(r.name, r);
    }
    if (r.type === AZURE_BLOB_CONTAINER_TYPE) {
      const access = asString(r.inputs.publicAccess);
      const account = asString(r.inputs.accountName);
      if (account && access && access !== 'None') ctx.publicContainers.set(account, [...(ctx.publicContainers.get(account) ?? []), r]);
    }
    const name = asString(r.inputs.bucket);
    if (!name) continue;
    if (AWS_BUCKET_SSE_TYPES.includes(r.type)) bucket(name).sse.push(r.inputs);
    else if (r.type === AWS_BUCKET_PUBLIC_ACCESS_BLOCK_TYPE) bucket(name).pab = r.inputs;
    else if (AWS_BUCKET_ACL_TYPES.includes(r.type)) bucket(name).acls.push(r.inputs);
    else if (r.type === AWS_BUCKET_POLICY_TYPE) bucket(name).policies.push(parseJson(r.inputs.policy));
  }
  return ctx;
}

function providerOf(ctx: Ctx, r: CapturedResource): CapturedResource | undefined {
  return r.provider ? ctx.providers.get(r.provider) : undefined;
}

// ---- regions ----

interface RegionFact {
  region?: string;
  /** Where it came from, for messages. */
  from: string;
  /** Provider key for region-declared grouping ("default aws provider", 'aws provider "eu"'). */
  provider: string;
  /** The explicit provider resource, when not the default provider. */
  providerResource?: CapturedResource;
}

function awsRegion(ctx: Ctx, r: CapturedResource): RegionFact {
  const own = asString(r.inputs.region);
  const provider = providerOf(ctx, r);
  const providerKey = provider ? `aws provider "${provider.name}"` : 'default aws provider';
  if (own) return { region: own, from: 'its region input', provider: providerKey };
  if (provider) {
    const region = asString(provider.inputs.region);
    return region
      ? { region, from: `provider "${provider.name}"`, provider: providerKey }
      : { from: '', provider: providerKey, providerResource: provider };
  }
  const region = asString(ctx.program.config['aws:region']);
  return region ? { region, from: 'aws:region', provider: providerKey } : { from: '', provider: providerKey };
}

function azureProviderLocation(ctx: Ctx, r: CapturedResource): RegionFact {
  const provider = providerOf(ctx, r);
  const providerKey = provider ? `azure-native provider "${provider.name}"` : 'default azure-native provider';
  if (provider) {
    const location = asString(provider.inputs.location);
    return location
      ? { region: location, from: `provider "${provider.name}"`, provider: providerKey }
      : { from: '', provider: providerKey, providerResource: provider };
  }
  const location = asString(ctx.program.config['azure-native:location']);
  return location ? { region: location, from: 'azure-native:location', provider: providerKey } : { from: '', provider: providerKey };
}

/**
 * Azure location as azure-native resolves it (pulumi-azure-native#66): the resource's own
 * `location`; for a resource group, else the provider's location (azure-native:location);
 * for other resources, else their resource group's location. Resources without a
 * `location` input that are not data stores / compute (child resources) are not checked.
 */
function azureLocation(ctx: Ctx, r: CapturedResource): RegionFact | 'external-group' | undefined {
  const own = asString(r.inputs.location);
  const providerFact = azureProviderLocation(ctx, r);
  if (own) return { region: own, from: 'its location', provider: providerFact.provider };
  if (r.type === AZURE_RESOURCE_GROUP_TYPE) return providerFact;
  if (!AZURE_LOCATED_TYPES.includes(r.type)) return undefined;
  const groupName = asString(r.inputs.resourceGroupName);
  const group = groupName ? ctx.resourceGroups.get(groupName) : undefined;
  if (!group) return 'external-group';
  const groupFact = azureLocation(ctx, group);
  if (groupFact === undefined || groupFact === 'external-group') return 'external-group';
  return groupFact.region === undefined ? groupFact : { ...groupFact, from: `resource group "${group.name}"` };
}

function checkRegion(ctx: Ctx, r: CapturedResource, cloud: Cloud): void {
  if (!isRegionalType(r.type)) return;
  const fact = cloud === 'aws' ? awsRegion(ctx, r) : azureLocation(ctx, r);
  if (fact === undefined) return;
  ctx.checked.add(r.urn);
  if (fact === 'external-group') {
    note(ctx, r, 'allowed-region', 'no location: takes the location of a resource group this program does not declare (not checked)');
    return;
  }
  if (fact.region === undefined) {
    const group = ctx.regionless.get(fact.provider) ?? {
      provider: fact.provider,
      cloud,
      resources: [],
      ...(fact.providerResource ? { providerResource: fact.providerResource } : {}),
    };
    group.resources.push(r);
    ctx.regionless.set(fact.provider, group);
    return;
  }
  if (normalizeRegion(fact.region) === 'global') return;
  if (!ctx.allowed.has(normalizeRegion(fact.region))) {
    violation(ctx, r, 'allowed-region', `in ${fact.region} (from ${fact.from}), outside the allowed regions ${ctx.options.allowedRegions.join(', ')}`);
  }
}

function regionDeclaredViolations(ctx: Ctx): void {
  for (const group of ctx.regionless.values()) {
    const names = group.resources.map((r) => `"${r.name}"`);
    const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
    const setting = group.cloud === 'aws' ? 'aws:region' : 'azure-native:location';
    const type = group.cloud === 'aws' ? AWS_PROVIDER_TYPE : AZURE_PROVIDER_TYPE;
    const where = group.providerResource ? 'no region on the provider' : `no ${setting} in the stack config`;
    ctx.violations.push({
      rule: 'region-declared',
      resource: group.providerResource?.urn ?? `urn:pulumi:${ctx.program.stack}::${ctx.program.project}::${type}::default`,
      type,
      name: group.providerResource?.name ?? 'default',
      message: `${group.provider} has ${where}: the deployment region of ${shown} depends on the environment`,
    });
  }
}

// ---- encryption ----

function checkEncryption(ctx: Ctx, r: CapturedResource): void {
  const cmk = ctx.options.customerManagedKeys;
  const i = r.inputs;
  if (r.type === AWS_VOLUME_TYPE) {
    if (asBool(i.encrypted) !== true) violation(ctx, r, 'encryption-at-rest', 'EBS volume is not encrypted (encrypted: true missing)');
    else if (cmk && !asString(i.kmsKeyId)) violation(ctx, r, 'customer-managed-key', 'EBS volume is encrypted with the AWS managed key (no kmsKeyId)');
    ctx.checked.add(r.urn);
  } else if (r.type === AWS_DB_INSTANCE_TYPE || r.type === AWS_DB_CLUSTER_TYPE) {
    if (asBool(i.storageEncrypted) !== true) violation(ctx, r, 'encryption-at-rest', 'database storage is not encrypted (storageEncrypted: true missing)');
    else if (cmk && !asString(i.kmsKeyId)) violation(ctx, r, 'customer-managed-key', 'database storage uses the AWS managed key (no kmsKeyId)');
    ctx.checked.add(r.urn);
  } else if (r.type === AWS_INSTANCE_TYPE) {
    const root = asRecord(i.rootBlockDevice);
    const devices = [root, ...asArray(i.ebsBlockDevices).map(asRecord)];
    const unencrypted = devices.filter((d) => asBool(d?.encrypted) !== true).length;
    if (unencrypted > 0) {
      violation(ctx, r, 'encryption-at-rest', `${unencrypted === 1 && devices.length === 1 ? 'root volume is' : `${unencrypted} block device(s) are`} not encrypted (rootBlockDevice / ebsBlockDevices encrypted: true missing)`);
    }
    ctx.checked.add(r.urn);
  } else if (AWS_BUCKET_TYPES.includes(r.type)) {
    checkBucketEncryption(ctx, r, cmk);
  } else if (r.type === AZURE_STORAGE_ACCOUNT_TYPE) {
    const off = azureStorageEncryptionOff(i.encryption);
    if (off.length > 0) violation(ctx, r, 'encryption-at-rest', `storage account declares encryption off for ${off.join(', ')}`);
    if (cmk && !azureStorageCustomerKey(i.encryption)) {
      violation(ctx, r, 'customer-managed-key', 'storage account uses Microsoft-managed keys (encryption.keySource is not Microsoft.Keyvault)');
    }
    ctx.checked.add(r.urn);
  } else if (r.type === AZURE_DISK_TYPE) {
    if (cmk && !azureDiskCustomerKey(i.encryption)) {
      violation(ctx, r, 'customer-managed-key', 'managed disk uses a platform-managed key (no disk encryption set)');
    }
    ctx.checked.add(r.urn);
  }
}

function sseRules(config: Props): Props[] {
  return asArray(config.rules)
    .map((rule) => (isRecord(rule) ? asRecord(rule.applyServerSideEncryptionByDefault) : undefined))
    .filter((x): x is Props => x !== undefined);
}

function checkBucketEncryption(ctx: Ctx, r: CapturedResource, cmk: boolean): void {
  ctx.checked.add(r.urn);
  const inline = asRecord(r.inputs.serverSideEncryptionConfiguration);
  const configs = [...(ctx.byBucket.get(r.id)?.sse ?? []), ...(inline ? [inline] : [])];
  const rules = configs.flatMap(sseRules);
  if (rules.length === 0) {
    if (cmk) violation(ctx, r, 'customer-managed-key', 'bucket has no SSE configuration with a KMS key (relies on S3 default SSE-S3)');
    else note(ctx, r, 'encryption-at-rest', 'no SSE configuration: relies on S3 default encryption (SSE-S3, on for every bucket since January 2023)');
    return;
  }
  for (const rule of rules) {
    const algorithm = asString(rule.sseAlgorithm);
    if (!algorithm || !VALID_SSE.includes(algorithm)) {
      violation(ctx, r, 'encryption-at-rest', `SSE configuration has algorithm ${algorithm ?? '(none)'}, not one of ${VALID_SSE.join(', ')}`);
    } else if (cmk && (algorithm === 'AES256' || !asString(rule.kmsMasterKeyId))) {
      violation(ctx, r, 'customer-managed-key', `SSE configuration uses ${algorithm === 'AES256' ? 'S3-managed keys (AES256)' : 'the AWS managed aws/s3 key (no kmsMasterKeyId)'}`);
    }
  }
}

// ---- public access ----

function checkPublicAccess(ctx: Ctx, r: CapturedResource): void {
  const i = r.inputs;
  if (AWS_BUCKET_TYPES.includes(r.type)) {
    ctx.checked.add(r.urn);
    const children = ctx.byBucket.get(r.id);
    const block = children?.pab ?? ctx.accountBlock;
    const gaps = publicAccessBlockGaps(block);
    if (block === undefined) {
      violation(ctx, r, 'no-public-access', 'no public access block (aws.s3.BucketPublicAccessBlock with all four flags true)');
    } else if (gaps.length > 0) {
      violation(ctx, r, 'no-public-access', `public access block leaves ${gaps.join(', ')} off (all of ${PUBLIC_ACCESS_BLOCK_FLAGS.join(', ')} must be true)`);
    }
    const acls = [{ acl: i.acl, accessControlPolicy: i.grants === undefined ? undefined : { grants: i.grants } }, ...(children?.acls ?? [])];
    for (const a of acls) {
      if (aclIsPublic(a.acl, a.accessControlPolicy)) {
        violation(ctx, r, 'no-public-access', `ACL grants public access (${typeof a.acl === 'string' ? a.acl : 'grant to AllUsers / AuthenticatedUsers'})`);
      }
    }
    const policies = [...(children?.policies ?? []), parseJson(i.policy)];
    if (policies.some(policyIsPublic)) violation(ctx, r, 'no-public-access', 'bucket policy allows everyone (Principal "*" without a condition)');
  } else if (r.type === AWS_DB_INSTANCE_TYPE || r.type === AWS_DB_CLUSTER_TYPE) {
    ctx.checked.add(r.urn);
    if (asBool(i.publiclyAccessible) === true) violation(ctx, r, 'no-public-access', 'database is publicly accessible (publiclyAccessible: true)');
  } else if (r.type === AZURE_STORAGE_ACCOUNT_TYPE) {
    ctx.checked.add(r.urn);
    const allow = asBool(i.allowBlobPublicAccess);
    if (allow !== false) {
      violation(ctx, r, 'no-public-access', allow === true ? 'anonymous blob access is allowed (allowBlobPublicAccess: true)' : 'allowBlobPublicAccess is not set to false explicitly');
    }
    const accountName = asString(i.accountName) ?? r.name;
    for (const container of [...(ctx.publicContainers.get(accountName) ?? []), ...(accountName !== r.name ? ctx.publicContainers.get(r.name) ?? [] : [])]) {
      violation(ctx, container, 'no-public-access', `blob container in storage account "${r.name}" is public (publicAccess: ${String(container.inputs.publicAccess)})`);
    }
  } else if (r.type === AZURE_DISK_TYPE) {
    ctx.checked.add(r.urn);
    if (azureDiskPubliclyExportable(i)) {
      violation(ctx, r, 'no-public-access', 'disk can be exported from any network (set networkAccessPolicy DenyAll / AllowPrivate or publicNetworkAccess Disabled)');
    }
  }
}

// ---- tags ----

function effectiveTags(ctx: Ctx, r: CapturedResource, cloud: Cloud): Record<string, string> {
  if (cloud !== 'aws') return asTags(r.inputs.tags);
  const provider = providerOf(ctx, r);
  const defaults = provider ? asRecord(provider.inputs.defaultTags) : asRecord(ctx.program.config['aws:defaultTags']);
  return { ...asTags(defaults?.tags), ...asTags(r.inputs.tags) };
}

function checkClassificationTag(ctx: Ctx, r: CapturedResource, cloud: Cloud): void {
  if (!TAGGED_TYPES.includes(r.type)) return;
  ctx.checked.add(r.urn);
  const tags = effectiveTags(ctx, r, cloud);
  const present = Object.entries(tags).filter(([k]) => CLASSIFICATION_TAG_KEYS.includes(k.toLowerCase()));
  const want = ctx.options.classification;
  if (present.length === 0) {
    violation(ctx, r, 'classification-tag', `no classification tag (classification or data-classification = ${want})`);
    return;
  }
  const wrong = present.filter(([, v]) => v.trim().toLowerCase() !== want);
  if (wrong.length === present.length) {
    violation(ctx, r, 'classification-tag', `tagged ${wrong.map(([k, v]) => `${k}=${v}`).join(', ')}, the service is classified ${want}`);
  }
}

export function checkProgram(program: CapturedProgram, options: GateOptions): GateResult {
  const ctx = buildContext(program, options);
  const declared = program.resources.filter((r) => r.custom && !isProviderType(r.type));
  for (const r of declared) {
    const cloud = cloudOfType(r.type);
    if (cloud === undefined) continue;
    checkRegion(ctx, r, cloud);
    checkEncryption(ctx, r);
    checkPublicAccess(ctx, r);
    checkClassificationTag(ctx, r, cloud);
  }
  regionDeclaredViolations(ctx);
  const order = (a: GateFinding, b: GateFinding) =>
    GATE_RULES.indexOf(a.rule) - GATE_RULES.indexOf(b.rule) ||
    compareText(a.name, b.name) ||
    compareText(a.type, b.type) ||
    compareText(a.message, b.message);
  const violations = ctx.violations.sort(order);
  const counts = Object.fromEntries(GATE_RULES.map((rule) => [rule, violations.filter((v) => v.rule === rule).length])) as Record<GateRule, number>;
  return {
    passed: violations.length === 0,
    project: program.project,
    stack: program.stack,
    classification: options.classification,
    allowedRegions: [...options.allowedRegions],
    customerManagedKeys: ctx.options.customerManagedKeys,
    declared: declared.length,
    checked: ctx.checked.size,
    violations,
    notes: ctx.notes.sort(order),
    counts,
  };
}

/** Human-readable report: one line per finding, the fix once per rule. */
export function formatGateText(result: GateResult, durationMs?: number): string {
  const lines: string[] = [];
  const took = durationMs === undefined ? '' : ` in ${(durationMs / 1000).toFixed(1)} s`;
  lines.push(
    `cloudposture iac-check: project ${result.project}, stack ${result.stack}; classification ${result.classification}; allowed regions ${result.allowedRegions.join(', ')}${result.customerManagedKeys ? '; customer-managed keys required' : ''}`,
  );
  lines.push(`${result.declared} resources declared, ${result.checked} checked${took}.`);
  const rules = GATE_RULES.filter((rule) => result.counts[rule] > 0);
  for (const rule of rules) {
    lines.push('');
    lines.push(`${rule} (${result.counts[rule]}):`);
    for (const v of result.violations.filter((x) => x.rule === rule)) lines.push(`  ✗ ${v.type} "${v.name}": ${v.message}`);
    lines.push(`  fix: ${RULE_REMEDIATION[rule]}`);
  }
  if (result.notes.length > 0) {
    lines.push('');
    lines.push('notes:');
    for (const n of result.notes) lines.push(`  · ${n.type} "${n.name}": ${n.message}`);
  }
  lines.push('');
  lines.push(result.passed ? 'PASS: no violations.' : `FAIL: ${result.violations.length} violation${result.violations.length === 1 ? '' : 's'}.`);
  return `${lines.join('\n')}\n`;
}
