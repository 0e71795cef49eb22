// Static checks of the chart's non-template files, which no tool checks on its own:
// - the Grafana dashboard: datasource and template variables, only metrics the operator
//   really exports, every posture query filtered by $namespace and $service;
// - the alert rules: summary, description naming namespace/service, a runbook_url whose
//   anchor exists in the chart README, a severity, and a promtool test that fires it;
// - values.yaml's evidence thresholds equal the rule file's (so the promtool tests of the
//   file cover the chart's defaults);
// - argocd-cm-patch.yaml embeds health.lua verbatim.
// The tools themselves (helm, promtool, prometheus, gopher-lua) run in test/integration/.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { OperatorMetrics } from '../../operator/src/metrics.js';

const chartDir = fileURLToPath(new URL('../../charts/cloud-posture-operator/', import.meta.url));
const read = (rel: string): string => readFileSync(path.join(chartDir, rel), 'utf8');

interface Target {
  expr: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}
interface Variable {
  name: string;
  type: string;
  query?: unknown;
  definition?: string;
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}
interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: Array<{ name: string; rules: Rule[] }>;
}

const dashboard = JSON.parse(read('dashboards/cloud-posture.json')) as Dashboard;
const rules = parse(read('rules/cloud-posture.rules.yaml')) as RuleFile;
const alerts = rules.groups.flatMap((g) => g.rules).filter((r): r is Rule & { alert: string } => !!r.alert);
const readme = read('README.md');

