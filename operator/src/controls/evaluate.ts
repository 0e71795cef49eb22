// The pure core: one CloudService's gathered facts in (spec, effective policy, live
// inventory, declared state, change records, exit drill); everything the reconciler
// publishes out: conditions (families, Compliant, Ready), findings, summary, the change
// ledger and the break-glass uses to announce, the metric values and the next requeue.
// No I/O, no clock: `input.now`.
//
// - One condition per family that has at least one control in the catalog (see
//   `evaluatedFamilies`): every family with the real catalog.
// - Family status is the worst of its controls (False beats Unknown beats True); the
//   reason is the first control (catalog order) at that status; the message joins one
//   sentence per control at that status, bounded to FAMILY_MESSAGE_MAX characters.
// - Compliant: False when a non-exempt family is False, else Unknown when one is
//   Unknown, else True. Exempt families (policy.exemptConditions, an accepted risk) keep
//   their own condition and findings; they only stop counting towards Compliant.
// - Findings come from False controls only (Unknown is never a finding), sorted by
//   severity (critical first), then control id, resource and message.
// - Facts several controls and the summary share (judged changes, the drift report,
//   region placement) are computed once per input (memo.ts).

import type { ChangeEntry, ConditionStatus, ExitDrillStatus, Finding, ProviderAccessStatus, ServiceSummary, Severity } from '../api/types.js';
import type { ChangeRecord } from '../inventory/changes.js';
import type { ConditionType, Control, ControlInput, ControlOutcome } from './types.js';
import { CATALOG, evaluatedFamilies } from './catalog.js';
import { judgeChanges, judgedChangesOf } from './changes/judge.js';
import { breakGlassUsesOf, changeStatusEntriesOf, newBreakGlassUses, type BreakGlassUse, type ChangeStatusEntries } from './changes/ledger.js';
import { serviceMetricValues, type ServiceMetricValues } from './metric-values.js';
import { readiness, type FailureRetry, type ReadyCondition, type StalledCondition } from './readiness.js';
import { driftedResources } from './insync/drift.js';
import { driftOf } from './insync/drift-report.js';
import { mfaSummary } from './mfa/mfa-summary.js';
import { unknown, worstStatus } from './outcome.js';
import { regionViolationsOf } from './residency/placement.js';
import { providerAccessOf } from './provider-access/provider-access-status.js';
import type { LockboxAlert } from './provider-access/lockbox-judge.js';
import { compareText, sentence, truncate } from './text.js';

export const COMPLIANT_CONDITION = 'Compliant';
export const FAMILY_MESSAGE_MAX = 1000;
export const CONTROL_MESSAGE_MAX = 300;
export const FINDING_MESSAGE_MAX = 500;

