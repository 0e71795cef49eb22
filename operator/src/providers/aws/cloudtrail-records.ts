// One CloudTrail record (an element of a delivered log file's "Records" array) as a
// ChangeRecord: network and firewall changes (checklist step 10), console sign-ins,
// every call of a watched (break-glass) identity (step 8) and every call AWS itself made
// in the account (provider access: "AWS Internal", AWS Support). Pure: no I/O.

import { identityNamedBy, type ChangeKind, type ChangeRecord } from '../../inventory/changes.js';
import { NETWORK_CHANGE_EVENTS } from './network-change-events.js';

/** Request / response fields naming the resource changed, most specific first. */
const RESOURCE_FIELDS = [
  'groupId',
  'networkAclId',
  'routeTableId',
  'vpcId',
  'subnetId',
  'internetGatewayId',
  'egressOnlyInternetGatewayId',
  'natGatewayId',
  'vpcEndpointId',
  'vpcPeeringConnectionId',
  'vpnConnectionId',
  'customerGatewayId',
  'vpnGatewayId',
  'associationId',
  'groupName',
] as const;

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** First resource id found in `o` or one level down (CreateVpc answers `{ vpc: { vpcId } }`). */
function resourceIn(o: Json | undefined): string | undefined {
  if (o === undefined) return undefined;
  for (const field of RESOURCE_FIELDS) {
    const v = str(o[field]);
    if (v !== undefined) return v;
  }
  for (const [key, value] of Object.entries(o)) {
    const nested = obj(value);
    if (nested === undefined) continue;
    for (const field of RESOURCE_FIELDS) {
      const v = str(nested[field]) ?? str(nested[field.charAt(0).toUpperCase() + field.slice(1)]);
      if (v !== undefined) return v;
    }
    // ModifySecurityGroupRules: { ModifySecurityGroupRulesRequest: { GroupId } }
    const groupId = str(nested.GroupId);
    if (groupId !== undefined && /SecurityGroup/.test(key)) return groupId;
  }
  return undefined;
}

/** The resource a record changed: for Create* calls the new resource's id from the response, else the request's. */
export function resourceOf(record: Json): string {
  const fromRequest = resourceIn(obj(record.requestParameters));
  const fromResponse = resourceIn(obj(record.responseElements));
  if (typeof record.eventName === 'string' && record.eventName.startsWith('Create') && fromResponse !== undefined) return fromResponse;
  return fromRequest ?? fromResponse ?? '';
}

/** The caller's ARN: userIdentity.arn, the root ARN, or the AWS service acting. */
function actorOf(identity: Json | undefined, accountId: string | undefined): string {
  const arn = str(identity?.arn);
  if (arn !== undefined) return arn;
  const type = str(identity?.type);
  const account = str(identity?.accountId) ?? accountId;
  if (type === 'Root' && account) return `arn:aws:iam::${account}:root`;
  // A failed console sign-in of an IAM user carries no arn, only userName and accountId
  // (AWS's CloudTrail userIdentity reference): name the user by account and name, which
  // is unique in the account whatever the user's path.
  const userName = str(identity?.userName);
  if (type === 'IAMUser' && account && userName) return `arn:aws:iam::${account}:user/${userName}`;
  return str(identity?.invokedBy) ?? str(identity?.principalId) ?? 'unknown';
}

/** userIdentity.invokedBy values of calls AWS itself makes (not a customer's principal nor a service acting for one). */
const PROVIDER_INVOKERS: ReadonlySet<string> = new Set(['AWS Internal', 'support.amazonaws.com']);
/** The AWS Support service-linked role, as its ARN (and its sessions' issuer ARN) spells it. */
const SUPPORT_ROLE_PATH = 'role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport';
const SUPPORT_SESSION = /:assumed-role\/AWSServiceRoleForSupport\//;

/**
 * A call by the provider itself: invoked by "AWS Internal" or AWS Support, or made in a
 * session of the AWSServiceRoleForSupport role.
 */
export function isProviderAccess(identity: Json | undefined): boolean {
  const invokedBy = str(identity?.invokedBy);
  if (invokedBy !== undefined && PROVIDER_INVOKERS.has(invokedBy)) return true;
  const issuer = str(obj(obj(identity?.sessionContext)?.sessionIssuer)?.arn) ?? '';
  const arn = str(identity?.arn) ?? '';
  return issuer.includes(SUPPORT_ROLE_PATH) || arn.includes(SUPPORT_ROLE_PATH) || SUPPORT_SESSION.test(arn);
}

/** STS calls whose requestParameters.roleArn names the role a new session belongs to. */
const ASSUME_ROLE_EVENTS: ReadonlySet<string> = new Set(['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity']);

/**
 * One CloudTrail record as a ChangeRecord, or undefined when it is neither a network
 * change, a call by the provider itself, nor a call by a watched (break-glass) identity.
 * A provider call is `provider-access` whatever it did (the landlord touching the
 * network is the landlord's access first); its actor is the ARN, else invokedBy.
 */
export function parseCloudTrailRecord(raw: unknown, watchedIdentities: readonly string[] = []): ChangeRecord | undefined {
  const record = obj(raw);
  if (record === undefined) return undefined;
  const id = str(record.eventID);
  const time = str(record.eventTime);
  const action = str(record.eventName);
  if (id === undefined || time === undefined || action === undefined) return undefined;
  const source = str(record.eventSource);
  const identity = obj(record.userIdentity);
  const issuer = obj(obj(identity?.sessionContext)?.sessionIssuer);
  const kind: ChangeKind =
    action === 'ConsoleLogin'
      ? 'sign-in'
      : isProviderAccess(identity)
        ? 'provider-access'
        : source === 'ec2.amazonaws.com' && NETWORK_CHANGE_EVENTS.has(action)
          ? 'network-change'
          : 'activity';
  const change: ChangeRecord = {
    id,
    time: normaliseTime(time),
    actor: kind === 'provider-access' ? (str(identity?.arn) ?? str(identity?.invokedBy) ?? 'unknown') : actorOf(identity, str(record.recipientAccountId)),
    action,
    resource: kind === 'sign-in' ? 'console' : resourceOf(record),
    region: str(record.awsRegion) ?? '',
    kind,
  };
  if (source !== undefined) change.source = source;
  // The role a session belongs to; for AssumeRole itself, the role being assumed, so
  // assuming a declared break-glass role counts as its use (whoever the caller was).
  const principal = str(identity?.type) === 'AssumedRole' ? str(issuer?.arn) : ASSUME_ROLE_EVENTS.has(action) ? str(obj(record.requestParameters)?.roleArn) : undefined;
  if (principal !== undefined) change.principal = principal;
  const userName = str(identity?.userName) ?? str(issuer?.userName);
  if (userName !== undefined) change.userName = userName;
  const loginResult = str(obj(record.responseElements)?.ConsoleLogin);
  const errorCode = str(record.errorCode) ?? (loginResult === 'Failure' ? 'ConsoleLoginFailure' : undefined);
  if (errorCode !== undefined) change.errorCode = errorCode;
  if (kind === 'network-change' || kind === 'provider-access') return change;
  return identityNamedBy(change, watchedIdentities) !== undefined ? change : undefined;
}

function normaliseTime(time: string): string {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? time : new Date(ms).toISOString().replace('.000Z', 'Z');
}
