// The local cloud accounts behind the demo's sample services: moto (the AWS
// emulator) seeded with the sample accounts, and the local HTTPS server answering
// Azure Resource Manager / Microsoft Graph REST shapes for the Azure sample.

import { startAzureDemo } from './azure-mock/demo.js';
import { DEMO_SAMPLES, SeedClients, createUser, seedMarketingSandboxAccount } from './aws-seed.js';
import { assumedRole, consoleLogin, ctEvent, iamUser, seedCloudTrailLogs } from './cloudtrail-logs.js';
import { LOG_VAULT_ACCOUNT, LOG_VAULT_BUCKET, PAYMENTS_ACCOUNT_ID, seedPaymentsProdAccount } from './demo-payments.js';
import { MOTO_CREDENTIALS, startMoto } from './moto.js';

export interface DemoAccounts {
  /** Environment for the operator process (endpoints, dummy credentials). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startDemoAccounts(runDir: string): Promise<DemoAccounts> {
  const moto = await startMoto();
  try {
    await seedPaymentsProdAccount(moto.endpoint);
    await seedPaymentsChangeLog(moto.endpoint);
    await seedMarketingSandboxAccount(moto.endpoint);
    await seedSandboxChangeLog(moto.endpoint);
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

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

/** The payments log vault holds one network change, made by the declared GitOps role: tracked. */
async function seedPaymentsChangeLog(endpoint: string): Promise<void> {
  const account = PAYMENTS_ACCOUNT_ID;
  await seedCloudTrailLogs(new SeedClients(endpoint, LOG_VAULT_ACCOUNT).s3('eu-west-1'), {
    bucket: LOG_VAULT_BUCKET,
    accountId: account,
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
    ],
  });
}

/**
 * The sandbox's own trail files (its spec.changeManagement.logSource): a firewall change
 * made by hand (out-of-band) and a sign-in of its break-glass identity, so ChangesTracked
 * and the break-glass alarm show real data.
 */
async function seedSandboxChangeLog(endpoint: string): Promise<void> {
  const account = DEMO_SAMPLES.marketingSandbox.accountId;
  const seed = new SeedClients(endpoint, account);
  await createUser(seed, 'break-glass-admin', { password: true, mfa: 'hardware', managedPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'] });
  await seedCloudTrailLogs(seed.s3('eu-west-1'), {
    bucket: 'acme-marketing-trail',
    accountId: account,
    createBucket: true,
    bucketRegion: 'eu-west-1',
    files: [
      {
        region: 'eu-west-1',
        at: hoursAgo(2),
        records: [
          ctEvent({
            eventName: 'AuthorizeSecurityGroupIngress',
            identity: iamUser(account, 'marketing-analyst'),
            at: hoursAgo(2),
            requestParameters: { groupId: 'sg-0a1b2c3d4e5f60002', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 5432, toPort: 5432 }] } },
          }),
        ],
      },
      { region: 'us-east-1', at: hoursAgo(1), records: [consoleLogin(iamUser(account, 'break-glass-admin'), hoursAgo(1))] },
    ],
  });
}