export interface FamilyCondition {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export interface CompliantCondition {
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Per-control outcome, for the evidence report and logs. */
export interface ControlResult {
  control: string;
  family: ConditionType;
  severity: Severity;
  status: ConditionStatus;
  reason: string;
  message: string;
  findings: number;
}

export interface EvidenceRecord {
  control: string;
  at: Date;
}

/** The control input plus what the reconciler's ledger and metrics need from the gather step. */
export interface EvaluationInput extends ControlInput {
  /** Kept and fresh change records, also when this read of the log failed (the ledger keeps them). */
  changeRecords?: ChangeRecord[];
  /** status.changes being written over: break-glass uses already announced. */
  previousChanges?: ChangeEntry[];
  /** status.exitDrill as this reconcile writes it. */
  exitDrillStatus?: ExitDrillStatus;
  /** When the next exit drill is due. */
  nextDrillAt?: Date;
  /** status.providerAccess being written over: Lockbox findings already announced. */
  previousProviderAccess?: ProviderAccessStatus;
}

export interface Evaluation {
  families: FamilyCondition[];
  findings: Finding[];
  compliant: CompliantCondition;
  /** Whether the live account was read (the Ready condition). */
  ready: ReadyCondition;
  /** The Stalled condition, while a permanent read failure stops retries (readiness.ts). */
  stalled?: StalledCondition;
  /** How to retry when Ready is False: permanent (wait for a change) or transient, and when. */
  retry?: FailureRetry;
  summary: ServiceSummary;
  /** Earliest instant after `now` at which an outcome changes by time alone, or the next drill is due. */
  requeueAt?: Date;
  evidence: EvidenceRecord[];
  controls: ControlResult[];
  /** status.changes / changesOmitted, when change records were gathered. */
  changeLedger?: ChangeStatusEntries;
  /** Break-glass uses not yet in previousChanges: one Event and counter increment each. */
  newBreakGlassUses: BreakGlassUse[];
  /** status.providerAccess, when the provider's own access was read (else the previous one is kept). */
  providerAccess?: ProviderAccessStatus;
  /** Lockbox request findings not yet in previousProviderAccess: one Event each. */
  newLockboxAlerts: LockboxAlert[];
  /** The service's metric series, as published. */
  metrics: ServiceMetricValues;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

interface Ran {
  control: Control;
  outcome: ControlOutcome;
}

/** Controls are pure and total, but a bug in one must not take the others down. */
function run(control: Control, input: ControlInput): ControlOutcome {
  try {
    return control.evaluate(input);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return unknown('ControlError', `Control ${control.id} could not be evaluated: ${truncate(detail, 160)}`);
  }
}

function joinMessages(outcomes: readonly ControlOutcome[]): string {
  const distinct = [...new Set(outcomes.map((o) => truncate(sentence(o.message), CONTROL_MESSAGE_MAX)))];
  return truncate(distinct.join(' '), FAMILY_MESSAGE_MAX);
}

function familyCondition(type: ConditionType, ran: readonly Ran[]): FamilyCondition {
  const status = worstStatus(ran.map((r) => r.outcome.status));
  if (status === 'True') {
    const reasons = new Set(ran.map((r) => r.outcome.reason));
    const only = reasons.size === 1 ? [...reasons][0] : undefined;
    return { type, status, reason: only ?? 'AllControlsPass', message: joinMessages(ran.map((r) => r.outcome)) };
  }
  const worst = ran.filter((r) => r.outcome.status === status).map((r) => r.outcome);
  return { type, status, reason: worst[0]?.reason ?? status, message: joinMessages(worst) };
}

function toFindings(ran: readonly Ran[]): Finding[] {
  const findings: Finding[] = [];
  for (const { control, outcome } of ran) {
    if (outcome.status !== 'False') continue;
    // Every False control yields at least one finding, even one built without findings.
    const list = outcome.findings.length > 0 ? outcome.findings : [{ message: outcome.message }];
    for (const f of list) {
      const finding: Finding = {
        control: control.id,
        condition: control.family,
        severity: control.severity,
        message: truncate(f.message, FINDING_MESSAGE_MAX),
        remediation: control.remediation,
      };
      if (f.resource !== undefined && f.resource !== '') finding.resource = f.resource;
      findings.push(finding);
    }
  }
  return findings.sort(compareFindings);
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    compareText(a.control, b.control) ||
    compareText(a.resource ?? '', b.resource ?? '') ||
    compareText(a.message, b.message)
  );
}

function compliantCondition(
  families: readonly FamilyCondition[],
  exempt: readonly ConditionType[],
): CompliantCondition {
  const counted = families.filter((f) => !exempt.includes(f.type));
  const waived = families.filter((f) => exempt.includes(f.type));
  const note = waived.length > 0 ? ` Exempt: ${waived.map((f) => `${f.type} (${f.status})`).join(', ')}.` : '';
  const failing = counted.filter((f) => f.status === 'False').map((f) => f.type);
  if (failing.length > 0) {
    return { status: 'False', reason: 'ControlsFailing', message: `Failing: ${failing.join(', ')}.${note}` };
  }
  const unknownFamilies = counted.filter((f) => f.status === 'Unknown').map((f) => f.type);
  if (unknownFamilies.length > 0) {
    return {
      status: 'Unknown',
      reason: 'ControlsUnknown',
      message: `Not evaluable: ${unknownFamilies.join(', ')}.${note}`,
    };
  }
  return {
    status: 'True',
    reason: 'AllControlsPass',
    message: `All ${counted.length} required control families pass.${note}`,
  };
}

/** MFA coverage rounded down to 2 decimals, so 199 of 200 never reads as 1.00. */
export function floorRatio(value: number): number {
  return Math.floor(value * 100 + 1e-9) / 100;
}

function summarise(input: ControlInput, findings: number): ServiceSummary {
  const summary: ServiceSummary = {};
  const result = input.inventory;
  if (result.ok) {
    const inventory = result.inventory;
    const gapIn = (...areas: string[]) => inventory.gaps.some((g) => areas.includes(g.area));
    if (!gapIn('identities')) {
      const mfa = mfaSummary(inventory, input.policy.mfaScope);
      summary.mfaCoverage = floorRatio(mfa.coverage);
      summary.identities = mfa.identities;
      summary.privilegedWithoutMFA = mfa.privilegedWithoutMFA;
    }
  }
  // Defined exactly when the inventory was read without a gap in resources or audit trails.
  const violations = regionViolationsOf(input);
  if (violations) summary.regionViolations = Object.values(violations).reduce((sum, n) => sum + n, 0);
  const drift = driftOf(input);
  if (drift) summary.driftedResources = driftedResources(drift);
  summary.findings = findings;
  return summary;
}

export function evaluateService(input: EvaluationInput, catalog: readonly Control[] = CATALOG): Evaluation {
  const families = evaluatedFamilies(catalog);
  const ran: Ran[] = families.flatMap((family) =>
    catalog.filter((c) => c.family === family).map((control) => ({ control, outcome: run(control, input) })),
  );
  const conditions = families.map((family) =>
    familyCondition(
      family,
      ran.filter((r) => r.control.family === family),
    ),
  );
  const findings = toFindings(ran);
  const now = input.now.getTime();
  const requeueAt = [...ran.map((r) => r.outcome.changesAt), input.nextDrillAt]
    .filter((d): d is Date => d !== undefined && d.getTime() > now)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  const compliant = compliantCondition(conditions, input.policy.exemptConditions);
  const summary = summarise(input, findings.length);
  // The ledger reuses the controls' judgement; only a failed read (no judgement) judges the kept records here.
  const judged = judgedChangesOf(input) ?? (input.changeRecords ? judgeChanges(input.changeRecords, input.spec) : undefined);
  const read = readiness(input.inventory, input.now);
  const evaluation: Evaluation = {
    families: conditions,
    findings,
    compliant,
    ready: read.ready,
    ...(read.stalled ? { stalled: read.stalled } : {}),
    ...(read.retry ? { retry: read.retry } : {}),
    summary,
    evidence: ran.flatMap((r) => (r.outcome.evidenceAt ? [{ control: r.control.id, at: r.outcome.evidenceAt }] : [])),
    controls: ran.map((r) => ({
      control: r.control.id,
      family: r.control.family,
      severity: r.control.severity,
      status: r.outcome.status,
      reason: r.outcome.reason,
      message: truncate(r.outcome.message, CONTROL_MESSAGE_MAX),
      findings: r.outcome.status === 'False' ? r.outcome.findings.length : 0,
    })),
    newBreakGlassUses: judged ? newBreakGlassUses(breakGlassUsesOf(judged), input.previousChanges) : [],
    newLockboxAlerts: [],
    metrics: serviceMetricValues(input, {
      conditions: [...conditions.map((f) => ({ type: f.type, status: f.status })), { type: COMPLIANT_CONDITION, status: compliant.status }],
      findings,
      mfaCoverage: summary.mfaCoverage,
      exitDrill: input.exitDrillStatus,
    }),
  };
  if (judged) evaluation.changeLedger = changeStatusEntriesOf(judged);
  const access = providerAccessOf(input, input.previousProviderAccess);
  if (access.status) evaluation.providerAccess = access.status;
  evaluation.newLockboxAlerts = access.newAlerts;
  if (requeueAt !== undefined) evaluation.requeueAt = requeueAt;
  return evaluation;
}
