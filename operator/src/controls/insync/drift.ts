// Declared (Pulumi state) vs live (inventory), the comparison behind InSync: pure.
//
// Matching is by resource id: the ARN when the state has one (buckets without one get
// arn:aws:s3:::<name>), else the provider id read as the ARN's resource part
// (vol-… -> ec2 volume/vol-…, i-… -> ec2 instance/i-…, a bucket name -> s3 <name>);
// Azure resource ids compare case-insensitively (ARM ids are not case-stable).
//
//   changed:   matched, and the live resource lost what the IaC declared: encryption
//              removed, public access opened, or a different region.
//   missing:   declared, in scope, and gone from the live inventory.
//   unmanaged: live resources of the kinds IaC manages (buckets, volumes, instances,
//              databases, storage accounts, disks) declared nowhere: shadow resources.
//
// A fact unread on either side (undefined) is never drift.

import type { Inventory, Resource, ResourceKind } from '../../inventory/types.js';
import type { DeclaredResource, DeclaredState } from '../../inventory/declared-state.js';
import { normalizeRegion } from '../regions.js';
import { compareText } from '../text.js';

export type DriftKind = 'changed' | 'missing' | 'unmanaged';
export const DRIFT_KINDS: readonly DriftKind[] = ['changed', 'missing', 'unmanaged'];

export type DriftField = 'encrypted' | 'public' | 'region';

export interface FieldDrift {
  field: DriftField;
  declared: boolean | string;
  live: boolean | string;
}

export interface ChangedResource {
  /** The live resource's id (ARN / Azure resource id). */
  id: string;
  declared: DeclaredResource;
  live: Resource;
  fields: FieldDrift[];
}

export interface MissingResource {
  /** The declared id (ARN when known, else the provider id, else the URN). */
  id: string;
  declared: DeclaredResource;
}

export interface UnmanagedResource {
  id: string;
  live: Resource;
}

export interface DriftReport {
  stack: string;
  changed: ChangedResource[];
  missing: MissingResource[];
  unmanaged: UnmanagedResource[];
  /** Declared resources compared (in scope, of a compared kind). */
  compared: number;
}

/** Kinds that count as unmanaged when live and undeclared. */
export const UNMANAGED_KINDS: readonly ResourceKind[] = [
  'bucket',
  'volume',
  'compute-instance',
  'database',
  'database-replica',
  'storage-account',
];

export interface DriftScope {
  /** Live kinds checked for unmanaged resources (default UNMANAGED_KINDS). */
  kinds?: readonly ResourceKind[];
  /**
   * Regions the inventory covered: declared resources elsewhere are out of scope (not
   * missing), live resources elsewhere are not checked. Default: every region.
   */
  regions?: readonly string[];
  /**
   * Live ids (ARNs, Azure ids, bucket names) that are never unmanaged: e.g. the DIY
   * backend's own state bucket, which belongs to the IaC tooling, not to the stack.
   */
  ignore?: readonly string[];
}

/**
 * The cloud a Pulumi type token (or provider type) belongs to. The same prefixes as the
 * IaC readers' cloudOfType (iac/resource-types.ts), which controls may not import.
 */
function cloudOfType(type: string): 'aws' | 'azure' | undefined {
  if (type.startsWith('aws:') || type === 'pulumi:providers:aws') return 'aws';
  if (type.startsWith('azure-native:') || type === 'pulumi:providers:azure-native') return 'azure';
  return undefined;
}

/** "arn:aws:ec2:eu-west-1:123:volume/vol-1" -> "ec2:volume/vol-1" (partition, region, account dropped). */
function arnKey(arn: string): string | undefined {
  if (!arn.startsWith('arn:')) return undefined;
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return `${parts[2]}:${parts.slice(5).join(':')}`;
}

function arnAccount(arn: string | undefined): string | undefined {
  if (!arn?.startsWith('arn:')) return undefined;
  const account = arn.split(':')[4];
  return account ? account : undefined;
}

function azureSubscription(id: string | undefined): string | undefined {
  return id ? /^\/subscriptions\/([^/]+)/i.exec(id)?.[1]?.toLowerCase() : undefined;
}

function isAzureId(id: string): boolean {
  return id.startsWith('/subscriptions/') || id.startsWith('/SUBSCRIPTIONS/');
}

/** Every key a declared resource can be found under, strongest first. */
export function declaredKeys(d: DeclaredResource): string[] {
  const keys: string[] = [];
  const add = (k: string | undefined) => {
    if (k && !keys.includes(k)) keys.push(k);
  };
  const cloud = cloudOfType(d.type);
  if (cloud === 'azure') {
    if (d.id && isAzureId(d.id)) add(d.id.toLowerCase());
    return keys;
  }
  if (d.arn) {
    add(d.arn);
    add(arnKey(d.arn));
  }
  const id = d.id;
  if (id) {
    if (id.startsWith('arn:')) {
      add(id);
      add(arnKey(id));
    } else if (d.kind === 'bucket') {
      add(`arn:aws:s3:::${id}`);
      add(`s3:${id}`);
    } else if (/^vol-[0-9a-f]+$/.test(id)) {
      add(`ec2:volume/${id}`);
    } else if (/^i-[0-9a-f]+$/.test(id)) {
      add(`ec2:instance/${id}`);
    }
  }
  return keys;
}

