// `cloudposture evidence verify`: reads every evidence chain under a prefix of an Object
// Lock bucket and says whether each is sound, naming the record key of every problem.
//
//   cloudposture evidence verify --bucket B [--prefix P] [--retention-days N] [--endpoint URL] [--region R]

import type { S3Client } from '@aws-sdk/client-s3';

import { chainsOf, DEFAULT_RETENTION_DAYS, verifyChain, type ChainEntry, type ChainProblem } from './chain.js';
import { ObjectLockEvidenceStore, evidenceS3Client, type EvidenceStore } from './object-lock-store.js';
import { DEFAULT_EVIDENCE_PREFIX, parseRecordKey, type EvidenceRecord } from './record.js';

/** The same shape as the CLI's CommandIO (evidence/ may not import iac/, where that lives). */
export interface EvidenceIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const EXIT_SOUND = 0;
export const EXIT_PROBLEMS = 1;
export const EXIT_USAGE = 2;

export const EVIDENCE_USAGE = `Usage: cloudposture evidence verify --bucket BUCKET [options]

Reads every evidence chain (one per CloudService uid) under the prefix and checks each
record's hash, its link to the record before it, the sequence (no record missing or out
of order), the time order, that its key names its service, and its Object Lock
retention (COMPLIANCE, kept at least the retention days after the record's time).
AWS credentials come from the default chain (environment, profile, web identity).

Options:
      --bucket NAME         the evidence bucket (required)
      --prefix PREFIX       key prefix of the records (default: ${DEFAULT_EVIDENCE_PREFIX})
      --retention-days N    minimum retention to require (default: ${DEFAULT_RETENTION_DAYS})
      --endpoint URL        S3 endpoint override (path-style addressing)
      --region REGION       the bucket's region (default: us-east-1)
  -h, --help                this help

Exit status: 0 every chain sound, 1 a problem found (or the bucket could not be read), 2 usage error.
`;

export interface VerifyArgs {
  bucket: string;
  prefix: string;
  retentionDays: number;
  endpoint?: string;
  region?: string;
  help: boolean;
}

/** Parses `verify`'s options; throws an Error with the reason on bad input. */
export function parseVerifyArgs(argv: readonly string[]): VerifyArgs {
  const out: Partial<VerifyArgs> & { help: boolean } = { help: false };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--bucket':
        out.bucket = value();
        break;
      case '--prefix':
        out.prefix = value();
        break;
      case '--retention-days': {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v) || !(n > 0)) throw new Error(`--retention-days must be a whole number of days above 0, not "${v}"`);
        out.retentionDays = n;
        break;
      }
      case '--endpoint':
        out.endpoint = value();
        break;
      case '--region':
        out.region = value();
        break;
      case '-h':
      case '--help':
        out.help = true;
        break;
      default:
        throw new Error(`unknown option "${raw}"`);
    }
  }
  if (!out.bucket && !out.help) throw new Error('--bucket is required');
  return {
    bucket: out.bucket ?? '',
    prefix: out.prefix ?? DEFAULT_EVIDENCE_PREFIX,
    retentionDays: out.retentionDays ?? DEFAULT_RETENTION_DAYS,
    ...(out.endpoint ? { endpoint: out.endpoint } : {}),
    ...(out.region ? { region: out.region } : {}),
    help: out.help,
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One stored record as verifyChain takes it: parsed, or why it could not be read. */
export async function readEntry(store: EvidenceStore, key: string): Promise<ChainEntry> {
  try {
    const o = await store.read(key);
    try {
      return { key, body: JSON.parse(o.bytes.toString('utf8')) as unknown, retention: o.retention };
    } catch (err) {
      return { key, body: undefined, readError: `not JSON (${errorText(err)})`, retention: o.retention };
    }
  } catch (err) {
    return { key, body: undefined, readError: `could not be read (${errorText(err)})` };
  }
}

export interface ChainReport {
  chain: string;
  records: number;
  first?: string;
  last?: string;
  problems: ChainProblem[];
}

/** Reads and verifies every chain under `prefix`, one object at a time (records are small, chains long). */
export async function verifyStore(store: EvidenceStore, prefix: string, retentionDays: number): Promise<ChainReport[]> {
  const reports: ChainReport[] = [];
  for (const [chain, keys] of chainsOf(await store.list(prefix))) {
    const entries: ChainEntry[] = [];
    for (const key of keys) entries.push(await readEntry(store, key));
    const times = entries.map((e) => (e.readError ? undefined : (e.body as Partial<EvidenceRecord> | null)?.at)).filter((t): t is string => typeof t === 'string');
    reports.push({
      chain,
      records: entries.length,
      ...(times[0] ? { first: times[0] } : {}),
      ...(times.length ? { last: times[times.length - 1] as string } : {}),
      problems: verifyChain(entries, { retentionDays }),
    });
  }
  return reports;
}

function chainLine(r: ChainReport): string {
  const k = parseRecordKey(`${r.chain}/${'0'.repeat(12)}.json`);
  const service = k ? `${k.namespace}/${k.name} (uid ${k.uid})` : r.chain;
  const span = r.first ? `${r.first} .. ${r.last ?? r.first}` : 'no readable time';
  const verdict = r.problems.length === 0 ? 'sound' : `${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`;
  return `${service}: ${r.records} record${r.records === 1 ? '' : 's'}, ${span}: ${verdict}\n`;
}

export interface EvidenceDeps {
  /** The S3 client to use instead of one built from the options (tests). */
  client?: S3Client;
}

/** `cloudposture evidence <subcommand>`; only `verify` so far. */
export async function runEvidenceCommand(argv: readonly string[], io: EvidenceIO, deps: EvidenceDeps = {}): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    io.stdout(EVIDENCE_USAGE);
    return sub === undefined ? EXIT_USAGE : EXIT_SOUND;
  }
  if (sub !== 'verify') {
    io.stderr(`cloudposture evidence: unknown subcommand "${sub}"\n\n${EVIDENCE_USAGE}`);
    return EXIT_USAGE;
  }
  let args: VerifyArgs;
  try {
    args = parseVerifyArgs(rest);
  } catch (err) {
    io.stderr(`cloudposture evidence verify: ${errorText(err)}\n\n${EVIDENCE_USAGE}`);
    return EXIT_USAGE;
  }
  if (args.help) {
    io.stdout(EVIDENCE_USAGE);
    return EXIT_SOUND;
  }
  const client = deps.client ?? evidenceS3Client({ ...(args.region ? { region: args.region } : {}), ...(args.endpoint ? { endpoint: args.endpoint } : {}) });
  try {
    const store = new ObjectLockEvidenceStore({ client, bucket: args.bucket, prefix: args.prefix, retentionDays: args.retentionDays });
    const reports = await verifyStore(store, args.prefix, args.retentionDays);
    if (reports.length === 0) {
      // Nothing verified is not a pass: a wrong prefix, or every key hidden by delete markers.
      io.stderr(`cloudposture evidence verify: no evidence records under s3://${args.bucket}/${args.prefix}\n`);
      return EXIT_PROBLEMS;
    }
    let problems = 0;
    for (const r of reports) {
      io.stdout(chainLine(r));
      for (const p of r.problems) io.stdout(`  ${p.kind}: ${p.message}\n`);
      problems += r.problems.length;
    }
    return problems === 0 ? EXIT_SOUND : EXIT_PROBLEMS;
  } catch (err) {
    io.stderr(`cloudposture evidence verify: s3://${args.bucket}/${args.prefix} could not be read: ${errorText(err)}\n`);
    return EXIT_PROBLEMS;
  } finally {
    if (!deps.client) client.destroy();
  }
}
