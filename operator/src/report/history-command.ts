// `cloudposture report --evidence-bucket B --at T | --from T --to T`: the report from the
// evidence store (history.ts), no cluster access. Exit status: 0 written, 1 the store
// could not be read or a chain is broken (the report is still written, naming it).

import { readFile, writeFile } from 'node:fs/promises';

import type { S3Client } from '@aws-sdk/client-s3';
import { parse as parseYaml } from 'yaml';

import type { CloudSecurityPolicySpec } from '../api/types.js';
import { DEFAULT_RETENTION_DAYS } from '../evidence/chain.js';
import { evidenceS3Client, ObjectLockEvidenceStore } from '../evidence/object-lock-store.js';
import { DEFAULT_EVIDENCE_PREFIX } from '../evidence/record.js';
import { buildHistoryReport, loadHistory } from './history.js';
import type { ReportModel } from './model.js';
import type { OscalOptions } from './oscal.js';
import { htmlToPdf } from './pdf.js';
import { renderHtml } from './render-html.js';

export interface HistoryArgs {
  bucket: string;
  prefix?: string;
  endpoint?: string;
  region?: string;
  /** The pack is as of this time (--at, or --to). */
  at: Date;
  /** --from */
  from?: Date;
  maxServices?: number;
  retentionDays?: number;
  policyFile?: string;
}

/**
 * An RFC 3339 time, or a date alone (YYYY-MM-DD, UTC): its start for --from, its end
 * (the last millisecond) for --at and --to, so "--at 2026-09-30" includes that whole day.
 */
export function parseTime(value: string, edge: 'start' | 'end', flag: string): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const ms = Date.parse(`${value}T00:00:00.000Z`);
    if (Number.isFinite(ms)) return new Date(edge === 'start' ? ms : ms + 24 * 60 * 60 * 1000 - 1);
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return new Date(ms);
  }
  throw new Error(`${flag} must be a date (2026-09-30) or an RFC 3339 time with a zone (2026-09-30T12:00:00Z), not "${value}"`);
}

export interface HistoryRun {
  format: 'html' | 'json' | 'md' | 'pdf' | 'oscal';
  output?: string;
  namespace?: string;
  policyName: string;
  render(model: ReportModel, format: 'html' | 'json' | 'md' | 'oscal', oscal: OscalOptions): string;
}

interface IO {
  stdout(text: string): void;
  stderr(text: string): void;
}

async function readPolicy(file: string): Promise<CloudSecurityPolicySpec> {
  const doc = parseYaml(await readFile(file, 'utf8')) as { kind?: unknown; spec?: unknown } | null;
  if (!doc || typeof doc !== 'object' || typeof doc.spec !== 'object' || doc.spec === null) throw new Error(`${file}: not a CloudSecurityPolicy (no spec)`);
  return doc.spec as CloudSecurityPolicySpec;
}

export async function runHistoryReport(run: HistoryRun, h: HistoryArgs, io: IO, now: () => Date, deps: { s3?: S3Client } = {}): Promise<number> {
  const prefix = h.prefix ?? DEFAULT_EVIDENCE_PREFIX;
  const source = `s3://${h.bucket}/${prefix}`;
  let policy: CloudSecurityPolicySpec | undefined;
  try {
    if (h.policyFile) policy = await readPolicy(h.policyFile);
  } catch (error) {
    io.stderr(`cloudposture report: --policy-file: ${(error as Error).message}\n`);
    return 2;
  }
  const client = deps.s3 ?? evidenceS3Client({ ...(h.region ? { region: h.region } : {}), ...(h.endpoint ? { endpoint: h.endpoint } : {}) });
  let report: ReturnType<typeof buildHistoryReport>;
  try {
    const store = new ObjectLockEvidenceStore({ client, bucket: h.bucket, prefix, retentionDays: h.retentionDays ?? DEFAULT_RETENTION_DAYS });
    const loaded = await loadHistory({
      store,
      prefix,
      source,
      at: h.at,
      ...(h.from ? { from: h.from } : {}),
      ...(run.namespace ? { namespace: run.namespace } : {}),
      ...(h.maxServices ? { maxServices: h.maxServices } : {}),
      ...(h.retentionDays ? { retentionDays: h.retentionDays } : {}),
    });
    if (loaded.history.chains === 0) {
      io.stderr(`cloudposture report: no evidence records under ${source}\n`);
      return 1;
    }
    report = buildHistoryReport(loaded, { ...(policy ? { policy } : {}), policyName: h.policyFile ? `${run.policyName} (${h.policyFile})` : run.policyName, ...(run.namespace ? { namespace: run.namespace } : {}), builtAt: now() });
  } catch (error) {
    io.stderr(`cloudposture report: ${source} could not be read: ${(error as Error).message}\n`);
    return 1;
  } finally {
    if (!deps.s3) client.destroy();
  }
  const { model } = report;
  const history = model.history!;
  for (const w of report.warnings) io.stderr(`cloudposture report: warning: ${w}\n`);
  for (const s of history.skipped) io.stderr(`cloudposture report: warning: ${s.service} left out: ${s.reason} (${s.key})\n`);
  if (history.truncated) io.stderr(`cloudposture report: warning: truncated: ${history.truncated}\n`);
  for (const b of history.broken) {
    io.stderr(`cloudposture report: broken evidence chain ${b.chain}: left out of the report\n`);
    for (const p of b.problems) io.stderr(`  ${p}\n`);
  }
  try {
    if (run.format === 'pdf') await htmlToPdf(renderHtml(model), run.output as string);
    else {
      const body = run.render(model, run.format, report.oscal);
      if (run.output) await writeFile(run.output, body, 'utf8');
      else io.stdout(body);
    }
  } catch (error) {
    io.stderr(`cloudposture report: ${(error as Error).message}\n`);
    return 1;
  }
  if (run.output) io.stderr(`cloudposture report: wrote ${run.output} (${model.totals.services} services as of ${history.asOf}, from ${source}, ${run.format})\n`);
  return history.broken.length > 0 ? 1 : 0;
}
