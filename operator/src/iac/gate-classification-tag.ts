// The gate's classification-tag rule: data stores and compute carry `classification` or
// `data-classification` equal to the service's classification (AWS provider
// `defaultTags` and the stack's `aws:defaultTags` count).

import { type GateContext, providerOf, violation } from './gate-context.js';
import type { CapturedResource } from './gate-types.js';
import {
  AWS_BUCKET_TYPES,
  AWS_DB_CLUSTER_TYPE,
  AWS_DB_INSTANCE_TYPE,
  AWS_INSTANCE_TYPE,
  AWS_VOLUME_TYPE,
  AZURE_DISK_TYPE,
  AZURE_STORAGE_ACCOUNT_TYPE,
  AZURE_VM_TYPE,
  type Cloud,
  asRecord,
  asTags,
} from './resource-types.js';

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

const CLASSIFICATION_TAG_KEYS = ['classification', 'data-classification'];

function effectiveTags(ctx: GateContext, r: CapturedResource, cloud: Cloud): Record<string, string> {
  if (cloud !== 'aws') return asTags(r.inputs.tags);
  const provider = providerOf(ctx, r);
  const defaults = provider ? asRecord(provider.inputs.defaultTags) : asRecord(ctx.program.config['aws:defaultTags']);
  return { ...asTags(defaults?.tags), ...asTags(r.inputs.tags) };
}

export function checkClassificationTag(ctx: GateContext, r: CapturedResource, cloud: Cloud): void {
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
