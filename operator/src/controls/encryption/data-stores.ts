// EncryptionAtRest (checklist step 4): the resources that hold data at rest, shared by
// the encryption controls. Unreadable facts never fail a control: a resource whose
// encryption (or key ownership) could not be read makes it Unknown, unless another
// resource already fails (a known failure is still a failure).

import type { Resource, ResourceKind } from '../../inventory/types.js';
import { compareText } from '../text.js';

/** Kinds that hold data at rest (compute instances hold it on their volumes). */
// Not 'log-destination': an in-account trail bucket is also listed as a bucket and
// checked as one; a destination in another account (the log vault) belongs to that
// account, whose own CloudService answers for it.
export const ENCRYPTABLE_KINDS: readonly ResourceKind[] = [
  'volume',
  'snapshot',
  'database',
  'database-snapshot',
  'database-replica',
  'bucket',
  'storage-account',
];

export function holdsData(resource: Resource): boolean {
  return ENCRYPTABLE_KINDS.includes(resource.kind);
}

/** Resources by id: findings in a stable order. */
export function byId(a: Resource, b: Resource): number {
  return compareText(a.id, b.id);
}
