// The alert rules with the real promtool (built from github.com/prometheus/prometheus,
// test/tools/prometheus): `promtool check rules` and `promtool test rules` on the rule
// file, then on the PrometheusRule the chart renders from it (default values: the same
// tests must pass; non-default thresholds: they must take effect), rendered by helm 4 and
// by helm 3.

import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { repoRoot } from '../harness/binaries.js';
import { ensureHelm, ensureHelm3, ensurePromtool, runTool } from '../harness/tools.js';

const chartDir = path.join(repoRoot, 'charts', 'cloud-posture-operator');
const rulesFile = path.join(chartDir, 'rules', 'cloud-posture.rules.yaml');
const testsDir = path.join(chartDir, 'rules', 'tests');

let promtool: string;
/** The helms the chart is rendered with, by label. */
const helms = { 'helm 4': '', 'helm 3': '' };
/** The helm of the block running now (set by its beforeAll). */
let helm: string;
let workDir: string;

const promtoolRun = (args: string[]) => runTool(promtool, args, { timeoutMs: 120_000 });

/** The `spec` of the PrometheusRule rendered by the chart with extra --set values. */
async function renderedRuleFile(set: string[]): Promise<string> {
  const args = ['template', 'cpo', chartDir, '--namespace', 'cloud-posture', '--set', 'prometheusRule.enabled=true', ...set.flatMap((s) => ['--set', s])];
  const env = { ...process.env, HELM_CONFIG_HOME: path.join(workDir, 'helm'), HELM_CACHE_HOME: path.join(workDir, 'helm'), HELM_DATA_HOME: path.join(workDir, 'helm') };
  const r = await runTool(helm, args, { env, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  const rule = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as { kind?: string; spec?: unknown } | null)
    .find((o) => o?.kind === 'PrometheusRule');
  if (!rule?.spec) throw new Error('no PrometheusRule rendered');
  return stringify(rule.spec);
}

beforeAll(async () => {
  // One Go build at a time: promtool first, then the helms (usually cached already).
  promtool = await ensurePromtool();
  helms['helm 4'] = await ensureHelm();
  helms['helm 3'] = await ensureHelm3();
  workDir = await mkdtemp(path.join(tmpdir(), 'promtool-test-'));
}, 40 * 60_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the rule file', () => {
  it('passes promtool check rules (with the linter)', async () => {
    const r = await promtoolRun(['check', 'rules', '--lint=all', '--lint-fatal', rulesFile]);
    expect([r.code, r.stdout + r.stderr]).toEqual([0, expect.stringContaining('SUCCESS: 20 rules found')]);
  });

  it('passes its promtool unit tests (each alert fires and stays silent when it should)', async () => {
    const files = (await readdir(testsDir)).filter((f) => f.endsWith('.yaml')).map((f) => path.join(testsDir, f));
    expect(files.length).toBeGreaterThan(0);
    const r = await promtoolRun(['test', 'rules', ...files]);
    expect([r.code, r.stdout + r.stderr]).toEqual([0, expect.not.stringContaining('FAILED')]);
    expect((r.stdout.match(/SUCCESS/g) ?? []).length).toBe(files.length);
  });

  it('fails promtool test rules when an alert does not behave (the tests can fail)', async () => {
    const broken = path.join(workDir, 'broken.test.yaml');
    await writeFile(
      broken,
      stringify({
        rule_files: [rulesFile],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [{ series: 'cloudposture_region_violations{namespace="a",service="b",provider="aws",region="us-east-1"}', values: '0x30' }],
            alert_rule_test: [{ eval_time: '20m', alertname: 'CloudPostureRegionViolation', exp_alerts: [{ exp_labels: { severity: 'critical' } }] }],
          },
        ],
      }),
    );
    const r = await promtoolRun(['test', 'rules', broken]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('FAILED');
  });
});

