// Pulumi state -> DeclaredState: the DIY checkpoint and `pulumi stack export` shapes
// (fixtures in test/fixtures/pulumi/state follow pulumi/pulumi apitype CheckpointV3 /
// UntypedDeployment + DeploymentV3), the facts normalised per type, and refusals.
import { readFileSync } from 'node:fs';

import {
  SUPPORTED_STATE_VERSIONS,
  parseDeclaredState,
  parseDeclaredStateText,
  plainValue,
} from '../../operator/src/iac/checkpoint.js';
import { stackOfUrn } from '../../operator/src/iac/urn.js';
import type { DeclaredResource, DeclaredState, DeclaredStateResult } from '../../operator/src/inventory/declared-state.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/pulumi/state/${name}`, import.meta.url), 'utf8');
const META = { source: 'test', readAt: '2026-11-15T12:00:00.000Z' };

function ok(result: DeclaredStateResult): DeclaredState {
  if (!result.ok) throw new Error(`${result.failure.reason}: ${result.failure.message}`);
  return result.state;
}

const byName = (state: DeclaredState, name: string): DeclaredResource | undefined => state.resources.find((r) => r.name === name);

const SIG = '4dabf18193072939515e22adb298388d';
const P = 'urn:pulumi:prod::proj::';

/** A minimal export around `resources`. */
function exported(resources: unknown[], version = 3): unknown {
  return { version, deployment: { manifest: { time: '2026-10-02T09:14:31Z', magic: '', version: 'v3.205.0' }, resources } };
}

function res(type: string, name: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { urn: `${P}${type}::${name}`, custom: true, type, ...fields };
}

describe('the DIY backend checkpoint', () => {
  const state = ok(parseDeclaredStateText(fixture('changed.checkpoint.json'), { ...META, stack: 'acme/payments/prod' }));

  it('keeps custom resources only: no stack, no component, no providers', () => {
    expect(state.stack).toBe('acme/payments/prod');
    expect(state.resources.map((r) => r.type)).not.toEqual(
      expect.arrayContaining(['pulumi:pulumi:Stack', 'payments:storage:DataStore', 'pulumi:providers:aws', 'pulumi:providers:random']),
    );
    expect(state.resources.map((r) => r.name)).toEqual([
      'payments-data',
      'payments-data-public-access',
      'payments-data-sse',
      'payments-archive',
      'payments-archive-public-access',
      'payments-archive-sse',
      'ledger-scratch',
      'ledger-db-password',
    ]);
  });

  it('normalises bucket facts from the bucket and its child resources', () => {
    expect(byName(state, 'payments-data')).toEqual({
      urn: 'urn:pulumi:prod::payments::pulumi:pulumi:Stack$payments:storage:DataStore$aws:s3/bucket:Bucket::payments-data',
      type: 'aws:s3/bucket:Bucket',
      name: 'payments-data',
      id: 'payments-data',
      kind: 'bucket',
      arn: 'arn:aws:s3:::payments-data',
      region: 'eu-west-1',
      encrypted: true,
      public: false,
    });
  });

  it('normalises volume facts; resources of other clouds carry no facts; secrets stay unread', () => {
    expect(byName(state, 'ledger-scratch')).toMatchObject({
      kind: 'volume',
      id: 'vol-0c4a9e1f2b3d5e6f7',
      arn: 'arn:aws:ec2:eu-west-1:123456789012:volume/vol-0c4a9e1f2b3d5e6f7',
      region: 'eu-west-1',
      encrypted: true,
    });
    const password = byName(state, 'ledger-db-password');
    expect(password).toEqual({
      urn: 'urn:pulumi:prod::payments::pulumi:pulumi:Stack$random:index/randomPassword:RandomPassword::ledger-db-password',
      type: 'random:index/randomPassword:RandomPassword',
      name: 'ledger-db-password',
      id: 'none',
    });
    expect(JSON.stringify(state)).not.toContain('ciphertext');
  });

  it('a never-deployed stack (no latest) has no resources', () => {
    const empty = { version: 3, checkpoint: { stack: 'organization/payments/dev' } };
    expect(ok(parseDeclaredState(empty, { ...META, stack: 'dev' })).resources).toEqual([]);
  });
});

