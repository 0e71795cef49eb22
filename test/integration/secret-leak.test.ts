// One recognisable value planted in every Secret (and ConfigMap) the operator can be
// pointed at, well-formed or not: the CloudAccounts' credentials Secrets (AWS and Azure,
// in the operator's namespace), a Pulumi Cloud token Secret, malformed Pulumi state in a
// Secret, a ConfigMap and an S3 object, and Secrets in the tenant's namespace without
// the opt-in label. The value then appears nowhere: not in any CloudService or
// CloudAccount status, not in the Events of either namespace, not in the operator's log
// lines, not in /metrics.
//
// The operator runs in-process; Pulumi Cloud is a loopback server (global fetch is
// pointed at it for api.pulumi.com only), Azure a closed port, AWS moto.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { CloudAccount, CloudService, CloudServiceSpec, PulumiStateRef } from '../../operator/src/api/types.js';
import { PULUMI_CLOUD_API } from '../../operator/src/iac/state-reader.js';
import { OPERATOR_READABLE_LABEL } from '../../operator/src/kube/api.js';
import { DEMO_ACCOUNT_ID, seedDemoAccount } from '../harness/aws-seed.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../harness/moto.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { condition, grantAccount, serviceClient, type TestAccount } from '../harness/services.js';
import { aSpec } from '../unit/builders.js';

const GROUP = { group: 'cloudposture.io', version: 'v1alpha1' };
/** Random per run; every planted value contains it (the AWS key id in upper case). */
const TOKEN = randomBytes(8).toString('hex');
const CANARY = `LEAK-CANARY-${TOKEN}`;
// Short values where a parser would quote them whole (V8 quotes a text of up to 20
// characters in full, else 10 characters either side of the mistake).
const PLANTED = {
  accessKeyId: `AKIA${TOKEN.toUpperCase()}`,
  secretAccessKey: `${CANARY}-aws-secret-access-key`,
  sessionToken: `${CANARY}-aws-session-token`,
  azureSecret: `${CANARY}-azure-client-secret`,
  pulumiToken: `pul-${TOKEN}`,
  password: `p${TOKEN}`,
};
/** What must appear nowhere: the canary's head, and any 10 characters of the token. */
const NEEDLES = ['leak-canar', ...Array.from({ length: TOKEN.length - 9 }, (_, i) => TOKEN.slice(i, i + 10))];
const readable = { [OPERATOR_READABLE_LABEL]: 'true' };
const STATE_BUCKET = 'leak-pulumi-state';
const STATE_KEY = '.pulumi/stacks/payments/prod.json';

