// The operator against a real kube-apiserver + etcd: status, conditions, Events,
// policy changes, conflicts, restarts and metric series of deleted services.

import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { CloudSecurityPolicy, CloudService, CloudServiceSpec, Condition } from '../../operator/src/api/types.js';
import { KubeApi } from '../../operator/src/kube/api.js';
import { createTestNamespace, deleteTestNamespace, kubectl, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { grantAccount } from '../harness/services.js';
import type { InventorySource } from '../../operator/src/controller/gather.js';

/** These tests are about the Kubernetes side: no live account is read. */
const noLiveAccount: InventorySource = async () => ({
  ok: false,
  skipped: true,
  failure: { reason: 'LiveChecksDisabled', message: 'no live account in this test' },
});

const GROUP = 'cloudposture.io';
const VERSION = 'v1alpha1';
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');

/** The CloudAccount the services name, granted to the test's namespace (beforeEach). */
let accountName = '';

function serviceSpec(overrides: Partial<CloudServiceSpec> = {}): CloudServiceSpec {
  return {
    provider: 'aws',
    model: 'IaaS',
    owner: 'platform-team',
    criticality: 'high',
    classification: 'confidential',
    accountRef: { name: accountName },
    allowedRegions: ['eu-west-1'],
    sharedResponsibility: {
      areas: [
        { area: 'physical-security', owner: 'provider' },
        { area: 'network', owner: 'shared' },
        { area: 'virtualization', owner: 'provider' },
        { area: 'os-patching', owner: 'customer' },
        { area: 'middleware', owner: 'customer' },
        { area: 'application-security', owner: 'customer' },
        { area: 'identity-and-access', owner: 'customer' },
        { area: 'data', owner: 'customer' },
        { area: 'encryption-keys', owner: 'customer' },
        { area: 'logging-and-monitoring', owner: 'shared' },
        { area: 'backup', owner: 'customer' },
      ],
      signedOffBy: 'Head of IT',
      signedOffAt: daysAgo(30),
    },
    contract: {
      reference: 'CSA-2026-001',
      reviewedAt: daysAgo(20),
      auditRight: true,
      breachNotificationHours: 24,
      dataJurisdictions: ['EU'],
    },
    assurance: {
      reports: [{ type: 'SOC2-TypeII', issuer: 'EY', periodEnd: daysAgo(60), scope: { regions: ['eu-west-1'], services: ['EC2', 'S3'] } }],
      cuecs: [{ id: 'CUEC-1', description: 'Customer enables MFA', implemented: true }],
    },
    exitPlan: {
      document: 'https://wiki.example.com/exit/aws',
      alternatives: ['Azure', 'on-premises'],
      lastDryRun: daysAgo(40),
      dataExportVerified: true,
    },
    interval: '10m',
    ...overrides,
  };
}

describe('operator on a real control plane', () => {
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;
  let ns: string;
  let policyName: string;
  let operator: TestOperator | undefined;

  const getService = async (name: string) =>
    (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'cloudservices', name })) as CloudService;
  const createService = (name: string, spec: CloudServiceSpec) =>
    custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: 'cloudservices',
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'CloudService', metadata: { name }, spec },
    });
  const patchSpec = (name: string, patch: Record<string, unknown>) =>
    kubectl(['-n', ns, 'patch', 'cloudservice', name, '--type=merge', '-p', JSON.stringify({ spec: patch })]);
  const condition = (svc: CloudService, type: string): Condition | undefined => svc.status?.conditions?.find((c) => c.type === type);
  const waitForStatus = (name: string, predicate: (svc: CloudService) => boolean, description: string) =>
    waitFor(
      async () => {
        const svc = await getService(name);
        return predicate(svc) ? svc : undefined;
      },
      { timeoutMs: 20_000, description },
    );
  const startOperator = async () => {
    operator = await startTestOperator({ namespace: ns, env: { CLOUDPOSTURE_POLICY_NAME: policyName }, inventory: noLiveAccount });
    return operator;
  };

  beforeAll(async () => {
    kc = loadTestKubeConfig();
    custom = kc.makeApiClient(CustomObjectsApi);
    core = kc.makeApiClient(CoreV1Api);
    await installCrds();
  });

  beforeEach(async () => {
    ns = await createTestNamespace('operator');
    policyName = uniqueName('policy');
    accountName = (await grantAccount(kc, `${ns}.aws`, 'aws', { aws: { accountId: '123456789012' } }, [ns])).name;
  });

  afterEach(async () => {
    await operator?.stop();
    operator = undefined;
    await deleteTestNamespace(ns);
    await custom
      .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'cloudsecuritypolicies', name: policyName })
      .catch(() => undefined);
  });

  it('writes conditions, summary and observedGeneration within seconds of kubectl apply', async () => {
    await startOperator();
    const started = Date.now();
    await createService('payments', serviceSpec());
    const svc = await waitForStatus('payments', (s) => s.status?.observedGeneration === 1, 'status for generation 1');
    const applyToStatusMs = Date.now() - started;
    console.info(`kubectl apply -> status written: ${applyToStatusMs} ms`);

    const types = svc.status?.conditions?.map((c) => c.type) ?? [];
    for (const type of ['ResponsibilityDefined', 'ContractReviewed', 'AssuranceCurrent', 'ExitPlanReady', 'Compliant', 'Ready']) {
      expect(types).toContain(type);
    }
    for (const type of ['ContractReviewed', 'ExitPlanReady']) {
      expect(condition(svc, type)).toMatchObject({ status: 'True', observedGeneration: 1 });
    }
    // No live account in this test: families with a live side (the matrix backed by live
    // controls, the report scope vs regions in use) and the live controls are Unknown, not False.
    for (const type of ['ResponsibilityDefined', 'AssuranceCurrent', 'MFAEnforced', 'DataResidency']) {
      expect(condition(svc, type)).toMatchObject({ status: 'Unknown', observedGeneration: 1 });
    }
    expect(svc.status?.findings ?? []).toEqual([]);
    expect(condition(svc, 'Compliant')?.status).toBe('Unknown');
    expect(condition(svc, 'Ready')?.status).toBe('True');
    expect(svc.status?.lastCheckedAt).toBeDefined();

    // Events are recorded after the status write: wait for them rather than race them.
    const reasons = await waitFor(async () => {
      const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=payments' });
      const found = events.items.map((e) => e.reason);
      return found.includes('Evaluated') ? found : undefined;
    }, { description: 'the Evaluated Event' });
    expect(reasons).toContain('Evaluated');
  });

  it('a spec edit moves observedGeneration and flips exactly the right condition, with an Event', async () => {
    await startOperator();
    await createService('payments', serviceSpec());
    const before = await waitForStatus('payments', (s) => s.status?.observedGeneration === 1, 'first status');

    const patched = await patchSpec('payments', { contract: { auditRight: false } });
    expect(patched.code).toBe(0);
    const after = await waitForStatus('payments', (s) => s.status?.observedGeneration === 2, 'status for generation 2');

    expect(condition(after, 'ContractReviewed')).toMatchObject({ status: 'False', observedGeneration: 2 });
    for (const c of before.status?.conditions ?? []) {
      if (c.type === 'ContractReviewed' || c.type === 'Compliant') continue;
      const now = condition(after, c.type);
      expect({ type: c.type, status: now?.status, lastTransitionTime: now?.lastTransitionTime }).toEqual({
        type: c.type,
        status: c.status,
        lastTransitionTime: c.lastTransitionTime,
      });
    }
    expect(after.status?.findings?.some((f) => f.condition === 'ContractReviewed')).toBe(true);

    const events = await waitFor(async () => {
      const list = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=payments' });
      return list.items.find((e) => e.type === 'Warning' && e.message?.startsWith('ContractReviewed True -> False'));
    }, { description: 'a Warning Event for the ContractReviewed transition' });
    expect(events.reason).toBe(condition(after, 'ContractReviewed')?.reason);
  });

  it('a policy change re-evaluates every service', async () => {
    await startOperator();
    await createService('a', serviceSpec({ contract: { ...serviceSpec().contract!, breachNotificationHours: 48 } }));
    await createService('b', serviceSpec({ contract: { ...serviceSpec().contract!, breachNotificationHours: 36 } }));
    for (const name of ['a', 'b']) {
      await waitForStatus(name, (s) => condition(s, 'ContractReviewed')?.status === 'True', `${name} contract reviewed`);
    }
    const policy: CloudSecurityPolicy = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'CloudSecurityPolicy',
      metadata: { name: policyName },
      spec: { classifications: { confidential: { maxBreachNotificationHours: 24 } } },
    };
    await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural: 'cloudsecuritypolicies', body: policy });
    for (const name of ['a', 'b']) {
      const svc = await waitForStatus(name, (s) => condition(s, 'ContractReviewed')?.status === 'False', `${name} re-evaluated under the new policy`);
      expect(condition(svc, 'ContractReviewed')?.message).toMatch(/notification/i);
    }
  });

  it('restarting the operator changes no condition timestamps and writes no status', async () => {
    await startOperator();
    await createService('payments', serviceSpec());
    const before = await waitForStatus('payments', (s) => s.status?.observedGeneration === 1, 'first status');
    await operator!.stop();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a new second, so a rewrite would show
    operator = await startOperator();
    await waitFor(() => operator!.logs.some((l) => l.message === 'reconciled' && l.name === 'payments'), {
      description: 'the new operator reconciled the service',
    });
    const after = await getService('payments');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.status?.conditions).toEqual(before.status?.conditions);
  });

  it('handles a 409 on the status write by re-reading and deciding again', async () => {
    let conflicts = 0;
    operator = await startTestOperator({
      namespace: ns,
      env: { CLOUDPOSTURE_POLICY_NAME: policyName },
      inventory: noLiveAccount,
      api: (config, cfg) =>
        new (class extends KubeApi {
          override async patchServiceStatus(...args: Parameters<KubeApi['patchServiceStatus']>) {
            if (conflicts === 0) {
              conflicts++;
              // Someone else writes first: the operator's resourceVersion is now stale.
              await kubectl(['-n', args[0], 'label', 'cloudservice', args[1], 'touched=yes', '--overwrite']);
            }
            return super.patchServiceStatus(...args);
          }
        })(config, cfg.instanceName, cfg.kubeRequestTimeoutMs, cfg.operatorNamespace),
    });
    await createService('payments', serviceSpec());
    const svc = await waitForStatus('payments', (s) => s.status?.observedGeneration === 1, 'status despite a conflict');
    expect(conflicts).toBe(1);
    expect(svc.metadata.labels?.touched).toBe('yes');
    expect(operator.logs.some((l) => l.message === 'status conflict: re-reading')).toBe(true);
    expect(operator.logs.some((l) => l.level === 'error')).toBe(false);
  });

  it('logs one JSON line per reconcile with namespace, name, generation, duration and outcome', async () => {
    await startOperator();
    await createService('payments', serviceSpec());
    await waitForStatus('payments', (s) => s.status?.observedGeneration === 1, 'first status');
    const line = await waitFor(() => operator!.logs.find((l) => l.message === 'reconciled' && l.name === 'payments'));
    expect(line).toMatchObject({ namespace: ns, name: 'payments', generation: 1, level: 'info' });
    expect(typeof line.durationMs).toBe('number');
    expect(typeof line.outcome).toBe('string');
    expect(typeof line.reconcileID).toBe('string');
  });

  it('deleting a service removes its metric series', async () => {
    const op = await startOperator();
    await createService('payments', serviceSpec());
    await createService('keep', serviceSpec());
    await waitForStatus('payments', (s) => s.status?.observedGeneration === 1, 'first status');
    await waitForStatus('keep', (s) => s.status?.observedGeneration === 1, 'first status');
    await waitFor(async () => (await op.metrics.render()).body.includes(`service="payments"`), { description: 'series for payments' });
    await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'cloudservices', name: 'payments' });
    await waitFor(async () => !(await op.metrics.render()).body.includes(`service="payments"`), {
      description: 'series of the deleted service to disappear',
    });
    const { body } = await op.metrics.render();
    expect(body).toContain(`cloudposture_condition{namespace="${ns}",service="keep"`);
    expect(body).toMatch(/cloudposture_reconcile_total\{result="success"\} \d+/);
  });
});