describe('the `pulumi stack export` format', () => {
  it('reads the same facts as the checkpoint', () => {
    const state = ok(parseDeclaredStateText(fixture('missing.export.json'), { ...META, stack: 'prod' }));
    const compared = state.resources.filter((r) => r.kind !== undefined);
    expect(compared.map((r) => [r.name, r.kind, r.region, r.encrypted, r.public])).toEqual([
      ['payments-data', 'bucket', 'eu-west-1', true, false],
      ['payments-reports', 'bucket', 'eu-west-1', true, false],
      ['reports-scratch', 'volume', 'eu-west-1', true, undefined],
    ]);
  });

  it('takes the stack from the URNs when the reference names none', () => {
    expect(ok(parseDeclaredStateText(fixture('missing.export.json'), META)).stack).toBe('prod');
    expect(stackOfUrn('urn:pulumi:staging::p::aws:s3/bucket:Bucket::b')).toBe('staging');
  });
});

describe('region resolution (AWS)', () => {
  const provider = (name: string, region?: string) =>
    res('pulumi:providers:aws', name, { id: `${name}-uuid`, inputs: region ? { region, version: '7.48.0' } : { version: '7.48.0' } });
  const ref = (name: string) => `${P}pulumi:providers:aws::${name}::${name}-uuid`;

  it('own region output first, then the provider reference, then the ARN, then the availability zone', () => {
    const state = ok(
      parseDeclaredState(
        exported([
          provider('frankfurt', 'eu-central-1'),
          provider('bare'),
          res('aws:s3/bucket:Bucket', 'own', { id: 'own', provider: ref('frankfurt'), outputs: { bucket: 'own', region: 'eu-west-3' } }),
          res('aws:s3/bucket:Bucket', 'via-provider', { id: 'via-provider', provider: ref('frankfurt'), outputs: { bucket: 'via-provider' } }),
          res('aws:ebs/volume:Volume', 'via-arn', {
            id: 'vol-1',
            provider: ref('bare'),
            outputs: { arn: 'arn:aws:ec2:eu-north-1:123456789012:volume/vol-1', availabilityZone: 'eu-south-1a' },
          }),
          res('aws:ebs/volume:Volume', 'via-az', { id: 'vol-2', provider: ref('bare'), outputs: { availabilityZone: 'ap-southeast-2b' } }),
        ]),
        META,
      ),
    );
    expect(state.resources.map((r) => [r.name, r.region])).toEqual([
      ['own', 'eu-west-3'],
      ['via-provider', 'eu-central-1'],
      ['via-arn', 'eu-north-1'],
      ['via-az', 'ap-southeast-2'],
    ]);
  });
});

