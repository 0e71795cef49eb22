// Pulumi stack state -> DeclaredState (pure).
//
// Two published shapes carry the same deployment (pulumi/pulumi sdk/go/common/apitype):
//   - the DIY backend checkpoint, `.pulumi/stacks/<project>/<stack>.json`:
//       { version: 3, checkpoint: { stack, config?, latest?: DeploymentV3 } }      (VersionedCheckpoint + CheckpointV3)
//   - `pulumi stack export` / the Pulumi Cloud export API:
//       { version: 3, deployment: DeploymentV3 }                                   (UntypedDeployment)
// with DeploymentV3 = { manifest, secrets_providers?, resources?: ResourceV3[], pending_operations? }
// and ResourceV3 = { urn, custom, delete?, id?, type, inputs?, outputs?, parent?, external?, provider?,
// pendingReplacement?, ... }. Version 4 is version 3 plus feature-gated additions
// (`features`); everything read here has the same meaning in both. Versions 1 and 2
// (pre-2019 engines) are refused rather than misread: export them with a current CLI.
//
// Kept: custom resources the stack manages. Skipped: components and the stack (custom:
// false), providers (pulumi:providers:*), resources pending deletion or replacement,
// and `external` resources (read with `.get()`, owned elsewhere). S3 child resources
// (encryption configuration, public access block, ACL, policy) stay in the list and
// also fold into their bucket's facts, linked by bucket name.

import type { ResourceKind } from '../inventory/types.js';
import type { DeclaredResource, DeclaredState, DeclaredStateResult } from './types.js';
import {
  AWS_ACCOUNT_PUBLIC_ACCESS_BLOCK_TYPE,
  AWS_BUCKET_ACL_TYPES,
  AWS_BUCKET_POLICY_TYPE,
  AWS_BUCKET_PUBLIC_ACCESS_BLOCK_TYPE,
  AWS_BUCKET_SSE_TYPES,
  AWS_BUCKET_TYPES,
  AWS_DB_CLUSTER_TYPE,
  AWS_DB_INSTANCE_TYPE,
  AWS_VOLUME_TYPE,
  AZURE_BLOB_CONTAINER_TYPE,
  AZURE_DISK_TYPE,
  AZURE_STORAGE_ACCOUNT_TYPE,
  type BucketExposureFacts,
  type Props,
  arnRegion,
  asArray,
  asBool,
  asString,
  availabilityZoneRegion,
  azureStorageEncryptionOff,
  bucketExposure,
  cloudOfType,
  isProviderType,
  isRecord,
  kindOfType,
  publicAccessBlockGaps,
} from './resource-types.js';

/** Deployment schema versions this parser reads. */
export const SUPPORTED_STATE_VERSIONS: readonly number[] = [3, 4];

/** Signature key of special values (secrets, resource references, output values, assets). */
const SIG_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';
const RESOURCE_REFERENCE_SIG = '5cf8f73096256a8f31e491e813e4eb8e';
const OUTPUT_VALUE_SIG = 'd0e6a833031e9bbcd3f4e8bde6ca49a4';
/** What the engine writes for a value not known at the time (preview / failed update). */
const COMPUTED_PLACEHOLDER = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

export type StateFailureReason =
  | 'UnsupportedStateVersion'
  | 'StateInvalid'
  | 'StackMismatch'
  | 'StateNotFound'
  | 'StateUnreadable'
  | 'StateUnreachable'
  | 'AccessDenied'
  | 'CredentialsMissing'
  | 'Throttled'
  | 'InvalidStateReference';

export interface StateMeta {
  /** The stack the reference names ("acme/payments/prod" or "prod"): the state must be that stack's. */
  stack?: string;
  /** Where the state was read from, for the evidence trail (no credentials). */
  source: string;
  readAt: string;
}

function failure(reason: StateFailureReason, message: string): DeclaredStateResult {
  return { ok: false, failure: { reason, message } };
}

/**
 * A state value as plain JSON: secrets are opened when the state holds their plaintext
 * (`pulumi stack export --show-secrets`) and are otherwise unreadable (undefined);
 * resource references become their id (or URN); output values their value;
 * unknown (computed) values, assets and archives are undefined.
 */
export function plainValue(value: unknown): unknown {
  if (value === COMPUTED_PLACEHOLDER) return undefined;
  if (Array.isArray(value)) return value.map(plainValue);
  if (!isRecord(value)) return value;
  const sig = value[SIG_KEY];
  if (sig !== undefined) {
    if (sig === SECRET_SIG) {
      if (typeof value.plaintext !== 'string') return undefined;
      try {
        return plainValue(JSON.parse(value.plaintext));
      } catch {
        return undefined;
      }
    }
    if (sig === RESOURCE_REFERENCE_SIG) return asString(value.id) ?? asString(value.urn);
    if (sig === OUTPUT_VALUE_SIG) return plainValue(value.value);
    return undefined;
  }
  const out: Props = {};
  for (const [k, v] of Object.entries(value)) out[k] = plainValue(v);
  return out;
}

