// Audit-trail records, provider-neutral: what a change-log reader (AWS CloudTrail files,
// the Azure Activity Log) returns and what the ChangesTracked controls judge. Plain data
// plus the one rule both sides share for naming an identity (ARN pattern, user name,
// role name): readers use it to keep a watched identity's calls, controls to judge them.

/**
 * network-change: security group, NACL, route table, VPC, gateway; sign-in: ConsoleLogin;
 * provider-access: a call by the provider's own staff or internal principals (AWS Support,
 * "AWS Internal"; an Azure Customer Lockbox approval); activity: anything else.
 */
export type ChangeKind = 'network-change' | 'sign-in' | 'provider-access' | 'activity';

/** One event of the audit trail (a CloudTrail record), provider-neutral. */
export interface ChangeRecord {
  /** CloudTrail eventID. */
  id: string;
  /** eventTime, RFC 3339. */
  time: string;
  /** ARN of the caller (userIdentity.arn; the root ARN for Root; the service for AWSService). */
  actor: string;
  /** For assumed-role sessions: the role ARN (sessionContext.sessionIssuer.arn). */
  principal?: string;
  /** IAM user name (or the role name of a session), when the log names one. */
  userName?: string;
  /** eventName, e.g. AuthorizeSecurityGroupIngress. */
  action: string;
  /** eventSource, e.g. ec2.amazonaws.com. */
  source?: string;
  /** The resource changed, e.g. sg-0123..., or "console" for a sign-in. */
  resource: string;
  region: string;
  kind: ChangeKind;
  /** Set when the call was refused (errorCode) or the sign-in failed: not a change. */
  errorCode?: string;
}

export interface ChangeFeedFailure {
  failure: { reason: string; message: string };
}

/** What the controls read: the records (fresh and kept), or why the log could not be read. */
export type ChangeFeed = ChangeRecord[] | ChangeFeedFailure;

/** `*` matches any run of characters; everything else literally; the whole string must match. */
export function arnPatternMatches(pattern: string, arn: string | undefined): boolean {
  if (arn === undefined || arn === '') return false;
  const trimmed = pattern.trim();
  if (!trimmed.includes('*')) return trimmed === arn;
  const regex = new RegExp(`^${trimmed.split('*').map(escapeRegExp).join('.*')}$`);
  return regex.test(arn);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Last path segment of an IAM ARN: user/ops/alice -> alice; assumed-role/Role/session -> Role. */
function nameOf(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const resource = arn.split(':').slice(5).join(':');
  if (resource.startsWith('assumed-role/')) return resource.split('/')[1];
  const parts = resource.split('/');
  return parts.length > 1 ? parts[parts.length - 1] : undefined;
}

/**
 * Two IAM user ARNs name the same user when account and user name agree: names are
 * unique in an account, and a log record may name the user without its path (a failed
 * console sign-in carries only userName and accountId).
 */
function sameIamUser(declared: string, actor: string): boolean {
  const user = /^arn:aws[\w-]*:iam::(\d{12}):user\/(?:.*\/)?([^/*]+)$/;
  const a = user.exec(declared.trim());
  const b = user.exec(actor);
  return a !== null && b !== null && a[1] === b[1] && a[2] === b[2];
}

/** Names compare without case: IAM user and role names are unique regardless of case, and so are Entra ID UPNs and object ids. */
function sameName(a: string, b: string | undefined): boolean {
  return b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/**
 * The entry of `identities` that names the record's caller, if any. An entry matches by
 * ARN (with `*` patterns; a user ARN also by account and user name), by user name, by
 * the role name of an assumed-role session or of the role an AssumeRole call assumed, or
 * by the caller or principal itself (an Azure UPN, application id or object id);
 * "root" or "<root_account>" matches the root user.
 *
 * Only the fields kept in status.changes (actor, principal) may be needed to match: a
 * record read back from status has no userName, and must be judged as it was when read.
 */
export function identityNamedBy(record: ChangeRecord, identities: readonly string[]): string | undefined {
  for (const entry of identities) {
    const e = entry.trim();
    if (e === '') continue;
    if (e.startsWith('arn:')) {
      if (arnPatternMatches(e, record.actor) || arnPatternMatches(e, record.principal) || sameIamUser(e, record.actor)) return entry;
      continue;
    }
    if ((e === 'root' || e === '<root_account>') && /:root$/.test(record.actor)) return entry;
    const names = [record.userName, record.actor, record.principal, nameOf(record.actor), nameOf(record.principal)];
    if (names.some((name) => sameName(e, name))) return entry;
  }
  return undefined;
}
