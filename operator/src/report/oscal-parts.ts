// Pieces of the OSCAL export (oscal.ts): the ids it uses, property and text helpers
// (OSCAL lists hold at least one item, titles one line, props trimmed values), a control's
// outcome for a service as the status shows it, the relevant evidence from status, and
// the A.5.23 objectives (the ten checklist steps).

import type { EvidenceRead } from '../api/types.js';
import { stepOfControl } from './checklist.js';
import type { ReportFinding, ReportModel, ServiceReport, StepReport } from './model.js';
import type { OscalPart, OscalProperty, OscalRelevantEvidence } from './oscal-types.js';

/** Namespace of the export's own properties (OSCAL: props outside its core set carry an ns). */
export const OSCAL_PROP_NS = 'https://cloudposture.io/ns/oscal';
/** The control reviewed: ISO/IEC 27001:2022 Annex A 5.23. */
export const A523_CONTROL_ID = 'a.5.23';

/** The objective id of a checklist step: "a.5.23_obj.step-01" ... "a.5.23_obj.step-10". */
export function stepObjectiveId(step: number): string {
  return `${A523_CONTROL_ID}_obj.step-${String(step).padStart(2, '0')}`;
}

export type Outcome = 'pass' | 'fail' | 'unknown';

/** One line of text (OSCAL titles allow no line break). */
export function line(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim() || '-';
}

export function prop(name: string, value: string | number | boolean | undefined, ns: string | null = OSCAL_PROP_NS): OscalProperty | undefined {
  if (value === undefined) return undefined;
  const v = line(String(value));
  return ns ? { name, ns, value: v } : { name, value: v };
}

/** Properties without the undefined ones; undefined when none is left (OSCAL lists hold at least one item). */
export function props(...list: Array<OscalProperty | undefined>): OscalProperty[] | undefined {
  const out = list.filter((p): p is OscalProperty => p !== undefined);
  return out.length > 0 ? out : undefined;
}

export function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}

/** RFC 3339 with offset (OSCAL date-time-with-timezone), or undefined for a missing or unparseable value. */
export function isoTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

export interface ControlInfo {
  id: string;
  step?: number;
  family: string;
  title: string;
  needs?: 'spec' | 'live';
}

/** The controls with an outcome for a service: those whose condition is published, and any a finding names. */
export function controlsOf(s: ServiceReport, catalog: readonly ControlInfo[]): ControlInfo[] {
  const published = new Set(s.conditions.map((c) => c.type));
  const out = catalog.filter((c) => published.has(c.family));
  for (const f of s.findings) {
    if (out.some((c) => c.id === f.control)) continue;
    const step = f.step ?? stepOfControl(f.control);
    out.push({ id: f.control, ...(step !== undefined ? { step } : {}), family: f.condition, title: f.title ?? f.control });
  }
  return out;
}

export function outcomeOf(s: ServiceReport, control: ControlInfo, findings: readonly ReportFinding[]): Outcome {
  if (findings.length > 0) return 'fail';
  const condition = s.conditions.find((c) => c.type === control.family);
  if (!condition || condition.status === 'Unknown') return 'unknown';
  if (condition.status === 'True') return 'pass';
  // False without a finding of this control: another control of the family failed, unless
  // findings were left out of status (then this control cannot be read alone).
  return s.findingsOmitted > 0 ? 'unknown' : 'pass';
}

export const OUTCOME_TEXT: Record<Outcome, string> = {
  pass: 'no finding: the control is met',
  fail: 'failed',
  unknown: 'could not be determined',
};

/** status.reads sources and the condition whose evidence they are. */
export const READ_FAMILY: Record<EvidenceRead['source'], string> = { changeLog: 'ChangesTracked', declaredState: 'InSync' };

export function readEvidence(read: EvidenceRead): OscalRelevantEvidence {
  const parts = [read.obtainedAt ? `value in use read at ${read.obtainedAt}` : 'no successful read yet'];
  if (read.failedAt) parts.push(`latest attempt failed at ${read.failedAt}${read.reason ? ` (${read.reason})` : ''}${read.message ? `: ${read.message}` : ''}`);
  return {
    description: `status.reads[${read.source}]: ${parts.join('; ')}.`,
    props: props(prop('status-field', `reads[${read.source}]`), prop('obtained-at', isoTime(read.obtainedAt)), prop('failed-at', isoTime(read.failedAt)), prop('reason', read.reason)),
  };
}

export function stepEvidence(step: StepReport | undefined): OscalRelevantEvidence[] {
  return (step?.evidence ?? []).map((e) => ({
    description: `${e.label}: ${e.at ?? 'missing'} (checklist step ${step?.step} evidence).`,
    props: props(prop('evidence-label', e.label), prop('evidence-at', isoTime(e.at))),
  }));
}

export function objectives(model: ReportModel, catalog: readonly ControlInfo[]): OscalPart[] {
  return model.checklist.map((step) => ({
    id: stepObjectiveId(step.step),
    name: 'assessment-objective',
    title: `Step ${step.step}: ${step.title}`,
    prose: step.requirement,
    props: props(
      prop('checklist-step', step.step),
      ...step.conditions.map((c) => prop('implemented-by-condition', c)),
      ...catalog.filter((c) => c.step === step.step).map((c) => prop('operator-control', c.id)),
    ),
  }));
}

