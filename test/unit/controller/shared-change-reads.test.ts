// One change-log read per account and interval, shared by the account's services
// (controller/shared-change-reads.ts): who shares a read, who reads for itself.

import { jest } from '@jest/globals';
import { SharedChangeReads, SHARE_WINDOW_MS } from '../../../operator/src/controller/shared-change-reads.js';
import type { ChangeLogReader, ChangeQuery, ChangeReadResult, CollectTarget } from '../../../operator/src/providers/types.js';

const INTERVAL_MS = 300_000;
const T0 = Date.parse('2026-12-07T12:00:00Z');
const MIN = 60_000;

function target(accountName = 'payments', extra: Partial<CollectTarget> = {}): CollectTarget {
  return { provider: 'aws', accountName, account: { aws: { accountId: '111122223333', roleArn: 'arn:aws:iam::111122223333:role/read' } }, allowedRegions: [], ...extra };
}

/** A reader that answers with the window it was asked for (readUntil = now - 15 min, as the AWS reader). */
function countingReader(fail?: { reason: string; message: string }) {
  const calls: ChangeQuery[] = [];
  const reader: ChangeLogReader = {
    readChanges: jest.fn(async (_t: CollectTarget, q: ChangeQuery): Promise<ChangeReadResult> => {
      calls.push(q);
      if (fail) return { ok: false, failure: fail };
      const readUntil = new Date(Math.max(q.since.getTime(), q.now.getTime() - 15 * MIN)).toISOString();
      return { ok: true, records: [], readUntil, filesRead: 1, complete: true, source: 's3://trail/' };
    }),
  };
  return { reader, calls };
}

/** The read's result (what the service is given). */
const resultOf = async (shared: SharedChangeReads, ...args: Parameters<SharedChangeReads['read']>): Promise<ChangeReadResult> => (await shared.read(...args)).result;

const query = (sinceMs: number, nowMs: number, watched: string[] = []): ChangeQuery => ({ since: new Date(sinceMs), now: new Date(nowMs), watchedIdentities: watched });

