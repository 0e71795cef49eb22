// Benchmark (a script, not a test): peak RSS of the CloudTrail reader when a trail bucket
// holds one log file that is small on the wire and huge unzipped (a gzip of zeros).
//
//   npm exec -- node --import tsx test/bench/oversized-log.ts [--mib 300] [--files 1]
//
// The parent starts moto and seeds `--files` such files, each expanding to `--mib` MiB
// (streamed through gzip, so seeding stays small); a child process then runs the real
// reader (readCloudTrailChanges through the AWS SDK v3 client) and reports its own RSS
// before the read and its peak (getrusage maxRSS), so the figure is the reader's alone.
// The outcome (ok / failure reason) is printed beside it.

import { spawn } from 'node:child_process';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { readCloudTrailChanges } from '../../operator/src/providers/aws/cloudtrail-changes.js';
import { logFileKey } from '../harness/cloudtrail-logs.js';
import { zeroBomb } from '../harness/gzip-bomb.js';
import { MOTO_CREDENTIALS, startMoto } from '../harness/moto.js';

const ACCOUNT = '111111111111';
const BUCKET = 'oversized-log-bench';
const NOW = new Date('2026-11-15T12:00:00Z');
const MIB = 1024 * 1024;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}

async function child(endpoint: string): Promise<void> {
  const s3 = new S3Client({ endpoint, region: 'us-east-1', credentials: MOTO_CREDENTIALS, forcePathStyle: true });
  const before = process.memoryUsage().rss;
  const result = await readCloudTrailChanges({ s3, source: { bucket: BUCKET, accountId: ACCOUNT }, since: new Date(NOW.getTime() - 3_600_000), now: NOW });
  const peakKiB = process.resourceUsage().maxRSS;
  s3.destroy();
  const outcome = result.ok ? `ok (${result.filesRead} files read, ${result.records.length} records)` : `${result.failure.reason}: ${result.failure.message}`;
  process.stdout.write(JSON.stringify({ rssBeforeMiB: Math.round(before / MIB), peakRssMiB: Math.round(peakKiB / 1024), outcome }) + '\n');
}

async function parent(): Promise<void> {
  const mib = Number(arg('mib', '300'));
  const files = Number(arg('files', '1'));
  const moto = await startMoto();
  try {
    const s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: MOTO_CREDENTIALS, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const body = await zeroBomb(mib);
    for (let i = 0; i < files; i++) {
      const key = logFileKey({ accountId: ACCOUNT }, 'eu-west-1', new Date(NOW.getTime() - (30 - i) * 60_000));
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    }
    s3.destroy();
    process.stdout.write(`${files} file(s) of ${Math.round(body.length / 1024)} KiB gzip, ${mib} MiB unzipped each\n`);
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', moto.endpoint], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      p.stdout.on('data', (d: Buffer) => (text += d.toString()));
      p.once('error', reject);
      p.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`reader exited with ${code}: ${text}`))));
    });
    process.stdout.write(out);
  } finally {
    await moto.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--child');
  await (i >= 0 ? child(process.argv[i + 1] as string) : parent());
}
