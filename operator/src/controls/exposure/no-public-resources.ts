// A523-04-NO-PUBLIC-RESOURCES (NoPublicExposure, checklist step 4): no bucket, snapshot,
// database or storage account is readable by anyone (the "orphaned public snapshot"
// trap). A `public` fact unread on a kind that can be made public makes the control
// Unknown unless another resource is already public. Volumes and compute instances
// cannot be shared publicly as data stores, so their `public` is not required.

import type { Resource, ResourceKind } from '../../inventory/types.js';
import type { Control } from '../types.js';
import { judgeItems } from '../outcome.js';
import { readLive } from '../live.js';
import { compareText, plural } from '../text.js';

/** Kinds that can be exposed to anyone (public bucket / blob access, shared snapshot, public endpoint). */
// Not 'log-destination': an in-account trail bucket is also listed as a bucket and
// checked as one; a destination in another account (the log vault) belongs to that
// account, whose own CloudService answers for it.
export const EXPOSABLE_KINDS: readonly ResourceKind[] = [
  'snapshot',
  'database',
  'database-snapshot',
  'database-replica',
  'bucket',
  'storage-account',
];

function canBePublic(resource: Resource): boolean {
  return EXPOSABLE_KINDS.includes(resource.kind);
}

export const noPublicResources: Control = {
  id: 'A523-04-NO-PUBLIC-RESOURCES',
  family: 'NoPublicExposure',
  checklistStep: 4,
  severity: 'critical',
  title: 'No bucket, snapshot, database or storage account is publicly readable',
  remediation:
    'Remove the public grant named in each finding (bucket policy or ACL, snapshot "all" create-volume permission, blob public access, public database endpoint); then check access logs for downloads while it was public.',
  needs: 'live',
  evaluate(input) {
    const live = readLive(input, ['resources', 'exposure']);
    if (!live.ok) return live.outcome;
    const resources = [...live.inventory.resources].sort((a, b) => compareText(a.id, b.id));
    const exposed = resources.filter((r) => r.public === true);
    const unreadable = resources.filter((r) => canBePublic(r) && r.public === undefined).map((r) => r.id);
    const checked = resources.filter(canBePublic).length;
    return judgeItems(
      {
        failures: exposed.map((r) => ({
          resource: r.id,
          message: `${r.kind} in ${r.region} is public${r.publicReason ? ` (${r.publicReason})` : ''}`,
        })),
        unreadable,
      },
      {
        failReason: 'PublicResources',
        failMessage: `${plural(exposed.length, 'resource')} publicly readable`,
        unknownReason: 'ExposureUnreadable',
        unknownMessage: `Public access unreadable for ${plural(unreadable.length, 'resource')}`,
        passReason: 'NoPublicResources',
        passMessage:
          checked === 0
            ? 'No shareable data stores found'
            : `No public access to ${plural(checked, 'shareable data store')}`,
        timing: { evidenceAt: live.evidenceAt },
      },
    );
  },
};