/** GitHub's heading anchor: lower case, spaces to dashes, punctuation dropped. */
function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}
const readmeAnchors = new Set(
  readme
    .split('\n')
    .filter((l) => /^#{1,6}\s/.test(l))
    .map((l) => githubSlug(l.replace(/^#+\s*/, ''))),
);

/** Metric names exported by the operator (histograms with their series suffixes). */
async function exportedMetricNames(): Promise<Set<string>> {
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    // prom-client's types say enum; at run time the JSON carries the type name.
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

/** Series carrying a CloudService's namespace and service labels. */
const POSTURE_METRIC = /cloudposture_(condition|findings|mfa_coverage_ratio|identities|region_violations|drift_resources|evidence_age_seconds|last_check_timestamp_seconds)\b/;

describe('Grafana dashboard', () => {
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

  it('has a stable uid, a title and unique panel ids inside a 24-column grid', () => {
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
  });

  it('has the datasource, namespace and service variables', () => {
    const vars = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    expect(vars.datasource?.type).toBe('datasource');
    expect(vars.namespace?.definition).toBe('label_values(cloudposture_condition, namespace)');
    expect(vars.service?.definition).toBe('label_values(cloudposture_condition{namespace=~"$namespace"}, service)');
  });

  it('queries ${datasource} in every panel and target', () => {
    for (const p of panels) {
      expect([p.title, p.datasource?.uid]).toEqual([p.title, '${datasource}']);
      for (const t of p.targets ?? []) expect([p.title, t.datasource?.uid]).toEqual([p.title, '${datasource}']);
    }
  });

  it('covers the posture overview and operator health the design asks for', () => {
    const all = targets.map((t) => t.expr).join('\n');
    for (const metric of [
      'cloudposture_condition',
      'cloudposture_mfa_coverage_ratio',
      'cloudposture_drift_resources',
      'cloudposture_findings',
      'cloudposture_region_violations',
      'cloudposture_evidence_age_seconds',
      'cloudposture_reconcile_total',
      'cloudposture_reconcile_duration_seconds_bucket',
      'cloudposture_queue_depth',
      'cloudposture_cloud_api_calls_total',
      'cloudposture_undeclared_services',
    ]) {
      expect([metric, all.includes(metric)]).toEqual([metric, true]);
    }
    expect(all).toMatch(/sum by \(control, severity\) \(cloudposture_findings/);
    // Shadow IT (step 1) and the provider's own access (step 9).
    expect(all).toContain('sum by (kind) (cloudposture_undeclared_services)');
    expect(all).toContain('type="ProviderAccessControlled"');
    expect(all).toContain('control=~"A523-09-LOCKBOX.*"');
  });

  it('lays the panels out without overlap, the Shadow IT row before the Operator row', () => {
    const cells = new Map<string, string>();
    for (const p of dashboard.panels) {
      const { x, y, w, h } = p.gridPos;
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          const other = cells.get(`${i},${j}`);
          expect([p.title, other]).toEqual([p.title, undefined]);
          cells.set(`${i},${j}`, p.title);
        }
      }
    }
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(['Posture', "Shadow IT and the provider's access", 'Operator']);
    // In the file, each row comes before its panels: the order Grafana groups them in.
    const order = dashboard.panels.map((p) => p.gridPos.y);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('uses only metrics the operator exports', async () => {
    const exported = await exportedMetricNames();
    for (const t of targets) {
      for (const name of t.expr.match(/cloudposture_[a-z_]+/g) ?? []) {
        expect([t.panel, name, exported.has(name)]).toEqual([t.panel, name, true]);
      }
    }
  });

  it('filters every posture query by $namespace and $service', () => {
    for (const t of targets.filter((x) => POSTURE_METRIC.test(x.expr))) {
      expect([t.panel, t.expr.includes('namespace=~"$namespace"'), t.expr.includes('service=~"$service"')]).toEqual([t.panel, true, true]);
    }
  });
});

describe('alert rules', () => {
  type PromtoolTests = { tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }> };
  const tests = readdirSync(path.join(chartDir, 'rules', 'tests'))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => (parse(read(path.join('rules', 'tests', f))) as PromtoolTests).tests);
  const firedInTests = new Set(tests.flatMap((t) => (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));

  it('has the alerts the design asks for', () => {
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining([
        'CloudPosturePrivilegedMFAMissing',
        'CloudPostureRegionViolation',
        'CloudPostureDriftDetected',
        'CloudPostureEvidenceExpiring',
        'CloudPostureEvidenceExpired',
        'CloudPostureReconcileErrors',
        'CloudPostureOperatorDown',
        'CloudPostureOperatorAbsent',
        'CloudPostureServiceNonCompliant',
      ]),
    );
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
  });

  it.each(alerts.map((a) => [a.alert, a] as const))('%s has a severity, summary, description and runbook', (name, alert) => {
    expect(['critical', 'warning', 'info']).toContain(alert.labels?.severity);
    expect(alert.annotations?.summary).toBeTruthy();
    const description = alert.annotations?.description ?? '';
    if (name === 'CloudPostureUndeclaredService') {
      // An organisation is cluster-scoped: no namespace or service, the organisation instead.
      expect(description).toContain('{{ $labels.organization }}');
    } else if (name === 'CloudPostureOperatorAbsent') {
      // absent() has no target, hence no namespace/service labels: named only when present.
      expect(description).toContain('$labels.namespace');
    } else {
      expect(description).toContain('{{ $labels.namespace }}/{{ $labels.service }}');
    }
    const url = alert.annotations?.runbook_url ?? '';
    expect(url).toMatch(/^https:\/\/.+\/charts\/cloud-posture-operator\/README\.md#[a-z0-9-]+$/);
    const anchor = url.split('#')[1] as string;
    expect([anchor, readmeAnchors.has(anchor)]).toEqual([anchor, true]);
    expect(anchor).toBe(name.toLowerCase());
  });

  it.each(alerts.map((a) => a.alert))('%s fires in a promtool test case', (name) => {
    expect(firedInTests.has(name)).toBe(true);
  });

  it('has the same evidence thresholds as values.yaml (the chart defaults)', () => {
    const values = parse(read('values.yaml')) as {
      prometheusRule: { evidenceAgeDays: Record<string, { warning: number; critical: number }> };
    };
    const fromValues: string[] = [];
    for (const [kind, levels] of Object.entries(values.prometheusRule.evidenceAgeDays)) {
      fromValues.push(`${kind}/warning=vector(${levels.warning} * 86400)`, `${kind}/critical=vector(${levels.critical} * 86400)`);
    }
    const group = rules.groups.find((g) => g.name === 'cloud-posture-thresholds');
    const fromFile = (group?.rules ?? []).map((r) => `${r.labels?.kind}/${r.labels?.severity}=${r.expr}`);
    expect(fromFile.sort()).toEqual(fromValues.sort());
    // Warning before critical, for every kind.
    for (const levels of Object.values(values.prometheusRule.evidenceAgeDays)) expect(levels.warning).toBeLessThan(levels.critical);
  });
});

describe('Argo CD snippets', () => {
  it('argocd-cm-patch.yaml embeds health.lua and account-health.lua verbatim', () => {
    const patch = parse(read('argocd/argocd-cm-patch.yaml')) as { data: Record<string, string> };
    const script = patch.data['resource.customizations.health.cloudposture.io_CloudService'];
    expect(script).toBe(read('argocd/health.lua'));
    expect(patch.data['resource.customizations.health.cloudposture.io_CloudAccount']).toBe(read('argocd/account-health.lua'));
  });

  it('the example Application deploys CloudServices with automated sync', () => {
    const app = parse(read('argocd/application-example.yaml')) as {
      apiVersion: string;
      kind: string;
      spec: { source: { path: string }; destination: { namespace: string }; syncPolicy: { automated: object } };
    };
    expect(app.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(app.kind).toBe('Application');
    expect(app.spec.destination.namespace).toBeTruthy();
    expect(app.spec.syncPolicy.automated).toBeTruthy();
  });
});

// The rendered defaults are checked in test/integration/chart.test.ts (helm); these catch a
// Secret grant slipping into another template or the cluster branch becoming the default.
describe('Secret RBAC', () => {
  const templates = readdirSync(path.join(chartDir, 'templates')).filter((f) => f.endsWith('.yaml'));
  const secretsRbac = read('templates/secrets-rbac.yaml');

  it('only secrets-rbac.yaml grants anything on Secrets', () => {
    const granting = templates.filter((f) => /resources:\s*\[[^\]]*"secrets"/.test(read(`templates/${f}`)));
    expect(granting).toEqual(['secrets-rbac.yaml']);
  });

  it('its ClusterRole is only in the rbac.secrets.scope=cluster branch, and that is not the default', () => {
    const [cluster, rest] = secretsRbac.split('{{- else }}') as [string, string];
    expect(cluster).toContain('{{- if eq $secrets.scope "cluster" }}');
    expect(cluster).toContain('kind: ClusterRole');
    expect(rest).not.toMatch(/kind: ClusterRole/);
    expect(rest).toContain('kind: Role');
    const values = parse(read('values.yaml')) as { rbac: { secrets: { enabled: boolean; scope: string; namespaces: string[] } } };
    expect(values.rbac.secrets).toEqual({ enabled: true, scope: 'namespaces', namespaces: [] });
  });
});

// The values of the reviewed endpoints, which the operator and the chart must agree on:
// each documented in the chart README's values table, typed in values.schema.json, and
// secure by default (rendered and read by the operator in test/integration/chart.test.ts).
describe('secure /metrics and report values', () => {
  const values = parse(read('values.yaml')) as Record<string, unknown>;
  const schema = JSON.parse(read('values.schema.json')) as { properties: Record<string, unknown> };
  const leaves = (value: unknown, prefix: string): string[] =>
    value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0
      ? Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leaves(v, `${prefix}.${k}`))
      : [prefix];
  const keys = [...leaves(values.metrics, 'metrics'), ...leaves(values.accessReview, 'accessReview'), ...leaves(values.report, 'report'), 'serviceMonitor.bearerTokenSecret.name', 'serviceMonitor.bearerTokenSecret.key', 'serviceMonitor.tlsConfig', 'networkPolicy.enabled'];

  it.each(keys)('%s has a row in the README values table and a type in the schema', (key) => {
    expect(readme).toMatch(new RegExp(`^\\| [^|]*\`${key.replace(/\./g, '\\.')}\``, 'm'));
    let node: unknown = schema;
    for (const part of key.split('.')) node = (node as { properties?: Record<string, unknown> }).properties?.[part];
    expect([key, (node as { type?: string } | undefined)?.type]).toEqual([key, expect.stringMatching(/^(boolean|string|integer|object)$/)]);
  });

  it('is secure by default: HTTPS /metrics behind reviews, a dedicated report audience, the NetworkPolicy on', () => {
    expect(values.metrics).toMatchObject({ secure: true, tokenAudience: '', reader: { create: true } });
    expect(values.report).toMatchObject({ tokenAudience: 'cloud-posture-operator', maxReviewsPerRequest: 100 });
    expect((values.networkPolicy as { enabled: boolean }).enabled).toBe(true);
    expect(read('README.md')).toMatch(/\| `networkPolicy\.enabled` \| `true` \|/);
  });

  it('the operator review rights and the Prometheus role live in access-review-rbac.yaml only', () => {
    const templates = readdirSync(path.join(chartDir, 'templates')).filter((f) => f.endsWith('.yaml'));
    const granting = templates.filter((f) => /tokenreviews|nonResourceURLs/.test(read(`templates/${f}`)));
    expect(granting).toEqual(['access-review-rbac.yaml']);
    expect(read('templates/access-review-rbac.yaml')).toContain('nonResourceURLs: ["/metrics"]');
  });
});
