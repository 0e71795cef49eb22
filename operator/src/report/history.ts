// The evidence report for a past time or period, rebuilt from the evidence store alone
// (no cluster): every chain under the prefix is read and verified first (a broken chain
// is reported and never used), each service's last record at or before the time becomes
// a CloudService (spec and status as recorded), and the existing model and renderers do
// the rest. For a period, the findings opened and resolved in it (period.ts).
//
// Bounded: at most `maxServices` chains are read (the report says when it is cut), one
// chain's records in memory at a time, `concurrency` reads in flight.

import type { CloudSecurityPolicySpec, CloudService } from '../api/types.js';
import { API_GROUP_VERSION } from '../api/types.js';
import { resolvePolicy } from '../controls/policy.js';
import { chainsOf, DEFAULT_RETENTION_DAYS, verifyChain, type ChainEntry } from '../evidence/chain.js';
import type { EvidenceStore } from '../evidence/object-lock-store.js';
import { parseRecordKey, policyDigest, type EvidenceRecord } from '../evidence/record.js';
import { readEntry } from '../evidence/verify-command.js';
import { buildReportModel } from './build-model.js';
import type { RecordRef, ReportHistory, ReportModel } from './model.js';
import type { EvidenceRecordRef, OscalOptions } from './oscal.js';
import { periodFindings, type PeriodRecord } from './period.js';

/** Why a report from the store has no Shadow IT section: evidence records are per CloudService, organisations have none. */
export const HISTORY_ORGANIZATIONS_NOTE =
  'Shadow IT left out of this report: the evidence store keeps CloudService records only (the report from the cluster lists the CloudOrganizations).';

/** Services (chains) a history report reads at most unless told otherwise. */
export const DEFAULT_HISTORY_MAX_SERVICES = 500;
const DEFAULT_CONCURRENCY = 8;

export interface HistoryOptions {
  store: EvidenceStore;
  /** Key prefix of the records (the store's). */
  prefix: string;
  /** `s3://bucket/prefix`, as the report names its source. */
  source: string;
  /** The pack is as of this time. */
  at: Date;
  /** Start of the period (report --from); the period ends at `at`. */
  from?: Date;
  /** Only this namespace. */
  namespace?: string;
  maxServices?: number;
  retentionDays?: number;
  concurrency?: number;
}

/** One service as of the time, with the record it was rebuilt from. */
export interface HistoricService {
  service: CloudService;
  record: EvidenceRecord;
  key: string;
}

export interface HistoryResult {
  services: HistoricService[];
  history: Omit<ReportHistory, 'builtAt'>;
}

/** The CloudService an evidence record describes, as its status said then; undefined for a record without spec or status. */
export function serviceFromRecord(record: EvidenceRecord): CloudService | undefined {
  if (!record.spec || !record.status) return undefined;
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'CloudService',
    metadata: { namespace: record.service.namespace, name: record.service.name, uid: record.service.uid, generation: record.generation },
    spec: record.spec,
    status: record.status,
  };
}

/** Reads `keys` in order with at most `limit` reads in flight. */
async function readAll(store: EvidenceStore, keys: readonly string[], limit: number): Promise<ChainEntry[]> {
  const out = new Array<ChainEntry>(keys.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const i = next++;
      out[i] = await readEntry(store, keys[i] as string);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, keys.length) }, worker));
  return out;
}

