// compareDrift (controls/insync/drift.ts): declared (Pulumi state) vs live (inventory),
// matched by resource id.

import { compareDrift, declaredKeys, describeChange, driftCounts, driftedResources } from '../../../../operator/src/controls/insync/drift.js';
import type { DeclaredResource, DeclaredState } from '../../../../operator/src/inventory/declared-state.js';
import type { Inventory, Resource } from '../../../../operator/src/inventory/types.js';
import { ACCOUNT_ID, NOW, aResource, anInventory } from '../../builders.js';

const SUB = '6f1e0c2a-9b8d-4e7f-a1b2-c3d4e5f60718';

const P = 'urn:pulumi:prod::payments::';

function declared(type: string, name: string, fields: Partial<DeclaredResource> = {}): DeclaredResource {
  return { urn: `${P}${type}::${name}`, type, name, ...fields };
}

const bucket = (name: string, fields: Partial<DeclaredResource> = {}) =>
  declared('aws:s3/bucket:Bucket', name, { id: name, kind: 'bucket', region: 'eu-west-1', encrypted: true, public: false, ...fields });

const volume = (id: string, fields: Partial<DeclaredResource> = {}) =>
  declared('aws:ebs/volume:Volume', id, { id, kind: 'volume', region: 'eu-west-1', encrypted: true, ...fields });

function stateOf(...resources: DeclaredResource[]): DeclaredState {
  return { stack: 'acme/payments/prod', source: 's3://state/prod.json', readAt: NOW.toISOString(), resources };
}

function inventoryOf(resources: Resource[], overrides: Partial<Inventory> = {}): Inventory {
  return anInventory({ resources, ...overrides });
}

const liveBucket = (name: string, fields: Partial<Resource> = {}) => aResource({ id: `arn:aws:s3:::${name}`, kind: 'bucket', ...fields });

const liveVolume = (id: string, fields: Partial<Resource> = {}) =>
  aResource({ id: `arn:aws:ec2:eu-west-1:${ACCOUNT_ID}:volume/${id}`, kind: 'volume', ...fields });

describe('matching by id', () => {
  it('bucket name -> arn:aws:s3:::name, volume and instance ids -> the ARN suffix, RDS by ARN', () => {
    expect(declaredKeys(bucket('data', { arn: undefined }))).toEqual(['arn:aws:s3:::data', 's3:data']);
    expect(declaredKeys(volume('vol-0abc'))).toEqual(['ec2:volume/vol-0abc']);
    expect(declaredKeys(declared('aws:ec2/instance:Instance', 'web', { id: 'i-0123', kind: 'compute-instance' }))).toEqual([
      'ec2:instance/i-0123',
    ]);
    const db = declared('aws:rds/instance:Instance', 'ledger', { id: 'db-ABCDEF', kind: 'database', arn: 'arn:aws:rds:eu-west-1:1:db:ledger' });
    expect(declaredKeys(db)).toEqual(['arn:aws:rds:eu-west-1:1:db:ledger', 'rds:db:ledger']);
  });

  it('all of them match the live inventory: nothing drifted', () => {
    const report = compareDrift(
      stateOf(
        bucket('data'),
        volume('vol-0abc'),
        declared('aws:ec2/instance:Instance', 'web', { id: 'i-0123', kind: 'compute-instance', region: 'eu-west-1' }),
        declared('aws:rds/instance:Instance', 'ledger', { id: 'db-ABCDEF', kind: 'database', arn: `arn:aws:rds:eu-west-1:${ACCOUNT_ID}:db:ledger` }),
      ),
      inventoryOf([
        liveBucket('data'),
        liveVolume('vol-0abc'),
        aResource({ id: `arn:aws:ec2:eu-west-1:${ACCOUNT_ID}:instance/i-0123`, kind: 'compute-instance', encrypted: undefined }),
        aResource({ id: `arn:aws:rds:eu-west-1:${ACCOUNT_ID}:db:ledger`, kind: 'database' }),
      ]),
    );
    expect(report).toEqual({ stack: 'acme/payments/prod', changed: [], missing: [], unmanaged: [], compared: 4 });
  });

  it('Azure resource ids compare case-insensitively', () => {
    const id = `/subscriptions/${SUB}/resourceGroups/rg-payments/providers/Microsoft.Storage/storageAccounts/paymentsdata`;
    const report = compareDrift(
      stateOf(declared('azure-native:storage:StorageAccount', 'data', { id, kind: 'storage-account', region: 'westeurope', public: false })),
      inventoryOf([aResource({ id: id.replace('resourceGroups/rg-payments', 'resourcegroups/RG-PAYMENTS'), kind: 'storage-account', region: 'West Europe' })], {
        provider: 'azure',
        accountId: SUB,
      }),
    );
    expect(driftedResources(report)).toBe(0);
    expect(report.compared).toBe(1);
  });
});