describe('SharedChangeReads', () => {
  it('50 services of one account with the same watermark cost one read an interval, concurrently or one after the other', async () => {
    const shared = new SharedChangeReads();
    const { reader, calls } = countingReader();
    const since = T0 - 24 * 60 * MIN;
    const concurrent = await Promise.all(Array.from({ length: 25 }, (_, i) => resultOf(shared, reader, target(), query(since, T0 + i), INTERVAL_MS, `team-a/svc-${i}`)));
    for (let i = 25; i < 50; i++) await resultOf(shared, reader, target(), query(since, T0 + i * 1_000), INTERVAL_MS, `team-a/svc-${i}`);
    expect(calls).toHaveLength(1);
    // A shared read is dated when it was made, not when a later service asked.
    expect((await shared.read(reader, target(), query(since, T0 + 60_000), INTERVAL_MS, 'team-b/late')).readAt).toEqual(new Date(T0));
    // They all get the same watermark, so the next interval they ask for the same window again.
    expect(new Set(concurrent.map((r) => (r.ok ? r.readUntil : '')))).toEqual(new Set([new Date(T0 - 15 * MIN).toISOString()]));
  });

  it('the next interval, the first service reads again and the others share it', async () => {
    const shared = new SharedChangeReads();
    const { reader, calls } = countingReader();
    const reads = [];
    for (let i = 0; i < 10; i++) reads.push(await resultOf(shared, reader, target(), query(T0 - 60 * MIN, T0 + i * 1_000), INTERVAL_MS, `team-a/svc-${i}`));
    const watermark = reads[0]?.ok ? Date.parse(reads[0].readUntil) : 0;
    const next = T0 + INTERVAL_MS;
    for (let i = 0; i < 10; i++) await resultOf(shared, reader, target(), query(watermark, next + i * 1_000), INTERVAL_MS, `team-a/svc-${i}`);
    expect(calls.map((c) => c.now.getTime())).toEqual([T0, next]);
  });

  it('a service never gets its own last read back: a read that does not move its watermark on is made again', async () => {
    const shared = new SharedChangeReads();
    const { reader, calls } = countingReader();
    const first = await resultOf(shared, reader, target(), query(T0 - 60 * MIN, T0), INTERVAL_MS, 'team-a/one');
    const readUntil = first.ok ? Date.parse(first.readUntil) : 0;
    // The same service reconciles again a minute later (a spec change) from the new watermark.
    await resultOf(shared, reader, target(), query(readUntil, T0 + MIN), INTERVAL_MS, 'team-a/one');
    expect(calls).toHaveLength(2);
  });

  it('a service that had a read gets a new one when it asks again from the same watermark (its status write was skipped)', async () => {
    const shared = new SharedChangeReads();
    const { reader, calls } = countingReader();
    await resultOf(shared, reader, target(), query(T0 - 60 * MIN, T0), INTERVAL_MS, 'team-a/one');
    // Nothing changed, so the watermark was not written: the same since again, a moment later.
    await resultOf(shared, reader, target(), query(T0 - 60 * MIN, T0 + 30_000), INTERVAL_MS, 'team-a/one');
    expect(calls).toHaveLength(2);
    // Another service still shares the newest read.
    await resultOf(shared, reader, target(), query(T0 - 60 * MIN, T0 + 40_000), INTERVAL_MS, 'team-a/two');
    expect(calls).toHaveLength(2);
  });

  it('reads alone when the kept read started after its watermark (nothing may be skipped) or more than an overlap before it', async () => {
    const shared = new SharedChangeReads();
    const { reader, calls } = countingReader();
    await resultOf(shared, reader, target(), query(T0 - 30 * MIN, T0), INTERVAL_MS, 'team-a/a');
    await resultOf(shared, reader, target(), query(T0 - 31 * MIN, T0 + 1_000), INTERVAL_MS, 'team-a/b');
    expect(calls).toHaveLength(2);
    await resultOf(shared, reader, target(), query(T0 - 31 * MIN + SHARE_WINDOW_MS + 1, T0 + 2_000), INTERVAL_MS, 'team-a/c');
    expect(calls).toHaveLength(3);
  });

  it('does not share between accounts, log sources or watched identities', async () => {
    const shared = new SharedChangeReads();
    const { reader, calls } = countingReader();
    const since = T0 - 60 * MIN;
    await resultOf(shared, reader, target('payments'), query(since, T0), INTERVAL_MS, 'team-a/a');
    await resultOf(shared, reader, target('billing'), query(since, T0), INTERVAL_MS, 'team-a/b');
    await resultOf(shared, reader, target('payments', { changeLogSource: { bucket: 'org-trail' } }), query(since, T0), INTERVAL_MS, 'team-a/c');
    await resultOf(shared, reader, target('payments'), query(since, T0, ['breakglass-admin']), INTERVAL_MS, 'team-a/d');
    await resultOf(shared, reader, target('payments'), query(since, T0, ['breakglass-admin']), INTERVAL_MS, 'team-a/e');
    expect(calls).toHaveLength(4);
  });

  it('shares a failed read within the interval (a throttled account is not asked once per service) and reads again after it', async () => {
    const shared = new SharedChangeReads();
    const { reader, calls } = countingReader({ reason: 'Throttled', message: 'Rate exceeded' });
    const since = T0 - 60 * MIN;
    for (let i = 0; i < 5; i++) expect(await resultOf(shared, reader, target(), query(since, T0 + i), INTERVAL_MS, `team-a/svc-${i}`)).toMatchObject({ ok: false, failure: { reason: 'Throttled' } });
    await resultOf(shared, reader, target(), query(since, T0 + INTERVAL_MS), INTERVAL_MS, 'team-a/z');
    expect(calls).toHaveLength(2);
  });

  it('does not keep a read that rejected (an abort): the next service reads for itself', async () => {
    const shared = new SharedChangeReads();
    let n = 0;
    const reader: ChangeLogReader = {
      readChanges: async (_t, q) => {
        n++;
        if (n === 1) throw new DOMException('aborted', 'AbortError');
        return { ok: true, records: [], readUntil: new Date(q.now.getTime() - 15 * MIN).toISOString(), filesRead: 0, complete: true, source: 's3://trail/' };
      },
    };
    await expect(resultOf(shared, reader, target(), query(T0 - 60 * MIN, T0), INTERVAL_MS, 'team-a/a')).rejects.toThrow('aborted');
    expect(await resultOf(shared, reader, target(), query(T0 - 60 * MIN, T0 + 1), INTERVAL_MS, 'team-a/b')).toMatchObject({ ok: true });
    expect(n).toBe(2);
  });

  it('is bounded in reads and in records held, and forgets a lost shard\'s accounts', async () => {
    const shared = new SharedChangeReads({ reads: 3, records: 100 });
    const { reader } = countingReader();
    for (const name of ['a', 'b', 'c', 'd', 'e']) await resultOf(shared, reader, target(name), query(T0 - MIN, T0), INTERVAL_MS, 'team-a/x');
    expect(shared.size).toBe(3);
    shared.forget((account) => account === 'e');
    expect(shared.size).toBe(2);
    const big: ChangeLogReader = {
      readChanges: async (_t, q) => ({
        ok: true,
        records: Array.from({ length: 11 }, (_, i) => ({ id: `e${i}`, at: q.now.toISOString() })) as never,
        readUntil: q.now.toISOString(),
        filesRead: 1,
        complete: true,
        source: 's3://trail/',
      }),
    };
    await resultOf(shared, big, target('f'), query(T0 - MIN, T0), INTERVAL_MS, 'team-a/f');
    expect(shared.size).toBe(2);
  });
});
