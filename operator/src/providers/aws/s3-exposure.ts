// Public S3 exposure, evaluated from the documents themselves (moto's
// GetBucketPolicyStatus answers wrongly, and evaluating locally costs no extra call).
//
// A bucket is public when (its policy is public and neither the bucket nor the account
// public access block sets RestrictPublicBuckets) or (its ACL grants AllUsers /
// AuthenticatedUsers and neither block sets IgnorePublicAcls).
// A policy is public when a statement with Effect Allow names Principal "*"
// ({"AWS": "*"}, or NotPrincipal) and has no Condition that pins the caller to known
// values (aws:SourceIp, aws:SourceVpc(e), aws:SourceArn, aws:SourceAccount,
// aws:SourceOwner, aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalArn,
// aws:userid, s3:DataAccessPointArn/Account) with non-wildcard values (a SourceIp of 0.0.0.0/0 or ::/0 pins nothing). This follows the documented
// meaning of "public" for S3 Block Public Access, simplified (no CIDR-size check).

import type { Grant, PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';

const PINNING_KEYS = new Set(
  [
    'aws:sourceip',
    'aws:sourcevpc',
    'aws:sourcevpce',
    'aws:sourcearn',
    'aws:sourceaccount',
    'aws:sourceowner',
    'aws:principalaccount',
    'aws:principalorgid',
    'aws:principalarn',
    'aws:userid',
    's3:dataaccesspointarn',
    's3:dataaccesspointaccount',
  ],
);

function isStar(v: unknown): boolean {
  if (v === '*') return true;
  if (Array.isArray(v)) return v.some(isStar);
  if (v && typeof v === 'object') {
    const aws = (v as { AWS?: unknown }).AWS;
    return aws !== undefined && isStar(aws);
  }
  return false;
}

function conditionPins(cond: unknown): boolean {
  if (!cond || typeof cond !== 'object') return false;
  for (const [operator, block] of Object.entries(cond as Record<string, unknown>)) {
    if (/^(ForAnyValue:)?(StringNotEquals|StringNotLike|ArnNotEquals|ArnNotLike|NotIpAddress|Null)/i.test(operator)) continue;
    if (!block || typeof block !== 'object') continue;
    for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
      if (!PINNING_KEYS.has(key.toLowerCase())) continue;
      const list = Array.isArray(values) ? values : [values];
      if (list.length > 0 && list.every(
          (x) => typeof x === 'string' && !x.includes('*') && !x.includes('?') && x !== '0.0.0.0/0' && x !== '::/0',
        )) return true;
    }
  }
  return false;
}

/** Why the bucket policy is public, or undefined. */
export function publicPolicyReason(policyJson: string | undefined): string | undefined {
  if (!policyJson) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(policyJson);
  } catch {
    return undefined;
  }
  const raw = (doc as { Statement?: unknown })?.Statement;
  const statements = Array.isArray(raw) ? raw : raw ? [raw] : [];
  for (const st of statements as Record<string, unknown>[]) {
    if (!st || st.Effect !== 'Allow') continue;
    const open = isStar(st.Principal) || st.NotPrincipal !== undefined;
    if (!open) continue;
    if (conditionPins(st.Condition)) continue;
    const action = Array.isArray(st.Action) ? st.Action.join(',') : String(st.Action ?? st.NotAction ?? '');
    return `bucket policy allows ${action || 'actions'} to Principal "*"${st.Sid ? ` (statement ${String(st.Sid)})` : ''}`;
  }
  return undefined;
}

const PUBLIC_GROUPS: Record<string, string> = {
  'http://acs.amazonaws.com/groups/global/AllUsers': 'AllUsers',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers': 'AuthenticatedUsers',
};

/** Why the ACL is public (grant to AllUsers / AuthenticatedUsers), or undefined. */
export function publicAclReason(grants: Grant[] | undefined): string | undefined {
  for (const g of grants ?? []) {
    const uri = g.Grantee?.URI;
    const group = uri ? PUBLIC_GROUPS[uri] : undefined;
    if (group) return `ACL grants ${g.Permission ?? 'access'} to ${group}`;
  }
  return undefined;
}

export type PabFlags = Pick<
  PublicAccessBlockConfiguration,
  'BlockPublicAcls' | 'IgnorePublicAcls' | 'BlockPublicPolicy' | 'RestrictPublicBuckets'
>;

export function allFlags(p: PabFlags | null | undefined): boolean {
  return !!p && !!p.BlockPublicAcls && !!p.IgnorePublicAcls && !!p.BlockPublicPolicy && !!p.RestrictPublicBuckets;
}

export interface ExposureInput {
  /** undefined: could not read; null: no policy. */
  policyReason: string | null | undefined;
  aclReason: string | null | undefined;
  /** undefined: could not read; null: no block configured. */
  bucketBlock: PabFlags | null | undefined;
  accountBlock: PabFlags | null | undefined;
}

/** `public` undefined when the answer depends on something unreadable. */
export function bucketExposure(i: ExposureInput): { public?: boolean; publicReason?: string } {
  const restrict = !!i.bucketBlock?.RestrictPublicBuckets || !!i.accountBlock?.RestrictPublicBuckets;
  const ignoreAcls = !!i.bucketBlock?.IgnorePublicAcls || !!i.accountBlock?.IgnorePublicAcls;
  const blocksUnknown = i.bucketBlock === undefined;
  const reasons: string[] = [];
  if (i.policyReason && !restrict) reasons.push(i.policyReason);
  if (i.aclReason && !ignoreAcls) reasons.push(i.aclReason);
  if (reasons.length > 0) {
    if (blocksUnknown) return {};
    return { public: true, publicReason: reasons.join('; ') };
  }
  // nothing public found: certain only when every input was read (or blocks make it moot)
  const policyKnown = i.policyReason !== undefined || restrict;
  const aclKnown = i.aclReason !== undefined || ignoreAcls;
  return policyKnown && aclKnown ? { public: false } : {};
}
