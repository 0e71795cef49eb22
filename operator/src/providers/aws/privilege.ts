// Deciding "privileged" (can write or delete) from IAM policy documents.
//
// Method: an IAM user is privileged when any policy that applies to it (inline user
// policies, attached managed policies, and the inline and attached policies of its
// groups; managed policies read at their default version) has a statement with
// Effect Allow whose Action grants something that is not read-only, or that uses
// NotAction with Allow. An action is read-only when the part after the service
// prefix starts with one of the read-only verbs below (case-insensitive); `*`,
// `service:*` and any wildcard before a read-only verb is complete (`s3:*Object`,
// `ec2:D*`) count as not read-only.
//
// Limits (deliberately conservative: it over-reports privileged, never under-reports):
// - permissions boundaries, SCPs, resource policies and session policies are not evaluated;
// - Condition blocks and Resource scoping are ignored (an Allow scoped to one bucket counts);
// - Deny statements are ignored;
// - roles are not identities here (nobody signs in as a role; MFA is enforced on the
//   principals that assume it), so role policies are not decided;
// - `iam:PassRole`, `sts:AssumeRole` and the like are not read-only, so a user who may
//   assume roles is privileged even if the roles are harmless.
// IAM's SimulatePrincipalPolicy would be exact but costs calls per identity and per
// action (and moto does not implement it).

import type { GroupDetail, ManagedPolicyDetail, UserDetail } from '@aws-sdk/client-iam';

export const READ_ONLY_VERB =
  /^(Get|List|Describe|View|Lookup|Search|Simulate|Generate|Estimate|Check|Preview|Poll|Query|Scan|Select|Validate|BatchGet|Head)/i;

/** True when `action` (e.g. `s3:GetObject`, `ec2:Describe*`) grants only reads. */
export function isReadOnlyAction(action: string): boolean {
  const a = action.trim();
  if (a === '*') return false;
  const i = a.indexOf(':');
  if (i <= 0) return false;
  const op = a.slice(i + 1);
  if (op === '' || op.startsWith('*') || op.startsWith('?')) return false;
  const m = READ_ONLY_VERB.exec(op);
  if (!m) return false;
  // a wildcard inside the verb itself (`Li*`) is caught by the regex not matching;
  // a wildcard after a complete verb (`Get*`, `List*`) stays within that verb.
  return true;
}

/** Policy documents come URL-encoded from IAM (RFC 3986) or as JSON text / objects. */
export function parsePolicyDocument(doc: unknown): unknown {
  if (doc === undefined || doc === null) return undefined;
  if (typeof doc === 'object') return doc;
  if (typeof doc !== 'string') return undefined;
  let text = doc.trim();
  if (!text.startsWith('{')) {
    try {
      text = decodeURIComponent(text.replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    try {
      return JSON.parse(decodeURIComponent(text)) as unknown;
    } catch {
      return undefined;
    }
  }
}

type Statement = { Effect?: unknown; Action?: unknown; NotAction?: unknown };

function statementsOf(doc: unknown): Statement[] {
  if (!doc || typeof doc !== 'object') return [];
  const s = (doc as { Statement?: unknown }).Statement;
  if (Array.isArray(s)) return s.filter((x): x is Statement => !!x && typeof x === 'object');
  if (s && typeof s === 'object') return [s as Statement];
  return [];
}

function asList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

/**
 * The first non-read-only grant of a policy document (`*`, `s3:PutObject`,
 * `NotAction`), or undefined when it only grants reads. Unparseable documents
 * count as privileged (`unparseable policy`).
 */
export function privilegedGrant(rawDoc: unknown): string | undefined {
  const doc = parsePolicyDocument(rawDoc);
  if (rawDoc !== undefined && doc === undefined) return 'unparseable policy';
  for (const st of statementsOf(doc)) {
    if (st.Effect !== 'Allow') continue;
    if (st.NotAction !== undefined) return `NotAction ${asList(st.NotAction).slice(0, 3).join(',')}`.trim();
    for (const a of asList(st.Action)) {
      if (!isReadOnlyAction(a)) return a;
    }
  }
  return undefined;
}

export interface PrivilegeDecision {
  privileged: boolean;
  /** Evidence: which policy granted which non-read-only action. */
  source: string;
}

export interface AuthorizationDetails {
  users: UserDetail[];
  groups: GroupDetail[];
  policies: ManagedPolicyDetail[];
}

/** Decide every user's privilege from GetAccountAuthorizationDetails output. Keyed by user ARN. */
export function decidePrivileges(details: AuthorizationDetails): Map<string, PrivilegeDecision> {
  const managed = new Map<string, string | undefined>(); // policy ARN -> privileged grant
  for (const p of details.policies) {
    if (!p.Arn) continue;
    const version =
      p.PolicyVersionList?.find((v) => v.IsDefaultVersion) ??
      p.PolicyVersionList?.find((v) => v.VersionId === p.DefaultVersionId);
    managed.set(p.Arn, version ? privilegedGrant(version.Document) : 'unreadable managed policy');
  }
  const managedGrant = (arn: string): string | undefined =>
    managed.has(arn) ? managed.get(arn) : 'managed policy not in authorization details';

  const groupGrant = new Map<string, string | undefined>(); // group name -> "source"
  for (const g of details.groups) {
    if (!g.GroupName) continue;
    let found: string | undefined;
    for (const ip of g.GroupPolicyList ?? []) {
      const grant = privilegedGrant(ip.PolicyDocument);
      if (grant) {
        found = `group ${g.GroupName} inline policy ${ip.PolicyName ?? '?'} allows ${grant}`;
        break;
      }
    }
    if (!found) {
      for (const ap of g.AttachedManagedPolicies ?? []) {
        const grant = ap.PolicyArn ? managedGrant(ap.PolicyArn) : undefined;
        if (grant) {
          found = `group ${g.GroupName} policy ${ap.PolicyArn} allows ${grant}`;
          break;
        }
      }
    }
    groupGrant.set(g.GroupName, found);
  }

  const out = new Map<string, PrivilegeDecision>();
  for (const u of details.users) {
    if (!u.Arn) continue;
    let source: string | undefined;
    for (const ip of u.UserPolicyList ?? []) {
      const grant = privilegedGrant(ip.PolicyDocument);
      if (grant) {
        source = `inline policy ${ip.PolicyName ?? '?'} allows ${grant}`;
        break;
      }
    }
    if (!source) {
      for (const ap of u.AttachedManagedPolicies ?? []) {
        const grant = ap.PolicyArn ? managedGrant(ap.PolicyArn) : undefined;
        if (grant) {
          source = `policy ${ap.PolicyArn} allows ${grant}`;
          break;
        }
      }
    }
    if (!source) {
      for (const gname of u.GroupList ?? []) {
        const g = groupGrant.get(gname);
        if (g) {
          source = g;
          break;
        }
      }
    }
    out.set(u.Arn, source ? { privileged: true, source } : { privileged: false, source: 'only read-only grants' });
  }
  return out;
}
