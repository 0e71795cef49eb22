import type { Assurance, AssuranceReport } from '../../../operator/src/api/types.js';
import {
  cuecsImplemented,
  reportValidity,
  reportsCurrent,
  scopeCoversRegions,
  scopeCoversUsage,
} from '../../../operator/src/controls/assurance.js';
import { DAY_MS } from '../../../operator/src/controls/time.js';
import {
  NOW,
  aPolicy,
  aReport,
  aResource,
  aSpec,
  anInput,
  anInventory,
  daysAgo,
  daysAhead,
  liveFailed,
  withGaps,
} from '../builders.js';

function withAssurance(assurance: Partial<Assurance>) {
  return aSpec({ assurance: { ...aSpec().assurance, ...assurance } });
}

const soc2 = (overrides: Partial<AssuranceReport> = {}) => aReport(overrides);
const iso = (overrides: Partial<AssuranceReport> = {}) =>
  aReport({ type: 'ISO27001', reference: 'iso', periodEnd: undefined, expiresAt: daysAhead(100), ...overrides });

describe('when certification is not required', () => {
  it.each([reportsCurrent, scopeCoversRegions, scopeCoversUsage])(
    '$id passes as NotRequired, without reading the account',
    (control) => {
      const input = anInput({
        spec: withAssurance({ reports: [] }),
        policy: aPolicy({}, 'internal'),
        inventory: liveFailed(),
      });
      expect(control.evaluate(input)).toMatchObject({ status: 'True', reason: 'NotRequired' });
    },
  );
});

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

describe('A523-06-SCOPE-COVERS-REGIONS', () => {
  it('passes when the union of report scopes covers the allowed regions', () => {
    const reports = [soc2({ scope: { regions: ['eu-west-1'] } }), iso({ scope: { regions: ['eu-west-2'] } })];
    expect(scopeCoversRegions.evaluate(anInput({ spec: withAssurance({ reports }) })).status).toBe('True');
  });

  it('fails naming each allowed region outside every scope', () => {
    const reports = [soc2({ scope: { regions: ['eu-west-1'] } }), iso({ scope: undefined })];
    const outcome = scopeCoversRegions.evaluate(anInput({ spec: withAssurance({ reports }) }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'ScopeMissesAllowedRegions' });
    expect(outcome.findings.map((f) => f.resource)).toEqual(['eu-west-2']);
  });

  it('matches Azure display names and region codes', () => {
    const spec = aSpec({
      provider: 'azure',
      allowedRegions: ['westeurope'],
      assurance: { reports: [soc2({ scope: { regions: ['West Europe'] } })] },
    });
    expect(scopeCoversRegions.evaluate(anInput({ spec })).status).toBe('True');
  });

  it('leaves a missing report to A523-06-REPORTS-CURRENT', () => {
    expect(scopeCoversRegions.evaluate(anInput({ spec: withAssurance({ reports: [] }) })).reason).toBe('NoReports');
  });
});

describe('A523-06-SCOPE-COVERS-USAGE (live)', () => {
  it('passes when every region in use is in scope; global resources do not count', () => {
    expect(scopeCoversUsage.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'ScopeCoversRegionsInUse' });
  });

  it('fails when the account uses a region no report covers', () => {
    const inventory = anInventory({ resources: [aResource(), aResource({ id: 'us-bucket', region: 'us-east-1' })] });
    const outcome = scopeCoversUsage.evaluate(anInput({ inventory }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'ScopeMissesRegionsInUse' });
    expect(outcome.findings).toEqual([
      { resource: 'us-east-1', message: 'Region us-east-1 holds resources but no audit report covers it' },
    ]);
  });

  it('is Unknown when the account could not be read', () => {
    expect(scopeCoversUsage.evaluate(anInput({ inventory: liveFailed('Throttled') }))).toMatchObject({
      status: 'Unknown',
      reason: 'Throttled',
    });
  });

  it('is Unknown when the resource list has a gap, even if the partial list looks bad', () => {
    const inventory = anInventory({ resources: [aResource({ region: 'us-east-1' })] });
    expect(scopeCoversUsage.evaluate(anInput({ inventory: withGaps(inventory, 'resources') }))).toMatchObject({
      status: 'Unknown',
      reason: 'AccessDenied',
    });
  });
});

describe('A523-06-CUECS-IMPLEMENTED ("fails to check the CUECs" trap)', () => {
  it('passes when every CUEC is implemented', () => {
    expect(cuecsImplemented.evaluate(anInput())).toMatchObject({ status: 'True', reason: 'CuecsImplemented' });
  });

  it('fails naming each CUEC not implemented', () => {
    const cuecs = [
      { id: 'CUEC-01', description: 'Review IAM access quarterly', implemented: false },
      { id: 'CUEC-02', description: 'Encrypt data', implemented: true },
      { id: 'CUEC-03', description: 'Monitor logs', implemented: false },
    ];
    const outcome = cuecsImplemented.evaluate(anInput({ spec: withAssurance({ cuecs }) }));
    expect(outcome).toMatchObject({ status: 'False', reason: 'CuecsNotImplemented' });
    expect(outcome.findings.map((f) => f.resource)).toEqual(['CUEC-01', 'CUEC-03']);
  });

  it('fails when a SOC 2 report is relied on but its CUECs were never documented', () => {
    const spec = aSpec({ assurance: { reports: [soc2()] } });
    expect(cuecsImplemented.evaluate(anInput({ spec }))).toMatchObject({
      status: 'False',
      reason: 'CuecsNotDocumented',
    });
  });

  it('accepts an explicit empty CUEC list and a certificate-only record', () => {
    expect(
      cuecsImplemented.evaluate(anInput({ spec: aSpec({ assurance: { reports: [soc2()], cuecs: [] } }) })).status,
    ).toBe('True');
    expect(cuecsImplemented.evaluate(anInput({ spec: aSpec({ assurance: { reports: [iso()] } }) })).status).toBe(
      'True',
    );
  });

  it('checks declared CUECs even when certification is not required', () => {
    const spec = withAssurance({ cuecs: [{ id: 'C-1', description: 'x', implemented: false }] });
    expect(cuecsImplemented.evaluate(anInput({ spec, policy: aPolicy({}, 'public') })).status).toBe('False');
  });
});
