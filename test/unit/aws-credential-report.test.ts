import {
  accessKeysOf,
  parseCredentialReport,
  parseCsv,
  passwordLastUse,
  reportBoolean,
  reportDate,
  signInFieldsOf,
} from '../../operator/src/providers/aws/credential-report.js';

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

// As AWS documents it: the root row first, N/A / no_information / not_supported for missing values.
const REPORT = [
  HEADER,
  '<root_account>,arn:aws:iam::123456789012:root,2019-01-01T00:00:00+00:00,not_supported,2026-10-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'alice,arn:aws:iam::123456789012:user/alice,2020-02-02T00:00:00+00:00,true,2026-11-01T08:00:00+00:00,2020-02-02T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  // an old key (2021) still in use, plus a rotated inactive second key
  'old-bot,arn:aws:iam::123456789012:user/old-bot,2021-03-03T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2021-03-03T12:00:00+00:00,2026-11-20T09:15:00+00:00,eu-west-1,s3,false,2025-01-05T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A',
  '"quoted,name",arn:aws:iam::123456789012:user/quoted,2022-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
].join('\r\n');

describe('credential report parser', () => {
  it('parses RFC 4180 CSV with quotes and CRLF', () => {
    expect(parseCsv('a,"b,c","d""e"\r\n1,2,3\n')).toEqual([
      ['a', 'b,c', 'd"e'],
      ['1', '2', '3'],
    ]);
  });

  it('reads dates and rejects the placeholders', () => {
    expect(reportDate('2021-03-03T12:00:00+00:00')).toBe('2021-03-03T12:00:00.000Z');
    for (const v of ['N/A', 'no_information', 'not_supported', '', undefined]) expect(reportDate(v)).toBeUndefined();
  });

  it('turns rows into users, the root row and key facts', () => {
    const rows = parseCredentialReport(REPORT);
    expect(rows).toHaveLength(4);
    const [root, alice, bot, quoted] = rows;
    expect(root).toMatchObject({ isRoot: true, mfaActive: true, keys: [], arn: 'arn:aws:iam::123456789012:root' });
    expect(root?.passwordEnabled).toBeUndefined();
    expect(alice).toMatchObject({ user: 'alice', isRoot: false, passwordEnabled: true, mfaActive: true, keys: [] });
    expect(bot).toMatchObject({ user: 'old-bot', passwordEnabled: false, mfaActive: false });
    expect(bot?.keys).toEqual([
      { slot: 1, active: true, lastRotated: '2021-03-03T12:00:00.000Z', lastUsed: '2026-11-20T09:15:00.000Z' },
      { slot: 2, active: false, lastRotated: '2025-01-05T00:00:00.000Z' },
    ]);
    expect(quoted?.user).toBe('quoted,name');
  });

  it('maps keys to inventory access keys (slot ids: the report carries no key ids)', () => {
    const bot = parseCredentialReport(REPORT)[2];
    expect(bot && accessKeysOf(bot)).toEqual([
      { id: 'access_key_1', active: true, createdAt: '2021-03-03T12:00:00.000Z', lastUsedAt: '2026-11-20T09:15:00.000Z', lastUse: { at: '2026-11-20T09:15:00.000Z' } },
      { id: 'access_key_2', active: false, createdAt: '2025-01-05T00:00:00.000Z', lastUse: { noUseSince: '2025-01-05T00:00:00.000Z' } },
    ]);
  });

  it('tolerates reordered columns and rejects a report without the key columns', () => {
    const reordered = 'arn,mfa_active,user\narn:aws:iam::1:user/x,true,x\n';
    expect(parseCredentialReport(reordered)[0]).toMatchObject({ user: 'x', mfaActive: true, keys: [] });
    expect(() => parseCredentialReport('foo,bar\n1,2\n')).toThrow(/missing column/);
    expect(parseCredentialReport('')).toEqual([]);
  });

  it('reads booleans case-insensitively (AWS documents TRUE / FALSE in places)', () => {
    for (const [v, want] of [['true', true], ['TRUE', true], ['True', true], ['false', false], ['FALSE', false], [' False ', false], ['not_supported', undefined], ['N/A', undefined], [undefined, undefined]] as const) {
      expect(reportBoolean(v)).toBe(want);
    }
    const upper = [
      HEADER,
      'bob,arn:aws:iam::123456789012:user/bob,2020-02-02T00:00:00+00:00,TRUE,no_information,N/A,N/A,TRUE,TRUE,2026-01-01T00:00:00+00:00,N/A,N/A,N/A,FALSE,N/A,N/A,N/A,N/A,FALSE,N/A,FALSE,N/A',
    ].join('\n');
    const [bob] = parseCredentialReport(upper);
    expect(bob).toMatchObject({ passwordEnabled: true, mfaActive: true, keys: [{ slot: 1, active: true }] });
  });

  it('reads the last use of passwords and keys: dates, never used, not since recording began, no password', () => {
    const rows = parseCredentialReport(
      [
        HEADER,
        // password used; key 1 never used (N/A); created recently
        'fresh,arn:aws:iam::1:user/fresh,2026-11-01T00:00:00+00:00,true,2026-11-20T08:00:00+00:00,N/A,N/A,true,true,2026-11-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
        // password never used (no_information) since creation in 2025
        'idle,arn:aws:iam::1:user/idle,2025-06-01T00:00:00+00:00,true,no_information,N/A,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
        // created before IAM recorded password use: no use since 2014-10-20 at best
        'ancient,arn:aws:iam::1:user/ancient,2012-01-01T00:00:00+00:00,true,no_information,N/A,N/A,true,true,2013-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
        // no password (not_supported / N/A): no sign-in to judge
        'bot,arn:aws:iam::1:user/bot,2025-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2025-01-01T00:00:00+00:00,2026-11-19T00:00:00+00:00,eu-west-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
      ].join('\n'),
    );
    const [fresh, idle, ancient, bot] = rows;
    expect(fresh && passwordLastUse(fresh)).toEqual({ at: '2026-11-20T08:00:00.000Z' });
    expect(fresh && accessKeysOf(fresh)[0]?.lastUse).toEqual({ noUseSince: '2026-11-01T00:00:00.000Z' });
    expect(idle && passwordLastUse(idle)).toEqual({ noUseSince: '2025-06-01T00:00:00.000Z' });
    expect(ancient && passwordLastUse(ancient)).toEqual({ noUseSince: '2014-10-20T00:00:00.000Z' });
    expect(ancient && accessKeysOf(ancient)[0]?.lastUse).toEqual({ noUseSince: '2015-04-22T00:00:00.000Z' });
    expect(bot && passwordLastUse(bot)).toBeUndefined();
    expect(signInFieldsOf(bot)).toEqual({});
    expect(signInFieldsOf(undefined)).toEqual({});
    expect(bot && accessKeysOf(bot)[0]?.lastUse).toEqual({ at: '2026-11-19T00:00:00.000Z' });
  });
});
