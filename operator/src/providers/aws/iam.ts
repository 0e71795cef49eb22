// IAM -> identities: users from the credential report (a few calls whatever the user
// count), reconciled with the live authorization details (privilege, one page per
// 1,000 entities, decided locally in privilege.ts with the SCPs organizations.ts
// reads once), virtual MFA from one paginated list, and a fresh ListMFADevices only
// for users who can write. The credential report is the one IAM read the collection
// cannot do without. Also the AWS Support role's last use (providerAccess, one GetRole).

import {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetRoleCommand,
  ListMFADevicesCommand,
  ListVirtualMFADevicesCommand,
  type GroupDetail,
  type ManagedPolicyDetail,
  type UserDetail,
} from '@aws-sdk/client-iam';

import type { SupportRoleUse } from '../../inventory/provider-access.js';
import type { Identity } from '../../inventory/types.js';
import { FatalCollection } from '../collection.js';
import { mapLimit, sleep } from './concurrency.js';
import { iso, paginate, type AwsCollection } from './context.js';
import { accessKeysOf, parseCredentialReport, signInFieldsOf, type CredentialReportRow } from './credential-report.js';
import { errorCode } from './errors.js';
import { readServiceControlPolicies } from './organizations.js';
import { decidePrivileges, type AuthorizationDetails, type PrivilegeDecision } from './privilege.js';

export interface IdentityFacts {
  identities: Identity[];
  rootMfaEnabled?: boolean;
  /** GeneratedTime of the credential report. */
  generatedAt?: string;
}

/** The credential report, generated and polled until ready; a failure ends the collection. */
async function credentialReport(c: AwsCollection): Promise<{ rows: CredentialReportRow[]; generatedAt?: string }> {
  const iam = c.clients.iam();
  const poll = c.limits.reportPollIntervalMs;
  const deadline = Date.now() + c.limits.reportTimeoutMs;
  try {
    for (;;) {
      const g = await iam.send(new GenerateCredentialReportCommand({}), c.o);
      if (g.State === 'COMPLETE') break;
      if (Date.now() + poll > deadline) {
        throw new FatalCollection({
          reason: 'CredentialReportTimeout',
          message: `iam:GenerateCredentialReport: report still ${g.State ?? 'pending'} after the timeout`,
        });
      }
      await sleep(poll, c.signal);
    }
    for (;;) {
      try {
        const r = await iam.send(new GetCredentialReportCommand({}), c.o);
        const csv = r.Content ? Buffer.from(r.Content).toString('utf8') : '';
        const generatedAt = iso(r.GeneratedTime);
        return { rows: parseCredentialReport(csv), ...(generatedAt ? { generatedAt } : {}) };
      } catch (err) {
        const code = errorCode(err);
        const pending = code === 'ReportInProgress' || code === 'ReportNotPresent' || code === 'ReportExpired';
        if (!pending || Date.now() + poll > deadline) throw err;
        if (code !== 'ReportInProgress') await iam.send(new GenerateCredentialReportCommand({}), c.o);
        await sleep(poll, c.signal);
      }
    }
  } catch (err) {
    if (c.signal.aborted) throw err;
    throw c.fatal(err, 'iam:GetCredentialReport');
  }
}

