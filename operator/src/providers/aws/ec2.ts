// EC2: the regions to scan, and per region the instances, volumes, own snapshots (with
// their createVolumePermission) and EBS encryption by default. A fixed number of list
// calls per region, plus one attribute read per own snapshot.

import {
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  GetEbsEncryptionByDefaultCommand,
} from '@aws-sdk/client-ec2';

import type { Resource } from '../../inventory/types.js';
import { mapLimit } from './concurrency.js';
import { tagsOf, type AwsCollection } from './context.js';

/** The partition a region belongs to (moto lists China and GovCloud regions too). */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/**
 * the CloudAccount's spec.aws.regions, else every enabled region of the caller's partition:
 * residency must find data outside the allowed regions.
 */
export async function readRegions(c: AwsCollection): Promise<string[]> {
  const declared = c.target.account.aws?.regions;
  if (declared && declared.length > 0) return [...new Set(declared)];
  const ec2 = c.clients.ec2(c.clients.homeRegion);
  const r = await c.attempt('resources', 'ec2:DescribeRegions', () => ec2.send(new DescribeRegionsCommand({ AllRegions: false }), c.o));
  const names = (r?.Regions ?? [])
    .filter((x) => x.OptInStatus !== 'not-opted-in')
    .map((x) => x.RegionName)
    .filter((n): n is string => !!n && partitionOfRegion(n) === c.partition);
  if (names.length > 0) return [...new Set(names)].sort();
  // fallback (already recorded as a gap): at least the declared and home regions
  return [...new Set([...c.target.allowedRegions, c.clients.homeRegion])];
}

export interface Ec2RegionFacts {
  resources: Resource[];
  /** GetEbsEncryptionByDefault; undefined when unreadable (a gap). */
  defaultVolumeEncryption?: boolean;
}

/** One region's instances, volumes, snapshots and default volume encryption, read at once. */
export async function readEc2Region(c: AwsCollection, region: string): Promise<Ec2RegionFacts> {
  const [instances, volumes, snapshots, ebsDefault] = await Promise.all([
    readInstances(c, region),
    readVolumes(c, region),
    readSnapshots(c, region),
    c.attempt('encryption', `ec2:GetEbsEncryptionByDefault in ${region}`, () =>
      c.clients.ec2(region).send(new GetEbsEncryptionByDefaultCommand({}), c.o),
    ),
  ]);
  return {
    resources: [...instances, ...volumes, ...snapshots],
    ...(ebsDefault ? { defaultVolumeEncryption: !!ebsDefault.EbsEncryptionByDefault } : {}),
  };
}

async function readInstances(c: AwsCollection, region: string): Promise<Resource[]> {
  const ec2 = c.clients.ec2(region);
  const reservations = await c.list('resources', `ec2:DescribeInstances in ${region}`, async (NextToken) => {
    const r = await ec2.send(new DescribeInstancesCommand({ MaxResults: 1000, ...(NextToken ? { NextToken } : {}) }), c.o);
    return { items: r.Reservations ?? [], next: r.NextToken };
  });
  const out: Resource[] = [];
  for (const res of reservations ?? []) {
    for (const i of res.Instances ?? []) {
      if (!i.InstanceId || i.State?.Name === 'terminated') continue;
      const tags = tagsOf(i.Tags);
      out.push({ id: c.arn('ec2', region, `instance/${i.InstanceId}`), kind: 'compute-instance', region, ...(tags ? { tags } : {}) });
    }
  }
  return out;
}

/**
 * The key id of an encrypted volume or snapshot is always a key ARN, also for the AWS
 * managed aws/ebs key: whether it is customer-managed needs KMS (not read).
 */
function customerManagedKeyOf(encrypted: boolean | undefined, kmsKeyId: string | undefined): boolean | undefined {
  return encrypted ? (kmsKeyId?.includes('alias/aws/') ? false : undefined) : false;
}

async function readVolumes(c: AwsCollection, region: string): Promise<Resource[]> {
  const ec2 = c.clients.ec2(region);
  const volumes = await c.list('resources', `ec2:DescribeVolumes in ${region}`, async (NextToken) => {
    const r = await ec2.send(new DescribeVolumesCommand({ MaxResults: 500, ...(NextToken ? { NextToken } : {}) }), c.o);
    return { items: r.Volumes ?? [], next: r.NextToken };
  });
  const out: Resource[] = [];
  for (const v of volumes ?? []) {
    if (!v.VolumeId) continue;
    const tags = tagsOf(v.Tags);
    const cmk = customerManagedKeyOf(v.Encrypted, v.KmsKeyId);
    out.push({
      id: c.arn('ec2', region, `volume/${v.VolumeId}`),
      kind: 'volume',
      region,
      encrypted: !!v.Encrypted,
      ...(cmk !== undefined ? { customerManagedKey: cmk } : {}),
      ...(tags ? { tags } : {}),
    });
  }
  return out;
}

async function readSnapshots(c: AwsCollection, region: string): Promise<Resource[]> {
  const ec2 = c.clients.ec2(region);
  const snaps = await c.list('resources', `ec2:DescribeSnapshots in ${region}`, async (NextToken) => {
    const r = await ec2.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ['self'],
        // moto ignores OwnerIds and pre-seeds public AMI snapshots: filter server-side too
        Filters: [{ Name: 'owner-id', Values: [c.accountId] }],
        MaxResults: 1000,
        ...(NextToken ? { NextToken } : {}),
      }),
      c.o,
    );
    return { items: r.Snapshots ?? [], next: r.NextToken };
  });
  const own = (snaps ?? []).filter((s) => s.SnapshotId && (!s.OwnerId || s.OwnerId === c.accountId));
  return mapLimit(own, c.limits.itemConcurrency, async (s): Promise<Resource> => {
    const id = s.SnapshotId as string;
    const attr = await c.attempt('exposure', `ec2:DescribeSnapshotAttribute in ${region}`, () =>
      ec2.send(new DescribeSnapshotAttributeCommand({ SnapshotId: id, Attribute: 'createVolumePermission' }), c.o),
    );
    const isPublic = attr ? (attr.CreateVolumePermissions ?? []).some((p) => p.Group === 'all') : undefined;
    const tags = tagsOf(s.Tags);
    const cmk = customerManagedKeyOf(s.Encrypted, s.KmsKeyId);
    return {
      id: c.arn('ec2', region, `snapshot/${id}`),
      kind: 'snapshot',
      region,
      encrypted: !!s.Encrypted,
      ...(cmk !== undefined ? { customerManagedKey: cmk } : {}),
      ...(isPublic !== undefined ? { public: isPublic } : {}),
      ...(isPublic ? { publicReason: 'createVolumePermission grants group "all"' } : {}),
      ...(tags ? { tags } : {}),
      ...(s.VolumeId && s.VolumeId !== 'vol-ffffffff' ? { sourceId: c.arn('ec2', region, `volume/${s.VolumeId}`) } : {}),
    };
  });
}