describe('exposure and encryption facts', () => {
  const bucket = (name: string, outputs: Record<string, unknown> = {}) => res('aws:s3/bucket:Bucket', name, { id: name, outputs: { bucket: name, ...outputs } });
  const child = (type: string, name: string, outputs: Record<string, unknown>) => res(type, name, { id: String(outputs.bucket), outputs });
  const facts = (resources: unknown[]) =>
    Object.fromEntries(
      ok(parseDeclaredState(exported(resources), META))
        .resources.filter((r) => r.kind !== undefined)
        .map((r) => [r.name, { encrypted: r.encrypted, public: r.public }]),
    );

  it('buckets: a public policy or ACL makes them public unless the public access block neutralises it', () => {
    const everyone = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: '*' }] });
    const pinned = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } } }] });
    expect(
      facts([
        bucket('policy'),
        child('aws:s3/bucketPolicy:BucketPolicy', 'policy-p', { bucket: 'policy', policy: everyone }),
        bucket('pinned'),
        child('aws:s3/bucketPolicy:BucketPolicy', 'pinned-p', { bucket: 'pinned', policy: pinned }),
        bucket('acl'),
        child('aws:s3/bucketAclV2:BucketAclV2', 'acl-a', { bucket: 'acl', acl: 'public-read' }),
        bucket('blocked'),
        child('aws:s3/bucketPolicy:BucketPolicy', 'blocked-p', { bucket: 'blocked', policy: everyone }),
        child('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'blocked-b', {
          bucket: 'blocked',
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        }),
        bucket('legacy-inline-acl', { acl: 'public-read-write' }),
        bucket('plain'),
      ]),
    ).toEqual({
      policy: { encrypted: undefined, public: true },
      pinned: { encrypted: undefined, public: false },
      acl: { encrypted: undefined, public: true },
      blocked: { encrypted: undefined, public: false },
      'legacy-inline-acl': { encrypted: undefined, public: true },
      plain: { encrypted: undefined, public: false },
    });
  });

  it('buckets: encryption declared by an SSE resource or the v6 BucketV2 output list; undeclared stays undefined (S3 default)', () => {
    expect(
      facts([
        bucket('sse'),
        child('aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2', 'sse-c', {
          bucket: 'sse',
          rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }],
        }),
        res('aws:s3/bucketV2:BucketV2', 'v2', {
          id: 'v2',
          outputs: { bucket: 'v2', serverSideEncryptionConfigurations: [{ rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] }] },
        }),
        bucket('undeclared'),
      ]),
    ).toMatchObject({ sse: { encrypted: true }, v2: { encrypted: true }, undeclared: { encrypted: undefined } });
  });

  it('volumes and databases from their flags (string forms too)', () => {
    expect(
      facts([
        res('aws:ebs/volume:Volume', 'plain', { id: 'vol-a', outputs: { encrypted: false } }),
        res('aws:rds/instance:Instance', 'db', { id: 'db-ABC', outputs: { arn: 'arn:aws:rds:eu-west-1:1:db:db', storageEncrypted: 'true', publiclyAccessible: true } }),
      ]),
    ).toEqual({ plain: { encrypted: false, public: undefined }, db: { encrypted: true, public: true } });
  });

  it('Azure storage accounts and disks: location normalised, blob public access, encryption', () => {
    const id = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/data';
    const state = ok(
      parseDeclaredState(
        exported([
          res('azure-native:storage:StorageAccount', 'data', {
            id,
            inputs: { accountName: 'data' },
            outputs: { name: 'data', location: 'West Europe', allowBlobPublicAccess: false, encryption: { keySource: 'Microsoft.Storage', services: { blob: { enabled: true } } } },
          }),
          res('azure-native:storage:StorageAccount', 'site', {
            id: `${id}x`,
            inputs: { accountName: 'site' },
            outputs: { name: 'site', location: 'eastus', encryption: { services: { blob: { enabled: false } } } },
          }),
          res('azure-native:storage:BlobContainer', 'www', { id: 'c', inputs: { accountName: 'site' }, outputs: { publicAccess: 'Blob' } }),
          res('azure-native:compute:Disk', 'disk', { id: 'd', outputs: { location: 'northeurope', encryption: { type: 'EncryptionAtRestWithPlatformKey' } } }),
        ]),
        META,
      ),
    );
    expect(state.resources.filter((r) => r.kind).map((r) => [r.name, r.kind, r.region, r.encrypted, r.public])).toEqual([
      ['data', 'storage-account', 'westeurope', true, false],
      ['site', 'storage-account', 'eastus', false, true],
      ['disk', 'volume', 'northeurope', true, undefined],
    ]);
    expect(state.resources[0]?.id).toBe(id);
  });
});

describe('what is skipped', () => {
  it('resources pending deletion or replacement and external (read) resources', () => {
    const state = ok(
      parseDeclaredState(
        exported([
          res('aws:s3/bucket:Bucket', 'old', { id: 'old', delete: true }),
          res('aws:s3/bucket:Bucket', 'replacing', { id: 'replacing', pendingReplacement: true }),
          res('aws:s3/bucket:Bucket', 'looked-up', { id: 'looked-up', external: true }),
          res('aws:s3/bucket:Bucket', 'kept', { id: 'kept' }),
        ]),
        META,
      ),
    );
    expect(state.resources.map((r) => r.name)).toEqual(['kept']);
  });
});

describe('special values', () => {
  it('opens plaintext secrets, reads references and output values, drops unknowns', () => {
    expect(plainValue({ [SIG]: '1b47061264138c4ac30d75fd1eb44270', plaintext: '"eu-west-1"' })).toBe('eu-west-1');
    expect(plainValue({ [SIG]: '1b47061264138c4ac30d75fd1eb44270', ciphertext: 'v1:abc' })).toBeUndefined();
    expect(plainValue({ [SIG]: '5cf8f73096256a8f31e491e813e4eb8e', urn: `${P}aws:kms/key:Key::k`, id: 'key-1' })).toBe('key-1');
    expect(plainValue({ [SIG]: 'd0e6a833031e9bbcd3f4e8bde6ca49a4', value: { a: [1] } })).toEqual({ a: [1] });
    expect(plainValue(['04da6b54-80e4-46f7-96ec-b56ff0331ba9', 'x'])).toEqual([undefined, 'x']);
  });

  it('a secret-wrapped output is used once opened (stack export --show-secrets)', () => {
    const state = ok(
      parseDeclaredState(
        exported([
          res('aws:ebs/volume:Volume', 'v', { id: 'vol-1', outputs: { encrypted: { [SIG]: '1b47061264138c4ac30d75fd1eb44270', plaintext: 'true' } } }),
        ]),
        META,
      ),
    );
    expect(state.resources[0]?.encrypted).toBe(true);
  });
});

