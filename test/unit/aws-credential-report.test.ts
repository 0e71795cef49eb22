import {
  accessKeysOf,
  parseCredentialReport,
  parseCsv,
  reportDate,
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
      { id: 'access_key_1', active: true, createdAt: '2021-03-03T12:00:00.000Z', lastUsedAt: '2026-11-20T09:15:00.000Z' },
      { id: 'access_key_2', active: false, createdAt: '2025-01-05T00:00:00.000Z' },
    ]);
  });

  it('tolerates reordered columns and rejects a report without the key columns', () => {
    const reordered = 'arn,mfa_active,user\narn:aws:iam::1:user/x,true,x\n';
    expect(parseCredentialReport(reordered)[0]).toMatchObject({ user: 'x', mfaActive: true, keys: [] });
    expect(() => parseCredentialReport('foo,bar\n1,2\n')).toThrow(/missing column/);
    expect(parseCredentialReport('')).toEqual([]);
  });
});
