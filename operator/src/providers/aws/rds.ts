// RDS, per region: DB instances (read replicas carry their source) and DB snapshots,
// with the restore attribute of each manual snapshot (automated ones cannot be shared).

import {
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
} from '@aws-sdk/client-rds';

import type { Resource } from '../../inventory/types.js';
import { mapLimit } from './concurrency.js';
import { tagsOf, type AwsCollection } from './context.js';

/** One region's databases and database snapshots, read at once. */
export async function readRdsRegion(c: AwsCollection, region: string): Promise<Resource[]> {
  const [databases, snapshots] = await Promise.all([readDatabases(c, region), readDatabaseSnapshots(c, region)]);
  return [...databases, ...snapshots];
}

async function readDatabases(c: AwsCollection, region: string): Promise<Resource[]> {
  const rds = c.clients.rds(region);
  const dbs = await c.list('resources', `rds:DescribeDBInstances in ${region}`, async (Marker) => {
    const r = await rds.send(new DescribeDBInstancesCommand({ MaxRecords: 100, ...(Marker ? { Marker } : {}) }), c.o);
    return { items: r.DBInstances ?? [], next: r.Marker };
  });
  const out: Resource[] = [];
  for (const db of dbs ?? []) {
    if (!db.DBInstanceIdentifier) continue;
    const source = db.ReadReplicaSourceDBInstanceIdentifier;
    const tags = tagsOf(db.TagList);
    out.push({
      id: db.DBInstanceArn ?? c.arn('rds', region, `db:${db.DBInstanceIdentifier}`),
      kind: source ? 'database-replica' : 'database',
      region,
      encrypted: !!db.StorageEncrypted,
      ...(db.StorageEncrypted ? {} : { customerManagedKey: false }),
      // PubliclyAccessible: the endpoint resolves to a public address (Security Hub RDS.2).
      public: !!db.PubliclyAccessible,
      ...(db.PubliclyAccessible ? { publicReason: 'database endpoint is publicly accessible' } : {}),
      ...(tags ? { tags } : {}),
      ...(source ? { sourceId: source.startsWith('arn:') ? source : c.arn('rds', region, `db:${source}`) } : {}),
    });
  }
  return out;
}

async function readDatabaseSnapshots(c: AwsCollection, region: string): Promise<Resource[]> {
  const rds = c.clients.rds(region);
  const snaps = await c.list('resources', `rds:DescribeDBSnapshots in ${region}`, async (Marker) => {
    const r = await rds.send(new DescribeDBSnapshotsCommand({ MaxRecords: 100, ...(Marker ? { Marker } : {}) }), c.o);
    return { items: r.DBSnapshots ?? [], next: r.Marker };
  });
  const read = await mapLimit(snaps ?? [], c.limits.itemConcurrency, async (s): Promise<Resource | undefined> => {
    if (!s.DBSnapshotIdentifier) return undefined;
    const id = s.DBSnapshotIdentifier;
    let isPublic: boolean | undefined = false; // automated snapshots cannot be shared
    if (s.SnapshotType === 'manual') {
      const attrs = await c.attempt('exposure', `rds:DescribeDBSnapshotAttributes in ${region}`, () =>
        rds.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: id }), c.o),
      );
      isPublic = attrs
        ? (attrs.DBSnapshotAttributesResult?.DBSnapshotAttributes ?? []).some(
            (a) => a.AttributeName === 'restore' && (a.AttributeValues ?? []).includes('all'),
          )
        : undefined;
    }
    const tags = tagsOf(s.TagList);
    return {
      id: s.DBSnapshotArn ?? c.arn('rds', region, `snapshot:${id}`),
      kind: 'database-snapshot',
      region,
      encrypted: !!s.Encrypted,
      ...(s.Encrypted ? {} : { customerManagedKey: false }),
      ...(isPublic !== undefined ? { public: isPublic } : {}),
      ...(isPublic ? { publicReason: 'snapshot restore attribute grants "all"' } : {}),
      ...(tags ? { tags } : {}),
      ...(s.DBInstanceIdentifier ? { sourceId: c.arn('rds', region, `db:${s.DBInstanceIdentifier}`) } : {}),
    };
  });
  return read.filter((r): r is Resource => r !== undefined);
}