interface RawResource {
  urn: string;
  type: string;
  custom: boolean;
  id?: string;
  provider?: string;
  inputs: Props;
  outputs: Props;
  skip: boolean;
}

function readResource(raw: unknown, index: number): RawResource | string {
  if (!isRecord(raw)) return `resources[${index}] is not an object`;
  const urn = raw.urn;
  const type = raw.type;
  if (typeof urn !== 'string' || !urn.startsWith('urn:pulumi:')) return `resources[${index}] has no valid urn`;
  if (typeof type !== 'string' || type === '') return `resources[${index}] (${urn}) has no type`;
  const inputs = plainValue(raw.inputs ?? {});
  const outputs = plainValue(raw.outputs ?? {});
  const resource: RawResource = {
    urn,
    type,
    custom: raw.custom === true,
    inputs: isRecord(inputs) ? inputs : {},
    outputs: isRecord(outputs) ? outputs : {},
    skip: raw.delete === true || raw.pendingReplacement === true || raw.external === true,
  };
  if (typeof raw.id === 'string' && raw.id !== '') resource.id = raw.id;
  if (typeof raw.provider === 'string' && raw.provider !== '') resource.provider = raw.provider;
  return resource;
}

/** "urn:pulumi:prod::payments::aws:s3/bucket:Bucket::data" -> "prod". */
export function stackOfUrn(urn: string): string | undefined {
  const m = /^urn:pulumi:([^:]+)::/.exec(urn);
  return m?.[1];
}

/** The URN's last segment: the resource's logical name. */
export function nameOfUrn(urn: string): string {
  const i = urn.lastIndexOf('::');
  return i >= 0 ? urn.slice(i + 2) : urn;
}

/** A provider reference is "<provider urn>::<provider id>". */
export function providerUrnOf(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const i = ref.lastIndexOf('::');
  return i > 0 ? ref.slice(0, i) : undefined;
}

function lastSegment(stack: string): string {
  const parts = stack.split('/');
  return parts[parts.length - 1] ?? stack;
}

/** A value from outputs, else from inputs (a failed refresh can leave outputs thin). */
function fact(r: RawResource, key: string): unknown {
  return r.outputs[key] !== undefined ? r.outputs[key] : r.inputs[key];
}

interface BucketChildren {
  encryption: boolean;
  exposure: BucketExposureFacts;
}

function bucketName(r: RawResource): string | undefined {
  return asString(fact(r, 'bucket')) ?? r.id;
}

/** Folds the S3 child resources into per-bucket facts, keyed by bucket name. */
function collectBucketChildren(resources: readonly RawResource[]): { byBucket: Map<string, BucketChildren>; accountBlock?: Props } {
  const byBucket = new Map<string, BucketChildren>();
  const entry = (name: string): BucketChildren => {
    let e = byBucket.get(name);
    if (!e) {
      e = { encryption: false, exposure: { acls: [], policies: [] } };
      byBucket.set(name, e);
    }
    return e;
  };
  let accountBlock: Props | undefined;
  for (const r of resources) {
    if (r.skip || !r.custom) continue;
    if (r.type === AWS_ACCOUNT_PUBLIC_ACCESS_BLOCK_TYPE) {
      accountBlock = { ...r.inputs, ...r.outputs };
      continue;
    }
    const bucket = asString(fact(r, 'bucket'));
    if (!bucket) continue;
    if (AWS_BUCKET_SSE_TYPES.includes(r.type)) {
      if (asArray(fact(r, 'rules')).length > 0) entry(bucket).encryption = true;
    } else if (r.type === AWS_BUCKET_PUBLIC_ACCESS_BLOCK_TYPE) {
      entry(bucket).exposure.publicAccessBlock = { ...r.inputs, ...r.outputs };
    } else if (AWS_BUCKET_ACL_TYPES.includes(r.type)) {
      entry(bucket).exposure.acls.push({ acl: fact(r, 'acl'), accessControlPolicy: fact(r, 'accessControlPolicy') });
    } else if (r.type === AWS_BUCKET_POLICY_TYPE) {
      entry(bucket).exposure.policies.push(parsePolicy(fact(r, 'policy')));
    }
  }
  return accountBlock === undefined ? { byBucket } : { byBucket, accountBlock };
}

function parsePolicy(policy: unknown): unknown {
  if (typeof policy !== 'string') return policy;
  try {
    return JSON.parse(policy) as unknown;
  } catch {
    return undefined;
  }
}

