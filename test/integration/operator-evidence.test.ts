// The evidence wiring end to end: the operator running in-process against the test
// control plane and moto, reading CloudTrail log files delivered to S3 (seeded in the
// documented layout by test/harness/cloudtrail-logs.ts) into status.changes /
// status.changeLog and ChangesTracked, raising one BreakGlassUsed Event and counter
// increment per break-glass record, and running the exit drill over moto's S3 into
// status.exitDrill, ExitPlanReady and the last-success gauge. The module-level
// behaviour is tested in changes.test.ts and exitdrill.test.ts; this file proves the
// reconciler carries it to the API server and the metrics.

import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { CloudAccount, CloudService, CloudServiceSpec } from '../../operator/src/api/types.js';
import { createTargetResolver } from '../../operator/src/controller/account-target.js';
import { createSources } from '../../operator/src/controller/sources.js';
import { ServiceReconciler } from '../../operator/src/controller/service-reconciler.js';
import { KubeApi } from '../../operator/src/kube/api.js';
import { createLogger } from '../../operator/src/log.js';
import { OperatorMetrics } from '../../operator/src/metrics.js';
import { SeedClients, createBucket, createTrail } from '../harness/aws-seed.js';
import { assumedRole, consoleLogin, ctEvent, iamUser, seedCloudTrailLogs, type CloudTrailRecord } from '../harness/cloudtrail-logs.js';
import { createTestNamespace, deleteTestNamespace, kubectlOk, loadTestKubeConfig, uniqueName, waitFor } from '../harness/kube.js';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_ACCOUNT_ID, startMoto, type MotoServer } from '../harness/moto.js';
import { installCrds, startTestOperator, type TestOperator } from '../harness/operator.js';
import { condition, resolveTestSpec, serviceClient, type TestServiceSpec } from '../harness/services.js';
import { onAccount } from '../harness/test-specs.js';
import { aSpec } from '../unit/builders.js';

const GROUP = 'cloudposture.io';
const VERSION = 'v1alpha1';
const ACCOUNT = MOTO_DEFAULT_ACCOUNT_ID;
const REGION = 'eu-west-1';