async function authorizationDetails(c: AwsCollection): Promise<AuthorizationDetails> {
  const iam = c.clients.iam();
  const users: UserDetail[] = [];
  const groups: GroupDetail[] = [];
  const policies: ManagedPolicyDetail[] = [];
  await paginate(async (Marker) => {
    const r = await iam.send(
      new GetAccountAuthorizationDetailsCommand({
        // Roles are not identities here: not asking for them keeps the pages few.
        Filter: ['User', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'],
        MaxItems: 1000,
        ...(Marker ? { Marker } : {}),
      }),
      c.o,
    );
    users.push(...(r.UserDetailList ?? []));
    groups.push(...(r.GroupDetailList ?? []));
    for (const policy of r.Policies ?? []) {
      const kept = policyInForce(policy);
      if (kept) policies.push(kept);
    }
    return { items: [], next: r.IsTruncated ? r.Marker : undefined };
  });
  return { users, groups, policies };
}

/**
 * What of a managed policy can grant or bound anything: its default version, if it is
 * attached or used as a permissions boundary.
 * Dropped as each page arrives: the details list every stored version of every managed
 * policy, AWS managed ones included (moto: all 1,100+ AWS managed policies, about 3 MiB
 * of URL-encoded documents a collection), and only the default version of an attached
 * policy is ever evaluated. A policy without an attachment count is kept.
 */
export function policyInForce(policy: ManagedPolicyDetail): ManagedPolicyDetail | undefined {
  if (policy.AttachmentCount === 0 && !((policy.PermissionsBoundaryUsageCount ?? 0) > 0)) return undefined;
  const versions = policy.PolicyVersionList ?? [];
  const current = versions.find((v) => v.IsDefaultVersion) ?? versions.find((v) => v.VersionId === policy.DefaultVersionId);
  return current && versions.length > 1 ? { ...policy, PolicyVersionList: [current] } : policy;
}

/** User ARNs with an assigned virtual MFA device, and whether root has one. */
async function virtualMfa(c: AwsCollection): Promise<{ users: Set<string>; root: boolean }> {
  const iam = c.clients.iam();
  const devices = await paginate(async (Marker) => {
    const r = await iam.send(
      new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned', MaxItems: 1000, ...(Marker ? { Marker } : {}) }),
      c.o,
    );
    return { items: r.VirtualMFADevices ?? [], next: r.IsTruncated ? r.Marker : undefined };
  });
  const users = new Set<string>();
  let root = false;
  for (const d of devices) {
    const arn = d.User?.Arn;
    if (arn?.endsWith(':root') || d.SerialNumber?.endsWith('/root-account-mfa-device')) root = true;
    else if (arn) users.add(arn);
  }
  return { users, root };
}

async function mfaDeviceCount(c: AwsCollection, userName: string): Promise<number> {
  const iam = c.clients.iam();
  const devices = await paginate(async (Marker) => {
    const r = await iam.send(new ListMFADevicesCommand({ UserName: userName, MaxItems: 100, ...(Marker ? { Marker } : {}) }), c.o);
    return { items: r.MFADevices ?? [], next: r.IsTruncated ? r.Marker : undefined };
  });
  return devices.length;
}

export async function readIdentities(c: AwsCollection): Promise<IdentityFacts> {
  const iam = c.clients.iam();
  const [report, summary, details, vmfa] = await Promise.all([
    credentialReport(c),
    c.attempt('identities', 'iam:GetAccountSummary', () => iam.send(new GetAccountSummaryCommand({}), c.o)),
    c.attempt('identities', 'iam:GetAccountAuthorizationDetails', () => authorizationDetails(c)),
    c.attempt('identities', 'iam:ListVirtualMFADevices', () => virtualMfa(c)),
  ]);
  const withKey = new Set(report.rows.filter((r) => r.keys.some((k) => k.active)).map((r) => r.arn));
  const decisions: Map<string, PrivilegeDecision> | undefined = details
    ? await decidePrivileges(details, {
        accountId: c.accountId,
        partition: c.partition,
        scps: await readServiceControlPolicies(c),
        hasAccessKey: (arn) => withKey.has(arn),
      })
    : undefined;
  const summaryMfa = summary?.SummaryMap?.AccountMFAEnabled;
  const rootRow = report.rows.find((r) => r.isRoot);
  const rootMfaEnabled = summaryMfa !== undefined ? summaryMfa === 1 : rootRow ? rootRow.mfaActive || !!vmfa?.root : undefined;

  // Users: the credential report (can be up to 4 h old on AWS) reconciled with the
  // live authorization details: users deleted since are dropped, users created since
  // are added (their keys appear at the next report).
  type UserFacts = { arn: string; name: string; row?: CredentialReportRow };
  const users: UserFacts[] = [];
  const liveArns = details ? new Set(details.users.map((u) => u.Arn).filter((a): a is string => !!a)) : undefined;
  for (const row of report.rows) {
    if (row.isRoot) continue;
    if (liveArns && !liveArns.has(row.arn)) continue;
    users.push({ arn: row.arn, name: row.user, row });
  }
  if (details) {
    const inReport = new Set(report.rows.map((r) => r.arn));
    for (const u of details.users) {
      if (u.Arn && u.UserName && !inReport.has(u.Arn)) users.push({ arn: u.Arn, name: u.UserName });
    }
  }

  // Freshness: MFA of users who can write is confirmed directly (calls grow with
  // privileged users only).
  const fresh = new Map<string, boolean>();
  const privileged = users.filter((u) => (decisions?.get(u.arn)?.write ?? 'no') !== 'no');
  await mapLimit(privileged, c.limits.itemConcurrency, async (u) => {
    const n = await c.attempt('identities', 'iam:ListMFADevices', () => mfaDeviceCount(c, u.name));
    if (n !== undefined) fresh.set(u.arn, n > 0);
  });

  const identities: Identity[] = [];
  if (rootRow || summary) {
    identities.push({
      id: rootRow?.arn || `arn:${c.partition}:iam::${c.accountId}:root`,
      name: 'root',
      kind: 'root',
      mfaEnabled: rootMfaEnabled ?? false,
      privileged: true,
      interactive: true,
      accessKeys: rootRow ? accessKeysOf(rootRow) : [],
      privilegeSource: 'root user (unrestricted by IAM policies)',
    });
  }
  for (const u of users) {
    const decision = decisions?.get(u.arn);
    const mfa = fresh.get(u.arn) ?? ((u.row?.mfaActive ?? false) || !!vmfa?.users.has(u.arn));
    // with-mfa: writes need MFA present, so the user can write exactly when it has MFA
    const privileged = decision ? decision.write === 'yes' || (decision.write === 'with-mfa' && mfa) : false;
    identities.push({
      id: u.arn,
      name: u.name,
      kind: 'user',
      mfaEnabled: mfa,
      privileged,
      ...(privileged && decision?.grant ? { privilegeGrant: decision.grant } : {}),
      // not yet in the report: console access unknown, assume it (conservative)
      interactive: u.row ? u.row.passwordEnabled === true : true,
      accessKeys: u.row ? accessKeysOf(u.row) : [],
      ...signInFieldsOf(u.row),
      privilegeSource: decision
        ? decision.write === 'with-mfa' && !mfa
          ? `${decision.source}; no MFA device, so it cannot write now`
          : decision.source
        : details
          ? 'user created after the authorization details were read'
          : 'undetermined: authorization details not readable',
    });
  }
  return {
    identities,
    ...(rootMfaEnabled !== undefined ? { rootMfaEnabled } : {}),
    ...(report.generatedAt ? { generatedAt: report.generatedAt } : {}),
  };
}

/** The service-linked role AWS Support acts through in every account (created by AWS). */
export const SUPPORT_ROLE_NAME = 'AWSServiceRoleForSupport';
/** IAM reports a role's last use over the trailing 400 days only (RoleLastUsed). */
export const ROLE_LAST_USED_TRACKING_DAYS = 400;

/**
 * The AWS Support role and when it was last used (iam:GetRole): null when the account
 * has none (NoSuchEntity); undefined, with a providerAccess gap, when it cannot be read.
 * Never used: no use since its creation or the start of IAM's 400-day tracking window,
 * whichever is later.
 */
export async function readSupportRole(c: AwsCollection, now: Date): Promise<SupportRoleUse | null | undefined> {
  try {
    const role = (await c.clients.iam().send(new GetRoleCommand({ RoleName: SUPPORT_ROLE_NAME }), c.o)).Role;
    const arn = role?.Arn;
    const lastUsed = iso(role?.RoleLastUsed?.LastUsedDate);
    const created = iso(role?.CreateDate);
    if (!arn || (!lastUsed && !created)) {
      c.gap('providerAccess', Object.assign(new Error('GetRole answered without Arn or dates'), { name: 'InvalidResponse' }), 'iam:GetRole');
      return undefined;
    }
    if (lastUsed) return { arn, lastUse: { at: lastUsed } };
    const tracked = new Date(now.getTime() - ROLE_LAST_USED_TRACKING_DAYS * 86_400_000).toISOString();
    return { arn, lastUse: { noUseSince: created! > tracked ? created! : tracked } };
  } catch (err) {
    if (errorCode(err) === 'NoSuchEntity') return null;
    c.gap('providerAccess', err, 'iam:GetRole');
    return undefined;
  }
}
