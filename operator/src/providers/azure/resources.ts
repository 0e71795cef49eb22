// Resources of the subscription: the generic resource list (kinds without a dedicated
// list: VMs, databases) overlaid with the detailed lists of storage accounts, managed
// disks and snapshots, which carry encryption and exposure. `readResourceLists` reads
// (one list each, every page); the exported mapping functions are pure and unit-tested.

import type { ComputeManagementClient } from '@azure/arm-compute';
import type { ResourceManagementClient } from '@azure/arm-resources';
import type { StorageManagementClient } from '@azure/arm-storage';

import type { Resource, ResourceKind } from '../../inventory/types.js';
import { collectAll, type AzureCollection, type Outcome } from './context.js';
import { idKey, lower, regionKey } from './ids.js';

export interface ArmResource {
  id?: string;
  name?: string;
  type?: string;
  location?: string;
  tags?: Record<string, string>;
}

export interface ArmStorageAccount extends ArmResource {
  sku?: { name?: string };
  encryption?: {
    services?: { blob?: { enabled?: boolean }; file?: { enabled?: boolean } };
    keySource?: string;
  };
  allowBlobPublicAccess?: boolean;
  publicNetworkAccess?: string;
  secondaryLocation?: string;
}

export interface ArmDiskLike extends ArmResource {
  encryption?: { type?: string; diskEncryptionSetId?: string };
  securityProfile?: { securityType?: string };
  networkAccessPolicy?: string;
  publicNetworkAccess?: string;
  diskState?: string;
  creationData?: { sourceResourceId?: string };
}

/** What the disk service applies when a disk or snapshot sets no network policy (omitted from list responses). */
const DEFAULT_NETWORK_ACCESS_POLICY = 'AllowAll';
const DEFAULT_PUBLIC_NETWORK_ACCESS = 'Enabled';
/** A storage account's key source when the response names none (documented default). */
const DEFAULT_STORAGE_KEY_SOURCE = 'Microsoft.Storage';

/** Resource types whose instances hold or process data, by inventory kind. Others are not data stores. */
const KIND_BY_TYPE: Readonly<Record<string, ResourceKind>> = {
  'microsoft.compute/virtualmachines': 'compute-instance',
  'microsoft.compute/virtualmachinescalesets': 'compute-instance',
  'microsoft.compute/disks': 'volume',
  'microsoft.compute/snapshots': 'snapshot',
  'microsoft.storage/storageaccounts': 'storage-account',
  'microsoft.sql/servers/databases': 'database',
  'microsoft.sql/managedinstances': 'database',
  'microsoft.documentdb/databaseaccounts': 'database',
  'microsoft.dbforpostgresql/flexibleservers': 'database',
  'microsoft.dbformysql/flexibleservers': 'database',
};

/**
 * Database services that encrypt every byte at rest with no way to turn it off
 * (Cosmos DB; Azure Database for PostgreSQL / MySQL flexible server). Azure SQL's
 * transparent data encryption can be switched off per database and is not read here,
 * so SQL databases stay `encrypted: undefined`.
 */
const ALWAYS_ENCRYPTED_TYPES = new Set([
  'microsoft.documentdb/databaseaccounts',
  'microsoft.dbforpostgresql/flexibleservers',
  'microsoft.dbformysql/flexibleservers',
]);

export function kindOfType(type: string | undefined): ResourceKind | undefined {
  return KIND_BY_TYPE[lower(type)];
}

function withTags(resource: Resource, tags: Record<string, string> | undefined): Resource {
  return tags && Object.keys(tags).length > 0 ? { ...resource, tags: { ...tags } } : resource;
}

// ------------------------------------------------------------------ mapping

/** A resources.list entry, for kinds that have no dedicated list (VMs, databases). */
export function resourceFromGeneric(r: ArmResource): Resource | undefined {
  const kind = kindOfType(r.type);
  if (!kind || !r.id) return undefined;
  const base: Resource = { id: r.id, kind, region: r.location ?? '' };
  if (kind === 'database') {
    // No database service here allows anonymous reads: reachability is a network
    // question, not "readable by anyone".
    base.public = false;
    if (ALWAYS_ENCRYPTED_TYPES.has(lower(r.type))) base.encrypted = true;
  }
  return withTags(base, r.tags);
}

