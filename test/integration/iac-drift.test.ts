// Drift against declared IaC, end to end on real parts: the Pulumi state is served from
// moto's S3 (the DIY backend layout, .pulumi/stacks/<project>/<stack>.json), read with
// the real AWS SDK v3; the live account is moto too, read by the real AWS collector;
// compareDrift and the InSync control decide. One test per drift kind, each on the
// checkpoint fixture for that kind (test/fixtures/pulumi/state/).
import { readFileSync } from 'node:fs';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';

import { MOTO_CREDENTIALS, MOTO_DEFAULT_ACCOUNT_ID, startMoto, type MotoServer } from '../harness/moto.js';
import { SeedClients, createBucket, createVolume } from '../harness/aws-seed.js';
import { AwsInventoryCollector } from '../../operator/src/providers/aws/collector.js';
import type { Inventory } from '../../operator/src/inventory/types.js';
import type { CloudServiceSpec, PulumiStateRef } from '../../operator/src/api/types.js';
import type { DeclaredState, DeclaredStateResult } from '../../operator/src/inventory/declared-state.js';
import { createS3StateGetter, readDeclaredState } from '../../operator/src/iac/state-reader.js';
import { compareDrift, driftCounts, driftedResources } from '../../operator/src/controls/insync/drift.js';
import { driftScopeFor } from '../../operator/src/controls/insync/drift-report.js';
import { iacInSync } from '../../operator/src/controls/insync/iac-in-sync.js';
import { aPolicy, aSpec, anInventory, NOW } from '../unit/builders.js';

const FIXTURES = new URL('../fixtures/pulumi/state/', import.meta.url);
const STATE_BUCKET = 'acme-pulumi-state';
const STATE_KEY = '.pulumi/stacks/payments/prod.json';
/** Volume ids written in the fixtures; replaced by the ids moto hands out. */
const FIXTURE_VOLUME_CHANGED = 'vol-0c4a9e1f2b3d5e6f7';

let moto: MotoServer;
let seed: SeedClients;
let s3State: ReturnType<typeof createS3StateGetter>;

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

const REF: PulumiStateRef = { stack: 'acme/payments/prod', s3: { bucket: STATE_BUCKET, key: STATE_KEY, region: 'us-east-1' } };

function specWith(ref: PulumiStateRef = REF): CloudServiceSpec {
  return { ...aSpec(), iac: { pulumi: ref } };
}

async function putState(text: string): Promise<void> {
  const s3 = seed.s3('us-east-1');
  await s3.send(new CreateBucketCommand({ Bucket: STATE_BUCKET })).catch(() => undefined);
  await s3.send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: STATE_KEY, Body: text, ContentType: 'application/json' }));
}

function readState(ref: PulumiStateRef = REF): Promise<DeclaredStateResult> {
  return readDeclaredState(ref, { namespace: 'payments', getS3Object: s3State.getS3Object, now: () => NOW });
}

function stateOf(result: DeclaredStateResult): DeclaredState {
  if (!result.ok) throw new Error(`state not read: ${result.failure.reason}: ${result.failure.message}`);
  return result.state;
}

async function collect(): Promise<Inventory> {
  const collector = new AwsInventoryCollector({ endpoint: moto.endpoint, reportPollIntervalMs: 50 });
  const result = await collector.collect({
    provider: 'aws',
    account: { aws: { accountId: MOTO_DEFAULT_ACCOUNT_ID } },
    allowedRegions: ['eu-west-1'],
    credentials: { ...MOTO_CREDENTIALS },
  });
  if (!result.ok) throw new Error(`collection failed: ${result.failure.reason}: ${result.failure.message}`);
  return result.inventory;
}

function evaluate(declared: DeclaredStateResult, inventory: Inventory, spec = specWith()) {
  return iacInSync.evaluate({ spec, policy: aPolicy(), inventory: { ok: true, inventory }, declared, now: NOW });
}

beforeAll(async () => {
  moto = await startMoto();
  seed = new SeedClients(moto.endpoint, MOTO_DEFAULT_ACCOUNT_ID);
  s3State = createS3StateGetter({ endpoint: moto.endpoint, credentials: async () => ({ ...MOTO_CREDENTIALS }) });
}, 120_000);

afterAll(async () => {
  s3State?.destroy();
  await moto?.stop();
});

