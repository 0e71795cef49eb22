// Which failed account reads are permanent (Stalled, wait for a change) and which are
// transient (retried): every reason the readers produce, as a table
// (inventory/failure-kind.ts).

import {
  failureFix,
  failureKind,
  listedFailureReason,
  OTHER_FAILURE_REASON,
  PERMANENT_FAILURES,
  TRANSIENT_FAILURES,
  type FailureKind,
} from '../../operator/src/inventory/failure-kind.js';
import type { AwsFailureReason } from '../../operator/src/providers/aws/errors.js';
import type { AzureFailureReason } from '../../operator/src/providers/azure/errors.js';

// Typed as Records so that a reason added to a provider's vocabulary fails to compile here
// until it is classified.
const AWS: Record<AwsFailureReason, FailureKind> = {
  CredentialsMissing: 'permanent',
  CredentialsInvalid: 'permanent',
  AccessDenied: 'permanent',
  RegionNotEnabled: 'permanent',
  Throttled: 'transient',
  AccountUnreachable: 'transient',
  Aborted: 'transient',
  NotFound: 'transient',
  ServiceUnavailable: 'transient',
  CollectionError: 'transient',
};

const AZURE: Record<AzureFailureReason, FailureKind> = {
  CredentialsMissing: 'permanent',
  CredentialsInvalid: 'permanent',
  AccessDenied: 'permanent',
  AccountNotFound: 'permanent',
  LicenseRequired: 'permanent',
  Throttled: 'transient',
  AccountUnreachable: 'transient',
  Aborted: 'transient',
  NotFound: 'transient',
  CollectionError: 'transient',
};

/** Reasons the collectors' own checks, the credentials Secret read and the cache produce. */
const OTHERS: Array<[reason: string, kind: FailureKind, producedBy: string]> = [
  ['InvalidAccount', 'permanent', 'aws + azure collector: account id / tenant / subscription malformed'],
  ['AccountMismatch', 'permanent', 'aws collector: credentials land in another account'],
  ['ProviderNotSupported', 'permanent', 'collector: the CloudAccount has no block for its provider'],
  ['InvalidConfiguration', 'permanent', 'azure collector: the operator endpoint configuration'],
  ['CloudAccountNotFound', 'permanent', 'controller/account-target.ts: spec.accountRef names no CloudAccount'],
  ['AccountNotPermitted', 'permanent', 'controller/account-target.ts: the CloudAccount does not admit the namespace'],
  ['AccountProviderMismatch', 'permanent', "controller/account-target.ts: spec.provider is not the CloudAccount's"],
  ['CredentialsMissing', 'permanent', 'controller/credentials.ts: Secret or Secret key missing'],
  ['CredentialsUnreadable', 'transient', 'controller/credentials.ts: the Secret read failed (API error)'],
  ['CredentialReportTimeout', 'transient', 'aws iam: credential report still generating'],
  ['CollectionError', 'transient', 'cache / gather: a collector threw'],
  ['SomethingNew', 'transient', 'an unlisted reason: retried, not left waiting'],
];

describe('failureKind', () => {
  it.each([
    ...Object.entries(AWS).map(([reason, kind]) => [reason, kind, 'providers/aws/errors.ts'] as const),
    ...Object.entries(AZURE).map(([reason, kind]) => [reason, kind, 'providers/azure/errors.ts'] as const),
    ...OTHERS,
  ])('%s is %s (%s)', (reason, kind) => {
    expect(failureKind(reason)).toBe(kind);
  });

  it('gives every permanent reason a fix that names what to change, and none to a transient one', () => {
    for (const reason of Object.keys(PERMANENT_FAILURES)) {
      expect(failureKind(reason)).toBe('permanent');
      expect(failureFix(reason)).toMatch(/\S.{20,}\.$/);
    }
    for (const reason of TRANSIENT_FAILURES) {
      expect(failureKind(reason)).toBe('transient');
      expect(failureFix(reason)).toBeUndefined();
    }
    expect(failureFix('AccountMismatch')).toMatch(/CloudAccount's spec\.aws\.accountId/);
    expect(failureFix('CredentialsMissing')).toMatch(/CloudAccount's credentialsSecretRef \(in the operator's namespace\)/);
    expect(failureFix('AccountNotPermitted')).toMatch(/spec\.namespaces or spec\.namespaceSelector/);
    expect(failureFix('CloudAccountNotFound')).toMatch(/spec\.accountRef/);
    expect(failureFix('AccessDenied')).toMatch(/trust policy/);
  });

  it('does not treat inherited object keys as reasons', () => {
    expect(failureKind('toString')).toBe('transient');
    expect(failureFix('constructor')).toBeUndefined();
  });

  it('keeps metric labels bounded: listed reasons as they are, anything else Other', () => {
    expect(listedFailureReason('AccountMismatch')).toBe('AccountMismatch');
    expect(listedFailureReason('Throttled')).toBe('Throttled');
    expect(listedFailureReason('arn:aws:iam::123456789012:role/x')).toBe(OTHER_FAILURE_REASON);
  });
});