describe('refusals', () => {
  it(`reads versions ${SUPPORTED_STATE_VERSIONS.join(' and ')}; others are UnsupportedStateVersion`, () => {
    expect(parseDeclaredState(exported([], 4), META).ok).toBe(true);
    for (const version of [1, 2, 5]) {
      const r = parseDeclaredState(exported([], version), META);
      expect(r).toMatchObject({ ok: false, failure: { reason: 'UnsupportedStateVersion' } });
    }
    expect(parseDeclaredStateText(fixture('unsupported-version.checkpoint.json'), META)).toMatchObject({
      ok: false,
      failure: { reason: 'UnsupportedStateVersion', message: expect.stringContaining('Pulumi state version 2 is not supported') },
    });
  });

  it('malformed state is StateInvalid', () => {
    const invalid = (r: DeclaredStateResult) => expect(r).toMatchObject({ ok: false, failure: { reason: 'StateInvalid' } });
    invalid(parseDeclaredStateText('{"version": 3, "deployment": ', META));
    invalid(parseDeclaredState([], META));
    invalid(parseDeclaredState({ version: 3, something: {} }, META));
    invalid(parseDeclaredState({ version: 3, deployment: { resources: {} } }, META));
    invalid(parseDeclaredState(exported([{ type: 'aws:s3/bucket:Bucket' }]), META));
    invalid(parseDeclaredState({ checkpoint: {} }, META));
  });

  it('the state of another stack is StackMismatch', () => {
    const r = parseDeclaredStateText(fixture('changed.checkpoint.json'), { ...META, stack: 'acme/payments/staging' });
    expect(r).toEqual({
      ok: false,
      failure: { reason: 'StackMismatch', message: 'Pulumi state is for another stack (checkpoint.stack) than the reference names ("acme/payments/staging")' },
    });
  });
});

// The state text may be a Secret's value: a refusal gives a position and a kind, never the text.
describe('refusals quote nothing of the state', () => {
  const PLANTED = 'hunter2-Pa55-LEAK';
  const refusal = (r: DeclaredStateResult): string => {
    if (r.ok) throw new Error('expected a refusal');
    expect(r.failure.message).not.toContain(PLANTED);
    expect(r.failure.message).not.toContain(PLANTED.slice(0, 7));
    return r.failure.message;
  };

  it.each([
    ['a bare value', PLANTED, 'unexpected character at line 1, column 1 (byte 0)'],
    ['a value after a key', `{"token": ${PLANTED}}`, 'unexpected character at line 1, column 11 (byte 10)'],
    ['a cut document', `{\n  "version": 3,\n  "note": "${PLANTED}`, 'unterminated string at line 3, column 11 (byte 28)'],
    ['an AWS key file', `[default]\naws_secret_access_key = ${PLANTED}`, 'unexpected character at line 1, column 2 (byte 1)'],
    ['content after the document', `{"version": 3} ${PLANTED}`, 'content after the JSON document at line 1, column 16 (byte 15)'],
    ['a multi-byte prefix', `{"é": "ü", ${PLANTED}}`, 'unexpected character at line 1, column 12 (byte 13)'],
  ])('not JSON (%s): position and kind only', (_what, text, where) => {
    expect(refusal(parseDeclaredStateText(text, META))).toBe(`Pulumi state is not valid JSON: ${where}`);
  });

  it('a resource or stack the state names is not quoted', () => {
    const urn = `urn:pulumi:${PLANTED}::p::aws:s3/bucket:Bucket::b`;
    expect(refusal(parseDeclaredState(exported([{ urn, custom: true }]), META))).toBe('Pulumi state: resources[0] has no type');
    const other = { version: 3, checkpoint: { stack: PLANTED, latest: { resources: [] } } };
    expect(refusal(parseDeclaredState(other, { ...META, stack: 'prod' }))).toBe(
      'Pulumi state is for another stack (checkpoint.stack) than the reference names ("prod")',
    );
    const fromUrn = parseDeclaredState(exported([{ urn, custom: true, type: 'aws:s3/bucket:Bucket' }]), { ...META, stack: 'prod' });
    expect(refusal(fromUrn)).toBe('Pulumi state is for another stack (the urn of resources[0]) than the reference names ("prod")');
  });
});
