// The gate's no-public-access rule: buckets behind a complete public access block (their
// own or the account's), no public ACL or "*" policy; databases not publicly
// accessible; Azure storage without anonymous blob access or public containers, disks
// not exportable from any network.

import { type GateContext, violation } from './gate-context.js';
import type { CapturedResource } from './gate-types.js';
import {
  AWS_BUCKET_TYPES,
  AWS_DB_CLUSTER_TYPE,
  AWS_DB_INSTANCE_TYPE,
  AZURE_DISK_TYPE,
  AZURE_STORAGE_ACCOUNT_TYPE,
  PUBLIC_ACCESS_BLOCK_FLAGS,
  aclIsPublic,
  asBool,
  asString,
  azureDiskPubliclyExportable,
  parseJsonText,
  policyIsPublic,
  publicAccessBlockGaps,
} from './resource-types.js';

export function checkPublicAccess(ctx: GateContext, r: CapturedResource): void {
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
    const policies = [...(children?.policies ?? []), parseJsonText(i.policy)];
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