/** Every key a live resource is found under. */
function liveKeys(r: Resource): string[] {
  if (isAzureId(r.id)) return [r.id.toLowerCase()];
  const keys = [r.id];
  const k = arnKey(r.id);
  if (k) keys.push(k);
  if (!r.id.startsWith('arn:')) keys.push(`s3:${r.id}`);
  return keys;
}

function inRegions(region: string | undefined, regions: Set<string> | undefined): boolean {
  if (!regions || region === undefined) return true;
  return regions.has(normalizeRegion(region));
}

/** A declared resource the live inventory can say something about. */
function inScope(d: DeclaredResource, inventory: Inventory, regions: Set<string> | undefined): boolean {
  if (d.kind === undefined) return false;
  const cloud = cloudOfType(d.type);
  if (cloud !== inventory.provider) return false;
  if (cloud === 'aws') {
    const account = arnAccount(d.arn) ?? arnAccount(d.id);
    if (account && inventory.accountId && account !== inventory.accountId) return false;
  } else {
    const subscription = azureSubscription(d.id);
    if (subscription && inventory.accountId && subscription !== inventory.accountId.toLowerCase()) return false;
  }
  return inRegions(d.region, regions);
}

function fieldDrift(d: DeclaredResource, live: Resource): FieldDrift[] {
  const fields: FieldDrift[] = [];
  if (d.encrypted === true && live.encrypted === false) fields.push({ field: 'encrypted', declared: true, live: false });
  if (d.public === false && live.public === true) fields.push({ field: 'public', declared: false, live: true });
  if (
    d.region !== undefined &&
    live.region !== '' &&
    normalizeRegion(live.region) !== 'global' &&
    normalizeRegion(d.region) !== normalizeRegion(live.region)
  ) {
    fields.push({ field: 'region', declared: d.region, live: live.region });
  }
  return fields;
}

function ignoredKeys(ignore: readonly string[] | undefined): Set<string> {
  const keys = new Set<string>();
  for (const raw of ignore ?? []) {
    if (isAzureId(raw)) keys.add(raw.toLowerCase());
    else if (raw.startsWith('arn:')) {
      keys.add(raw);
      const k = arnKey(raw);
      if (k) keys.add(k);
    } else keys.add(`s3:${raw}`);
  }
  return keys;
}

export function compareDrift(declared: DeclaredState, inventory: Inventory, scope: DriftScope = {}): DriftReport {
  const regions = scope.regions ? new Set(scope.regions.map(normalizeRegion)) : undefined;
  const kinds = scope.kinds ?? UNMANAGED_KINDS;
  const ignored = ignoredKeys(scope.ignore);

  const liveByKey = new Map<string, Resource>();
  for (const r of inventory.resources) {
    for (const k of liveKeys(r)) if (!liveByKey.has(k)) liveByKey.set(k, r);
  }

  const matchedLive = new Set<Resource>();
  const changed: ChangedResource[] = [];
  const missing: MissingResource[] = [];
  let compared = 0;

  for (const d of declared.resources) {
    const keys = declaredKeys(d);
    const live = keys.map((k) => liveByKey.get(k)).find((r): r is Resource => r !== undefined);
    if (live) {
      matchedLive.add(live);
      if (d.kind === undefined) continue;
      compared += 1;
      const fields = fieldDrift(d, live);
      if (fields.length > 0) changed.push({ id: live.id, declared: d, live, fields });
      continue;
    }
    if (!inScope(d, inventory, regions)) continue;
    compared += 1;
    missing.push({ id: d.arn ?? keys.find((k) => k.startsWith('arn:')) ?? d.id ?? d.urn, declared: d });
  }

  const unmanaged: UnmanagedResource[] = inventory.resources
    .filter((r) => kinds.includes(r.kind) && !matchedLive.has(r))
    .filter((r) => inRegions(r.region, regions))
    .filter((r) => !liveKeys(r).some((k) => ignored.has(k)))
    .map((r) => ({ id: r.id, live: r }));

  const byId = <T extends { id: string }>(a: T, b: T) => compareText(a.id, b.id);
  return {
    stack: declared.stack,
    changed: changed.sort(byId),
    missing: missing.sort(byId),
    unmanaged: dedupe(unmanaged).sort(byId),
    compared,
  };
}

/** The same live resource can be listed under two kinds (a bucket that is also a log destination). */
function dedupe(items: UnmanagedResource[]): UnmanagedResource[] {
  const seen = new Set<string>();
  return items.filter((u) => {
    const k = isAzureId(u.id) ? u.id.toLowerCase() : u.id;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Per drift kind, for `cloudposture_drift_resources{kind}` (every kind present, zeros included). */
export function driftCounts(report: DriftReport): Array<{ kind: DriftKind; count: number }> {
  return DRIFT_KINDS.map((kind) => ({ kind, count: report[kind].length }));
}

/** Resources changed, missing or unmanaged: `status.summary.driftedResources`. */
export function driftedResources(report: DriftReport): number {
  return report.changed.length + report.missing.length + report.unmanaged.length;
}

const FIELD_TEXT: Record<DriftField, (f: FieldDrift) => string> = {
  encrypted: () => 'encryption at rest removed (declared encrypted, live unencrypted)',
  public: () => 'public access opened (declared private, live public)',
  region: (f) => `region differs (declared ${String(f.declared)}, live ${String(f.live)})`,
};

/** One sentence per drifted resource, for findings and the CLI. */
export function describeChange(c: ChangedResource): string {
  return `${c.live.kind} changed outside IaC: ${c.fields.map((f) => FIELD_TEXT[f.field](f)).join('; ')}`;
}