/**
 * Storage account (storageAccounts.list), plus its geo-replicated copy when GRS/GZRS.
 * Azure Storage encrypts every account at rest and the encryption cannot be disabled;
 * the list leaves `encryption` out for many accounts (StorageAccountList.json), and
 * then the account uses the default key source, Microsoft.Storage (Microsoft-managed
 * keys). `allowBlobPublicAccess` left out means its documented default at this
 * api-version, false.
 */
export function resourcesFromStorageAccount(a: ArmStorageAccount): Resource[] {
  if (!a.id) return [];
  const enc = a.encryption;
  const encrypted = enc?.services?.blob?.enabled === false || enc?.services?.file?.enabled === false ? false : true;
  const customerManagedKey = lower(enc?.keySource ?? DEFAULT_STORAGE_KEY_SOURCE) === 'microsoft.keyvault';
  const networkOpen = lower(a.publicNetworkAccess) !== 'disabled';
  const anonymous = a.allowBlobPublicAccess === true && networkOpen;
  const primary: Resource = {
    id: a.id,
    kind: 'storage-account',
    region: a.location ?? '',
    public: anonymous,
    ...(anonymous ? { publicReason: 'anonymous blob access allowed (allowBlobPublicAccess) on the public endpoint' } : {}),
    encrypted,
    customerManagedKey,
  };
  const out = [withTags(primary, a.tags)];
  const secondary = a.secondaryLocation;
  if (secondary && lower(secondary) !== lower(a.location)) {
    // The geo-replica is readable only through the read-access secondary endpoint (RA-GRS / RA-GZRS).
    const readAccess = /_RAG(Z)?RS$/i.test(a.sku?.name ?? '');
    out.push({
      id: `${a.id}#geo-secondary`,
      kind: 'storage-account',
      region: secondary,
      sourceId: a.id,
      public: anonymous && readAccess,
      ...(anonymous && readAccess ? { publicReason: 'anonymous blob access on the read-access secondary endpoint' } : {}),
      encrypted,
      customerManagedKey,
    });
  }
  return out;
}

/**
 * Managed disk or snapshot. Azure encrypts managed disks at rest (server-side
 * encryption) with no opt-out: `encryption.type` names the key (platform,
 * customer, or both). Network exposure: the list responses leave out
 * networkAccessPolicy and publicNetworkAccess when they hold the service defaults
 * (AllowAll, Enabled), so a missing value is the default, and such a disk could be
 * exported by SAS URL from any network (`exportFromAnyNetwork`, a hardening finding).
 * It is readable by anyone only while an export is live (diskState ActiveSAS or
 * ActiveSASFrozen): `public`, the critical finding.
 */
export function resourceFromDisk(d: ArmDiskLike, kind: 'volume' | 'snapshot'): Resource | undefined {
  if (!d.id) return undefined;
  const type = d.encryption?.type;
  const encrypted = type === undefined ? undefined : /^EncryptionAtRest/i.test(type) ? true : undefined;
  const cvmCustomerKey = /CustomerKey/i.test(d.securityProfile?.securityType ?? '');
  const customerManagedKey = type === undefined ? undefined : /CustomerKey/i.test(type) || cvmCustomerKey;
  const policy = lower(d.networkAccessPolicy ?? DEFAULT_NETWORK_ACCESS_POLICY);
  const networkOpen = lower(d.publicNetworkAccess ?? DEFAULT_PUBLIC_NETWORK_ACCESS) !== 'disabled';
  const exportable = policy === 'allowall' && networkOpen;
  const activeSas = /^ActiveSAS/i.test(d.diskState ?? '');
  const readableByAnyone = exportable && activeSas;
  const r: Resource = {
    id: d.id,
    kind,
    region: d.location ?? '',
    public: readableByAnyone,
    ...(readableByAnyone ? { publicReason: `active SAS export URL (diskState ${d.diskState}), usable from any network (networkAccessPolicy AllowAll)` } : {}),
    exportFromAnyNetwork: exportable,
    ...(encrypted !== undefined ? { encrypted } : {}),
    ...(customerManagedKey !== undefined ? { customerManagedKey } : {}),
    ...(kind === 'snapshot' && d.creationData?.sourceResourceId ? { sourceId: d.creationData.sourceResourceId } : {}),
  };
  return withTags(r, d.tags);
}

