// The change records a service carries between reconciles (controller/change-records.ts).

import { changeLogSince, changeRecordsFromStatus, mergeChangeRecords } from '../../operator/src/controller/change-records.js';
import { breakGlassUses, changeStatusEntries } from '../../operator/src/controls/changes/ledger.js';
import type { ChangeRecord } from '../../operator/src/inventory/changes.js';
import { parseCloudTrailRecord } from '../../operator/src/providers/aws/cloudtrail-records.js';
import { changeRecordFromActivityEvent, changeRecordFromSignIn } from '../../operator/src/providers/azure/activity-log.js';
import { ACCOUNT_ID, NOW, aSpec, hoursAgo } from './builders.js';
import { at, record } from './controls/changes/builders.js';

describe('where and from when the log is read', () => {

  it('starts at the watermark, else lookback before now (default 24h)', () => {
    expect(changeLogSince(aSpec(), hoursAgo(1), NOW)).toEqual(at(1));
    expect(changeLogSince(aSpec(), undefined, NOW)).toEqual(at(24));
    expect(changeLogSince(aSpec({ changeManagement: { lookback: '72h' } }), undefined, NOW)).toEqual(at(72));
  });
});

describe('status.changes', () => {

  it('merges kept and fresh records by id', () => {
    const merged = mergeChangeRecords([record({ id: 'a' }), record({ id: 'b' })], [record({ id: 'b', resource: 'sg-new' }), record({ id: 'c' })]);
    expect(merged.map((r) => [r.id, r.resource])).toEqual([
      ['a', 'sg-0123'],
      ['b', 'sg-new'],
      ['c', 'sg-0123'],
    ]);
  });
});

describe('a break-glass use kept in status.changes', () => {
  // Records as the readers make them (userName set where the log names one); each must be
  // judged the same once read back from status, where only actor and principal are kept.
  const azureCall = changeRecordFromActivityEvent(
    {
      eventDataId: 'az-1',
      eventTimestamp: hoursAgo(1),
      caller: 'BreakGlass@contoso.example',
      operationName: { value: 'Microsoft.Authorization/roleAssignments/write' },
      resourceId: '/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/7',
      status: { value: 'Succeeded' },
      claims: { 'http://schemas.microsoft.com/identity/claims/objectidentifier': '0b5e2d4c-1111-4222-8333-444455556666' },
    },
    ['breakglass@contoso.example'],
  );
  const azureSignIn = changeRecordFromSignIn({
    id: 'si-1',
    createdDateTime: hoursAgo(1),
    userPrincipalName: 'breakglass@contoso.example',
    userId: '0b5e2d4c-1111-4222-8333-444455556666',
    appDisplayName: 'Azure Portal',
    status: { errorCode: 0 },
  });
  const trail = (id: string, identity: Record<string, unknown>, eventName = 'PutBucketPolicy', extra: Record<string, unknown> = {}) =>
    parseCloudTrailRecord(
      { eventID: id, eventTime: hoursAgo(1), eventName, eventSource: 's3.amazonaws.com', awsRegion: 'eu-west-1', recipientAccountId: ACCOUNT_ID, userIdentity: identity, ...extra },
      ['breakglass-admin', 'BreakGlassRole', 'root'],
    );
  const cases: Array<[string, ChangeRecord | undefined, string[]]> = [
    ['an Azure call by UPN (another case)', azureCall, ['breakglass@contoso.example']],
    ['an Azure call by object id', azureCall, ['0B5E2D4C-1111-4222-8333-444455556666']],
    ['an Azure sign-in by UPN', azureSignIn, ['breakglass@contoso.example']],
    ['an Azure sign-in by object id', azureSignIn, ['0b5e2d4c-1111-4222-8333-444455556666']],
    ['an AWS user by name', trail('u-1', { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT_ID}:user/ops/breakglass-admin`, userName: 'breakglass-admin' }), ['breakglass-admin']],
    ['a failed AWS console sign-in without an arn', trail('u-2', { type: 'IAMUser', accountId: ACCOUNT_ID, userName: 'breakglass-admin' }, 'ConsoleLogin', { responseElements: { ConsoleLogin: 'Failure' } }), ['breakglass-admin']],
    [
      'an AWS role session by role name',
      trail('r-1', { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/BreakGlassRole/jane`, sessionContext: { sessionIssuer: { arn: `arn:aws:iam::${ACCOUNT_ID}:role/BreakGlassRole`, userName: 'BreakGlassRole' } } }),
      ['BreakGlassRole'],
    ],
    [
      'an AWS AssumeRole into the role',
      trail('r-2', { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT_ID}:user/alice`, userName: 'alice' }, 'AssumeRole', { eventSource: 'sts.amazonaws.com', requestParameters: { roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/BreakGlassRole` } }),
      ['BreakGlassRole'],
    ],
    ['the AWS root user', trail('root-1', { type: 'Root', accountId: ACCOUNT_ID }), ['root']],
  ];

  it.each(cases)('%s stays a break-glass use after a round trip through status', (_name, fresh, identities) => {
    if (fresh === undefined) throw new Error('the reader dropped the record');
    const spec = aSpec({ breakGlassIdentities: identities });
    const first = changeStatusEntries([fresh], spec).changes;
    expect(first).toEqual([expect.objectContaining({ id: fresh.id, breakGlass: true })]);
    // The next reconcile reads nothing new: the ledger is judged from status alone.
    const again = changeStatusEntries(mergeChangeRecords(changeRecordsFromStatus(first), []), spec).changes;
    expect(again).toEqual(first);
    expect(breakGlassUses(changeRecordsFromStatus(first), spec).map((u) => u.id)).toEqual([fresh.id]);
  });

  it('a record of someone else does not become a break-glass use', () => {
    if (azureCall === undefined) throw new Error('the reader dropped the record');
    const spec = aSpec({ breakGlassIdentities: ['other@contoso.example', 'breakglass'] });
    expect(changeStatusEntries(changeRecordsFromStatus(changeStatusEntries([azureCall], aSpec({ breakGlassIdentities: ['breakglass@contoso.example'] })).changes), spec).changes).toEqual([]);
  });
});
