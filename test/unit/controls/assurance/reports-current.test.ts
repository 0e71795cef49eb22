// Table tests of A523-06-REPORTS-CURRENT (controls/assurance/reports-current.ts).

import { reportsCurrent } from '../../../../operator/src/controls/assurance/reports-current.js';
import { DAY_MS } from '../../../../operator/src/controls/time.js';
import { NOW, aSpec, anInput, daysAgo, daysAhead } from '../../builders.js';
import { describeCertificationNotRequired, iso, soc2, withAssurance } from './builders.js';

describeCertificationNotRequired(reportsCurrent);

describe('A523-06-REPORTS-CURRENT', () => {
  it('passes with current reports and requeues at the earliest expiry', () => {
    const outcome = reportsCurrent.evaluate(anInput());
    expect(outcome).toMatchObject({ status: 'True', reason: 'ReportsCurrent' });
    // SOC 2: 60 days ago + 365 = 305 days ahead; ISO: 300 days ahead.
    expect(outcome.changesAt?.toISOString()).toBe(daysAhead(300));
  });

  it('fails with NoAssuranceReport when none is recorded ("trusts a logo")', () => {
    for (const assurance of [undefined, { reports: [] }]) {
      expect(reportsCurrent.evaluate(anInput({ spec: aSpec({ assurance }) }))).toMatchObject({
        status: 'False',
        reason: 'NoAssuranceReport',
      });
    }
  });

  it.each([
    [
      'a SOC 2 period that ended 400 days ago',
      soc2({ periodEnd: daysAgo(400) }),
      'AssuranceReportStale',
      'older than 365 days',
    ],
    ['an expired certificate', iso({ expiresAt: daysAgo(3) }), 'AssuranceReportStale', 'certificate expired'],
    ['a SOC 2 report without period end', soc2({ periodEnd: undefined }), 'AssuranceReportUndated', 'no period end'],
    ['a certificate without expiry', iso({ expiresAt: undefined }), 'AssuranceReportUndated', 'no expiry date'],
    [
      'a SOC 2 period ending in the future',
      soc2({ periodEnd: daysAhead(30) }),
      'AssuranceReportUndated',
      'in the future',
    ],
  ])('fails on %s, even next to a current report', (_label, report, reason, text) => {
    const outcome = reportsCurrent.evaluate(anInput({ spec: withAssurance({ reports: [iso(), report] }) }));
    expect(outcome).toMatchObject({ status: 'False', reason });
    expect(outcome.findings).toHaveLength(1);
    expect(outcome.findings[0]?.message).toContain(text);
  });

  describe('boundary: SOC 2 current while now < periodEnd + maxEvidenceAgeDays', () => {
    const periodEnd = new Date(NOW.getTime() - 365 * DAY_MS).toISOString();
    it.each([
      [-1, 'True'],
      [0, 'False'],
      [1, 'False'],
    ])('now = expiry %+d ms → %s', (offset, status) => {
      const input = anInput({
        spec: withAssurance({ reports: [soc2({ periodEnd })] }),
        now: new Date(NOW.getTime() + offset),
      });
      expect(reportsCurrent.evaluate(input).status).toBe(status);
    });
  });

  describe('boundary: certificate current while now < expiresAt', () => {
    it.each([
      [-1, 'True'],
      [0, 'False'],
    ])('now = expiresAt %+d ms → %s', (offset, status) => {
      const input = anInput({
        spec: withAssurance({ reports: [iso({ expiresAt: NOW.toISOString() })] }),
        now: new Date(NOW.getTime() + offset),
      });
      expect(reportsCurrent.evaluate(input).status).toBe(status);
    });
  });
});
