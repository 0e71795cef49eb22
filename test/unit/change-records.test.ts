// The change records a service carries between reconciles (controller/change-records.ts).

import { changeLogSince, mergeChangeRecords } from '../../operator/src/controller/change-records.js';
import { NOW, aSpec, hoursAgo } from './builders.js';
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
