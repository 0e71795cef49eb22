// The moto harness itself: answers on loopback, resets, loads AWS managed policies,
// and leaves no process behind.
import { GetPolicyCommand } from '@aws-sdk/client-iam';
import { ListBucketsCommand } from '@aws-sdk/client-s3';

import { SeedClients, createBucket } from '../harness/aws-seed.js';
import { MOTO_DEFAULT_ACCOUNT_ID, startMoto } from '../harness/moto.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('starts on a free loopback port, resets, and stops without leaving a process', async () => {
  const moto = await startMoto();
  try {
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(alive(moto.pid)).toBe(true);
    const c = new SeedClients(moto.endpoint, MOTO_DEFAULT_ACCOUNT_ID);
    const admin = await c.iam().send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    expect(admin.Policy?.PolicyName).toBe('AdministratorAccess');
    await createBucket(c, 'harness-bucket', 'eu-west-1');
    expect((await c.s3().send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['harness-bucket']);
    await moto.reset();
    expect((await c.s3().send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
  } finally {
    await moto.stop();
  }
  expect(alive(moto.pid)).toBe(false);
  await moto.stop(); // idempotent
});
