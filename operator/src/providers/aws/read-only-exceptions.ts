// The reviewed exceptions to "AWS labels it Write, so it writes", in one place.
//
// 1. Reads that AWS's Service Authorization Reference labels Write or Permissions
//    management, as granted by AWS's read-only job-function policies. Those policies
//    are read-only by intent; the label of these actions is wrong for that purpose.
//    They count as reads only when the grant comes from one of JOB_FUNCTION_POLICIES;
//    the same action granted by any other policy counts as a write.
//    test/unit/aws-privilege-corpus.test.ts fails when a new iam-data version labels
//    another action of those policies Write (or stops labelling one listed here), so
//    the list is reviewed, never silently wrong either way.
// 2. Self-service credential actions (AWS's "force MFA" / "manage own credentials"
//    policies): they write only the caller's own user. They count as writes when the
//    policies allow them on another user.
// 3. MFA enrolment, which the force-MFA pattern leaves open without MFA by design (so a
//    user can set up MFA at all): creating / deleting an unassigned virtual device,
//    enabling and resynchronising a device, changing one's own password. Not counted
//    as writes. Residual risk, accepted: combined with broad IAM grants, a user without
//    MFA may enable a device it holds on another user.

/** AWS's read-only job-function managed policies (name -> ARN suffix). */
export const JOB_FUNCTION_POLICIES: readonly string[] = ['ReadOnlyAccess', 'ViewOnlyAccess', 'SecurityAudit'];

/** `arn:<partition>:iam::aws:policy/<name>` (any path) of a job-function policy. */
export function isJobFunctionPolicyArn(arn: string): boolean {
  const m = /^arn:[a-z-]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  return !!m && JOB_FUNCTION_POLICIES.includes(m[1] as string);
}

/** Action -> why it is a read although AWS labels it Write / Permissions management. */
export const MISLABELLED_READS: Readonly<Record<string, string>> = {
  'athena:GetSessionEndpoint': 'returns the endpoint URL of an existing Spark session; changes nothing',
  's3express:CreateSession': 'opens a session token for directory buckets; what it may do is still decided by the read-only policy',
  'cognito-idp:GetTokensFromRefreshToken': 'exchanges a refresh token for tokens of the same user; modifies no resource',
  'iot:GetConnection': 'reads the connection state of a thing; changes nothing',
  'iot:ListSubscriptions': 'lists a client\'s MQTT subscriptions; changes nothing',
  'backup:ListIndexedRecoveryPointsForSearch': 'lists recovery points indexed for search; changes nothing',
  'billing:GetResourcePolicy': 'reads a billing view\'s resource policy; changes no permission',
  'ssm-sap:GetResourcePermission': 'reads an SAP application\'s resource permission; changes no permission',
  'quicksight:DescribeKnowledgeBasePermissions': 'describes who may use a knowledge base; changes no permission',
  'quicksight:DescribeSpacePermissions': 'describes who may use a space; changes no permission',
  'quicksight:DescribeTopicPermissions': 'describes who may use a Q topic; changes no permission',
};

const MISLABELLED = new Set(Object.keys(MISLABELLED_READS).map((a) => a.toLowerCase()));

export function isMislabelledRead(lowerName: string): boolean {
  return MISLABELLED.has(lowerName);
}

/**
 * Self-service credential actions (lower-case) -> the resource type they act on: a
 * write of one's own credentials, counted as a write only when allowed on another user.
 */
export const SELF_SERVICE_ACTIONS: Readonly<Record<string, 'user'>> = {
  'iam:deactivatemfadevice': 'user',
  'iam:createaccesskey': 'user',
  'iam:updateaccesskey': 'user',
  'iam:deleteaccesskey': 'user',
  'iam:uploadsshpublickey': 'user',
  'iam:updatesshpublickey': 'user',
  'iam:deletesshpublickey': 'user',
  'iam:uploadsigningcertificate': 'user',
  'iam:updatesigningcertificate': 'user',
  'iam:deletesigningcertificate': 'user',
  'iam:createservicespecificcredential': 'user',
  'iam:updateservicespecificcredential': 'user',
  'iam:resetservicespecificcredential': 'user',
  'iam:deleteservicespecificcredential': 'user',
};

/** Action (lower-case) -> why MFA enrolment is not counted as a write. */
export const MFA_ENROLMENT_ACTIONS: Readonly<Record<string, string>> = {
  'iam:createvirtualmfadevice': 'creates an unassigned device; it protects or grants nothing until it is enabled on a user',
  'iam:deletevirtualmfadevice': 'AWS deletes only a device no user has (it must be deactivated first, which is counted)',
  'iam:enablemfadevice': 'enrols a device (needs two consecutive codes from it): how a user gets MFA at all',
  'iam:resyncmfadevice': 'resynchronises an enrolled device with two consecutive codes from that device',
  'iam:changepassword': 'changes the caller\'s own password only (the API takes no user name)',
};

/** A user name no real user has, for "may it act on another user?" checks. */
export const OTHER_USER_NAME = 'cloudposture-other-user';
