// The evidence report as an OSCAL 1.1.x Assessment Results document (JSON), built from the
// report model (pure: no I/O, the clock is the model's generatedAt), so it says exactly
// what the HTML report says:
//
//   metadata            title, last-modified (= generatedAt), version, oscal-version
//   import-ap           "#<uuid>": a back-matter resource standing for the assessment plan.
//                       No separate OSCAL plan is published: the plan is the A.5.23 checklist
//                       and the operator's control catalog, stated in local-definitions.
//   local-definitions   objectives-and-methods: ISO/IEC 27001:2022 A.5.23 ("a.5.23") with
//                       the ten checklist steps as its parts ("a.5.23_obj.step-01" ...)
//   results[0]          one per report: start/end = the assessment period (earliest status
//                       check to report time); reviewed-controls = a.5.23 and the ten steps;
//                       local-definitions: one component per CloudService, one inventory item
//                       per resource a finding names, the operator as the tool;
//                       observations: one per control outcome per service (EXAMINE for
//                       controls decided from the spec, TEST for live ones), relevant-evidence
//                       = what the status holds (the condition, the findings, the step's
//                       evidence timestamps, status.reads);
//                       findings: one per checklist step per evaluated service (satisfied /
//                       not-satisfied) and one per finding of the report (prop finding-id),
//                       each linked to the observations behind it.
//
// Every UUID is a version 5 UUID of stable names (oscal-uuid.ts): the same report gives
// the same document. Evidence records (issue 16 items 1-3) do not exist yet: the
// `evidenceRecord` option is where their id and digests go once they do.

import type { CloudService } from '../api/types.js';
import { API_GROUP_VERSION } from '../api/types.js';
import { compareText } from '../controls/text.js';
import { reportControls, stepOfControl } from './checklist.js';
import type { ReportModel, ServiceReport } from './model.js';
import {
  A523_CONTROL_ID,
  type ControlInfo,
  controlsOf,
  isoTime,
  line,
  nonEmpty,
  objectives,
  OSCAL_PROP_NS,
  OUTCOME_TEXT,
  outcomeOf,
  prop,
  props,
  READ_FAMILY,
  readEvidence,
  stepEvidence,
  stepObjectiveId,
} from './oscal-parts.js';
import {
  OSCAL_VERSION,
  type OscalAssessmentResultsDocument,
  type OscalComponent,
  type OscalFinding,
  type OscalInventoryItem,
  type OscalObservation,
  type OscalRelevantEvidence,
} from './oscal-types.js';
import { oscalUuid } from './oscal-uuid.js';

export { A523_CONTROL_ID, OSCAL_PROP_NS, stepObjectiveId };

/** What an evidence record contributes to an observation. */
export interface EvidenceRecordRef {
  id: string;
  /** SHA-256 digests of the canonicalised API answers the outcome rests on. */
  digests?: readonly string[];
}

export interface OscalOptions {
  /** The CloudServices the model was built from: their status.reads (not in the model) become relevant evidence. */
  services?: readonly CloudService[];
  /**
   * The evidence record behind one control outcome of one service. Filled once evidence
   * records exist (issue 16 items 1-3); nothing passes it today, and without it the
   * observations point at what the status holds.
   */
  evidenceRecord?: (service: { namespace: string; name: string }, control: string) => EvidenceRecordRef | undefined;
  /** Said in the result's remarks and props when the report is partial (the /report endpoint's review bound). */
  truncated?: string;
}


function serviceKey(s: Pick<ServiceReport, 'namespace' | 'name'>): string {
  return `${s.namespace}/${s.name}`;
}

/**
 * The id of each finding of a service, in the model's order: "<namespace>/<name>/<control>/<resource>"
 * ("-" without resource), "#2", "#3" ... appended to repeats. The HTML report lists the same
 * findings (service section, control, resource).
 */
