// Whether a failed read of an account (CollectionFailure.reason) can succeed by trying
// again. Permanent failures need a person to change something (the spec, a Secret, an
// IAM trust policy or role assignment), so retrying them only repeats the same answer:
// the service is marked Stalled and waits for a change. Transient ones (throttling, the
// network, a provider fault) back off and retry. Lives beside the failure type because
// both the account cache (providers/) and the Stalled condition (controls/) use it.
//
// The reasons come from providers/aws/errors.ts, providers/azure/errors.ts, the
// collectors' own checks and controller/account-target.ts. A reason not listed here is
// transient: an unrecognised failure is retried rather than left waiting for an hour.

export type FailureKind = 'permanent' | 'transient';

/** Permanent reasons, each with what to change (said in the Stalled condition). */
export const PERMANENT_FAILURES: Readonly<Record<string, string>> = {
  InvalidAccount:
    'Correct the CloudAccount: an AWS account id is 12 digits; an Azure tenantId and subscriptionId are UUIDs.',
  AccountMismatch:
    "The credentials reach another AWS account than the declared one: the platform team corrects the CloudAccount's spec.aws.accountId, its role (spec.aws.roleArn) or its credentials Secret.",
  AccountNotFound:
    "The operator's identity cannot see the subscription: correct the CloudAccount's spec.azure.subscriptionId, or give the identity the Reader role on it.",
  AccessDenied:
    "The operator's identity was refused: check that the role's trust policy trusts the operator (and the external id matches), that its permissions include the read-only actions the operator documents, or on Azure that it holds Reader on the subscription.",
  CredentialsMissing:
    "No credentials: create the Secret named by the CloudAccount's credentialsSecretRef (in the operator's namespace) with the documented keys, or give the operator a workload identity.",
  CredentialsInvalid:
    'The credentials were rejected: replace the keys in the credentials Secret, or correct the tenant or client id they belong to.',
  ProviderNotSupported: 'The CloudAccount has no block for its provider: give spec.aws or spec.azure.',
  CloudAccountNotFound: 'spec.accountRef names no CloudAccount: correct the name, or ask the platform team to create the CloudAccount.',
  AccountNotPermitted:
    "The CloudAccount does not admit this namespace: ask the platform team to add it to the account's spec.namespaces or spec.namespaceSelector, or name an account granted to this namespace.",
  AccountProviderMismatch: "spec.provider differs from the CloudAccount's provider: correct spec.provider or spec.accountRef.",
  InvalidConfiguration: "The operator's cloud endpoint configuration is invalid: correct its environment and restart it.",
  LicenseRequired: 'The tenant lacks Microsoft Entra ID P1 or P2, which the identity reports need.',
  RegionNotEnabled: "A region is not enabled for the account: enable it, or remove it from the CloudAccount's spec.aws.regions and the service's spec.allowedRegions.",
};

/** Transient reasons the readers produce (any reason not listed anywhere is treated the same). */
export const TRANSIENT_FAILURES: readonly string[] = [
  'Throttled',
  'AccountUnreachable',
  'ServiceUnavailable',
  'Aborted',
  'CollectionError',
  'CredentialReportTimeout',
  // The Secret read itself failed (API server error or timeout), not the Secret's content.
  'CredentialsUnreadable',
  'NotFound',
];

/** Metric label for a reason outside both lists, so the label set stays bounded. */
export const OTHER_FAILURE_REASON = 'Other';

export function failureKind(reason: string): FailureKind {
  return Object.hasOwn(PERMANENT_FAILURES, reason) ? 'permanent' : 'transient';
}

/** What to change for a permanent failure; undefined for a transient one. */
export function failureFix(reason: string): string | undefined {
  return Object.hasOwn(PERMANENT_FAILURES, reason) ? PERMANENT_FAILURES[reason] : undefined;
}

/** The reason itself when it is one of the listed reasons, else `Other` (bounded metric labels). */
export function listedFailureReason(reason: string): string {
  return Object.hasOwn(PERMANENT_FAILURES, reason) || TRANSIENT_FAILURES.includes(reason) ? reason : OTHER_FAILURE_REASON;
}
