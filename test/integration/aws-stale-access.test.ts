// Stale access (A523-08-UNUSED-ACCESS) from moto's credential report through the real
// collector and the pure evaluation. moto records no past use and cannot backdate a
// creation, so the evaluation is run at a later `now`: a console user and a key nobody
// used since they were made are stale 91 days on and current 89 days on, the declared
// break-glass identity is never judged, and a key that was used counts from its use.

import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateAccessKeyCommand } from '@aws-sdk/client-iam';
import { evaluateService } from '../../operator/src/controls/evaluate.js';
import type { InventoryResult } from '../../operator/src/inventory/types.js';
import { AwsInventoryCollector } from '../../operator/src/providers/aws/collector.js';
import { EXTERNAL_ID, SeedClients, createReadRole, createUser } from '../harness/aws-seed.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../harness/moto.js';
import { aPolicy, aSpec } from '../unit/builders.js';

const ACCOUNT = '555555555555';
const DAY = 86_400_000;
let moto: MotoServer;
let result: InventoryResult;

beforeAll(async () => {
  moto = await startMoto();
  const c = new SeedClients(moto.endpoint, ACCOUNT);
  const roleArn = await createReadRole(c);
  await createUser(c, 'leaver', { password: true, mfa: 'virtual' });
  await createUser(c, 'old-integration', { accessKey: true });
  await createUser(c, 'breakglass-admin', { password: true, mfa: 'hardware' });
  // A key that signs a request: the report records its last use.
  await createUser(c, 'busy-integration', {});
  const key = await c.iam().send(new CreateAccessKeyCommand({ UserName: 'busy-integration' }));
  const used = new STSClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: key.AccessKey?.AccessKeyId as string, secretAccessKey: key.AccessKey?.SecretAccessKey as string },
  });
  await used.send(new GetCallerIdentityCommand({}));
  used.destroy();
  result = await new AwsInventoryCollector({ endpoint: moto.endpoint, reportPollIntervalMs: 50 }).collect({
    provider: 'aws',
    account: { aws: { accountId: ACCOUNT, roleArn, externalId: EXTERNAL_ID, regions: ['eu-west-1'] } },
    allowedRegions: ['eu-west-1'],
    credentials: { ...MOTO_CREDENTIALS },
  });
}, 180_000);

afterAll(async () => {
  await moto?.stop();
});

function unusedAt(daysLater: number) {
  const evaluation = evaluateService({
    spec: aSpec({ allowedRegions: ['eu-west-1'], breakGlassIdentities: ['breakglass-admin'] }),
    policy: aPolicy({ maxUnusedDays: 90 }),
    inventory: result,
    changes: [],
    now: new Date(Date.now() + daysLater * DAY),
  });
  return evaluation.findings.filter((f) => f.control === 'A523-08-UNUSED-ACCESS').map((f) => f.message);
}

it('nothing is stale before the policy allows', () => {
  expect(result.ok).toBe(true);
  expect(unusedAt(89)).toEqual([]);
});

it('after 90 days unused, the console user and the never-used key are stale; break-glass is not judged', () => {
  const stale = unusedAt(91);
  expect(stale.some((m) => m.startsWith('leaver (sign-in): no recorded use in 91 days'))).toBe(true);
  expect(stale.some((m) => /^Access key \S+ of old-integration: no recorded use in 91 days/.test(m))).toBe(true);
  expect(stale.some((m) => m.includes('breakglass-admin'))).toBe(false);
});

it('a key that was used counts from its last use', () => {
  const stale = unusedAt(91);
  expect(stale.filter((m) => m.includes('busy-integration'))).toEqual([expect.stringMatching(/^Access key \S+ of busy-integration: last used 91 days ago \(max 90\)$/)]);
  if (!result.ok) throw new Error('collection failed');
  const key = result.inventory.identities.find((i) => i.name === 'busy-integration')?.accessKeys[0];
  expect(key?.lastUse?.at).toBeDefined();
});