describe.each(Object.keys(helms) as Array<keyof typeof helms>)('the PrometheusRule rendered by %s', (label) => {
  beforeAll(() => {
    helm = helms[label];
  });

  it('with default values is the rule file, and passes the same unit tests', async () => {
    const rendered = parse(await renderedRuleFile([])) as { groups: unknown[] };
    const file = parse(await (await import('node:fs/promises')).readFile(rulesFile, 'utf8')) as { groups: unknown[] };
    expect(rendered.groups).toEqual(file.groups);

    // Run the unit tests against the rendered rules instead of the file.
    const dir = path.join(workDir, label.replace(' ', ''), 'default');
    await mkdir(path.join(dir, 'tests'), { recursive: true });
    await writeFile(path.join(dir, 'cloud-posture.rules.yaml'), stringify(rendered));
    for (const f of (await readdir(testsDir)).filter((x) => x.endsWith('.yaml'))) await copyFile(path.join(testsDir, f), path.join(dir, 'tests', f));
    const check = await promtoolRun(['check', 'rules', path.join(dir, 'cloud-posture.rules.yaml')]);
    expect(check.code).toBe(0);
    const tests = (await readdir(path.join(dir, 'tests'))).map((f) => path.join(dir, 'tests', f));
    const r = await promtoolRun(['test', 'rules', ...tests]);
    expect([r.code, r.stdout + r.stderr]).toEqual([0, expect.not.stringContaining('FAILED')]);
  });

  it('with other evidence thresholds passes check rules and alerts at the new thresholds', async () => {
    const dir = path.join(workDir, label.replace(' ', ''), 'custom');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'rules.yaml');
    await writeFile(
      file,
      await renderedRuleFile(['prometheusRule.evidenceAgeDays.exit-drill.warning=150', 'prometheusRule.evidenceAgeDays.exit-drill.critical=180', 'prometheusRule.additionalAlertLabels.team=security']),
    );
    const check = await promtoolRun(['check', 'rules', file]);
    expect([check.code, check.stdout]).toEqual([0, expect.stringContaining('SUCCESS')]);

    const test = path.join(dir, 'thresholds.test.yaml');
    await writeFile(
      test,
      stringify({
        rule_files: ['rules.yaml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [
              // 200 days: expired under the new 180-day exit-drill limit.
              { series: 'cloudposture_evidence_age_seconds{namespace="payments",service="aws-prod",provider="aws",kind="exit-drill"}', values: '17280000x90' },
              // 160 days: expiring under the new 150-day warning.
              { series: 'cloudposture_evidence_age_seconds{namespace="hr",service="azure-hr",provider="azure",kind="exit-drill"}', values: '13824000x90' },
            ],
            alert_rule_test: [
              {
                eval_time: '70m',
                alertname: 'CloudPostureEvidenceExpired',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'critical', team: 'security', namespace: 'payments', service: 'aws-prod', provider: 'aws', kind: 'exit-drill' },
                    exp_annotations: {
                      summary: 'Compliance evidence expired',
                      description: 'payments/aws-prod: the exit-drill evidence is 200d 0h 0m 0s old, past its maximum age.',
                      runbook_url:
                        'https://github.com/cloud-posture/cloud-posture-operator/blob/main/charts/cloud-posture-operator/README.md#cloudpostureevidenceexpired',
                    },
                  },
                ],
              },
              {
                eval_time: '70m',
                alertname: 'CloudPostureEvidenceExpiring',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'warning', team: 'security', namespace: 'hr', service: 'azure-hr', provider: 'azure', kind: 'exit-drill' },
                    exp_annotations: {
                      summary: 'Compliance evidence expires soon',
                      description: 'hr/azure-hr: the exit-drill evidence is 160d 0h 0m 0s old and reaches its maximum age within 30 days.',
                      runbook_url:
                        'https://github.com/cloud-posture/cloud-posture-operator/blob/main/charts/cloud-posture-operator/README.md#cloudpostureevidenceexpiring',
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const r = await promtoolRun(['test', 'rules', test]);
    expect([r.code, r.stdout + r.stderr]).toEqual([0, expect.not.stringContaining('FAILED')]);
  });
});