/** Overlay the detailed resources on the generic list (by case-insensitive id). */
export function mergeResources(generic: readonly Resource[], detailed: readonly Resource[]): Resource[] {
  const byId = new Map<string, Resource>();
  for (const r of generic) byId.set(idKey(r.id), r);
  for (const r of detailed) {
    const previous = byId.get(idKey(r.id));
    byId.set(idKey(r.id), previous?.tags && !r.tags ? { ...r, tags: previous.tags } : r);
  }
  return [...byId.values()].sort((a, b) => (a.kind + a.id).localeCompare(b.kind + b.id));
}

// ------------------------------------------------------------------ reading

export interface ResourceLists {
  generic: Outcome<ArmResource[]>;
  storage: Outcome<ArmStorageAccount[]>;
  disks: Outcome<ArmDiskLike[]>;
  snapshots: Outcome<ArmDiskLike[]>;
}

export interface ResourceListClients {
  resources: Pick<ResourceManagementClient, 'resources'>;
  storage: Pick<StorageManagementClient, 'storageAccounts'>;
  compute: Pick<ComputeManagementClient, 'disks' | 'snapshots'>;
}

/** The four lists, read at once, each its own area. */
export async function readResourceLists(c: AzureCollection, arm: ResourceListClients): Promise<ResourceLists> {
  const [generic, storage, disks, snapshots] = await Promise.all([
    c.area('ARM:resources.list', () => collectAll<ArmResource>(arm.resources.resources.list(c.o))),
    c.area('ARM:storageAccounts.list', () => collectAll<ArmStorageAccount>(arm.storage.storageAccounts.list(c.o))),
    c.area('ARM:disks.list', () => collectAll<ArmDiskLike>(arm.compute.disks.list(c.o))),
    c.area('ARM:snapshots.list', () => collectAll<ArmDiskLike>(arm.compute.snapshots.list(c.o))),
  ]);
  return { generic, storage, disks, snapshots };
}

export interface ResourceFacts {
  resources: Resource[];
  /** The region of a resource this subscription holds (for log destinations); undefined elsewhere. */
  locate: (resourceId: string) => string | undefined;
  /** Managed disks are always encrypted at rest: every region in use; undefined without the generic list. */
  defaultVolumeEncryption?: Record<string, boolean>;
}

/** Resources from the lists read; a failed list leaves gaps for the areas it feeds. */
export function resourcesFromLists(c: AzureCollection, lists: ResourceLists): ResourceFacts {
  const { generic, storage, disks, snapshots } = lists;
  const detailed: Resource[] = [];
  if (storage.ok) detailed.push(...storage.value.flatMap((a) => resourcesFromStorageAccount(a)));
  else c.gap(['encryption', 'exposure'], storage);
  if (disks.ok) detailed.push(...disks.value.flatMap((d) => resourceFromDisk(d, 'volume') ?? []));
  else c.gap(['encryption', 'exposure'], disks);
  if (snapshots.ok) detailed.push(...snapshots.value.flatMap((s) => resourceFromDisk(s, 'snapshot') ?? []));
  else c.gap(['encryption', 'exposure'], snapshots);
  if (!generic.ok) c.gap(['resources'], generic);
  const genericResources = generic.ok ? generic.value.flatMap((r) => resourceFromGeneric(r) ?? []) : [];
  const resources = mergeResources(genericResources, detailed);

  const locations = new Map<string, string>();
  for (const r of generic.ok ? generic.value : []) if (r.id && r.location) locations.set(idKey(r.id), r.location);
  for (const r of resources) if (!r.sourceId) locations.set(idKey(r.id), r.region);

  // Server-side encryption of managed disks cannot be turned off.
  const defaultVolumeEncryption: Record<string, boolean> = {};
  for (const r of resources) if (r.region && r.region !== 'global') defaultVolumeEncryption[regionKey(r.region)] = true;
  return {
    resources,
    locate: (id) => locations.get(idKey(id)),
    ...(generic.ok ? { defaultVolumeEncryption } : {}),
  };
}
