// The local cloud accounts behind the demo's sample services: moto (the AWS
// emulator) seeded with the sample accounts, and the local HTTPS server answering
// Azure Resource Manager / Microsoft Graph REST shapes for the Azure sample.

import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
} from '@aws-sdk/client-organizations';

import { startAzureDemo } from './azure-mock/demo.js';
import { DEMO_SAMPLES, SeedClients, createUser, seedMarketingSandboxAccount } from './aws-seed.js';
import { assumedRole, consoleLogin, ctEvent, iamUser, seedCloudTrailLogs } from './cloudtrail-logs.js';
import { LOG_VAULT_ACCOUNT, LOG_VAULT_BUCKET, PAYMENTS_ACCOUNT_ID, seedPaymentsProdAccount } from './demo-payments.js';
import { MOTO_CREDENTIALS, startMoto } from './moto.js';

export interface DemoAccounts {
  /** Environment for the operator process (endpoints, dummy credentials). */
  env: Record<string, string>;
  /** The member account in the demo's AWS organisation that no CloudAccount declares. */
  undeclaredAccount: DemoUndeclaredAccount;
  stop(): Promise<void>;
}

export async function startDemoAccounts(runDir: string): Promise<DemoAccounts> {
  const moto = await startMoto();
  try {
    await seedPaymentsProdAccount(moto.endpoint);
    await seedPaymentsChangeLog(moto.endpoint);
    await seedMarketingSandboxAccount(moto.endpoint);
    await seedSandboxChangeLog(moto.endpoint);
    const undeclaredAccount = await seedOrganization(moto.endpoint);
    const azure = await startAzureDemo(runDir);
    return {
      env: {
        ...azure.env,
        CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint,
        AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
        AWS_REGION: 'eu-west-1',
      },
      undeclaredAccount,
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

export interface DemoUndeclaredAccount {
  id: string;
  name: string;
  /** The OU it sits in, by name under the root. */
  ou: string;
}

/**
 * The AWS organisation of the sample CloudOrganization acme (crds/samples/organization.yaml):
 * managed from the payments account (declared by CloudAccount payments-prod), with one
 * member account in the OU Sandboxes that nobody declared. moto picks the member's id.
 * (The payments account becomes a management account: SCPs never restrict one, which
 * the demo already says of its region guardrail.)
 */
async function seedOrganization(endpoint: string): Promise<DemoUndeclaredAccount> {
  const org = new SeedClients(endpoint, PAYMENTS_ACCOUNT_ID).organizations();
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const name = 'data-lake-sandbox';
  const id = (await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }))).CreateAccountStatus?.AccountId as string;
  const root = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
  const ou = 'Sandboxes';
  const ouId = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: ou }))).OrganizationalUnit?.Id as string;
  await org.send(new MoveAccountCommand({ AccountId: id, SourceParentId: root, DestinationParentId: ouId }));
  return { id, name, ou };
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
