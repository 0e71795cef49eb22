// The evidence writer's queue kept on disk too (CLOUDPOSTURE_EVIDENCE_SPOOL_DIR, an emptyDir
// in the chart, which a container restart keeps), so evaluations waiting for their record
// when the process ends are written after it starts again. Opt-in; without it the queue
// lives in memory only.
//
// One file per queued evaluation: canonical JSON, written in the background (submit()
// never waits for the disk), under a temporary name first and renamed when complete, so
// a crash leaves a whole file or a temporary one (removed at the next start), never half
// a file. The file goes when its evaluation leaves the queue: recorded, found not due,
// replaced by a fresher evaluation of the service, or dropped. A crash between an append
// and the file's removal writes nothing twice: the next start finds the store's chain end
// as recent as the evaluation, and the writer does not record it again.
//
// Bound: the bytes the spool's files take on the volume, counted as the exit drills count
// theirs (exitdrill/budget.ts scratchBytes: whole 4 KiB blocks plus one for the directory
// entry), the files in rejected/ included, stay at most `maxBytes`. An evaluation whose
// file would pass it stays in memory only (cloudposture_evidence_spool_full_total); an
// older file is never deleted to make room.

import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { canonicalJson } from '../evidence/canonical-json.js';
import { scratchBytes } from '../exitdrill/budget.js';
import type { Logger } from '../log.js';
import type { CloudServiceSpec, CloudServiceStatus } from '../api/types.js';
import type { ControlResult } from '../controls/evaluate.js';
import type { EvidenceApiCall, EvidenceService } from '../evidence/record.js';
import type { OperatorMetrics } from '../metrics.js';

/** One published evaluation, as the reconciler hands it over, the writer queues it and the spool keeps it (the record is built when its turn comes). */
export interface EvidenceSubmission {
  service: EvidenceService;
  /** metadata.generation of the spec evaluated. */
  generation: number;
  /** The effective policy the controls were judged against. */
  policy: unknown;
  controls: readonly ControlResult[];
  /** The spec evaluated and the status published (written, or found unchanged): `report --at` rebuilds the service from them. */
  spec?: CloudServiceSpec;
  status?: CloudServiceStatus;
  /** The API answers behind the live controls (evidence/api-calls.ts). */
  apiCalls?: readonly EvidenceApiCall[];
  /** The evaluation's time (the record's `at`). */
  at: Date;
}

const SPOOL_SCHEMA = 'cloudposture.io/evidence-spool/v1';
/** A larger file is not written, and one found at start is not read (moved to rejected/). */
export const SPOOL_FILE_MAX_BYTES = 4 * 1024 * 1024;
/** Files kept in `<dir>/rejected/`; older ones are deleted. */
export const SPOOL_REJECTED_MAX = 100;
export const SPOOL_REJECTED_DIR = 'rejected';
/** Prefix of a file being written; renamed to its name once complete. */
export const SPOOL_TEMP_PREFIX = '.tmp-';

export interface EvidenceSpoolOptions {
  dir: string;
  /** CLOUDPOSTURE_EVIDENCE_SPOOL_MAX_BYTES: bytes on the volume the spool may take (see the header). */
  maxBytes: number;
  metrics: Pick<OperatorMetrics, 'evidenceSpoolFull'>;
  log: Logger;
}

/** One queued evaluation's file. */
interface Entry {
  name: string;
  /** Counted against the bound while the file exists. */
  bytes: number;
  onDisk: boolean;
  removed: boolean;
  /** The entry's disk operations, in order: write, then remove. */
  op: Promise<void>;
}

export class EvidenceSpool {
  private readonly entries = new Map<EvidenceSubmission, Entry>();
  private readonly pending = new Set<Promise<void>>();
  private used = 0;
  private disabled = false;

  constructor(private readonly options: EvidenceSpoolOptions) {}

  /** Bytes the spool's files take now, as counted against the bound. */
  get usedBytes(): number {
    return this.used;
  }