export function reportFindingIds(s: ServiceReport): string[] {
  const seen = new Map<string, number>();
  return s.findings.map((f) => {
    const base = `${serviceKey(s)}/${f.control}/${f.resource ?? '-'}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  });
}


/** Builds the Assessment Results document for a report. */
export function buildOscalAssessmentResults(model: ReportModel, options: OscalOptions = {}): OscalAssessmentResultsDocument {
  const seed = `${model.scope.label}|${model.generatedAt}`;
  const known = new Map(reportControls().map((c) => [c.id, c]));
  const catalog: ControlInfo[] = model.controls.map((c) => ({ id: c.id, step: c.step, family: c.family, title: c.title, needs: known.get(c.id)?.needs ?? 'live' }));
  const readsByService = new Map((options.services ?? []).map((cs) => [`${cs.metadata.namespace ?? ''}/${cs.metadata.name ?? ''}`, cs.status?.reads ?? []]));

  const toolUuid = oscalUuid('component', 'cloud-posture-operator');
  const origins = [{ actors: [{ type: 'tool' as const, 'actor-uuid': toolUuid }] }];
  const planUuid = oscalUuid('assessment-plan', 'cloud-posture-operator', 'a.5.23-checklist');
  const components: OscalComponent[] = [
    {
      uuid: toolUuid,
      type: 'software',
      title: 'cloud-posture-operator',
      description: 'The Kubernetes operator that evaluated the controls and wrote the CloudService status this document is built from.',
      status: { state: 'operational' },
    },
  ];
  const inventory: OscalInventoryItem[] = [];
  const observations: OscalObservation[] = [];
  const findings: OscalFinding[] = [];
  const remarks: string[] = [];
  const collectedTimes: number[] = [];

  for (const s of model.services) {
    const key = serviceKey(s);
    const componentUuid = oscalUuid('component', key);
    components.push({
      uuid: componentUuid,
      type: 'service',
      title: `CloudService ${key}`,
      description: `${s.provider} ${s.model} service owned by ${s.owner}, account ${s.account}; the ${API_GROUP_VERSION} CloudService ${key}.`,
      props: props(
        prop('namespace', s.namespace),
        prop('name', s.name),
        prop('provider', s.provider),
        prop('service-model', s.model),
        prop('account', s.account),
        prop('owner', s.owner),
        prop('criticality', s.criticality),
        prop('classification', s.classification),
        prop('compliant', s.compliant.status),
        prop('status-current', s.statusCurrent),
        prop('generation', s.generation),
        prop('observed-generation', s.observedGeneration),
        prop('last-checked-at', isoTime(s.lastCheckedAt)),
        prop('findings-omitted', s.findingsOmitted > 0 ? s.findingsOmitted : undefined),
      ),
      status: { state: 'operational' },
    });
    const resourceUuid = new Map<string, string>();
    for (const resource of [...new Set(s.findings.flatMap((f) => (f.resource ? [f.resource] : [])))].sort(compareText)) {
      const uuid = oscalUuid('inventory-item', key, resource);
      resourceUuid.set(resource, uuid);
      inventory.push({
        uuid,
        description: `${resource}, of CloudService ${key}, named by a finding.`,
        props: props(prop('asset-id', resource, null), prop('provider', s.provider), prop('account', s.account)),
        'implemented-components': [{ 'component-uuid': componentUuid }],
      });
    }
    if (!s.statusCurrent) remarks.push(`${key}: status computed for an older spec (observedGeneration ${s.observedGeneration ?? 'none'}, generation ${s.generation ?? 'unknown'}).`);
    if (s.findingsOmitted > 0) remarks.push(`${key}: ${s.findingsOmitted} findings were omitted from status and are not listed.`);
    const controls = controlsOf(s, catalog);
    if (controls.length === 0) {
      remarks.push(`${key}: not evaluated yet (no condition published): no observation.`);
      continue;
    }

    const collected = isoTime(s.lastCheckedAt) ?? model.generatedAt;
    collectedTimes.push(Date.parse(collected));
    const ids = reportFindingIds(s);
    const observationOf = new Map<string, string>();
    for (const control of controls) {
      const own = s.findings.filter((f) => f.control === control.id);
      const outcome = outcomeOf(s, control, own);
      const condition = s.conditions.find((c) => c.type === control.family);
      const uuid = oscalUuid('observation', seed, key, control.id);
      observationOf.set(control.id, uuid);
      const evidence: OscalRelevantEvidence[] = [];
      if (condition) {
        evidence.push({
          description: `status.conditions[${condition.type}] of CloudService ${key}: ${condition.status} (${condition.reason})${condition.since ? ` since ${condition.since}` : ''}: ${condition.message}`,
          props: props(prop('status-field', `conditions[${condition.type}]`), prop('condition-status', condition.status), prop('reason', condition.reason), prop('since', isoTime(condition.since))),
        });
      }
      for (const f of own) {
        evidence.push({
          description: `status.findings: ${f.message}`,
          props: props(prop('status-field', 'findings'), prop('finding-id', ids[s.findings.indexOf(f)]), prop('resource', f.resource), prop('severity', f.severity)),
        });
      }
      if (control.step !== undefined) evidence.push(...stepEvidence(s.checklist[control.step - 1]));
      for (const read of readsByService.get(key) ?? []) if (READ_FAMILY[read.source] === control.family) evidence.push(readEvidence(read));
      const record = options.evidenceRecord?.({ namespace: s.namespace, name: s.name }, control.id);
      if (record) {
        evidence.push({
          description: `Evidence record ${record.id}: the API answers behind this outcome.`,
          props: props(prop('evidence-record-id', record.id), ...(record.digests ?? []).map((d) => prop('evidence-digest', d))),
        });
      }
      observations.push({
        uuid,
        title: line(`${control.id} on ${key}: ${OUTCOME_TEXT[outcome]}`),
        description: `${control.title}. Control ${control.id} (${control.family}${control.step !== undefined ? `, checklist step ${control.step}` : ''}) on CloudService ${key}: ${OUTCOME_TEXT[outcome]}${own.length > 0 ? ` (${own.length} finding${own.length === 1 ? '' : 's'})` : ''}.`,
        props: props(
          prop('control-id', control.id),
          prop('checklist-step', control.step),
          prop('condition', control.family),
          prop('outcome', outcome),
          prop('evidence-record-id', record?.id),
        ),
        methods: [control.needs === 'spec' ? 'EXAMINE' : control.needs === 'live' ? 'TEST' : 'UNKNOWN'],
        types: outcome === 'fail' ? ['control-objective', 'finding'] : ['control-objective'],
        origins,
        subjects: [
          { 'subject-uuid': componentUuid, type: 'component', title: `CloudService ${key}` },
          ...[...new Set(own.flatMap((f) => (f.resource ? [f.resource] : [])))].map((r) => ({ 'subject-uuid': resourceUuid.get(r) as string, type: 'inventory-item' as const, title: line(r) })),
        ],
        'relevant-evidence': evidence.length > 0 ? evidence : [{ description: `CloudService ${key} status.` }],
        collected,
      });
    }

    for (const step of s.checklist) {
      if (step.status === 'not-evaluated') continue;
      const related = controls.filter((c) => c.step === step.step).map((c) => ({ 'observation-uuid': observationOf.get(c.id) as string }));
      const state = step.status === 'pass' ? 'satisfied' : 'not-satisfied';
      findings.push({
        uuid: oscalUuid('finding', seed, key, `step-${step.step}`),
        title: line(`Step ${step.step} ${step.title} on ${key}: ${step.status}`),
        description: `${step.requirement} Checklist step ${step.step} on CloudService ${key}: ${step.status}${step.findings > 0 ? `, ${step.findings} finding${step.findings === 1 ? '' : 's'}` : ''}.${step.note ? ` ${step.note}` : ''}`,
        props: props(prop('finding-kind', 'checklist-step'), prop('service', key), prop('checklist-step', step.step), prop('step-status', step.status)),
        origins,
        target: {
          type: 'objective-id',
          'target-id': stepObjectiveId(step.step),
          title: `Step ${step.step}: ${step.title}`,
          status: {
            state,
            reason: step.status === 'pass' ? 'pass' : step.status === 'fail' ? 'fail' : 'other',
            ...(step.status === 'unknown' ? { remarks: 'Not determined: some evidence could not be read, or findings were omitted from status.' } : {}),
          },
        },
        ...(related.length > 0 ? { 'related-observations': related } : {}),
      });
    }

    s.findings.forEach((f, i) => {
      const id = ids[i] as string;
      const step = f.step ?? stepOfControl(f.control);
      findings.push({
        uuid: oscalUuid('finding', seed, id),
        title: line(`${f.control}${f.title ? ` ${f.title}` : ''} on ${key}${f.resource ? `: ${f.resource}` : ''}`),
        description: f.message,
        props: props(
          prop('finding-kind', 'control-finding'),
          prop('finding-id', id),
          prop('service', key),
          prop('control-id', f.control),
          prop('condition', f.condition),
          prop('severity', f.severity),
          prop('resource', f.resource),
          prop('checklist-step', step),
        ),
        origins,
        target: {
          type: step !== undefined ? 'objective-id' : 'statement-id',
          'target-id': step !== undefined ? stepObjectiveId(step) : `${A523_CONTROL_ID}_smt`,
          ...(step !== undefined ? { title: `Step ${step}: ${model.checklist[step - 1]?.title ?? ''}`.replace(/: $/, '') } : {}),
          status: { state: 'not-satisfied', reason: 'fail' },
        },
        'related-observations': [{ 'observation-uuid': observationOf.get(f.control) as string }],
        ...(f.remediation ? { remarks: `Remediation: ${f.remediation}` } : {}),
      });
    });
  }
  if (options.truncated) remarks.unshift(options.truncated);

  const end = Math.max(Date.parse(model.generatedAt), ...collectedTimes);
  const start = Math.min(end, ...collectedTimes);
  const steps = model.checklist.map((c) => c.step);

  return {
    'assessment-results': {
      uuid: oscalUuid('assessment-results', seed),
      metadata: {
        title: line(`${model.title} (${model.scope.label})`),
        'last-modified': model.generatedAt,
        version: model.generatedAt,
        'oscal-version': OSCAL_VERSION,
        props: props(prop('report-schema-version', model.schemaVersion), prop('scope', model.scope.label)),
      },
      'import-ap': {
        href: `#${planUuid}`,
        remarks: 'No separate OSCAL assessment plan is published: the plan is the A.5.23 checklist and the control catalog in local-definitions (the back-matter resource says so).',
      },
      'local-definitions': {
        'objectives-and-methods': [
          {
            'control-id': A523_CONTROL_ID,
            description: 'ISO/IEC 27001:2022 Annex A 5.23, Information security for use of cloud services: the ten steps of the implementation checklist, each assessed by the operator controls named in its props.',
            props: props(prop('framework', 'ISO/IEC 27001:2022 Annex A')),
            parts: objectives(model, catalog),
          },
        ],
      },
      results: [
        {
          uuid: oscalUuid('result', seed),
          title: line(`A.5.23 assessment of ${model.scope.label}`),
          description: `The CloudServices of ${model.scope.label} as the operator last evaluated them, read from their status (nothing re-evaluated). Policy ${model.policy.name} (${model.policy.source}).`,
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
          props: props(prop('policy', model.policy.name), prop('policy-source', model.policy.source), prop('services', model.totals.services), prop('findings', model.totals.findings), prop('truncated', options.truncated ? true : undefined)),
          'local-definitions': { components, ...(inventory.length > 0 ? { 'inventory-items': inventory } : {}) },
          'reviewed-controls': {
            description: 'ISO/IEC 27001:2022 Annex A 5.23 and the ten steps of its implementation checklist (objectives-and-methods).',
            'control-selections': [{ 'include-controls': [{ 'control-id': A523_CONTROL_ID }] }],
            'control-objective-selections': [{ 'include-objectives': steps.map((n) => ({ 'objective-id': stepObjectiveId(n) })) }],
          },
          ...(nonEmpty(observations) ? { observations } : {}),
          ...(nonEmpty(findings) ? { findings } : {}),
          ...(remarks.length > 0 ? { remarks: remarks.join('\n\n') } : {}),
        },
      ],
      'back-matter': {
        resources: [
          {
            uuid: planUuid,
            title: 'Assessment plan: the A.5.23 checklist and the cloud-posture-operator control catalog',
            description:
              'Stands for the assessment plan (import-ap). The operator assesses every CloudService continuously against the ten checklist steps, each implemented by the controls listed in local-definitions objectives-and-methods; no separate OSCAL assessment plan document exists.',
          },
        ],
      },
    },
  };
}

/** The document as served and written: indented JSON and a final newline. */
export function renderOscal(model: ReportModel, options: OscalOptions = {}): string {
  return `${JSON.stringify(buildOscalAssessmentResults(model, options), null, 2)}\n`;
}
