// The change ledger: status.changes and the break-glass uses the reconciler reports
// (controls/changes/ledger.ts).

import { judgeChanges } from '../../../../operator/src/controls/changes/judge.js';
import {
  breakGlassUses,
  breakGlassUsesOf,
  changeStatusEntries,
  changeStatusEntriesOf,
  newBreakGlassUses,
} from '../../../../operator/src/controls/changes/ledger.js';
import { networkChangesTracked } from '../../../../operator/src/controls/changes/network-changes-tracked.js';
import { changeRecordsFromStatus } from '../../../../operator/src/controller/change-records.js';
import { ACCOUNT_ID, anInput, hoursAgo } from '../../builders.js';
import { DEPLOY_ROLE, record, specWith } from './builders.js';

describe('A523-08-BREAK-GLASS-USED and the uses the reconciler reports', () => {
  const use = record({ id: 'bg-1', actor: `arn:aws:iam::${ACCOUNT_ID}:user/breakglass-admin`, action: 'ConsoleLogin', kind: 'sign-in', resource: 'console', region: 'us-east-1' });

  it('breakGlassUses returns each use once with an Event message; newBreakGlassUses skips those already in status', () => {
    const uses = breakGlassUses([use, use, record()], specWith());
    expect(uses).toEqual([
      {
        id: 'bg-1',
        identity: 'breakglass-admin',
        actor: use.actor,
        action: 'ConsoleLogin',
        kind: 'sign-in',
        time: use.time,
        region: 'us-east-1',
        failed: false,
        acknowledged: false,
        message: `Break-glass identity breakglass-admin used: console sign-in in us-east-1 by ${use.actor} at ${use.time} (change bg-1)`,
      },
    ]);
    const { changes } = changeStatusEntries([use], specWith());
    expect(newBreakGlassUses(uses, undefined)).toHaveLength(1);
    expect(newBreakGlassUses(uses, changes)).toEqual([]);
  });
});

describe('status.changes', () => {
  it('keeps open changes first, newest first, bounded, and round-trips through status', () => {
    const deploys = Array.from({ length: 60 }, (_, i) =>
      record({ id: `d-${String(i).padStart(2, '0')}`, time: hoursAgo(1 + i / 100), principal: DEPLOY_ROLE }),
    );
    const manual = record({ id: 'm-old', time: hoursAgo(48) });
    const bg = record({ id: 'bg', time: hoursAgo(30), actor: `arn:aws:iam::${ACCOUNT_ID}:user/breakglass-admin`, kind: 'activity', action: 'PutBucketPolicy', errorCode: 'AccessDenied' });
    const { changes, changesOmitted } = changeStatusEntries([...deploys, manual, bg], specWith(), 50);
    expect(changes).toHaveLength(50);
    expect(changesOmitted).toBe(12);
    expect(changes.map((c) => c.id)).toContain('m-old');
    expect(changes.find((c) => c.id === 'bg')).toMatchObject({ breakGlass: true, failed: true, tracked: false, acknowledged: false, kind: 'activity' });
    expect(changes.find((c) => c.id === 'd-00')).toMatchObject({ tracked: true, principal: DEPLOY_ROLE });
    expect(changes.map((c) => c.time)).toEqual([...changes.map((c) => c.time)].sort().reverse());

    // Back from status, the verdicts are recomputed from the current spec.
    const back = changeRecordsFromStatus(changes);
    const acked = specWith({ acknowledgements: [{ changeId: 'm-old', reference: 'CHG-1', acknowledgedBy: 'bob' }] });
    expect(changeStatusEntries(back, acked).changes.find((c) => c.id === 'm-old')).toMatchObject({ acknowledged: true, reference: 'CHG-1' });
    expect(networkChangesTracked.evaluate({ ...anInput({ spec: specWith() }), changes: back }).status).toBe('False');
    expect(networkChangesTracked.evaluate({ ...anInput({ spec: acked }), changes: back }).status).toBe('True');
  });
});

describe('the ledger from changes already judged', () => {
  it('changeStatusEntriesOf and breakGlassUsesOf give what the record-based functions give', () => {
    const records = [
      record({ id: 'm', time: hoursAgo(3) }),
      record({ id: 'd', principal: DEPLOY_ROLE }),
      record({ id: 'bg', actor: `arn:aws:iam::${ACCOUNT_ID}:user/breakglass-admin`, action: 'ConsoleLogin', kind: 'sign-in', resource: 'console' }),
    ];
    const spec = specWith();
    const judged = judgeChanges(records, spec);
    expect(changeStatusEntriesOf(judged)).toEqual(changeStatusEntries(records, spec));
    expect(changeStatusEntriesOf(judged, 1)).toEqual(changeStatusEntries(records, spec, 1));
    expect(breakGlassUsesOf(judged)).toEqual(breakGlassUses(records, spec));
    expect(breakGlassUsesOf(judged)).toHaveLength(1);
  });
});
