// Benchmark (a script, not a test): how the AWS collection scales with identities.
//
//   npm exec -- node --import tsx test/bench/aws-collect.ts [--runs 3] [--users 1000,100] [--buckets 500]
//
// For each user count it starts from an empty moto account, seeds the users (a fixed
// number of them privileged), the buckets and resources in four regions, then runs
// full collections over every enabled region and prints the median wall time and
// the API calls by operation. The last lines compare the runs: the call count does
// not follow the user count (only ListMFADevices follows the privileged users, who
// are the same number in every scenario).
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  AttachUserPolicyCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
} from '@aws-sdk/client-iam';

import { SeedClients, createBucket, createDatabase, createSnapshot, createTrail, createVolume, runInstance } from '../harness/aws-seed.js';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_ACCOUNT_ID, startMoto } from '../harness/moto.js';
import { AwsInventoryCollector } from '../../operator/src/providers/aws/collector.js';
import { mapLimit } from '../../operator/src/providers/aws/concurrency.js';

const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'ap-southeast-2'];
const PRIVILEGED = 10;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}

const runs = Number(arg('runs', '3'));
const userCounts = arg('users', '1000,100').split(',').map(Number);
const bucketCount = Number(arg('buckets', '500'));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function seed(endpoint: string, users: number): Promise<void> {
  const c = new SeedClients(endpoint, MOTO_DEFAULT_ACCOUNT_ID);
  const iam = c.iam();
  await mapLimit(
    Array.from({ length: users }, (_, i) => i),
    16,
    async (i) => {
      const name = `user-${String(i).padStart(4, '0')}`;
      await iam.send(new CreateUserCommand({ UserName: name }));
      if (i % 2 === 0) await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: 'Bench-pass-1!' }));
      if (i % 3 === 0) await iam.send(new CreateAccessKeyCommand({ UserName: name }));
      if (i < PRIVILEGED) {
        await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
      }
      if (i % 4 === 0) {
        const d = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `${name}-mfa` }));
        await iam.send(
          new EnableMFADeviceCommand({
            UserName: name,
            SerialNumber: d.VirtualMFADevice?.SerialNumber,
            AuthenticationCode1: '123456',
            AuthenticationCode2: '654321',
          }),
        );
      }
    },
  );
  await mapLimit(
    Array.from({ length: bucketCount }, (_, i) => i),
    16,
    async (i) => {
      const region = REGIONS[i % REGIONS.length] as string;
      await createBucket(c, `bench-bucket-${String(i).padStart(4, '0')}`, region, {
        ...(i % 2 === 0 ? { encryption: 'AES256' as const } : {}),
        ...(i % 5 === 0 ? { blockPublicAccess: true } : {}),
        ...(i % 50 === 1 ? { publicPolicy: true } : {}),
      });
    },
  );
  await mapLimit(REGIONS, 4, async (region) => {
    for (let i = 0; i < 5; i++) await runInstance(c, region, { encryptedRoot: i % 2 === 0, name: `bench-${region}-${i}` });
    for (let i = 0; i < 10; i++) {
      const vol = await createVolume(c, region, { encrypted: i % 2 === 0, name: `bench-vol-${i}` });
      if (i < 5) await createSnapshot(c, region, vol, { public: i === 0 });
    }
    for (let i = 0; i < 2; i++) {
      await createDatabase(c, region, `bench-db-${i}`, { encrypted: i === 0, ...(i === 0 ? { snapshot: { id: `bench-db-${i}-snap` } } : {}) });
    }
  });
  await createTrail(c, 'eu-west-1', 'bench-trail', 'bench-bucket-0000', { multiRegion: true, logging: true });
}

interface Measured {
  users: number;
  wallMs: number[];
  calls: number;
  byOperation: Map<string, number>;
  identities: number;
  resources: number;
  regions: number;
}

async function main(): Promise<void> {
  const moto = await startMoto();
  const results: Measured[] = [];
  try {
    for (const users of userCounts) {
      await moto.reset();
      const t0 = Date.now();
      await seed(moto.endpoint, users);
      process.stdout.write(`\n== ${users} users, ${bucketCount} buckets, resources in ${REGIONS.join(', ')} (seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
      const m: Measured = { users, wallMs: [], calls: 0, byOperation: new Map(), identities: 0, resources: 0, regions: 0 };
      for (let run = 0; run < runs; run++) {
        const byOperation = new Map<string, number>();
        const collector = new AwsInventoryCollector({
          endpoint: moto.endpoint,
          reportPollIntervalMs: 50,
          onApiCall: (_p, op) => void byOperation.set(op, (byOperation.get(op) ?? 0) + 1),
        });
        const start = Date.now();
        const r = await collector.collect({
          provider: 'aws',
          account: { aws: { accountId: MOTO_DEFAULT_ACCOUNT_ID } },
          allowedRegions: ['eu-west-1', 'eu-central-1'],
          credentials: { ...MOTO_CREDENTIALS },
        });
        const ms = Date.now() - start;
        if (!r.ok) throw new Error(`collection failed: ${r.failure.reason}: ${r.failure.message}`);
        if (r.inventory.gaps.length) process.stdout.write(`   gaps: ${JSON.stringify(r.inventory.gaps)}\n`);
        m.wallMs.push(ms);
        // moto answers the first GenerateCredentialReport with STARTED: compare later runs
        m.calls = r.inventory.apiCalls;
        m.byOperation = byOperation;
        m.identities = r.inventory.identities.length;
        m.resources = r.inventory.resources.length;
        m.regions = Object.keys(r.inventory.guardrails.defaultVolumeEncryption ?? {}).length;
        process.stdout.write(`   run ${run + 1}: ${(ms / 1000).toFixed(2)} s, ${r.inventory.apiCalls} API calls\n`);
      }
      process.stdout.write(
        `   median ${(median(m.wallMs) / 1000).toFixed(2)} s; ${m.identities} identities, ${m.resources} resources, ${m.regions} regions scanned\n`,
      );
      process.stdout.write(`   API calls by operation (last run):\n`);
      for (const [op, n] of [...m.byOperation].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
        process.stdout.write(`     ${String(n).padStart(5)}  ${op}\n`);
      }
      results.push(m);
    }
  } finally {
    await moto.stop();
  }
  const [a, b] = results;
  if (a && b) {
    const iamCalls = (m: Measured) => [...m.byOperation].filter(([op]) => op.startsWith('IAM:')).reduce((s, [, n]) => s + n, 0);
    process.stdout.write('\n== comparison\n');
    process.stdout.write(`   users:           ${a.users} vs ${b.users} (x${(a.users / b.users).toFixed(1)})\n`);
    process.stdout.write(`   API calls:       ${a.calls} vs ${b.calls} (x${(a.calls / b.calls).toFixed(3)})\n`);
    process.stdout.write(`   IAM calls:       ${iamCalls(a)} vs ${iamCalls(b)} (x${(iamCalls(a) / iamCalls(b)).toFixed(3)})\n`);
    process.stdout.write(
      `   median wall:     ${(median(a.wallMs) / 1000).toFixed(2)} s vs ${(median(b.wallMs) / 1000).toFixed(2)} s (x${(median(a.wallMs) / median(b.wallMs)).toFixed(2)})\n`,
    );
  }
}

await main();