describe('InSync on state served from moto S3', () => {
  beforeEach(async () => {
    await moto.reset();
  });

  it('changed: public access opened, region moved and encryption removed outside IaC', async () => {
    await createBucket(seed, 'payments-data', 'eu-west-1', { encryption: 'AES256', publicPolicy: true });
    await createBucket(seed, 'payments-archive', 'eu-central-1', { encryption: 'AES256', blockPublicAccess: true });
    const volumeId = await createVolume(seed, 'eu-west-1', { encrypted: false, name: 'ledger-scratch' });
    await putState(fixture('changed.checkpoint.json').replaceAll(FIXTURE_VOLUME_CHANGED, volumeId));

    const declared = await readState();
    const inventory = await collect();
    const report = compareDrift(stateOf(declared), inventory, driftScopeFor(specWith()));

    expect(report.missing).toEqual([]);
    expect(report.unmanaged).toEqual([]);
    const changed = Object.fromEntries(report.changed.map((c) => [c.id, c.fields.map((f) => f.field)]));
    expect(changed).toEqual({
      'arn:aws:s3:::payments-data': ['public'],
      'arn:aws:s3:::payments-archive': ['region'],
      [`arn:aws:ec2:eu-west-1:${MOTO_DEFAULT_ACCOUNT_ID}:volume/${volumeId}`]: ['encrypted'],
    });
    expect(driftCounts(report)).toEqual([
      { kind: 'changed', count: 3 },
      { kind: 'missing', count: 0 },
      { kind: 'unmanaged', count: 0 },
    ]);

    const outcome = evaluate(declared, inventory);
    expect(outcome).toMatchObject({ status: 'False', reason: 'DriftDetected' });
    expect(outcome.message).toContain('3 resources drifted from stack acme/payments/prod: 3 changed');
    expect(outcome.findings.map((f) => f.resource).sort()).toEqual(Object.keys(changed).sort());
    expect(outcome.findings.find((f) => f.resource === 'arn:aws:s3:::payments-archive')?.message).toContain(
      'region differs (declared eu-west-1, live eu-central-1)',
    );
  });

  it('missing: declared resources deleted outside IaC (pulumi stack export format)', async () => {
    await createBucket(seed, 'payments-data', 'eu-west-1', { encryption: 'AES256', blockPublicAccess: true });
    await putState(fixture('missing.export.json'));

    const declared = await readState();
    const inventory = await collect();
    const report = compareDrift(stateOf(declared), inventory, driftScopeFor(specWith()));

    expect(report.changed).toEqual([]);
    expect(report.unmanaged).toEqual([]);
    expect(report.missing.map((m) => [m.id, m.declared.name])).toEqual([
      ['arn:aws:ec2:eu-west-1:123456789012:volume/vol-0d5b8f2a3c4e6a7b8', 'reports-scratch'],
      ['arn:aws:s3:::payments-reports', 'payments-reports'],
    ]);
    const outcome = evaluate(declared, inventory);
    expect(outcome).toMatchObject({ status: 'False', reason: 'DriftDetected' });
    expect(outcome.findings.find((f) => f.resource === 'arn:aws:s3:::payments-reports')?.message).toMatch(
      /bucket "payments-reports" declared in stack acme\/payments\/prod is missing from the live account/,
    );
  });

  it('unmanaged: shadow resources declared nowhere; the state bucket itself is not one', async () => {
    await createBucket(seed, 'payments-data', 'eu-west-1', { encryption: 'AES256', blockPublicAccess: true });
    await putState(fixture('unmanaged.checkpoint.json'));
    const declared = await readState();

    // First in sync: the state bucket (acme-pulumi-state) belongs to the IaC tooling.
    const before = await collect();
    expect(before.resources.map((r) => r.id)).toContain(`arn:aws:s3:::${STATE_BUCKET}`);
    expect(evaluate(declared, before)).toMatchObject({ status: 'True', reason: 'InSync' });

    await createBucket(seed, 'payments-shadow-export', 'eu-west-1');
    const volumeId = await createVolume(seed, 'eu-west-1', { encrypted: true, name: 'hand-made' });
    const after = await collect();
    const report = compareDrift(stateOf(declared), after, driftScopeFor(specWith()));
    expect(report.unmanaged.map((u) => u.id)).toEqual([
      `arn:aws:ec2:eu-west-1:${MOTO_DEFAULT_ACCOUNT_ID}:volume/${volumeId}`,
      'arn:aws:s3:::payments-shadow-export',
    ]);
    expect(driftedResources(report)).toBe(2);
    const outcome = evaluate(declared, after);
    expect(outcome).toMatchObject({ status: 'False', reason: 'DriftDetected' });
    expect(outcome.findings.map((f) => f.message)).toEqual([
      'volume in eu-west-1 is declared in no IaC stack (shadow resource): bring it under IaC (pulumi import) or delete it',
      'bucket in eu-west-1 is declared in no IaC stack (shadow resource): bring it under IaC (pulumi import) or delete it',
    ]);
  });
});

describe('state read failures are Unknown, never drift', () => {
  beforeAll(async () => {
    await moto.reset();
    await putState(fixture('unmanaged.checkpoint.json'));
  });

  it('no such key / no such bucket -> StateNotFound', async () => {
    const noKey = await readState({ ...REF, s3: { bucket: STATE_BUCKET, key: '.pulumi/stacks/payments/staging.json' } });
    expect(noKey).toMatchObject({ ok: false, failure: { reason: 'StateNotFound' } });
    const noBucket = await readState({ ...REF, s3: { bucket: 'no-such-state-bucket', key: STATE_KEY } });
    expect(noBucket).toMatchObject({ ok: false, failure: { reason: 'StateNotFound' } });
    const outcome = evaluate(noKey, anInventory());
    expect(outcome).toMatchObject({ status: 'Unknown', reason: 'StateNotFound', findings: [] });
  });

  it('a version 2 checkpoint -> UnsupportedStateVersion', async () => {
    const key = '.pulumi/stacks/payments/legacy.json';
    await seed.s3('us-east-1').send(new PutObjectCommand({ Bucket: STATE_BUCKET, Key: key, Body: fixture('unsupported-version.checkpoint.json') }));
    const result = await readState({ stack: 'prod', s3: { bucket: STATE_BUCKET, key } });
    expect(result).toMatchObject({ ok: false, failure: { reason: 'UnsupportedStateVersion' } });
  });

  it('a checkpoint of another stack -> StackMismatch', async () => {
    const result = await readState({ ...REF, stack: 'acme/payments/staging' });
    expect(result).toMatchObject({ ok: false, failure: { reason: 'StackMismatch' } });
  });

  it('credentials S3 refuses -> AccessDenied, with no key material in the message', async () => {
    await moto.setAuth(0);
    try {
      const result = await readState();
      expect(result).toMatchObject({ ok: false, failure: { reason: 'AccessDenied' } });
      if (!result.ok) expect(result.failure.message).not.toContain(MOTO_CREDENTIALS.secretAccessKey);
    } finally {
      await moto.setAuth('off');
    }
  });
});