describe('changed', () => {
  it('encryption removed, public access opened, region moved', () => {
    const report = compareDrift(
      stateOf(bucket('data'), bucket('archive'), volume('vol-0abc')),
      inventoryOf([liveBucket('data', { public: true, publicReason: 'policy' }), liveBucket('archive', { region: 'eu-central-1' }), liveVolume('vol-0abc', { encrypted: false })]),
    );
    expect(report.changed.map((c) => [c.id, c.fields])).toEqual([
      [`arn:aws:ec2:eu-west-1:${ACCOUNT_ID}:volume/vol-0abc`, [{ field: 'encrypted', declared: true, live: false }]],
      ['arn:aws:s3:::archive', [{ field: 'region', declared: 'eu-west-1', live: 'eu-central-1' }]],
      ['arn:aws:s3:::data', [{ field: 'public', declared: false, live: true }]],
    ]);
    expect(report.changed.map(describeChange)).toEqual([
      'volume changed outside IaC: encryption at rest removed (declared encrypted, live unencrypted)',
      'bucket changed outside IaC: region differs (declared eu-west-1, live eu-central-1)',
      'bucket changed outside IaC: public access opened (declared private, live public)',
    ]);
  });

  it('a fact unread on either side is never drift; improvements are not drift', () => {
    const report = compareDrift(
      stateOf(bucket('a', { encrypted: undefined, public: undefined }), bucket('b'), volume('vol-1', { encrypted: false })),
      inventoryOf([
        liveBucket('a', { encrypted: false, public: true }),
        liveBucket('b', { encrypted: undefined, public: undefined }),
        liveVolume('vol-1', { encrypted: true }),
      ]),
    );
    expect(report.changed).toEqual([]);
  });

  it('region names compare normalised ("West Europe" = westeurope)', () => {
    const id = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/disks/d`;
    const report = compareDrift(
      stateOf(declared('azure-native:compute:Disk', 'd', { id, kind: 'volume', region: 'westeurope' })),
      inventoryOf([aResource({ id, kind: 'volume', region: 'West Europe' })], { provider: 'azure', accountId: SUB }),
    );
    expect(report.changed).toEqual([]);
  });
});

describe('missing', () => {
  it('declared, in scope and gone', () => {
    const report = compareDrift(stateOf(bucket('gone'), volume('vol-9', { arn: `arn:aws:ec2:eu-west-1:${ACCOUNT_ID}:volume/vol-9` })), inventoryOf([]));
    expect(report.missing.map((m) => m.id)).toEqual([`arn:aws:ec2:eu-west-1:${ACCOUNT_ID}:volume/vol-9`, 'arn:aws:s3:::gone']);
    expect(report.compared).toBe(2);
  });

  it('out of scope: another account, another cloud, a region not covered, a kind the inventory does not list', () => {
    const report = compareDrift(
      stateOf(
        volume('vol-1', { arn: 'arn:aws:ec2:eu-west-1:999999999999:volume/vol-1' }),
        declared('azure-native:storage:StorageAccount', 'x', { id: `/subscriptions/${SUB}/x`, kind: 'storage-account' }),
        bucket('elsewhere', { region: 'ap-south-1' }),
        declared('aws:iam/role:Role', 'deployer', { id: 'deployer', arn: `arn:aws:iam::${ACCOUNT_ID}:role/deployer` }),
        declared('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'pab', { id: 'data' }),
      ),
      inventoryOf([]),
      { regions: ['eu-west-1'] },
    );
    expect(report.missing).toEqual([]);
    expect(report.compared).toBe(0);
  });
});

describe('unmanaged', () => {
  it('live buckets, volumes, instances, databases and storage accounts declared nowhere; never snapshots or log destinations', () => {
    const report = compareDrift(
      stateOf(bucket('data')),
      inventoryOf([
        liveBucket('data'),
        liveBucket('shadow'),
        liveVolume('vol-x'),
        aResource({ id: `arn:aws:ec2:eu-west-1:${ACCOUNT_ID}:snapshot/snap-1`, kind: 'snapshot' }),
        aResource({ id: `arn:aws:rds:eu-west-1:${ACCOUNT_ID}:db:replica`, kind: 'database-replica' }),
        aResource({ id: 'arn:aws:s3:::org-trail-logs', kind: 'log-destination' }),
      ]),
    );
    expect(report.unmanaged.map((u) => u.id)).toEqual([
      `arn:aws:ec2:eu-west-1:${ACCOUNT_ID}:volume/vol-x`,
      `arn:aws:rds:eu-west-1:${ACCOUNT_ID}:db:replica`,
      'arn:aws:s3:::shadow',
    ]);
  });

  it('the scope narrows it: kinds, regions, ignored ids (the state bucket)', () => {
    const inventory = inventoryOf([liveBucket('state'), liveBucket('far', { region: 'us-east-1' }), liveVolume('vol-x')]);
    const report = compareDrift(stateOf(), inventory, { kinds: ['bucket'], regions: ['eu-west-1'], ignore: ['arn:aws:s3:::state'] });
    expect(report.unmanaged).toEqual([]);
    expect(compareDrift(stateOf(), inventory, { ignore: ['state'] }).unmanaged.map((u) => u.id)).toEqual([
      `arn:aws:ec2:eu-west-1:${ACCOUNT_ID}:volume/vol-x`,
      'arn:aws:s3:::far',
    ]);
  });

  it('a resource matched by any declared resource is managed, even when its kind differs (a declared database, live as a replica)', () => {
    const replica = aResource({ id: `arn:aws:rds:eu-west-1:${ACCOUNT_ID}:db:r`, kind: 'database-replica' });
    const report = compareDrift(
      stateOf(declared('aws:rds/instance:Instance', 'r', { id: 'db-R', kind: 'database', arn: replica.id })),
      inventoryOf([replica]),
    );
    expect(driftedResources(report)).toBe(0);
  });
});

describe('counts', () => {
  it('per kind for cloudposture_drift_resources{kind}, zeros included, and the total', () => {
    const report = compareDrift(stateOf(bucket('gone'), volume('vol-1')), inventoryOf([liveVolume('vol-1', { encrypted: false }), liveBucket('shadow')]));
    expect(driftCounts(report)).toEqual([
      { kind: 'changed', count: 1 },
      { kind: 'missing', count: 1 },
      { kind: 'unmanaged', count: 1 },
    ]);
    expect(driftedResources(report)).toBe(3);
  });
});
