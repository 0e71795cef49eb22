// Benchmark (a script, not a test): how long `cloudposture report --from/--to` takes to
// rebuild a period from the evidence store.
//
//   npm exec -- node --import tsx test/bench/report-history.ts [--services 100] [--days 30] [--per-day 4] [--runs 3]
//
// Starts moto, writes each service's chain into an Object Lock bucket (an evaluation
// every 10 minutes records only when its outcome changes, plus the daily record: here
// three flips a day and the daily one, so 4 records a day per service), then rebuilds
// the pack for the whole period `--runs` times and prints the record size, the write
// time and the median rebuild time.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

import type { CloudService } from '../../operator/src/api/types.js';
import { evaluateService, type ControlResult } from '../../operator/src/controls/evaluate.js';
import { canonicalJson } from '../../operator/src/evidence/canonical-json.js';
import { ObjectLockEvidenceStore } from '../../operator/src/evidence/object-lock-store.js';
import { buildEvidenceRecord, type EvidenceRecord } from '../../operator/src/evidence/record.js';
import { runReportCommand } from '../../operator/src/report/cli.js';
import type { ReportModel } from '../../operator/src/report/model.js';
import { sampleServices } from '../../operator/src/report/sample.js';
import { MOTO_CREDENTIALS, startMoto } from '../harness/moto.js';
import { aPolicy, anInput } from '../unit/builders.js';

function arg(name: string, fallback: string): number {
  const i = process.argv.indexOf(`--${name}`);
  return Number(i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback);
}

const services = arg('services', '100');
const days = arg('days', '30');
const perDay = arg('per-day', '4');
const runs = arg('runs', '3');
const DAY_MS = 24 * 60 * 60 * 1000;
const START = new Date('2026-11-01T00:00:00.000Z');
const BUCKET = 'history-bench';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const moto = await startMoto();
const s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { ...MOTO_CREDENTIALS }, forcePathStyle: true });
try {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
  const store = new ObjectLockEvidenceStore({ client: s3, bucket: BUCKET });
  const policy = aPolicy();
  const controls: ControlResult[] = evaluateService(anInput()).controls;
  const base = sampleServices(START)[1] as CloudService; // the failing sample: a full status
  const records: EvidenceRecord[] = [];
  for (let s = 0; s < services; s++) {
    let prev: EvidenceRecord | null = null;
    for (let d = 0; d < days; d++) {
      for (let q = 0; q < perDay; q++) {
        const at = new Date(START.getTime() + d * DAY_MS + (q * DAY_MS) / perDay + s * 1000);
        prev = buildEvidenceRecord({
          service: { namespace: `team-${s % 10}`, name: `svc-${s}`, uid: `bench-${s}` },
          generation: 1,
          policy,
          controls: q % 2 === 1 ? controls.map((c, i) => (i === 0 ? { ...c, status: 'False' as const } : c)) : controls,
          spec: base.spec,
          status: { ...base.status, lastCheckedAt: at.toISOString() },
          previous: prev,
          clock: () => at,
        });
        records.push(prev);
      }
    }
  }
  const bytes = records.map((r) => Buffer.byteLength(canonicalJson(r)));
  const writeStarted = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < records.length) await store.append(records[next++] as EvidenceRecord);
    }),
  );
  const writeMs = performance.now() - writeStarted;
  const to = new Date(START.getTime() + (days - 1) * DAY_MS).toISOString().slice(0, 10);
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    let out = '';
    const io = { stdout: (t: string) => void (out += t), stderr: () => undefined };
    const started = performance.now();
    const code = await runReportCommand(
      ['--evidence-bucket', BUCKET, '--endpoint', moto.endpoint, '--from', START.toISOString().slice(0, 10), '--to', to, '--format', 'json', '--max-services', String(services)],
      io,
      () => new Date(START.getTime() + (days + 1) * DAY_MS),
      { s3 },
    );
    times.push(performance.now() - started);
    const model = JSON.parse(out) as ReportModel;
    if (code !== 0 || model.services.length !== services) throw new Error(`report exited ${code} with ${model.services.length} services`);
  }
  const rebuild = median(times);
  console.log(`records: ${records.length} (${services} services x ${days} days x ${perDay} a day); size median ${median(bytes)} B, max ${Math.max(...bytes)} B`);
  console.log(`write: ${(writeMs / 1000).toFixed(1)} s (16 at once)`);
  console.log(`rebuild --from/--to: median ${(rebuild / 1000).toFixed(1)} s of ${runs} runs (${(rebuild / records.length).toFixed(2)} ms per record)`);
} finally {
  s3.destroy();
  await moto.stop();
}