/** Public containers of each storage account, keyed by account name. */
function collectPublicContainers(resources: readonly RawResource[]): Set<string> {
  const accounts = new Set<string>();
  for (const r of resources) {
    if (r.skip || r.type !== AZURE_BLOB_CONTAINER_TYPE) continue;
    const access = asString(fact(r, 'publicAccess'));
    const account = asString(r.inputs.accountName);
    if (account && access && access !== 'None') accounts.add(account.toLowerCase());
  }
  return accounts;
}

function hasSseOutput(r: RawResource): boolean {
  // v7 Bucket: serverSideEncryptionConfiguration { rules: [...] }; v6 BucketV2: serverSideEncryptionConfigurations [...]
  const single = r.outputs.serverSideEncryptionConfiguration;
  if (isRecord(single) && asArray(single.rules).length > 0) return true;
  const many = asArray(r.outputs.serverSideEncryptionConfigurations);
  return many.some((c) => isRecord(c) && asArray(c.rules).length > 0);
}

interface Context {
  providers: Map<string, RawResource>;
  buckets: Map<string, BucketChildren>;
  accountBlock?: Props;
  publicContainers: Set<string>;
}

function awsRegion(r: RawResource, ctx: Context, arn: string | undefined): string | undefined {
  const own = asString(r.outputs.region) ?? asString(r.inputs.region);
  if (own) return own;
  const providerUrn = providerUrnOf(r.provider);
  const provider = providerUrn ? ctx.providers.get(providerUrn) : undefined;
  const fromProvider = provider ? asString(provider.inputs.region) ?? asString(provider.outputs.region) : undefined;
  if (fromProvider) return fromProvider;
  return arnRegion(arn) ?? availabilityZoneRegion(asString(fact(r, 'availabilityZone')));
}

function azureLocation(r: RawResource): string | undefined {
  const location = asString(fact(r, 'location'));
  return location?.toLowerCase().replace(/\s+/g, '');
}

function encryptedOf(r: RawResource, ctx: Context): boolean | undefined {
  if (r.type === AWS_VOLUME_TYPE) return asBool(fact(r, 'encrypted'));
  if (r.type === AWS_DB_INSTANCE_TYPE || r.type === AWS_DB_CLUSTER_TYPE) return asBool(fact(r, 'storageEncrypted'));
  if (AWS_BUCKET_TYPES.includes(r.type)) {
    const name = bucketName(r);
    const declared = (name !== undefined && ctx.buckets.get(name)?.encryption === true) || hasSseOutput(r);
    // Undeclared is not "unencrypted": S3 encrypts every new object (SSE-S3) since January 2023.
    return declared ? true : undefined;
  }
  if (r.type === AZURE_STORAGE_ACCOUNT_TYPE) {
    const encryption = fact(r, 'encryption');
    if (!isRecord(encryption)) return undefined;
    return azureStorageEncryptionOff(encryption).length === 0;
  }
  if (r.type === AZURE_DISK_TYPE) {
    // Managed disks are always encrypted at rest (platform key unless a customer key is set).
    return isRecord(fact(r, 'encryption')) ? true : undefined;
  }
  return undefined;
}

function publicOf(r: RawResource, ctx: Context): boolean | undefined {
  if (AWS_BUCKET_TYPES.includes(r.type)) {
    const name = bucketName(r);
    const children = name !== undefined ? ctx.buckets.get(name) : undefined;
    const facts: BucketExposureFacts = {
      acl: fact(r, 'acl'),
      grants: r.outputs.grants ?? r.inputs.grants,
      acls: children?.exposure.acls ?? [],
      policies: [...(children?.exposure.policies ?? []), parsePolicy(fact(r, 'policy'))],
    };
    const block = children?.exposure.publicAccessBlock ?? ctx.accountBlock;
    if (block !== undefined) facts.publicAccessBlock = block;
    if (block !== undefined && publicAccessBlockGaps(block).length === 0) return false;
    return bucketExposure(facts).public;
  }
  if (r.type === AWS_DB_INSTANCE_TYPE) return asBool(fact(r, 'publiclyAccessible')) ?? false;
  if (r.type === AZURE_STORAGE_ACCOUNT_TYPE) {
    // Anonymous blob access allowed on the account (what the collectors report as public),
    // or a container declared public.
    const name = asString(fact(r, 'name')) ?? asString(r.inputs.accountName);
    if (name !== undefined && ctx.publicContainers.has(name.toLowerCase())) return true;
    return asBool(fact(r, 'allowBlobPublicAccess'));
  }
  return undefined;
}

