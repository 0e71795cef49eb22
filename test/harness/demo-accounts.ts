// The local cloud accounts behind the demo's sample services: moto (the AWS
// emulator) seeded with the sample accounts, and the local HTTPS server answering
// Azure Resource Manager / Microsoft Graph REST shapes for the Azure sample.

import { startAzureDemo } from './azure-mock/demo.js';
import { seedDemoAccounts } from './aws-seed.js';
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
