// Prometheus metrics on a private registry. Labels are bounded: namespace, service,
// provider and enumerations; never an identity name, ARN or resource id.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServiceMetricValues } from './controls/metric-values.js';

export interface ServiceRef {
  namespace: string;
  service: string;
  provider: string;
}


type Labels = Record<string, string>;
const SERVICE_LABELS = ['namespace', 'service', 'provider'] as const;
const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal: Counter<'result'>;
  readonly reconcileDuration: Histogram<'result'>;
  /** Reconciles that ended on a failed read, by kind (permanent: stalled; transient: retried) and listed reason. */
  readonly reconcileFailures: Counter<'kind' | 'reason'>;
  readonly cloudApiCalls: Counter<'provider' | 'operation' | 'code'>;
  readonly queueDepth: Gauge;
  readonly breakGlassUse: Counter<'namespace' | 'service' | 'provider'>;
  /** Evidence history (controller/evidence-writer.ts): records appended to the Object Lock bucket. */
  readonly evidenceRecordsWritten: Counter;
  /** Failed evidence attempts (an append, or reading the service's last record) by reason. */
  readonly evidenceWriteFailures: Counter<'reason'>;
  readonly evidenceQueueDepth: Gauge;
  readonly evidenceRecordsDropped: Counter;
  /** Evaluations kept in memory only: their spool file would have passed the spool's byte bound. */
  readonly evidenceSpoolFull: Counter;
  /** Shadow IT (controller/organization-reconciler.ts): undeclared items per organisation and kind; no ids or names. */
  readonly undeclaredServices: Gauge<'organization' | 'kind'>;
  private readonly serviceGauges: Record<string, Gauge<string>>;
  /** Label sets written per service, so stale series can be removed exactly. */
  private readonly written = new Map<string, Map<string, Labels[]>>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.reconcileTotal = new Counter({
      name: 'cloudposture_reconcile_total',
      help: 'Reconciles by result (success, requeue, error, terminal).',
      labelNames: ['result'],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: 'cloudposture_reconcile_duration_seconds',
      help: 'Wall time of one reconcile, including cloud reads.',
      labelNames: ['result'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.reconcileFailures = new Counter({
      name: 'cloudposture_reconcile_failures_total',
      help: 'Reconciles that ended on a failed account read, by kind (permanent: stalled until a change; transient: retried) and reason.',
      labelNames: ['kind', 'reason'],
      registers,
    });
    this.cloudApiCalls = new Counter({
      name: 'cloudposture_cloud_api_calls_total',
      help: 'Cloud API calls by provider, operation and result code.',
      labelNames: ['provider', 'operation', 'code'],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'cloudposture_queue_depth',
      help: 'Keys waiting in the reconcile work queue.',
      registers,
    });
    this.breakGlassUse = new Counter({
      name: 'cloudposture_breakglass_use_total',
      help: 'Uses of declared break-glass identities seen in the audit trail.',
      labelNames: [...SERVICE_LABELS],
      registers,
    });
    this.evidenceRecordsWritten = new Counter({
      name: 'cloudposture_evidence_records_written_total',
      help: 'Evidence records appended to the Object Lock bucket.',
      registers,
    });
    this.evidenceWriteFailures = new Counter({
      name: 'cloudposture_evidence_write_failures_total',
      help: 'Failed evidence attempts by reason (append, exists, read-previous, invalid-previous, build); each is retried.',
      labelNames: ['reason'],
      registers,
    });
    this.evidenceQueueDepth = new Gauge({
      name: 'cloudposture_evidence_queue_depth',
      help: 'Evaluations waiting for their evidence record to be appended, across all services.',
      registers,
    });
    this.evidenceRecordsDropped = new Counter({
      name: 'cloudposture_evidence_records_dropped_total',
      help: 'Evaluations not recorded because the evidence queue was full (the next evaluation of the service records again).',
      registers,
    });
    this.evidenceSpoolFull = new Counter({
      name: 'cloudposture_evidence_spool_full_total',
      help: 'Evaluations waiting in memory only because their spool file would have passed the spool byte bound (lost on a restart).',
      registers,
    });
    this.undeclaredServices = new Gauge({
      name: 'cloudposture_undeclared_services',
      help: 'Active accounts, subscriptions and SaaS apps of a CloudOrganization that nobody declared, by kind (account, subscription, saas-app).',
      labelNames: ['organization', 'kind'],
      registers,
    });
    const gauge = (name: string, help: string, extra: string[]): Gauge<string> =>
      new Gauge({ name, help, labelNames: [...SERVICE_LABELS, ...extra], registers });
    this.serviceGauges = {
      condition: gauge('cloudposture_condition', 'Status of each condition: 1 for the current status (kube-state-metrics style).', ['type', 'status']),
      findings: gauge('cloudposture_findings', 'Open findings by control and severity.', ['control', 'severity']),
      mfa: gauge('cloudposture_mfa_coverage_ratio', 'Share of identities in scope with MFA (0..1).', ['scope']),
      identities: gauge('cloudposture_identities', 'Identities in the account by MFA state.', ['mfa']),
      regions: gauge('cloudposture_region_violations', 'Resources outside the allowed regions, by region.', ['region']),
      drift: gauge('cloudposture_drift_resources', 'Resources drifted from declared IaC, by kind.', ['kind']),
      evidence: gauge('cloudposture_evidence_age_seconds', 'Age of the evidence behind a control, by kind.', ['kind']),
      lastCheck: gauge('cloudposture_last_check_timestamp_seconds', 'When the service was last evaluated (Unix seconds).', []),
      exitDrill: gauge('cloudposture_exit_drill_last_success_timestamp_seconds', 'When the last exit drill succeeded (Unix seconds).', []),
    };
  }

  /** Everything published for one service, as the evaluation decided it; series absent here are removed. */
  publishService(ref: ServiceRef, snapshot: ServiceMetricValues): void {
    const base: Labels = { namespace: ref.namespace, service: ref.service, provider: ref.provider };
    const series: Record<string, Array<{ labels: Labels; value: number }>> = {
      condition: snapshot.conditions.flatMap((c) =>
        CONDITION_STATUSES.map((status) => ({ labels: { ...base, type: c.type, status }, value: c.status === status ? 1 : 0 })),
      ),
      findings: snapshot.findings.map((f) => ({ labels: { ...base, control: f.control, severity: f.severity }, value: f.count })),
      mfa: snapshot.mfaCoverage.map((m) => ({ labels: { ...base, scope: m.scope }, value: m.ratio })),
      identities: snapshot.identities.map((i) => ({ labels: { ...base, mfa: i.mfa }, value: i.count })),
      regions: snapshot.regionViolations.map((r) => ({ labels: { ...base, region: r.region }, value: r.count })),
      drift: snapshot.driftResources.map((d) => ({ labels: { ...base, kind: d.kind }, value: d.count })),
      evidence: snapshot.evidenceAgeSeconds.map((e) => ({ labels: { ...base, kind: e.kind }, value: e.seconds })),
      lastCheck: [{ labels: base, value: snapshot.lastCheckSeconds }],
      exitDrill: snapshot.exitDrillLastSuccessSeconds === undefined ? [] : [{ labels: base, value: snapshot.exitDrillLastSuccessSeconds }],
    };
    const key = serviceKey(ref);
    const previous = this.written.get(key) ?? new Map<string, Labels[]>();
    const next = new Map<string, Labels[]>();
    for (const [name, entries] of Object.entries(series)) {
      const gauge = this.serviceGauges[name] as Gauge<string>;
      const fresh = new Set(entries.map((e) => labelKey(e.labels)));
      for (const old of previous.get(name) ?? []) {
        if (!fresh.has(labelKey(old))) gauge.remove(old);
      }
      for (const entry of entries) gauge.set(entry.labels, entry.value);
      next.set(name, entries.map((e) => e.labels));
    }
    this.written.set(key, next);
  }

  /** Removes every series of a deleted service. */
  forgetService(ref: Omit<ServiceRef, 'provider'>): void {
    for (const [key, byGauge] of this.written) {
      const [namespace, service] = key.split('/');
      if (namespace !== ref.namespace || service !== ref.service) continue;
      for (const [name, labelSets] of byGauge) {
        const gauge = this.serviceGauges[name] as Gauge<string>;
        for (const labels of labelSets) gauge.remove(labels);
      }
      const [, , provider] = key.split('/');
      this.breakGlassUse.remove({ namespace: ref.namespace, service: ref.service, provider: provider ?? '' });
      this.written.delete(key);
    }
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function serviceKey(ref: ServiceRef): string {
  return `${ref.namespace}/${ref.service}/${ref.provider}`;
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}
