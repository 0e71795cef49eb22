// ProviderAccessControlled ("control over the landlord", checklist step 9, issue 15)
// through the operator on the real control plane: Azure services against the local
// Resource Manager / Graph server, which serves two tenants (one opted in to Customer
// Lockbox with a request left to expire, one not opted in), and an AWS service against
// moto. Status, findings and the one LockboxRequestNotControlled Event per finding,
// however often the service is reconciled; an acknowledgement clears the finding; AWS
// has no customer lockbox, so without a provider attestation the family is Unknown.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CoreV1Api } from '@kubernetes/client-node';
import type { CloudService, CloudServiceSpec } from '../../operator/src/api/types.js';
import { SeedClients, createReadRole } from '../harness/aws-seed.js';
import { ROLE, emptyFixture, user, userRoleAssignment, uuidFor, type AzureFixture } from '../harness/azure-mock/fixture.js';
import { withLockbox, type StandardLockbox } from '../harness/azure-mock/lockbox-fixture.js';
import { CLIENT_ID, CLIENT_SECRET, SUBSCRIPTION_ID, TENANT_ID, compliantFixture } from '../harness/azure-mock/scenarios.js';
import { startAzureMock, type AzureMock } from '../harness/azure-mock/server.js';
import { trustCaInProcess } from '../harness/azure-mock/trust.js';
import { createTestNamespace, deleteTestNamespace, kubectlOk, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../harness/moto.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { condition, serviceClient } from '../harness/services.js';
import { onAccount } from '../harness/test-specs.js';
import { aSpec } from '../unit/builders.js';

const FAMILY = 'ProviderAccessControlled';
const ALERT = 'LockboxRequestNotControlled';
/** Who answers Lockbox requests in the opted-in tenant (spec.providerAccess.lockboxApprovers). */
const APPROVER = user('security.officer@contoso.example', { admin: true });
const APPROVER_UPN = String(APPROVER.userPrincipalName);

/** A second tenant that never turned Customer Lockbox on. */
const OFF = {
  tenantId: uuidFor('provider-access:lockbox-off-tenant'),
  subscriptionId: uuidFor('provider-access:lockbox-off-subscription'),
  clientId: uuidFor('provider-access:lockbox-off-client'),
  clientSecret: 'lockbox-off-client-secret-0123456789',
  admin: 'admin@fabrikam.example',
};
/** An AWS account in moto with the operator's read role and nothing else. */
const AWS_ACCOUNT_ID = '444455556666';

function lockboxTenant(): { fixture: AzureFixture; ids: StandardLockbox } {
  const f = compliantFixture();
  f.users.push(APPROVER);
  return withLockbox(f, { optedIn: true, approver: APPROVER });
}

function lockboxOffTenant(): AzureFixture {
  const f = emptyFixture(OFF.tenantId, OFF.subscriptionId, [{ clientId: OFF.clientId, clientSecret: OFF.clientSecret }]);
  const admin = user(OFF.admin, { admin: true });
  f.users = [admin];
  f.roleAssignments = [userRoleAssignment(admin, ROLE.globalAdministrator)];
  f.lockbox = { optedIn: false, requests: [] };
  return f;
}

describe('ProviderAccessControlled through the operator (Azure Customer Lockbox, AWS attestation)', () => {
  const kc = loadTestKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const saved = { ...process.env };
  let dir = '';
  let azure: AzureMock | undefined;
  let moto: MotoServer | undefined;
  let ns = '';
  let operator: TestOperator | undefined;
  let ids: StandardLockbox;
  let awsRoleArn = '';
  const { create, get, reconciled } = serviceClient(kc, () => ns, 90_000);

  /** Events of `name` with `reason`, oldest first. */
  async function eventsOf(name: string, reason: string) {
    const list = await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name},reason=${reason}` });
    return list.items;
  }

  /** The operator's log lines for finished reconciles of `name`. */
  const reconcilesOf = (name: string) => (operator?.logs ?? []).filter((l) => l.message === 'reconciled' && l.name === name && l.namespace === ns);

  /**
   * The service once the operator finished the reconcile of its current generation: status
   * written for it, and the reconcile's log line (written after its Events) seen.
   */
  async function settled(name: string, ready: (svc: CloudService) => boolean, description: string): Promise<CloudService> {
    const svc = await reconciled(name, { ready, description });
    await waitFor(async () => reconcilesOf(name).some((l) => l.generation === svc.metadata.generation) || undefined, {
      timeoutMs: 20_000,
      description: `${name}: the reconcile of generation ${svc.metadata.generation} finished`,
    });
    return svc;
  }

  const patchSpec = (name: string, spec: Partial<CloudServiceSpec>) =>
    kubectlOk(['-n', ns, 'patch', 'cloudservice', name, '--type=merge', '-p', JSON.stringify({ spec })]);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cloudposture-provider-access-'));
    const opted = lockboxTenant();
    ids = opted.ids;
    azure = await startAzureMock({ dir, fixture: opted.fixture, tenants: [lockboxOffTenant()] });
    trustCaInProcess(azure.caPem);
    moto = await startMoto();
    awsRoleArn = await createReadRole(new SeedClients(moto.endpoint, AWS_ACCOUNT_ID));
    // The operator's own identities (what IRSA / workload identity would give it in a cluster).
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = 'eu-west-1';
    process.env.AZURE_AUTHORITY_HOST = azure.loginUrl;
    await installCrds();
    ns = await createTestNamespace('provider-access');
    for (const [name, clientId, secret] of [
      ['azure-lockbox', CLIENT_ID, CLIENT_SECRET],
      ['azure-lockbox-off', OFF.clientId, OFF.clientSecret],
    ] as const) {
      await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, stringData: { AZURE_CLIENT_ID: clientId, AZURE_CLIENT_SECRET: secret } } });
    }
    operator = await startTestOperator({
      namespace: ns,
      env: {
        CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint,
        CLOUDPOSTURE_AZURE_RESOURCE_MANAGER_ENDPOINT: azure.armUrl,
        CLOUDPOSTURE_AZURE_GRAPH_ENDPOINT: azure.graphUrl,
        // No such policy: the built-in defaults (confidential: evidence current for 365 days).
        CLOUDPOSTURE_POLICY_NAME: uniqueName('nopolicy'),
      },
    });
  }, 180_000);

  afterAll(async () => {
    await operator?.stop();
    if (ns) await deleteTestNamespace(ns);
    await moto?.stop();
    await azure?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    process.env = saved;
  });

  /** An Azure SaaS service on a tenant, its Lockbox answered by `approvers`. */
  const azureSpec = (secret: string, tenantId: string, subscriptionId: string, approvers: string[]) =>
    onAccount(
      aSpec({
        provider: 'azure',
        model: 'SaaS',
        allowedRegions: ['westeurope', 'northeurope'],
        logVault: undefined,
        breakGlassIdentities: [],
        providerAccess: { lockboxApprovers: approvers },
      }),
      { azure: { tenantId, subscriptionId }, credentialsSecretRef: { name: secret } },
    );

  it('an Expired Lockbox request nobody answered: False naming the request, one Warning Event however often it is reconciled, True once acknowledged', async () => {
    await create('m365', azureSpec('azure-lockbox', TENANT_ID, SUBSCRIPTION_ID, [APPROVER_UPN]));
    const svc = await settled('m365', (s) => s.status?.providerAccess?.lockboxRequests !== undefined, 'm365: status.providerAccess from the tenant');
    expect(condition(svc, 'Ready')).toMatchObject({ status: 'True' });
    const family = condition(svc, FAMILY);
    expect(family).toMatchObject({ status: 'False', reason: ALERT, observedGeneration: svc.metadata.generation });
    expect(family?.message).toContain(ids.expiredId);
    expect(family?.message).toContain('expired without an answer');
    // One finding, on the expired request: the pending one still waits for an answer, the
    // approved one was answered by the declared approver, the old one is outside the 90 days.
    const findings = (svc.status?.findings ?? []).filter((f) => f.condition === FAMILY);
    expect(findings.map((f) => [f.control, f.resource])).toEqual([['A523-09-LOCKBOX-REQUESTS-ANSWERED', ids.expiredId]]);
    expect(findings[0]?.message).toMatch(new RegExp(`^Customer Lockbox request ${ids.expiredId} to \\S+/storageAccounts/appdata created \\S+ \\(support case \\S+\\): expired without an answer`));
    const pa = svc.status?.providerAccess;
    expect(pa?.lockboxOptedIn).toBe(true);
    expect(pa?.lockboxRequests?.map((r) => [r.id, r.status, r.answeredBy, r.finding === undefined ? 'ok' : 'finding'])).toEqual([
      [ids.pendingId, 'Pending', undefined, 'ok'],
      [ids.expiredId, 'Expired', undefined, 'finding'],
      [ids.approvedId, 'Approved', APPROVER_UPN, 'ok'],
    ]);

    const first = await eventsOf('m365', ALERT);
    expect(first.map((e) => [e.type, e.action, e.count])).toEqual([['Warning', 'Detect', 1]]);
    expect(first[0]?.message).toContain(ids.expiredId);
    expect(first[0]?.involvedObject).toMatchObject({ kind: 'CloudService', name: 'm365', uid: svc.metadata.uid });

    // Two more reconciles that write status (a spec change each: a new observedGeneration),
    // reading the same expired request: it is announced already.
    const writtenBefore = reconcilesOf('m365').filter((l) => l.statusWritten === true).length;
    for (const owner of ['workplace-it', 'workplace-platform']) {
      await patchSpec('m365', { owner });
      const again = await settled('m365', (s) => s.spec.owner === owner, `m365: reconciled after the owner became ${owner}`);
      expect(condition(again, FAMILY)).toMatchObject({ status: 'False', reason: ALERT, observedGeneration: again.metadata.generation });
    }
    expect(reconcilesOf('m365').filter((l) => l.statusWritten === true).length).toBeGreaterThanOrEqual(writtenBefore + 2);
    expect((await eventsOf('m365', ALERT)).map((e) => e.metadata?.name)).toEqual(first.map((e) => e.metadata?.name));

    // The request reviewed and acknowledged as a change record is: the family is True again.
    await patchSpec('m365', {
      changeManagement: {
        acknowledgements: [{ changeId: ids.expiredId, reference: 'https://tickets.example.com/LBX-17', acknowledgedBy: APPROVER_UPN }],
      },
    });
    const acked = await settled('m365', (s) => condition(s, FAMILY)?.status === 'True', `m365: ${FAMILY} True after the acknowledgement`);
    expect(condition(acked, FAMILY)).toMatchObject({ status: 'True', observedGeneration: acked.metadata.generation });
    expect(condition(acked, FAMILY)?.message).toContain('1 reviewed and acknowledged');
    expect((acked.status?.findings ?? []).filter((f) => f.condition === FAMILY)).toEqual([]);
    // Still shown, with its finding, as acknowledged.
    expect(acked.status?.providerAccess?.lockboxRequests?.find((r) => r.id === ids.expiredId)).toMatchObject({ finding: expect.stringContaining('expired'), acknowledged: true });
    expect((await eventsOf('m365', ALERT)).map((e) => e.metadata?.name)).toEqual(first.map((e) => e.metadata?.name));
  });

  it('a tenant that never turned Customer Lockbox on: False with the LOCKBOX-ENABLED finding, and no request alert', async () => {
    await create('lockbox-off', azureSpec('azure-lockbox-off', OFF.tenantId, OFF.subscriptionId, [OFF.admin]));
    const svc = await settled('lockbox-off', (s) => s.status?.providerAccess?.lockboxOptedIn !== undefined, 'lockbox-off: status.providerAccess from the tenant');
    expect(condition(svc, FAMILY)).toMatchObject({ status: 'False', reason: 'LockboxNotEnabled' });
    expect(condition(svc, FAMILY)?.message).toContain('Customer Lockbox is off for the tenant');
    expect((svc.status?.findings ?? []).filter((f) => f.condition === FAMILY).map((f) => f.control)).toEqual(['A523-09-LOCKBOX-ENABLED']);
    expect(svc.status?.providerAccess).toEqual({ lockboxOptedIn: false, lockboxRequests: [] });
    expect(await eventsOf('lockbox-off', ALERT)).toEqual([]);
  });

  it('AWS has no customer lockbox: Unknown (never False) without a provider attestation, True with a current one', async () => {
    await create(
      'aws-payments',
      onAccount(aSpec({ allowedRegions: ['eu-west-1'], breakGlassIdentities: [], providerAccess: undefined }), {
        aws: { accountId: AWS_ACCOUNT_ID, roleArn: awsRoleArn, regions: ['eu-west-1'] },
      }),
    );
    const svc = await settled('aws-payments', (s) => condition(s, 'Ready')?.status === 'True', 'aws-payments: read from moto');
    const family = condition(svc, FAMILY);
    expect(family).toMatchObject({ status: 'Unknown', reason: 'ProviderAttestationMissing' });
    expect(family?.message).toMatch(/^AWS has no customer lockbox: .*no provider attestation is declared \(spec\.providerAccess\.attestation\)/);
    // What could be observed is said: moto's account has no AWS Support role.
    expect(family?.message).toContain('the account has no AWS Support role');
    expect((svc.status?.findings ?? []).filter((f) => f.condition === FAMILY)).toEqual([]);

    const reviewedAt = new Date(Date.now() - 30 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await patchSpec('aws-payments', {
      providerAccess: {
        attestation: {
          reference: 'AWS Artifact, SOC 2 Type II report, logical access controls over AWS personnel (CC6.1-CC6.3)',
          reviewedAt,
          reviewedBy: 'ciso@example.com',
        },
      },
    });
    const attested = await settled('aws-payments', (s) => condition(s, FAMILY)?.status !== 'Unknown', `aws-payments: ${FAMILY} decided with the attestation`);
    expect(condition(attested, FAMILY)).toMatchObject({ status: 'True', observedGeneration: attested.metadata.generation });
    expect(condition(attested, FAMILY)?.message).toContain(`Provider access attestation AWS Artifact, SOC 2 Type II report, logical access controls over AWS personnel (CC6.1-CC6.3) reviewed ${reviewedAt.slice(0, 10)}`);
    expect(await eventsOf('aws-payments', ALERT)).toEqual([]);
    expect((await get('aws-payments')).status?.providerAccess?.lockboxRequests).toBeUndefined();
  });
});
