// Benchmark (a script, not a test): cloud API calls per AWS collection when the
// users hold AWS's ReadOnlyAccess (half with MFA) beside 4 admins (2 with MFA), for
// several user counts. Privilege is decided locally (iam-data, iam-expand,
// iam-simulate): no call per user; only ListMFADevices follows the users who can write.
//
//   npm exec -- node --import tsx test/bench/aws-privilege.ts [--users 50,500]
//
// One region (spec regions: eu-west-1) keeps the per-region calls out of the figure.
import { AttachUserPolicyCommand, CreateLoginProfileCommand, CreateUserCommand, CreateVirtualMFADeviceCommand, EnableMFADeviceCommand } from '@aws-sdk/client-iam';

import { SeedClients } from '../harness/aws-seed.js';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_ACCOUNT_ID, startMoto } from '../harness/moto.js';
import { AwsInventoryCollector } from '../../operator/src/providers/aws/collector.js';
import { mapLimit } from '../../operator/src/providers/aws/concurrency.js';

const ADMINS = 4;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}

async function seed(endpoint: string, readers: number): Promise<void> {
  const iam = new SeedClients(endpoint, MOTO_DEFAULT_ACCOUNT_ID).iam();
  await mapLimit(
    Array.from({ length: readers + ADMINS }, (_, i) => i),
    16,
    async (i) => {
      const admin = i >= readers;
      const name = admin ? `admin-${i - readers}` : `reader-${String(i).padStart(4, '0')}`;
      await iam.send(new CreateUserCommand({ UserName: name }));
      await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: 'Bench-pass-1!' }));
      const policy = admin ? 'AdministratorAccess' : 'ReadOnlyAccess';
      await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: `arn:aws:iam::aws:policy/${policy}` }));
      if (i % 2 === 0) {
        const d = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `${name}-mfa` }));
        await iam.send(new EnableMFADeviceCommand({ UserName: name, SerialNumber: d.VirtualMFADevice?.SerialNumber, AuthenticationCode1: '123456', AuthenticationCode2: '654321' }));
      }
    },
  );
}

async function main(): Promise<void> {
  const counts = arg('users', '50,500').split(',').map(Number);
  const moto = await startMoto();
  const rows: string[] = [];
  try {
    for (const users of counts) {
      await moto.reset();
      await seed(moto.endpoint, users - ADMINS);
      // the first collection of a fresh account pays moto's STARTED credential report: measure the second
      let last = { calls: 0, iam: 0, mfa: 0, ms: 0, privileged: 0, ops: new Map<string, number>() };
      for (let run = 0; run < 2; run++) {
        const ops = new Map<string, number>();
        const collector = new AwsInventoryCollector({ endpoint: moto.endpoint, reportPollIntervalMs: 50, onApiCall: (_p, op) => void ops.set(op, (ops.get(op) ?? 0) + 1) });
        const start = Date.now();
        const r = await collector.collect({
          provider: 'aws',
          account: { aws: { accountId: MOTO_DEFAULT_ACCOUNT_ID, regions: ['eu-west-1'] } },
          allowedRegions: ['eu-west-1'],
          credentials: { ...MOTO_CREDENTIALS },
        });
        if (!r.ok) throw new Error(`collection failed: ${r.failure.reason}: ${r.failure.message}`);
        const iam = [...ops].filter(([op]) => op.startsWith('IAM:')).reduce((n, [, v]) => n + v, 0);
        const privileged = r.inventory.identities.filter((i) => i.kind === 'user' && i.privileged).length;
        last = { calls: r.inventory.apiCalls, iam, mfa: ops.get('IAM:ListMFADevices') ?? 0, ms: Date.now() - start, privileged, ops };
      }
      process.stdout.write(`\n== ${users} IAM users (${users - ADMINS} ReadOnlyAccess, ${ADMINS} AdministratorAccess)\n`);
      for (const [op, n] of [...last.ops].sort()) process.stdout.write(`   ${op.padEnd(45)} ${n}\n`);
      rows.push(`| ${users} | ${last.calls} | ${last.iam} | ${last.mfa} | ${last.privileged} | ${(last.ms / 1000).toFixed(1)} s |`);
    }
  } finally {
    await moto.stop();
  }
  process.stdout.write('\n| users | API calls | IAM calls | ListMFADevices | privileged users | wall time |\n|---|---|---|---|---|---|\n');
  process.stdout.write(`${rows.join('\n')}\n`);
}

void main();
