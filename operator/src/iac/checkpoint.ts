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
// also fold into their bucket's facts, linked by bucket name (declared-facts.ts).

import type { DeclaredState, DeclaredStateResult } from '../inventory/declared-state.js';
import { type RawResource, declaredResources } from './declared-facts.js';
import { type Props, asString, isRecord } from './resource-types.js';
import { describeJsonSyntaxError, jsonSyntaxError } from './json-position.js';
import { stackOfUrn } from './urn.js';

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
  /** The state is larger than the operator reads (the read stopped at the cap). */
  | 'StateTooLarge'
  | 'StackMismatch'
  | 'StateNotFound'
  | 'StateUnreadable'
  | 'StateUnreachable'
  | 'AccessDenied'
  | 'CredentialsMissing'
  /** A Secret outside the operator's namespace without the opt-in label. */
  | 'SecretNotPermitted'
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

function readResource(raw: unknown, index: number): RawResource | string {
  if (!isRecord(raw)) return `resources[${index}] is not an object`;
  const urn = raw.urn;
  const type = raw.type;
  if (typeof urn !== 'string' || !urn.startsWith('urn:pulumi:')) return `resources[${index}] has no valid urn`;
  if (typeof type !== 'string' || type === '') return `resources[${index}] has no type`;
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

function lastSegment(stack: string): string {
  const parts = stack.split('/');
  return parts[parts.length - 1] ?? stack;
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
    // Where the state names its stack, not the name: messages quote nothing the state holds.
    const where = located.stack !== undefined ? 'checkpoint.stack' : 'the urn of resources[0]';
    return failure('StackMismatch', `Pulumi state is for another stack (${where}) than the reference names ("${meta.stack}")`);
  }
  const resources = declaredResources(all);
  const state: DeclaredState = {
    stack: meta.stack ?? stateStack ?? '',
    source: meta.source,
    readAt: meta.readAt,
    resources,
  };
  return { ok: true, state };
}

/**
 * Parses state text (JSON); a syntax error is StateInvalid with its position and kind,
 * never JSON.parse's message: that quotes the text, which may be a Secret's value.
 */
export function parseDeclaredStateText(text: string, meta: StateMeta): DeclaredStateResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    const at = jsonSyntaxError(text);
    return failure('StateInvalid', `Pulumi state is not valid JSON: ${at ? describeJsonSyntaxError(at) : 'rejected by the JSON parser'}`);
  }
  return parseDeclaredState(raw, meta);
}
