// The full flow with recognisable credential values in the Secrets the services
// point at: the values appear in no log line, Event, status field or metric, on the
// happy path and when the credentials are refused.

import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { CloudService } from '../../operator/src/api/types.js';
import { seedDemoAccount } from '../harness/aws-seed.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { startMoto, type MotoServer } from '../harness/moto.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { aSpec } from '../unit/builders.js';

const GROUP = 'cloudposture.io';
const VERSION = 'v1alpha1';
const CANARY = {
  accessKeyId: 'AKIALEAKCANARY7Q2X9ZA',
  secretAccessKey: 'leak-canary-secret-3b9f1e7c0d2a4c6e8f10a2b4c6d8e0f2',
  sessionToken: 'leak-canary-session-token-5d7f9b1c3e5a7c9e1b3d5f7a9c1e3b5d',
  azureSecret: 'leak-canary-azure-client-secret-8e6c4a2f0d1b3c5e',
};

describe('no secret leaks', () => {
  const kc = loadTestKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  let moto: MotoServer;
  let ns: string;
  let operator: TestOperator;

  beforeAll(async () => {
    await installCrds();
    moto = await startMoto();
    await seedDemoAccount(moto.endpoint);
    ns = await createTestNamespace('leak');
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'aws-readonly' },
        stringData: {
          AWS_ACCESS_KEY_ID: CANARY.accessKeyId,
          AWS_SECRET_ACCESS_KEY: CANARY.secretAccessKey,
          AWS_SESSION_TOKEN: CANARY.sessionToken,
        },
      },
    });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'azure-readonly' }, stringData: { AZURE_CLIENT_ID: '11111111-2222-4333-8444-555555555555', AZURE_CLIENT_SECRET: CANARY.azureSecret } },
    });
    operator = await startTestOperator({
      namespace: ns,
      env: {
        CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint,
        CLOUDPOSTURE_POLICY_NAME: uniqueName('policy'),
        // Azure is pointed at a closed port: the failure path must not leak either.
        CLOUDPOSTURE_AZURE_RESOURCE_MANAGER_ENDPOINT: 'https://127.0.0.1:9',
        CLOUDPOSTURE_AZURE_GRAPH_ENDPOINT: 'https://127.0.0.1:9',
      },
    });
  }, 180_000);

  afterAll(async () => {
    await operator?.stop();
    await moto?.stop();
    await deleteTestNamespace(ns);
  });

  it('keeps credential values out of logs, Events, status and metrics', async () => {
    const aws = aSpec({ account: { aws: { accountId: '123456789012' }, credentialsSecretRef: { name: 'aws-readonly' } }, allowedRegions: ['eu-west-1'] });
    const azure = aSpec({
      provider: 'azure',
      account: {
        azure: { tenantId: '00000000-0000-4000-8000-000000000001', subscriptionId: '00000000-0000-4000-8000-000000000002' },
        credentialsSecretRef: { name: 'azure-readonly' },
      },
      allowedRegions: ['westeurope'],
    });
    for (const [name, spec] of [['aws-svc', aws], ['azure-svc', azure]] as const) {
      await custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: ns,
        plural: 'cloudservices',
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'CloudService', metadata: { name }, spec },
      });
    }
    const services = await waitFor(
      async () => {
        const list = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'cloudservices' })) as { items: CloudService[] };
        return list.items.length === 2 && list.items.every((s) => s.status?.observedGeneration === 1) ? list.items : undefined;
      },
      { timeoutMs: 120_000, description: 'both services reconciled' },
    );
    // The AWS service was really read with the canary keys (moto accepts any key).
    const awsStatus = services.find((s) => s.metadata.name === 'aws-svc')?.status;
    expect(awsStatus?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(awsStatus?.findings?.length).toBeGreaterThan(0);
    const azureReady = services.find((s) => s.metadata.name === 'azure-svc')?.status?.conditions?.find((c) => c.type === 'Ready');
    expect(azureReady?.status).toBe('False');

    // The searched text really holds the operator's output for both services.
    for (const name of ['aws-svc', 'azure-svc']) {
      await waitFor(() => operator.logs.some((l) => l.message === 'reconciled' && l.name === name), { description: `${name}'s reconcile log line` });
    }
    const events = await core.listNamespacedEvent({ namespace: ns });
    const evidence = {
      logs: JSON.stringify(operator.logs),
      events: JSON.stringify(events.items),
      status: JSON.stringify(services.map((s) => s.status)),
      metrics: (await operator.metrics.render()).body,
    };
    expect(events.items.length).toBeGreaterThan(0);
    for (const [where, text] of Object.entries(evidence)) {
      for (const [what, value] of Object.entries(CANARY)) {
        // Also a fragment: a truncated key is still a leak.
        if (text.includes(value) || text.includes(value.slice(4, 16))) throw new Error(`${what} leaked into ${where}`);
      }
    }
  });
});