describe('no secret leaks', () => {
  const kc = loadTestKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  let moto: MotoServer;
  let operatorNs: string;
  let tenantNs: string;
  let operator: TestOperator;
  let cloud: Server;
  const cloudRequests: IncomingHttpHeaders[] = [];
  const realFetch = globalThis.fetch;
  const accounts: string[] = [];
  const services = serviceClient(kc, () => tenantNs, 120_000);

  /** Grants a CloudAccount on `credentials` (a Secret in the operator's namespace) to the tenant. */
  async function account(suffix: string, provider: 'aws' | 'azure', credentials: string): Promise<string> {
    const name = `${tenantNs}.${suffix}`;
    const spec: TestAccount =
      provider === 'aws'
        ? { aws: { accountId: DEMO_ACCOUNT_ID, regions: ['eu-west-1'] }, credentialsSecretRef: { name: credentials } }
        : { azure: { tenantId: '00000000-0000-4000-8000-000000000001', subscriptionId: '00000000-0000-4000-8000-000000000002' }, credentialsSecretRef: { name: credentials } };
    await grantAccount(kc, name, provider, spec, [tenantNs]);
    accounts.push(name);
    return name;
  }

  const secret = (namespace: string, name: string, stringData: Record<string, string>, labels?: Record<string, string>) =>
    core.createNamespacedSecret({ namespace, body: { metadata: { name, ...(labels ? { labels } : {}) }, stringData } });

  beforeAll(async () => {
    await installCrds();
    moto = await startMoto();
    await seedDemoAccount(moto.endpoint);
    const s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: MOTO_CREDENTIALS, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: STATE_BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY, Body: `{"version": 3, "deployment": ${CANARY}}` }));
    s3.destroy();

    // Pulumi Cloud: records the Authorization header, answers with the token as the body.
    cloud = createServer((req, res) => {
      cloudRequests.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end((req.headers.authorization ?? '').replace(/^token /, ''));
    });
    await new Promise<void>((resolve) => cloud.listen(0, '127.0.0.1', resolve));
    const cloudUrl = `http://127.0.0.1:${(cloud.address() as AddressInfo).port}`;
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      return realFetch(url.startsWith(PULUMI_CLOUD_API) ? cloudUrl + url.slice(PULUMI_CLOUD_API.length) : input, init);
    }) as typeof fetch;

    operatorNs = await createTestNamespace('leak-operator');
    tenantNs = await createTestNamespace('leak-tenant');
    // The operator's namespace: the CloudAccounts' credentials, well-formed and not.
    await secret(operatorNs, 'aws-keys', { AWS_ACCESS_KEY_ID: PLANTED.accessKeyId, AWS_SECRET_ACCESS_KEY: PLANTED.secretAccessKey, AWS_SESSION_TOKEN: PLANTED.sessionToken });
    await secret(operatorNs, 'aws-keys-malformed', { AWS_SECRET_ACCESS_KEY: PLANTED.secretAccessKey, [`${CANARY}-key`]: CANARY });
    await secret(operatorNs, 'azure-keys', { AZURE_CLIENT_ID: '11111111-2222-4333-8444-555555555555', AZURE_CLIENT_SECRET: PLANTED.azureSecret });
    await secret(operatorNs, 'azure-keys-malformed', { AZURE_CLIENT_SECRET: PLANTED.azureSecret, AZURE_CLIENT_ID: `${CANARY} is not a client id` });
    // The tenant's namespace: Pulumi state and token, labelled for the operator and not.
    await secret(tenantNs, 'state-malformed', { 'prod.json': PLANTED.password }, readable);
    await secret(tenantNs, 'state-unlabelled', { 'prod.json': `{"version": 3, "deployment": {"resources": []}, "note": "${CANARY}"}`, [`${CANARY}-key`]: CANARY });
    await secret(tenantNs, 'pulumi-token', { token: PLANTED.pulumiToken }, readable);
    await secret(tenantNs, 'pulumi-token-unlabelled', { token: PLANTED.pulumiToken });
    await core.createNamespacedConfigMap({ namespace: tenantNs, body: { metadata: { name: 'state-malformed' }, data: { 'prod.json': `{"resources": [${CANARY}]}` } } });

    operator = await startTestOperator({
      namespace: operatorNs,
      env: {
        CLOUDPOSTURE_WATCH_NAMESPACE: tenantNs,
        CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint,
        CLOUDPOSTURE_POLICY_NAME: uniqueName('policy'),
        // Azure is a closed port: the failure path must not leak either.
        CLOUDPOSTURE_AZURE_RESOURCE_MANAGER_ENDPOINT: 'https://127.0.0.1:9',
        CLOUDPOSTURE_AZURE_GRAPH_ENDPOINT: 'https://127.0.0.1:9',
      },
    });
  }, 240_000);

  afterAll(async () => {
    globalThis.fetch = realFetch;
    await operator?.stop();
    await moto?.stop();
    await new Promise<void>((resolve) => (cloud ? cloud.close(() => resolve()) : resolve()));
    for (const name of accounts) await custom.deleteClusterCustomObject({ ...GROUP, plural: 'cloudaccounts', name }).catch(() => undefined);
    for (const ns of [tenantNs, operatorNs]) if (ns) await deleteTestNamespace(ns);
  });

  it('keeps every planted value out of status, Events, logs and metrics', async () => {
    const awsOk = await account('aws', 'aws', 'aws-keys');
    const awsBad = await account('aws-malformed', 'aws', 'aws-keys-malformed');
    const azureOk = await account('azure', 'azure', 'azure-keys');
    const azureBad = await account('azure-malformed', 'azure', 'azure-keys-malformed');
    const s3State: PulumiStateRef = { stack: 'prod', s3: { bucket: STATE_BUCKET, key: STATE_KEY, region: 'us-east-1' } };
    const cloudState = (token: string): PulumiStateRef => ({
      stack: 'acme/payments/prod',
      pulumiCloud: { organization: 'acme', project: 'payments', tokenSecretRef: { name: token, key: 'token' } },
    });
    const aws = (accountName: string, pulumi?: PulumiStateRef): CloudServiceSpec =>
      aSpec({ accountRef: { name: accountName }, allowedRegions: ['eu-west-1'], ...(pulumi ? { iac: { pulumi } } : {}) });
    const azure = (accountName: string): CloudServiceSpec => aSpec({ provider: 'azure', accountRef: { name: accountName }, allowedRegions: ['westeurope'] });
    // name -> spec, and the InSync reason the declared state must end with (undefined: no spec.iac).
    const cases: Array<[string, CloudServiceSpec, string | undefined]> = [
      ['aws-svc', aws(awsOk, s3State), 'StateInvalid'],
      // The account's credentials cannot be used: the S3 state is not read with the operator's identity instead.
      ['aws-malformed', aws(awsBad, s3State), 'CredentialsMissing'],
      ['azure-svc', azure(azureOk), undefined],
      ['azure-malformed', azure(azureBad), undefined],
      ['state-in-secret', aws(awsOk, { stack: 'prod', secretRef: { name: 'state-malformed', key: 'prod.json' } }), 'StateInvalid'],
      ['state-in-configmap', aws(awsOk, { stack: 'prod', configMapRef: { name: 'state-malformed', key: 'prod.json' } }), 'StateInvalid'],
      ['state-unlabelled', aws(awsOk, { stack: 'prod', secretRef: { name: 'state-unlabelled', key: 'prod.json' } }), 'SecretNotPermitted'],
      ['pulumi-cloud', aws(awsOk, cloudState('pulumi-token')), 'StateInvalid'],
      ['pulumi-cloud-unlabelled', aws(awsOk, cloudState('pulumi-token-unlabelled')), 'SecretNotPermitted'],
    ];
    for (const [name, spec] of cases) await services.create(name, spec);
    const reconciled: CloudService[] = [];
    for (const [name, , inSync] of cases) {
      reconciled.push(
        await services.reconciled(name, {
          ready: (s) => condition(s, 'Ready') !== undefined && (inSync === undefined || condition(s, 'InSync')?.reason === inSync),
          description: `${name} reconciled${inSync ? ` with InSync ${inSync}` : ''}`,
        }),
      );
    }

    // The searched text really holds the operator's work with the planted values.
    const byName = (name: string) => reconciled.find((s) => s.metadata.name === name) as CloudService;
    expect(condition(byName('aws-svc'), 'Ready')?.status).toBe('True'); // read with the planted keys (moto takes any)
    expect(byName('aws-svc').status?.findings?.length).toBeGreaterThan(0);
    expect(condition(byName('aws-svc'), 'InSync')?.message).toMatch(/not valid JSON: unexpected character at line 1, column 30 \(byte 29\)/);
    expect(condition(byName('aws-malformed'), 'Ready')?.status).toBe('False');
    expect(condition(byName('azure-svc'), 'Ready')?.status).toBe('False');
    expect(cloudRequests.map((h) => h.authorization)).toContain(`token ${PLANTED.pulumiToken}`); // the token Secret was read and used
    for (const name of cases.map(([n]) => n)) {
      await waitFor(() => operator.logs.some((l) => l.message === 'reconciled' && l.name === name), { description: `${name}'s reconcile log line` });
    }
    const accountStatus = await Promise.all(
      [awsOk, awsBad, azureOk, azureBad].map((name) =>
        waitFor(async () => {
          const got = (await custom.getClusterCustomObject({ ...GROUP, plural: 'cloudaccounts', name })) as CloudAccount;
          return got.status?.conditions?.some((c) => c.type === 'Ready') ? got.status : undefined;
        }, { description: `${name} Ready` }),
      ),
    );
    const events = [...(await core.listNamespacedEvent({ namespace: tenantNs })).items, ...(await core.listNamespacedEvent({ namespace: operatorNs })).items];
    expect(events.length).toBeGreaterThan(0);
    const evidence: Record<string, string> = {
      'CloudService status': JSON.stringify(reconciled.map((s) => s.status)),
      'CloudAccount status': JSON.stringify(accountStatus),
      Events: JSON.stringify(events),
      logs: JSON.stringify(operator.logs),
      metrics: (await operator.metrics.render()).body,
    };
    for (const [where, text] of Object.entries(evidence)) {
      // Case-insensitive: the AWS key id carries the token in upper case.
      const lower = text.toLowerCase();
      for (const needle of NEEDLES) {
        const at = lower.indexOf(needle);
        if (at !== -1) throw new Error(`a planted value leaked into ${where}: ...${text.slice(Math.max(0, at - 120), at + 40)}...`);
      }
    }
  });
});