  /**
   * What a previous process left, sorted by service and time, each evaluation's file
   * adopted (removed when it leaves the queue). Synchronous: it runs once, when the writer
   * is created and before the first reconcile, so these go ahead of new evaluations.
   * Temporary files are removed; a file too large, not JSON or not a queued evaluation is
   * moved to rejected/ and logged by name. A folder that cannot be used: memory only.
   */
  load(): EvidenceSubmission[] {
    const { dir, log } = this.options;
    const found: Array<{ item: EvidenceSubmission; entry: Entry }> = [];
    let names: string[];
    try {
      mkdirSync(join(dir, SPOOL_REJECTED_DIR), { recursive: true, mode: 0o700 });
      names = readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => d.name);
    } catch (error) {
      this.disabled = true;
      log.error('evidence spool unusable: waiting evaluations are kept in memory only', { dir, error: errorText(error) });
      return [];
    }
    for (const name of names) {
      const path = join(dir, name);
      if (name.startsWith(SPOOL_TEMP_PREFIX)) {
        rmSync(path, { force: true });
        log.info('evidence spool: removed a file a crash left half written', { file: name });
        continue;
      }
      let problem: string;
      try {
        const size = statSync(path).size;
        const parsed = size > SPOOL_FILE_MAX_BYTES ? `larger than ${SPOOL_FILE_MAX_BYTES} bytes` : parseSpoolFile(readFileSync(path, 'utf8'));
        if (typeof parsed !== 'string') {
          found.push({ item: parsed, entry: { name, bytes: scratchBytes(size), onDisk: true, removed: false, op: Promise.resolve() } });
          continue;
        }
        problem = parsed;
      } catch (error) {
        problem = `unreadable (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
      }
      this.reject(name, problem);
    }
    this.used = this.keepRejected();
    found.sort((a, b) => serviceOrder(a.item, b.item) || a.item.at.getTime() - b.item.at.getTime() || (a.entry.name < b.entry.name ? -1 : 1));
    for (const { item, entry } of found) {
      this.entries.set(item, entry);
      this.used += entry.bytes;
    }
    if (found.length > 0) log.info('evidence spool: evaluations waiting since before the restart', { files: found.length, bytes: this.used });
    return found.map((f) => f.item);
  }

  /** Writes the evaluation's file in the background (a no-op for one already on disk). */
  save(item: EvidenceSubmission): void {
    if (this.disabled || this.entries.has(item)) return;
    const name = `${String(item.at.getTime()).padStart(15, '0')}-${randomUUID()}.json`;
    const entry: Entry = { name, bytes: 0, onDisk: false, removed: false, op: Promise.resolve() };
    this.entries.set(item, entry);
    // setImmediate: serialising and writing never run in the reconcile's turn.
    this.chain(entry, () => new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.write(item, entry)));
  }

  /** The evaluation left the queue: its file goes (after its write, when one is under way). */
  remove(item: EvidenceSubmission): void {
    const entry = this.entries.get(item);
    if (!entry || entry.removed) return;
    entry.removed = true;
    this.chain(entry, async () => {
      this.entries.delete(item);
      if (!entry.onDisk) return;
      try {
        await rm(join(this.options.dir, entry.name), { force: true });
      } catch (error) {
        this.options.log.warn('evidence spool: file not removed', { file: entry.name, error: errorText(error) });
        return; // still there: still counted
      }
      entry.onDisk = false;
      this.used -= entry.bytes;
    });
  }

  /** Resolves once the writes and removals under way (and those they lead to) are done. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private chain(entry: Entry, step: () => Promise<void>): void {
    const op = entry.op.then(step).catch((error: unknown) => {
      this.options.log.error('evidence spool failed', { file: entry.name, error: errorText(error) });
    });
    entry.op = op;
    this.pending.add(op);
    void op.finally(() => this.pending.delete(op));
  }

  private async write(item: EvidenceSubmission, entry: Entry): Promise<void> {
    if (entry.removed) return;
    const { dir, maxBytes, log, metrics } = this.options;
    const where = { namespace: item.service.namespace, name: item.service.name };
    let body: string;
    try {
      body = canonicalJson(spoolFile(item));
    } catch (error) {
      log.warn('evidence spool: evaluation kept in memory only', { ...where, reason: 'not-serialisable', error: errorText(error) });
      return;
    }
    const size = Buffer.byteLength(body);
    const bytes = scratchBytes(size);
    if (size > SPOOL_FILE_MAX_BYTES || this.used + bytes > maxBytes) {
      metrics.evidenceSpoolFull.inc();
      log.warn('evidence spool: evaluation kept in memory only', { ...where, reason: size > SPOOL_FILE_MAX_BYTES ? 'too-large' : 'spool-full', bytes, usedBytes: this.used, maxBytes });
      return;
    }
    this.used += bytes;
    const temp = join(dir, SPOOL_TEMP_PREFIX + entry.name);
    try {
      const file = await open(temp, 'wx', 0o600);
      try {
        await file.writeFile(body);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, join(dir, entry.name));
      entry.onDisk = true;
      entry.bytes = bytes;
    } catch (error) {
      this.used -= bytes;
      await rm(temp, { force: true }).catch(() => undefined);
      log.warn('evidence spool: evaluation kept in memory only', { ...where, reason: 'write-failed', error: errorText(error) });
    }
  }

  /** Moves a file aside, named after when, so the newest rejected ones are kept. */
  private reject(name: string, problem: string): void {
    const { dir, log } = this.options;
    const target = join(dir, SPOOL_REJECTED_DIR, `${String(Date.now()).padStart(15, '0')}-${name}`);
    try {
      renameSync(join(dir, name), target);
    } catch {
      rmSync(join(dir, name), { force: true });
    }
    // The name and what is wrong with it; never the content.
    log.warn('evidence spool: file rejected', { file: name, problem, movedTo: SPOOL_REJECTED_DIR });
  }

  /** Deletes all but the newest SPOOL_REJECTED_MAX rejected files; returns the bytes the kept ones take. */
  private keepRejected(): number {
    const rejected = join(this.options.dir, SPOOL_REJECTED_DIR);
    const names = readdirSync(rejected).sort();
    let bytes = 0;
    names.forEach((name, i) => {
      const path = join(rejected, name);
      if (i < names.length - SPOOL_REJECTED_MAX) rmSync(path, { recursive: true, force: true });
      else bytes += scratchBytes(statSync(path).size);
    });
    return bytes;
  }
}

/** The file's content: the submission as it was queued, `at` as an ISO string. */
function spoolFile(item: EvidenceSubmission): unknown {
  return { schema: SPOOL_SCHEMA, ...item, at: item.at.toISOString() };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const STATUSES = new Set(['True', 'False', 'Unknown']);

function isControlResult(c: unknown): boolean {
  return (
    isObject(c) &&
    ['control', 'family', 'severity', 'reason', 'message'].every((k) => typeof c[k] === 'string') &&
    STATUSES.has(c.status as string) &&
    Number.isSafeInteger(c.findings)
  );
}

/** A spool file's evaluation, or what is wrong with it (never quoting the content). */
export function parseSpoolFile(text: string): EvidenceSubmission | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not JSON'; // JSON.parse's message quotes the text
  }
  if (!isObject(v)) return 'not a JSON object';
  if (v.schema !== SPOOL_SCHEMA) return `schema is not ${SPOOL_SCHEMA}`;
  const s = v.service;
  if (!isObject(s) || typeof s.namespace !== 'string' || typeof s.name !== 'string' || typeof s.uid !== 'string') return 'service is not {namespace, name, uid}';
  if (!Number.isSafeInteger(v.generation)) return 'generation is not a whole number';
  if (typeof v.at !== 'string' || !Number.isFinite(Date.parse(v.at))) return 'at is not a time';
  if (!('policy' in v)) return 'policy is missing';
  if (!Array.isArray(v.controls) || !v.controls.every(isControlResult)) return 'controls is not a list of control results';
  if (v.apiCalls !== undefined && (!Array.isArray(v.apiCalls) || !v.apiCalls.every(isObject))) return 'apiCalls is not a list of objects';
  if (v.spec !== undefined && !isObject(v.spec)) return 'spec is not an object';
  if (v.status !== undefined && !isObject(v.status)) return 'status is not an object';
  return {
    service: { namespace: s.namespace, name: s.name, uid: s.uid },
    generation: v.generation as number,
    policy: v.policy,
    controls: v.controls as ControlResult[],
    ...(v.spec !== undefined ? { spec: v.spec as unknown as CloudServiceSpec } : {}),
    ...(v.status !== undefined ? { status: v.status as CloudServiceStatus } : {}),
    ...(v.apiCalls !== undefined ? { apiCalls: v.apiCalls as unknown as EvidenceApiCall[] } : {}),
    at: new Date(v.at),
  };
}

function serviceOrder(a: EvidenceSubmission, b: EvidenceSubmission): number {
  const ka = `${a.service.namespace}/${a.service.name}/${a.service.uid}`;
  const kb = `${b.service.namespace}/${b.service.name}/${b.service.uid}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
