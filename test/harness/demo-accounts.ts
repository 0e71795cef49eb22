// The local cloud accounts behind the demo's sample services: moto (the AWS
// emulator) seeded with the sample accounts, and the local HTTPS server answering
// Azure Resource Manager / Microsoft Graph REST shapes for the Azure sample.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startAzureDemo } from './azure-mock/demo.js';
import { SeedClients, createBucket, seedDemoAccounts } from './aws-seed.js';
import { repoRoot } from './binaries.js';
import { MOTO_DEFAULT_ACCOUNT_ID } from './moto.js';
import { assumedRole, consoleLogin, ctEvent, iamUser, seedCloudTrailLogs } from './cloudtrail-logs.js';
import { MOTO_CREDENTIALS, startMoto } from './moto.js';

export interface DemoAccounts {
  /** Environment for the operator process (endpoints, dummy credentials). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startDemoAccounts(runDir: string): Promise<DemoAccounts> {
  const moto = await startMoto();
  try {
    await seedDemoAccounts(moto.endpoint);
    await seedDeclaredState(moto.endpoint);
    await seedAuditTrail(moto.endpoint);
    const azure = await startAzureDemo(runDir);
    return {
      env: {
        ...azure.env,
        CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint,
        AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
        AWS_REGION: 'eu-west-1',
      },
      stop: async () => {
        await azure.stop();
        await moto.stop();
      },
    };
  } catch (error) {
    await moto.stop();
    throw error;
  }
}

/**
 * The Pulumi state the payments sample declares (spec.iac: acme-pulumi-state in its
 * account), so InSync compares it with the live account and shows the shadow
 * resources made by hand beside the stack.
 */
async function seedDeclaredState(endpoint: string): Promise<void> {
  const seed = new SeedClients(endpoint, MOTO_DEFAULT_ACCOUNT_ID);
  await createBucket(seed, 'payments-data', 'eu-west-1', { encryption: 'AES256', blockPublicAccess: true });
  await createBucket(seed, 'acme-pulumi-state', 'eu-west-1', { encryption: 'AES256', blockPublicAccess: true });
  await seed.s3('eu-west-1').send(
    new PutObjectCommand({
      Bucket: 'acme-pulumi-state',
      Key: '.pulumi/stacks/payments/prod.json',
      Body: readFileSync(join(repoRoot, 'test', 'fixtures', 'pulumi', 'state', 'unmanaged.checkpoint.json'), 'utf8'),
    }),
  );
}

/**
 * Log files in the payments sample's log vault (spec.logVault.bucket): a change by the
 * declared GitOps role (tracked), a firewall change by hand (out-of-band), and a sign-in
 * by the break-glass identity, so ChangesTracked and the break-glass alarm show real data.
 */
async function seedAuditTrail(endpoint: string): Promise<void> {
  const account = MOTO_DEFAULT_ACCOUNT_ID;
  const seed = new SeedClients(endpoint, account);
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
  await seedCloudTrailLogs(seed.s3('eu-west-1'), {
    bucket: 'acme-org-audit-log-vault',
    accountId: account,
    createBucket: true,
    bucketRegion: 'eu-west-1',
    files: [
      {
        region: 'eu-west-1',
        at: hoursAgo(3),
        records: [
          ctEvent({
            eventName: 'AuthorizeSecurityGroupIngress',
            identity: assumedRole(account, 'github-deploy', 'pipeline-1842'),
            at: hoursAgo(3),
            requestParameters: { groupId: 'sg-0a1b2c3d4e5f60001' },
          }),
        ],
      },
      {
        region: 'eu-west-1',
        at: hoursAgo(2),
        records: [
          ctEvent({
            eventName: 'AuthorizeSecurityGroupIngress',
            identity: iamUser(account, 'contractor-admin'),
            at: hoursAgo(2),
            requestParameters: { groupId: 'sg-0a1b2c3d4e5f60002', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 5432, toPort: 5432 }] } },
          }),
        ],
      },
      { region: 'us-east-1', at: hoursAgo(1), records: [consoleLogin(iamUser(account, 'break-glass-admin'), hoursAgo(1))] },
    ],
  });
}
