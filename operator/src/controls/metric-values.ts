// The values of a service's Prometheus series, decided with the evaluation (pure): the
// controller publishes them as they are. No identity names or ARNs: counts and ratios
// per bounded label (condition type, control id, scope, region, drift kind, evidence kind).

import type { ConditionStatus, ExitDrillStatus } from '../api/types.js';
import { driftCounts } from './insync/drift.js';
import { driftOf } from './insync/drift-report.js';
import { regionViolationsOf } from './residency/placement.js';
import { parseTime } from './time.js';
import type { ControlInput } from './types.js';

export interface ServiceMetricValues {
  conditions: Array<{ type: string; status: ConditionStatus }>;
  findings: Array<{ control: string; severity: string; count: number }>;
  mfaCoverage: Array<{ scope: string; ratio: number }>;
  identities: Array<{ mfa: 'true' | 'false'; count: number }>;
  regionViolations: Array<{ region: string; count: number }>;
  driftResources: Array<{ kind: 'changed' | 'missing' | 'unmanaged'; count: number }>;
  evidenceAgeSeconds: Array<{ kind: string; seconds: number }>;
  lastCheckSeconds: number;
  /** Unix seconds of the last successful exit drill, when one succeeded. */
  exitDrillLastSuccessSeconds?: number;
}

/** What the metric values are derived from besides the control input. */
export interface MetricSources {
  conditions: Array<{ type: string; status: ConditionStatus }>;
  findings: ReadonlyArray<{ control: string; severity: string }>;
  /** status.summary.mfaCoverage, when the identities were read. */
  mfaCoverage: number | undefined;
  /** status.exitDrill as written by this reconcile. */
  exitDrill: ExitDrillStatus | undefined;
}

const EVIDENCE_KINDS = { contract: 'contract-review', assurance: 'assurance-report', exit: 'exit-drill', identities: 'credential-report' };

export function serviceMetricValues(input: ControlInput, from: MetricSources): ServiceMetricValues {
  const now = input.now;
  const findingCounts = new Map<string, { control: string; severity: string; count: number }>();
  for (const f of from.findings) {
    const k = `${f.control}|${f.severity}`;
    const entry = findingCounts.get(k) ?? { control: f.control, severity: f.severity, count: 0 };
    entry.count++;
    findingCounts.set(k, entry);
  }
  const ages: ServiceMetricValues['evidenceAgeSeconds'] = [];
  const age = (kind: string, at: string | undefined) => {
    if (!at || Number.isNaN(Date.parse(at))) return;
    ages.push({ kind, seconds: Math.max(0, Math.round((now.getTime() - Date.parse(at)) / 1000)) });
  };
  const spec = input.spec;
  age(EVIDENCE_KINDS.contract, spec.contract?.reviewedAt);
  const reportDates = (spec.assurance?.reports ?? []).map((r) => r.periodEnd ?? r.reviewedAt).filter((d): d is string => !!d);
  age(EVIDENCE_KINDS.assurance, reportDates.sort().at(-1));
  age(EVIDENCE_KINDS.exit, spec.exitPlan?.lastDryRun);
  const live = input.inventory.ok ? input.inventory.inventory : undefined;
  if (live) age(EVIDENCE_KINDS.identities, live.evidenceTimes.identities);
  const withMfa = live ? live.identities.filter((i) => i.mfaEnabled).length : 0;
  const drift = driftOf(input);
  const lastSuccess = parseTime(from.exitDrill?.lastSuccessAt);
  const values: ServiceMetricValues = {
    conditions: from.conditions,
    findings: [...findingCounts.values()],
    mfaCoverage: live && from.mfaCoverage !== undefined ? [{ scope: input.policy.mfaScope, ratio: from.mfaCoverage }] : [],
    identities: live
      ? [
          { mfa: 'true', count: withMfa },
          { mfa: 'false', count: live.identities.length - withMfa },
        ]
      : [],
    // As status.summary: none while resources or audit trails were not fully read (a partial count is no evidence).
    regionViolations: Object.entries(regionViolationsOf(input) ?? {}).map(([region, count]) => ({ region, count })),
    driftResources: drift ? driftCounts(drift) : [],
    evidenceAgeSeconds: ages,
    lastCheckSeconds: Math.floor(now.getTime() / 1000),
  };
  if (lastSuccess !== undefined) values.exitDrillLastSuccessSeconds = Math.floor(lastSuccess.getTime() / 1000);
  return values;
}