/** Whole seconds, as CloudTrail writes eventTime (and status.changes keeps it). */
const minutesAgo = (m: number): Date => new Date(Math.floor((Date.now() - m * 60_000) / 1000) * 1000);
const rfc3339 = (at: Date): string => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('operator evidence wiring against moto (change log, break-glass, exit drill)', () => {
  const kc = loadTestKubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  let moto: MotoServer;
  let seed: SeedClients;
  let ns: string;
  let operator: TestOperator;
  const saved = { ...process.env };

  const { create, get, reconciled } = serviceClient(kc, () => ns, 45_000);
  const cond = condition;
  const reconcileCount = (name: string) => operator.logs.filter((l) => l.message === 'reconciled' && l.name === name).length;
  /** Touches a label (no new generation) and waits until the operator reconciled the service again. */
  const touch = async (name: string) => {
    const before = reconcileCount(name);
    await kubectlOk(['-n', ns, 'label', 'cloudservice', name, `touched=${Date.now().toString(36)}`, '--overwrite']);
    await waitFor(() => reconcileCount(name) > before, { timeoutMs: 30_000, description: `${name} reconciled after the label touch` });
  };
  const series = async (metric: string, name: string) => {
    const { body } = await operator.metrics.render();
    return body.split('\n').filter((l) => l.startsWith(`${metric}{`) && l.includes(`namespace="${ns}"`) && l.includes(`service="${name}"`));
  };
  /**
   * Waits until the metrics show the service's `type` condition at `status`: the status
   * GET can see a write before the operator has published the metrics of that reconcile.
   */
  const published = (name: string, type: string, status: string) =>
    waitFor(
      async () =>
        (await series('cloudposture_condition', name)).some((l) => l.includes(`type="${type}"`) && l.includes(`status="${status}"`) && l.endsWith(' 1')),
      { timeoutMs: 15_000, description: `${name}: ${type}=${status} in the metrics` },
    );
  const breakGlassEvents = async (name: string) =>
    (await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` })).items.filter((e) => e.reason === 'BreakGlassUsed');
  /** One CloudTrail log file in eu-west-1 (or `region`) per call. */
  const deliver = async (bucket: string, files: Array<{ at: Date; records: CloudTrailRecord[]; region?: string }>, createIt = false) =>
    seedCloudTrailLogs(seed.s3(REGION), {
      bucket,
      accountId: ACCOUNT,
      createBucket: createIt,
      bucketRegion: REGION,
      files: files.map((f) => ({ region: f.region ?? REGION, at: f.at, records: f.records })),
    });
  /** The default account, collected in eu-west-1 only, everything else a compliant aSpec with a current dry run. */
  const specFor = (overrides: Partial<CloudServiceSpec> = {}): TestServiceSpec =>
    onAccount(
      aSpec({
        allowedRegions: [REGION],
        breakGlassIdentities: [],
        exitPlan: {
          document: 'https://wiki.example.com/exit/aws',
          alternatives: ['azure'],
          lastDryRun: new Date(Date.now() - 30 * 86_400_000).toISOString(),
          dataExportVerified: true,
        },
        ...overrides,
      }),
      { aws: { accountId: ACCOUNT, regions: [REGION] } },
    );

  beforeAll(async () => {
    moto = await startMoto();
    seed = new SeedClients(moto.endpoint, ACCOUNT);
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = 'us-east-1';
    await installCrds();
    ns = await createTestNamespace('evidence');
    operator = await startTestOperator({
      namespace: ns,
      env: { CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint, CLOUDPOSTURE_POLICY_NAME: uniqueName('policy') },
    });
  }, 120_000);

  afterAll(async () => {
    await operator?.stop();
    await moto?.stop();
    if (ns) await deleteTestNamespace(ns);
    process.env = saved;
  });

  it('change log from the trail bucket: an out-of-band change is False until acknowledged', async () => {
    // The account's own multi-region trail delivers to this bucket; no log vault and no
    // logSource, so the reader must find the bucket through the collected trail.
    const bucket = uniqueName('ct-logs');
    await createBucket(seed, bucket, REGION);
    await createTrail(seed, REGION, uniqueName('trail'), bucket, { multiRegion: true, logging: true });
    const deployRole = `gitops-deploy-${randomUUID().slice(0, 8)}`;
    const deployer = `arn:aws:iam::${ACCOUNT}:role/${deployRole}`;
    const deployId = `deploy-${randomUUID()}`;
    const manualId = `manual-${randomUUID()}`;
    const deployAt = minutesAgo(95);
    const manualAt = minutesAgo(62);
    await deliver(bucket, [
      {
        at: minutesAgo(90),
        records: [
          ctEvent({ eventName: 'AuthorizeSecurityGroupIngress', identity: assumedRole(ACCOUNT, deployRole, 'run-41'), at: deployAt, requestParameters: { groupId: 'sg-app' }, eventID: deployId }),
          ctEvent({ eventName: 'DescribeInstances', identity: iamUser(ACCOUNT, 'alice'), at: deployAt, eventID: `read-${randomUUID()}` }),
        ],
      },
      {
        at: minutesAgo(60),
        records: [
          ctEvent({
            eventName: 'AuthorizeSecurityGroupIngress',
            identity: iamUser(ACCOUNT, 'alice'),
            at: manualAt,
            requestParameters: { groupId: 'sg-db', ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] } },
            eventID: manualId,
          }),
        ],
      },
    ]);

    const spec = specFor({ changeManagement: { deployerPrincipals: [deployer] } });
    delete spec.logVault;
    await create('changes', spec);
    const svc = await reconciled('changes', { ready: (s) => cond(s, 'ChangesTracked')?.status === 'False', description: 'changes: ChangesTracked False' });
    expect(cond(svc, 'ChangesTracked')).toMatchObject({ status: 'False', reason: 'OutOfBandChanges' });
    expect(cond(svc, 'ChangesTracked')?.message).toContain(`AuthorizeSecurityGroupIngress by arn:aws:iam::${ACCOUNT}:user/alice`);
    expect(svc.status?.changes).toEqual([
      {
        id: manualId,
        time: rfc3339(manualAt),
        actor: `arn:aws:iam::${ACCOUNT}:user/alice`,
        action: 'AuthorizeSecurityGroupIngress',
        kind: 'network-change',
        resource: 'sg-db',
        region: REGION,
        tracked: false,
        acknowledged: false,
      },
      {
        id: deployId,
        time: rfc3339(deployAt),
        actor: `arn:aws:sts::${ACCOUNT}:assumed-role/${deployRole}/run-41`,
        principal: deployer,
        action: 'AuthorizeSecurityGroupIngress',
        kind: 'network-change',
        resource: 'sg-app',
        region: REGION,
        tracked: true,
        acknowledged: false,
      },
    ]);
    expect(svc.status?.changeLog).toMatchObject({ source: `s3://${bucket}/AWSLogs/${ACCOUNT}/CloudTrail/`, filesRead: 2, complete: true });
    const readUntil = Date.parse(svc.status?.changeLog?.readUntil ?? '');
    expect(readUntil).toBeGreaterThan(Date.now() - 20 * 60_000); // now - 15 min overlap at the read
    expect(readUntil).toBeLessThan(Date.now());
    const findings = (svc.status?.findings ?? []).filter((f) => f.control === 'A523-10-NETWORK-CHANGES-TRACKED');
    expect(findings.map((f) => f.resource)).toEqual(['sg-db']);

    // The review is recorded in the spec: a new generation, and ChangesTracked True from
    // the records kept in status (the files are behind the watermark now, not re-read).
    const reference = 'https://jira.example.com/CHG-4711';
    await kubectlOk([
      '-n', ns, 'patch', 'cloudservice', 'changes', '--type=merge',
      '-p', JSON.stringify({ spec: { changeManagement: { acknowledgements: [{ changeId: manualId, reference, acknowledgedBy: 'jane.doe@example.com' }] } } }),
    ]);
    const acked = await reconciled('changes', {
      ready: (s) => (s.metadata.generation ?? 0) > (svc.metadata.generation ?? 0) && cond(s, 'ChangesTracked')?.status === 'True',
      description: 'changes: ChangesTracked True after the acknowledgement',
    });
    // Family reason: both controls pass with different reasons (ChangesTracked, NoBreakGlassDeclared).
    expect(cond(acked, 'ChangesTracked')).toMatchObject({ status: 'True', reason: 'AllControlsPass', observedGeneration: acked.metadata.generation });
    expect(cond(acked, 'ChangesTracked')?.message).toContain('2 network changes: 1 by the declared deployer, 1 acknowledged with a change record');
    expect(acked.status?.changes?.map((c) => [c.id, c.tracked, c.acknowledged, c.reference ?? null])).toEqual([
      [manualId, false, true, reference],
      [deployId, true, false, null],
    ]);
    expect(acked.status?.changeLog?.filesRead).toBe(0); // judged from status.changes, not from a re-read
    expect((acked.status?.findings ?? []).filter((f) => f.condition === 'ChangesTracked')).toEqual([]);
    expect(await series('cloudposture_breakglass_use_total', 'changes')).toEqual([]);
  });

  it('break-glass: one Warning Event and one counter increment per record, never again for the same record', async () => {
    const bucket = uniqueName('bg-vault');
    const identity = `breakglass-${randomUUID().slice(0, 8)}`;
    const firstId = `bg-login-${randomUUID()}`;
    // Named 5 minutes ago: inside the reader's 15-minute overlap, so every later pass reads it again.
    await deliver(bucket, [{ at: minutesAgo(5), region: 'us-east-1', records: [consoleLogin(iamUser(ACCOUNT, identity), minutesAgo(6), true, firstId)] }], true);
    await create(
      'breakglass',
      specFor({ breakGlassIdentities: [identity], changeManagement: { logSource: { bucket, region: REGION } } }),
    );
    const svc = await reconciled('breakglass', { ready: (s) => (s.status?.changes ?? []).length > 0, description: 'breakglass: the use in status.changes' });
    expect(svc.status?.changes).toEqual([
      expect.objectContaining({ id: firstId, action: 'ConsoleLogin', kind: 'sign-in', breakGlass: true, tracked: false, acknowledged: false, actor: `arn:aws:iam::${ACCOUNT}:user/${identity}` }),
    ]);
    expect(cond(svc, 'ChangesTracked')?.status).toBe('False');
    const finding = (svc.status?.findings ?? []).find((f) => f.control === 'A523-08-BREAK-GLASS-USED');
    expect(finding).toMatchObject({ condition: 'ChangesTracked', resource: `arn:aws:iam::${ACCOUNT}:user/${identity}` });
    const events = await waitFor(async () => {
      const list = await breakGlassEvents('breakglass');
      return list.length > 0 ? list : undefined;
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'Warning', reason: 'BreakGlassUsed', involvedObject: { kind: 'CloudService', name: 'breakglass', uid: svc.metadata.uid } });
    expect(events[0]?.message).toContain(`Break-glass identity ${identity} used: console sign-in`);
    expect(events[0]?.message).toContain(firstId);
    const counter = (value: number) => [`cloudposture_breakglass_use_total{namespace="${ns}",service="breakglass",provider="aws"} ${value}`];
    expect(await series('cloudposture_breakglass_use_total', 'breakglass')).toEqual(counter(1));

    // A further reconcile reads the same file again (overlap): the record is known from status.
    await touch('breakglass');
    const again = await get('breakglass');
    expect(again.status?.changeLog?.filesRead).toBe(1);
    expect(again.status?.changes?.map((c) => c.id)).toEqual([firstId]);
    expect(await series('cloudposture_breakglass_use_total', 'breakglass')).toEqual(counter(1));
    expect(await breakGlassEvents('breakglass')).toHaveLength(1);

    // A new record (another id) by the same identity: exactly one more.
    const secondId = `bg-call-${randomUUID()}`;
    await deliver(bucket, [
      {
        at: minutesAgo(2),
        region: 'us-east-1',
        records: [ctEvent({ eventName: 'CreateAccessKey', eventSource: 'iam.amazonaws.com', region: 'us-east-1', identity: iamUser(ACCOUNT, identity), at: minutesAgo(3), requestParameters: { userName: identity }, eventID: secondId })],
      },
    ]);
    await touch('breakglass');
    const third = await get('breakglass');
    expect(third.status?.changes?.map((c) => [c.id, c.kind, c.breakGlass])).toEqual([
      [secondId, 'activity', true],
      [firstId, 'sign-in', true],
    ]);
    expect(await series('cloudposture_breakglass_use_total', 'breakglass')).toEqual(counter(2));
    const all = await breakGlassEvents('breakglass');
    expect(all).toHaveLength(2);
    expect(all.filter((e) => e.message?.includes(secondId))).toHaveLength(1);
  });

  it('exit drill: a verified sample within the RTO passes ExitPlanReady and sets the gauge; no data never does', async () => {
    const bucket = uniqueName('exit-data');
    await createBucket(seed, bucket, REGION);
    const s3 = seed.s3(REGION);
    for (let i = 0; i < 12; i++) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `exports/ledger/part-${i}.csv`, Body: `id,amount\n${i},${i * 100}\n`.repeat(20 + i) }));
    }
    const drillSpec = (s3Source: { bucket: string; prefix: string }) =>
      specFor({
        exitPlan: {
          document: 'https://wiki.example.com/exit/aws',
          alternatives: ['azure'],
          lastDryRun: new Date(Date.now() - 30 * 86_400_000).toISOString(),
          dataExportVerified: true,
          drill: { s3: { ...s3Source, region: REGION }, sampleObjects: 5, recoveryTimeObjective: '72h' },
        },
      });
    await create('drill-ok', drillSpec({ bucket, prefix: 'exports/' }));
    await create('drill-empty', drillSpec({ bucket, prefix: 'nothing-here/' }));
    await create('drill-missing', drillSpec({ bucket: uniqueName('no-such-bucket'), prefix: 'exports/' }));
    const hasRun = (s: CloudService) => s.status?.exitDrill?.lastRunAt !== undefined;

    const ok = await reconciled('drill-ok', { ready: hasRun, description: 'drill-ok: exit drill ran' });
    const drill = ok.status?.exitDrill;
    expect(drill).toMatchObject({
      result: 'Succeeded',
      reason: 'ExitDrillPassed',
      source: `s3://${bucket}/exports/`,
      totalObjects: 12,
      listingComplete: true,
      objectsSampled: 5,
      objectsVerified: 5,
      withinRecoveryObjective: true,
      recoveryTimeObjectiveSeconds: 72 * 3600,
      failures: [],
    });
    expect(drill?.lastSuccessAt).toBe(drill?.lastRunAt);
    expect(Date.now() - Date.parse(drill?.lastRunAt ?? '')).toBeLessThan(120_000);
    expect(cond(ok, 'ExitPlanReady')).toMatchObject({ status: 'True' });
    expect((ok.status?.findings ?? []).filter((f) => f.condition === 'ExitPlanReady')).toEqual([]);
    const lastSuccess = Math.floor(Date.parse(drill?.lastSuccessAt ?? '') / 1000);
    await published('drill-ok', 'ExitPlanReady', 'True');
    expect(await series('cloudposture_exit_drill_last_success_timestamp_seconds', 'drill-ok')).toEqual([
      `cloudposture_exit_drill_last_success_timestamp_seconds{namespace="${ns}",service="drill-ok",provider="aws"} ${lastSuccess}`,
    ]);

    // Nothing under the prefix: the drill proves nothing (False, a finding).
    const empty = await reconciled('drill-empty', { ready: hasRun, description: 'drill-empty: exit drill ran' });
    expect(empty.status?.exitDrill).toMatchObject({ result: 'Failed', reason: 'ExitDrillNoData', totalObjects: 0, objectsVerified: 0, withinRecoveryObjective: false });
    expect(empty.status?.exitDrill?.lastSuccessAt).toBeUndefined();
    expect(cond(empty, 'ExitPlanReady')).toMatchObject({ status: 'False', reason: 'ExitDrillNoData' });
    expect((empty.status?.findings ?? []).map((f) => f.control)).toContain('A523-07-EXIT-DRILL-VERIFIED');
    await published('drill-empty', 'ExitPlanReady', 'False');
    expect(await series('cloudposture_exit_drill_last_success_timestamp_seconds', 'drill-empty')).toEqual([]);

    // The bucket does not exist: the run could not happen (Unknown, not a finding).
    const missing = await reconciled('drill-missing', { ready: hasRun, description: 'drill-missing: exit drill ran' });
    expect(missing.status?.exitDrill).toMatchObject({ result: 'Error', withinRecoveryObjective: false });
    expect(missing.status?.exitDrill?.lastSuccessAt).toBeUndefined();
    expect(cond(missing, 'ExitPlanReady')?.status).toBe('Unknown');
    expect(cond(missing, 'ExitPlanReady')?.reason).toBe(missing.status?.exitDrill?.reason);
    expect((missing.status?.findings ?? []).map((f) => f.control)).not.toContain('A523-07-EXIT-DRILL-VERIFIED');
    await published('drill-missing', 'ExitPlanReady', 'Unknown');
    expect(await series('cloudposture_exit_drill_last_success_timestamp_seconds', 'drill-missing')).toEqual([]);
  });

  it('break-glass: still once per record when the cache lags the operator\'s own status write (409 re-read)', async () => {
    // The informer cache may not hold the operator's last status write yet when the key
    // is reconciled again (watch lag): the status patch then conflicts, the reconciler
    // re-reads the object and writes again. The Event and the counter must follow the
    // status actually written over, not the stale copy the evidence was read against.
    // Driven directly (a store that lags on purpose) in a namespace the operator does
    // not watch, against the real API server and moto.
    const raceNs = await createTestNamespace('evidence-race');
    try {
      const bucket = uniqueName('bg-race');
      const identity = `breakglass-${randomUUID().slice(0, 8)}`;
      await deliver(bucket, [{ at: minutesAgo(4), region: 'us-east-1', records: [consoleLogin(iamUser(ACCOUNT, identity), minutesAgo(5))] }], true);
      // The account granted to raceNs (a CloudAccount), and the service naming it.
      const spec = await resolveTestSpec(kc, raceNs, 'race', specFor({ breakGlassIdentities: [identity], changeManagement: { logSource: { bucket, region: REGION } } }));
      await custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: raceNs,
        plural: 'cloudservices',
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'CloudService', metadata: { name: 'race' }, spec },
      });
      const account = (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'cloudaccounts', name: spec.accountRef.name })) as CloudAccount;
      const read = async () => (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: raceNs, plural: 'cloudservices', name: 'race' })) as CloudService;
      const stale = await read();
      const metrics = new OperatorMetrics({ defaultMetrics: false });
      const api = new KubeApi(kc, 'evidence-race-test');
      const log = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));
      const sources = createSources({ config: operator.config, kubeConfig: kc, api, metrics, log });
      // The operator's own target resolution, over the granted account (by name: no namespace labels needed).
      const targets = createTargetResolver(
        { accounts: { get: (name) => (name === account.metadata.name ? account : undefined) }, namespaces: { get: (name) => ({ metadata: { name } }) } },
        { api, operatorNamespace: operator.config.operatorNamespace },
      );
      const reconciler = new ServiceReconciler({
        api,
        services: { get: () => stale }, // never sees its own writes
        policies: { get: () => undefined },
        policyName: operator.config.policyName,
        sources: {
          ...sources,
          targets,
          inventory: async () => ({ ok: false, failure: { reason: 'ProviderNotSupported', message: 'inventory not read in this test' }, skipped: true }),
        },
        metrics,
        log,
        defaultIntervalMs: 300_000,
      });
      const countNow = async () => (await metrics.breakGlassUse.get()).values.reduce((sum, v) => sum + v.value, 0);
      const raceEvents = async () =>
        (await core.listNamespacedEvent({ namespace: raceNs, fieldSelector: 'involvedObject.name=race' })).items.filter((e) => e.reason === 'BreakGlassUsed');

      expect(await reconciler.reconcile(`${raceNs}/race`, new AbortController().signal)).toMatchObject({ kind: 'done' });
      expect(await countNow()).toBe(1);
      expect(await raceEvents()).toHaveLength(1);
      // A spec edit lands meanwhile, so the second pass must write (observedGeneration 2).
      await custom.patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace: raceNs, plural: 'cloudservices', name: 'race', body: { spec: { owner: 'security-team' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const first = await read();
      // Same key again, the cache still without the first write: 409, re-read, write.
      expect(await reconciler.reconcile(`${raceNs}/race`, new AbortController().signal)).toMatchObject({ kind: 'done' });
      const second = await read();
      expect(second.metadata.resourceVersion).not.toBe(first.metadata.resourceVersion); // the second pass did write
      expect(second.status?.changes?.filter((c) => c.breakGlass)).toHaveLength(1);
      expect(await countNow()).toBe(1);
      expect(await raceEvents()).toHaveLength(1);
    } finally {
      await deleteTestNamespace(raceNs);
    }
  });
});
