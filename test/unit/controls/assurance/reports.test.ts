// Table tests of reportValidity, the evidence age of an audit report
// (controls/assurance/reports.ts).

import { reportValidity } from '../../../../operator/src/controls/assurance/reports.js';
import { NOW, aReport, daysAgo, daysAhead } from '../../builders.js';
import { iso, soc2 } from './builders.js';

describe('reportValidity', () => {
  it('ages a SOC 2 Type II report from its period end and a certificate by its expiry', () => {
    expect(reportValidity(soc2({ periodEnd: daysAgo(100) }), 365, NOW)).toMatchObject({ state: 'current' });
    expect(reportValidity(soc2({ periodEnd: daysAgo(366) }), 365, NOW)).toMatchObject({ state: 'stale' });
    expect(reportValidity(iso({ expiresAt: daysAgo(1) }), 365, NOW)).toMatchObject({ state: 'stale' });
    expect(reportValidity(iso({ expiresAt: daysAhead(1) }), 365, NOW)).toMatchObject({ state: 'current' });
    expect(reportValidity(aReport({ type: 'C5', periodEnd: daysAgo(10) }), 365, NOW)).toMatchObject({
      state: 'current',
    });
  });
});
