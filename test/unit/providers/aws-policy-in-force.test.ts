// What the AWS collector keeps of each managed policy in the authorization details
// (providers/aws/iam.ts policyInForce): the default version of a policy that is attached
// or bounds someone; nothing of a policy attached to nobody.

import type { ManagedPolicyDetail } from '@aws-sdk/client-iam';
import { policyInForce } from '../../../operator/src/providers/aws/iam.js';

const version = (id: string, isDefault: boolean) => ({ VersionId: id, IsDefaultVersion: isDefault, Document: `%7B%22Version%22%3A%22${id}%22%7D` });

describe('policyInForce', () => {
  const cases: Array<[string, ManagedPolicyDetail, ManagedPolicyDetail | undefined]> = [
    [
      'attached: only the default version is kept',
      { Arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess', AttachmentCount: 2, DefaultVersionId: 'v3', PolicyVersionList: [version('v1', false), version('v3', true), version('v2', false)] },
      { Arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess', AttachmentCount: 2, DefaultVersionId: 'v3', PolicyVersionList: [version('v3', true)] },
    ],
    ['attached to nobody: dropped', { Arn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess', AttachmentCount: 0, PolicyVersionList: [version('v1', true)] }, undefined],
    [
      'a permissions boundary only: kept',
      { Arn: 'arn:aws:iam::111122223333:policy/boundary', AttachmentCount: 0, PermissionsBoundaryUsageCount: 1, PolicyVersionList: [version('v1', true)] },
      { Arn: 'arn:aws:iam::111122223333:policy/boundary', AttachmentCount: 0, PermissionsBoundaryUsageCount: 1, PolicyVersionList: [version('v1', true)] },
    ],
    [
      'no attachment count (not said): kept whole',
      { Arn: 'arn:aws:iam::111122223333:policy/x', PolicyVersionList: [version('v1', true)] },
      { Arn: 'arn:aws:iam::111122223333:policy/x', PolicyVersionList: [version('v1', true)] },
    ],
    [
      'the default named only by DefaultVersionId',
      { Arn: 'arn:aws:iam::111122223333:policy/y', AttachmentCount: 1, DefaultVersionId: 'v2', PolicyVersionList: [version('v1', false), { VersionId: 'v2', Document: 'd' }] },
      { Arn: 'arn:aws:iam::111122223333:policy/y', AttachmentCount: 1, DefaultVersionId: 'v2', PolicyVersionList: [{ VersionId: 'v2', Document: 'd' }] },
    ],
  ];
  it.each(cases)('%s', (_name, policy, expected) => {
    expect(policyInForce(policy)).toEqual(expected);
  });
});
