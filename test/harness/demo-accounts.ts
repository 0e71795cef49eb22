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