/** Reads and verifies every chain, and picks each service's record as of `at` (and its period's changes). */
export async function loadHistory(opts: HistoryOptions): Promise<HistoryResult> {
  const at = opts.at.getTime();
  const max = opts.maxServices ?? DEFAULT_HISTORY_MAX_SERVICES;
  let chains = [...chainsOf(await opts.store.list(opts.prefix))];
  if (opts.namespace !== undefined) chains = chains.filter(([, keys]) => parseRecordKey(keys[0] as string)?.namespace === opts.namespace);
  const total = chains.length;
  if (chains.length > max) chains = chains.slice(0, max);

  const history: HistoryResult['history'] = {
    source: opts.source,
    asOf: opts.at.toISOString(),
    ...(opts.from ? { from: opts.from.toISOString(), to: opts.at.toISOString() } : {}),
    chains: total,
    recordsRead: 0,
    broken: [],
    skipped: [],
    ...(total > chains.length ? { truncated: `${chains.length} of ${total} service chains read (the bound is ${max}): the pack leaves out the services after ${chains[chains.length - 1]?.[0]}` } : {}),
    ...(opts.from ? { period: [] } : {}),
  };
  // namespace/name -> the newest incarnation (uid) with a record at or before `at`
  const chosen = new Map<string, HistoricService & { period?: ReturnType<typeof periodFindings> }>();

  for (const [chain, keys] of chains) {
    const entries = await readAll(opts.store, keys, opts.concurrency ?? DEFAULT_CONCURRENCY);
    history.recordsRead += entries.length;
    const problems = verifyChain(entries, { retentionDays: opts.retentionDays ?? DEFAULT_RETENTION_DAYS });
    if (problems.length > 0) {
      history.broken.push({ chain, problems: problems.map((p) => `${p.kind}: ${p.message}`) });
      continue;
    }
    const records = entries.map((e) => e.body as EvidenceRecord);
    let index = -1;
    for (let i = 0; i < records.length && Date.parse((records[i] as EvidenceRecord).at) <= at; i++) index = i;
    if (index < 0) continue; // the service did not exist yet
    const record = records[index] as EvidenceRecord;
    const name = `${record.service.namespace}/${record.service.name}`;
    const held = chosen.get(name);
    if (held && Date.parse(held.record.at) >= Date.parse(record.at)) continue;
    const period = opts.from
      ? periodFindings(
          records.map((r, i): PeriodRecord => ({ key: keys[i] as string, at: r.at, ...(r.status ? { findings: r.status.findings ?? [], findingsOmitted: r.status.findingsOmitted ?? 0 } : {}) })),
          opts.from,
          opts.at,
        )
      : undefined;
    const service = serviceFromRecord(record);
    if (!service) {
      history.skipped.push({ service: name, key: keys[index] as string, reason: 'the record holds no spec and status (written before they were recorded)' });
      continue;
    }
    chosen.set(name, { service, record, key: keys[index] as string, ...(period ? { period } : {}) });
  }

  const services = [...chosen.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (history.period) {
    for (const s of services) {
      if (!s.period) continue;
      history.period.push({ service: `${s.record.service.namespace}/${s.record.service.name}`, findings: s.period.findings, ...(s.period.note ? { note: s.period.note } : {}) });
    }
  }
  return { services: services.map(({ service, record, key }) => ({ service, record, key })), history };
}

export function recordRef(s: HistoricService): RecordRef {
  return { key: s.key, sequence: s.record.sequence, hash: s.record.hash, at: s.record.at, policyDigest: s.record.policyDigest };
}

/** The digests an outcome rests on: the record's `answers` for that control, when records carry them. */
function answersOf(record: EvidenceRecord, control: string): string[] | undefined {
  const outcome = record.controls.find((c) => c.control === control) as { answers?: unknown } | undefined;
  const answers = outcome?.answers;
  return Array.isArray(answers) && answers.every((a) => typeof a === 'string') ? (answers as string[]) : undefined;
}

export interface HistoryReport {
  model: ReportModel;
  oscal: OscalOptions;
  /** Services whose record was judged against another policy than the one the report shows. */
  warnings: string[];
}

/** The report model of a loaded history: the existing model, each service naming its record, and how it was made. */
export function buildHistoryReport(
  loaded: HistoryResult,
  opts: { policy?: CloudSecurityPolicySpec; policyName?: string; namespace?: string; builtAt: Date },
): HistoryReport {
  const model = buildReportModel({
    services: loaded.services.map((s) => s.service),
    ...(opts.policy ? { policy: opts.policy } : {}),
    policyName: opts.policyName ?? 'default',
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    organizationsNote: HISTORY_ORGANIZATIONS_NOTE,
    generatedAt: new Date(loaded.history.asOf),
  });
  const byName = new Map(loaded.services.map((s) => [`${s.record.service.namespace}/${s.record.service.name}`, s]));
  const warnings: string[] = [];
  for (const s of model.services) {
    const h = byName.get(`${s.namespace}/${s.name}`);
    if (!h) continue;
    s.record = recordRef(h);
    // The record keeps the policy's digest only: say when the one shown is not the one judged against.
    if (policyDigest(resolvePolicy(opts.policy, s.classification)) !== h.record.policyDigest) {
      warnings.push(`${s.namespace}/${s.name}: record ${h.key} was judged against another policy (digest ${h.record.policyDigest}) than the one shown (${opts.policy ? 'the policy given' : 'the built-in defaults'}): ages and limits shown follow the latter`);
    }
  }
  model.history = { ...loaded.history, builtAt: opts.builtAt.toISOString() };
  const evidenceRecord = (svc: { namespace: string; name: string }, control: string): EvidenceRecordRef | undefined => {
    const h = byName.get(`${svc.namespace}/${svc.name}`);
    if (!h) return undefined;
    const digests = answersOf(h.record, control);
    return { id: `${h.key}#sha256:${h.record.hash}`, ...(digests ? { digests } : {}) };
  };
  return { model, oscal: { services: loaded.services.map((s) => s.service), evidenceRecord, ...(loaded.history.truncated ? { truncated: loaded.history.truncated } : {}) }, warnings };
}