function declaredResource(r: RawResource, ctx: Context): DeclaredResource {
  const cloud = cloudOfType(r.type);
  const kind: ResourceKind | undefined = kindOfType(r.type);
  let arn = asString(r.outputs.arn);
  if (!arn && AWS_BUCKET_TYPES.includes(r.type)) {
    const name = bucketName(r);
    if (name) arn = `arn:aws:s3:::${name}`;
  }
  const d: DeclaredResource = { urn: r.urn, type: r.type, name: nameOfUrn(r.urn) };
  const id = r.id ?? (cloud === 'azure' ? asString(r.outputs.id) : undefined);
  if (id !== undefined) d.id = id;
  if (kind !== undefined) d.kind = kind;
  if (arn !== undefined) d.arn = arn;
  const region = cloud === 'aws' ? awsRegion(r, ctx, arn) : cloud === 'azure' ? azureLocation(r) : undefined;
  if (region !== undefined) d.region = region;
  const encrypted = encryptedOf(r, ctx);
  if (encrypted !== undefined) d.encrypted = encrypted;
  const isPublic = publicOf(r, ctx);
  if (isPublic !== undefined) d.public = isPublic;
  return d;
}

interface Located {
  version: number;
  stack?: string;
  deployment?: Props;
  format: 'checkpoint' | 'export';
}

function locate(raw: Props): Located | string {
  const version = raw.version;
  if ('checkpoint' in raw) {
    if (typeof version !== 'number') return 'checkpoint has no numeric version';
    const checkpoint = raw.checkpoint;
    if (!isRecord(checkpoint)) return 'checkpoint is not an object';
    const located: Located = { version, format: 'checkpoint' };
    if (typeof checkpoint.stack === 'string') located.stack = checkpoint.stack;
    if (checkpoint.latest !== undefined && checkpoint.latest !== null) {
      if (!isRecord(checkpoint.latest)) return 'checkpoint.latest is not an object';
      located.deployment = checkpoint.latest;
    }
    return located;
  }
  if ('deployment' in raw) {
    if (typeof version !== 'number') return 'deployment has no numeric version';
    if (!isRecord(raw.deployment)) return 'deployment is not an object';
    return { version, deployment: raw.deployment, format: 'export' };
  }
  return 'neither a checkpoint ({version, checkpoint}) nor an exported deployment ({version, deployment})';
}

/** Parses a checkpoint or an exported deployment (already JSON-decoded). */
export function parseDeclaredState(raw: unknown, meta: StateMeta): DeclaredStateResult {
  if (!isRecord(raw)) return failure('StateInvalid', 'Pulumi state is not a JSON object');
  const located = locate(raw);
  if (typeof located === 'string') return failure('StateInvalid', `Pulumi state: ${located}`);
  if (!SUPPORTED_STATE_VERSIONS.includes(located.version)) {
    return failure(
      'UnsupportedStateVersion',
      `Pulumi state version ${located.version} is not supported (reads ${SUPPORTED_STATE_VERSIONS.join(', ')}); re-export it with a current Pulumi CLI (pulumi stack export)`,
    );
  }
  const rawResources = located.deployment?.resources ?? [];
  if (!Array.isArray(rawResources)) return failure('StateInvalid', 'Pulumi state: deployment.resources is not an array');
  const all: RawResource[] = [];
  for (const [i, item] of rawResources.entries()) {
    const r = readResource(item, i);
    if (typeof r === 'string') return failure('StateInvalid', `Pulumi state: ${r}`);
    all.push(r);
  }
  const stateStack = located.stack ?? (all[0] ? stackOfUrn(all[0].urn) : undefined);
  if (meta.stack && stateStack && lastSegment(stateStack) !== lastSegment(meta.stack)) {
    return failure('StackMismatch', `Pulumi state is for stack "${stateStack}", the reference names "${meta.stack}"`);
  }
  const { byBucket, accountBlock } = collectBucketChildren(all);
  const ctx: Context = {
    providers: new Map(all.filter((r) => isProviderType(r.type)).map((r) => [r.urn, r])),
    buckets: byBucket,
    publicContainers: collectPublicContainers(all),
  };
  if (accountBlock !== undefined) ctx.accountBlock = accountBlock;
  const resources = all.filter((r) => r.custom && !r.skip && !isProviderType(r.type)).map((r) => declaredResource(r, ctx));
  const state: DeclaredState = {
    stack: meta.stack ?? stateStack ?? '',
    source: meta.source,
    readAt: meta.readAt,
    resources,
  };
  return { ok: true, state };
}

/** Parses state text (JSON); a syntax error is StateInvalid. */
export function parseDeclaredStateText(text: string, meta: StateMeta): DeclaredStateResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return failure('StateInvalid', `Pulumi state is not valid JSON: ${detail.slice(0, 160)}`);
  }
  return parseDeclaredState(raw, meta);
}
