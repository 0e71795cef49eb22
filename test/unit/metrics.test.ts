import type { ServiceMetricValues } from '../../operator/src/controls/metric-values.js';
import { OperatorMetrics } from '../../operator/src/metrics.js';

const snapshot = (overrides: Partial<ServiceMetricValues> = {}): ServiceMetricValues => ({
  conditions: [{ type: 'MFAEnforced', status: 'False' }],
  findings: [{ control: 'A523-08-PRIVILEGED-MFA', severity: 'critical', count: 2 }],
  mfaCoverage: [{ scope: 'privileged', ratio: 0.5 }],
  identities: [
    { mfa: 'true', count: 1 },
    { mfa: 'false', count: 1 },
  ],
  regionViolations: [{ region: 'us-east-1', count: 3 }],
  driftResources: [],
  evidenceAgeSeconds: [{ kind: 'contract-review', seconds: 86400 }],
  lastCheckSeconds: 1_800_000_000,
  ...overrides,
});

const ref = { namespace: 'payments', service: 'aws-prod', provider: 'aws' };

describe('OperatorMetrics', () => {
  it('publishes kube-state-metrics style conditions and per-service gauges', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    metrics.publishService(ref, snapshot());
    const { body } = await metrics.render();
    expect(body).toContain('cloudposture_condition{namespace="payments",service="aws-prod",provider="aws",type="MFAEnforced",status="False"} 1');
    expect(body).toContain('cloudposture_condition{namespace="payments",service="aws-prod",provider="aws",type="MFAEnforced",status="True"} 0');
    expect(body).toContain('cloudposture_findings{namespace="payments",service="aws-prod",provider="aws",control="A523-08-PRIVILEGED-MFA",severity="critical"} 2');
    expect(body).toContain('cloudposture_mfa_coverage_ratio{namespace="payments",service="aws-prod",provider="aws",scope="privileged"} 0.5');
    expect(body).toContain('cloudposture_region_violations{namespace="payments",service="aws-prod",provider="aws",region="us-east-1"} 3');
  });

  it('removes series that are gone from the next snapshot', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    metrics.publishService(ref, snapshot());
    metrics.publishService(ref, snapshot({ findings: [], regionViolations: [] }));
    const { body } = await metrics.render();
    expect(body).not.toContain('cloudposture_findings{');
    expect(body).not.toContain('region="us-east-1"');
  });

  it('forgets every series of a deleted service, leaving others', async () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    metrics.publishService(ref, snapshot());
    metrics.publishService({ ...ref, service: 'other' }, snapshot());
    metrics.forgetService({ namespace: 'payments', service: 'aws-prod' });
    const { body } = await metrics.render();
    expect(body).not.toContain('service="aws-prod"');
    expect(body).toContain('service="other"');
  });

  it('includes default process metrics unless disabled', async () => {
    const { body } = await new OperatorMetrics().render();
    expect(body).toContain('process_cpu_user_seconds_total');
  });
});
