// What the gate's rule checks share about one captured program: its resources indexed
// once (providers, S3 child resources by bucket, resource groups, public blob
// containers), the options in force, and the findings collected so far.

import { normalizeRegion } from '../controls/regions.js';
import type { CapturedProgram, CapturedResource, GateFinding, GateOptions, GateRule } from './gate-types.js';
import {
  AWS_ACCOUNT_PUBLIC_ACCESS_BLOCK_TYPE,
  AWS_BUCKET_ACL_TYPES,
  AWS_BUCKET_POLICY_TYPE,
  AWS_BUCKET_PUBLIC_ACCESS_BLOCK_TYPE,
  AWS_BUCKET_SSE_TYPES,
  AZURE_BLOB_CONTAINER_TYPE,
  AZURE_RESOURCE_GROUP_TYPE,
  type Cloud,
  type Props,
  asString,
  isProviderType,
  parseJsonText,
} from './resource-types.js';

export interface GateContext {
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

function add(ctx: GateContext, list: 'violations' | 'notes', r: CapturedResource, rule: GateRule, message: string): void {
  ctx[list].push({ rule, resource: r.urn, type: r.type, name: r.name, message });
  ctx.checked.add(r.urn);
}

export function violation(ctx: GateContext, r: CapturedResource, rule: GateRule, message: string): void {
  add(ctx, 'violations', r, rule, message);
}

export function note(ctx: GateContext, r: CapturedResource, rule: GateRule, message: string): void {
  add(ctx, 'notes', r, rule, message);
}

export function buildGateContext(program: CapturedProgram, options: GateOptions): GateContext {
  const ctx: GateContext = {
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
    else if (r.type === AWS_BUCKET_POLICY_TYPE) bucket(name).policies.push(parseJsonText(r.inputs.policy));
  }
  return ctx;
}

/** The explicit provider a resource names; undefined on the default provider. */
export function providerOf(ctx: GateContext, r: CapturedResource): CapturedResource | undefined {
  return r.provider ? ctx.providers.get(r.provider) : undefined;
}
