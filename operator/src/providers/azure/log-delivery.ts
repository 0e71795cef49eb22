// When the subscription's Activity Log last arrived in each storage-account trail
// destination (A523-09-TRAIL-DELIVERY): the newest blob of this subscription in the
// account's `insights-activity-logs` container, read with @azure/storage-blob and the
// collection's credential (data plane: the operator needs Storage Blob Data Reader on
// the vault account or container; Reader on the subscription does not reach blobs).
//
// Azure writes one append blob per hour:
//   insights-activity-logs/resourceId=/SUBSCRIPTIONS/<ID>/y=YYYY/m=MM/d=DD/h=HH/m=00/PT1H.json
// so the newest is found by descending the zero-padded folders, taking the greatest
// prefix at each level (one delimited list call per level, about 6 in all), never by
// listing every blob. The delivery time is that blob's Last-Modified.
// Outcomes per trail: lastDeliveryAt (fresh or stale is the control's call),
// lastDeliveryError (nothing has ever been delivered: no container, no blob), or
// lastDeliveryUnreadable (denied, unreachable, other destinations) so the control says
// Unknown with the reason and the role it needs.
//
// Endpoint: `https://{account}.blob.core.windows.net` (public cloud), or a template with
// `{account}` from `$CLOUDPOSTURE_AZURE_STORAGE_BLOB_ENDPOINT` (sovereign clouds:
// `https://{account}.blob.core.chinacloudapi.cn`; Azurite in tests and the demo:
// `https://127.0.0.1:PORT/{account}`).

import { ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/identity';

import type { AuditTrail } from '../../inventory/types.js';
import { attemptCode } from './errors.js';

export const AZURE_STORAGE_BLOB_ENDPOINT_ENV = 'CLOUDPOSTURE_AZURE_STORAGE_BLOB_ENDPOINT';
export const DEFAULT_BLOB_ENDPOINT_TEMPLATE = 'https://{account}.blob.core.windows.net';
export const ACTIVITY_LOG_CONTAINER = 'insights-activity-logs';
/** The data-plane role the read needs, named in every "access denied" message. */
export const BLOB_READER_ROLE = 'Storage Blob Data Reader';

/** Folder levels below the subscription (y, m, d, h, m) plus the blob level, with room to spare. */
const MAX_LEVELS = 8;
/** Pages read per level (5,000 entries each): folders per level are few (years, 12 months, 31 days, 24 hours). */
const MAX_PAGES_PER_LEVEL = 4;
const PAGE_SIZE = 5_000;
/** Distinct vault accounts read per collection. */
export const MAX_VAULT_ACCOUNTS = 10;

type Env = Record<string, string | undefined>;

/** The storage account name of a storage account resource id, lower case; undefined for other ids. */
export function storageAccountName(resourceId: string): string | undefined {
  const name = /\/providers\/microsoft\.storage\/storageaccounts\/([^/]+)$/i.exec(resourceId.trim())?.[1]?.toLowerCase();
  return name && /^[a-z0-9]{3,24}$/.test(name) ? name : undefined;
}

/** The blob endpoint template (explicit, else the environment, else the public cloud); https with `{account}` only. */
export function resolveBlobEndpointTemplate(explicit: string | undefined, env: Env): string {
  const chosen = [explicit, env[AZURE_STORAGE_BLOB_ENDPOINT_ENV]].map((v) => v?.trim() ?? '').find((v) => v !== '') ?? DEFAULT_BLOB_ENDPOINT_TEMPLATE;
  if (!chosen.includes('{account}')) throw new Error(`${AZURE_STORAGE_BLOB_ENDPOINT_ENV}: the template must contain {account}, got ${chosen}`);
  const url = new URL(chosen.replace('{account}', 'account'));
  if (url.protocol !== 'https:') throw new Error(`${AZURE_STORAGE_BLOB_ENDPOINT_ENV}: the endpoint must use https, got ${url.protocol}//${url.host}`);
  return chosen.replace(/\/+$/, '');
}

export function blobAccountUrl(template: string, account: string): string {
  return template.replace('{account}', account);
}

/** The folder of one subscription's activity logs, as Azure writes it (upper-case id). */
export function subscriptionPrefix(subscriptionId: string): string {
  return `resourceId=/SUBSCRIPTIONS/${subscriptionId.toUpperCase()}/`;
}

export interface NewestBlob {
  name: string;
  lastModified: Date;
}

/** The container operations this module uses (a ContainerClient, or a fake in unit tests). */
export type BlobLister = Pick<ContainerClient, 'listBlobsByHierarchy'>;

/** The newest blob under `prefix`, descending into the greatest folder at each level; undefined when there is none. */
export async function newestBlob(container: BlobLister, prefix: string, signal?: AbortSignal, onPage?: () => void): Promise<NewestBlob | undefined> {
  let current = prefix;
  let newest: NewestBlob | undefined;
  for (let level = 0; level < MAX_LEVELS; level++) {
    let greatest: string | undefined;
    let pages = 0;
    const iterator = container.listBlobsByHierarchy('/', { prefix: current, ...(signal ? { abortSignal: signal } : {}) }).byPage({ maxPageSize: PAGE_SIZE });
    for await (const page of iterator) {
      onPage?.();
      for (const p of page.segment.blobPrefixes ?? []) if (greatest === undefined || p.name > greatest) greatest = p.name;
      for (const b of page.segment.blobItems) {
        const at = b.properties.lastModified;
        if (at && (!newest || at.getTime() > newest.lastModified.getTime())) newest = { name: b.name, lastModified: at };
      }
      if (++pages >= MAX_PAGES_PER_LEVEL) break;
    }
    if (greatest === undefined) return newest;
    current = greatest;
  }
  return newest;
}

/** A failed blob read as the trail's delivery facts. */
export function deliveryFromError(err: unknown, account: string): Pick<AuditTrail, 'lastDeliveryError' | 'lastDeliveryUnreadable'> {
  const e = err as { statusCode?: number; code?: string; details?: { errorCode?: string } };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code = e.details?.errorCode ?? (typeof e.code === 'string' ? e.code : undefined) ?? attemptCode(err);
  const where = `${account}/${ACTIVITY_LOG_CONTAINER}`;
  if (status === 404 && code === 'ContainerNotFound') {
    return { lastDeliveryError: `no activity log has been delivered: container ${where} does not exist` };
  }
  const what = `${code}${status !== undefined ? ` (HTTP ${status})` : ''}`;
  if (status === 401 || status === 403) {
    return { lastDeliveryUnreadable: `reading ${where} was refused: ${what}; the operator's identity needs the ${BLOB_READER_ROLE} role on the storage account or container` };
  }
  return { lastDeliveryUnreadable: `reading ${where} failed: ${what}` };
}

export interface LogDeliveryOptions {
  credential: TokenCredential;
  /** Environment the endpoint template is read from (resolveBlobEndpointTemplate). */
  env: Env;
  /** Explicit endpoint template (tests); else the environment, else the public cloud. */
  endpointTemplate?: string;
  subscriptionId: string;
  /** One record per list page or failed call: `Storage:listBlobs`. */
  record: (operation: string, code: string) => void;
  signal?: AbortSignal;
  maxRetries: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

/** One account's delivery facts (newest blob time, or why not). Never rejects unless aborted. */
async function readAccount(account: string, template: string, o: LogDeliveryOptions): Promise<Pick<AuditTrail, 'lastDeliveryAt' | 'lastDeliveryError' | 'lastDeliveryUnreadable'>> {
  const pipeline: StoragePipelineOptions = {
    retryOptions: { maxTries: o.maxRetries + 1, retryDelayInMs: o.retryDelayMs, maxRetryDelayInMs: o.maxRetryDelayMs },
  };
  const container = new ContainerClient(`${blobAccountUrl(template, account)}/${ACTIVITY_LOG_CONTAINER}`, o.credential, pipeline);
  try {
    const newest = await newestBlob(container, subscriptionPrefix(o.subscriptionId), o.signal, () => o.record('Storage:listBlobs', 'OK'));
    if (!newest) return { lastDeliveryError: `no activity log of this subscription has been delivered to ${account}/${ACTIVITY_LOG_CONTAINER}` };
    return { lastDeliveryAt: newest.lastModified.toISOString() };
  } catch (err) {
    if (o.signal?.aborted) throw err;
    const e = err as { details?: { errorCode?: string }; code?: string };
    o.record('Storage:listBlobs', e.details?.errorCode ?? (typeof e.code === 'string' ? e.code : attemptCode(err)));
    return deliveryFromError(err, account);
  }
}

/**
 * The trails with their delivery facts: storage-account destinations read (each
 * distinct account once, at most MAX_VAULT_ACCOUNTS), other destinations marked unread.
 */
export async function addLogDelivery(trails: readonly AuditTrail[], o: LogDeliveryOptions): Promise<AuditTrail[]> {
  let template: string;
  try {
    template = resolveBlobEndpointTemplate(o.endpointTemplate, o.env);
  } catch (err) {
    const why = `blob endpoint misconfigured: ${(err as Error).message}`;
    return trails.map((t) => (t.logging && t.destination ? { ...t, lastDeliveryUnreadable: why } : t));
  }
  const accounts = [...new Set(trails.flatMap((t) => (t.logging && t.destination ? (storageAccountName(t.destination) ?? []) : [])))].sort();
  const read = new Map(await Promise.all(accounts.slice(0, MAX_VAULT_ACCOUNTS).map(async (a) => [a, await readAccount(a, template, o)] as const)));
  return trails.map((t) => {
    if (!t.logging || !t.destination) return t;
    const account = storageAccountName(t.destination);
    if (!account) return { ...t, lastDeliveryUnreadable: 'delivery time is read for storage account destinations only (not Log Analytics workspaces or event hubs)' };
    const facts = read.get(account);
    return facts ? { ...t, ...facts } : { ...t, lastDeliveryUnreadable: `more than ${MAX_VAULT_ACCOUNTS} destination storage accounts: ${account} not read` };
  });
}
