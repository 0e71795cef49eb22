// The AWS collector: reads one live account (read-only) into the provider-neutral
// Inventory. It never decides compliance; the controls do.
//
// Cost model (see README.md): the number of API calls does not grow with the number
// of identities. Identities come from the IAM credential report (a few calls whatever
// the user count), privilege from GetAccountAuthorizationDetails (one page per 1,000
// entities), virtual MFA from one paginated ListVirtualMFADevices, and only
// privileged users get a direct, fresh ListMFADevices call each. Resources cost a
// fixed number of list calls per region, plus per-bucket and per-own-snapshot reads.

import {
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import {
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  GetEbsEncryptionByDefaultCommand,
  type Tag as Ec2Tag,
} from '@aws-sdk/client-ec2';
import {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  ListMFADevicesCommand,
  ListVirtualMFADevicesCommand,
  type GroupDetail,
  type ManagedPolicyDetail,
  type UserDetail,
} from '@aws-sdk/client-iam';
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
} from '@aws-sdk/client-organizations';
import {
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  type Tag as RdsTag,
} from '@aws-sdk/client-rds';
import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  type Bucket,
} from '@aws-sdk/client-s3';
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';

import type {
  AuditTrail,
  CollectionGap,
  Identity,
  InventoryArea,
  InventoryResult,
  RegionRestriction,
  Resource,
} from '../../inventory/types.js';
import type { CollectTarget, InventoryCollector } from '../types.js';
import { ApiCallRecorder, GapLog } from '../collection-log.js';
import { assembleInventory, FatalCollection, runCollection, settleAreas } from '../collection.js';
import {
  AwsClients,
  AWS_HOME_REGION_ENV,
  buildCredentials,
  resolveEndpoint,
  type AwsClientOptions,
  type AwsCredentialProvider,
} from './clients.js';
import { mapLimit, sleep } from './concurrency.js';
import { accessKeysOf, parseCredentialReport, type CredentialReportRow } from './credential-report.js';
import { classifyAwsError, errorCode, gapReason, type ClassifiedError } from './errors.js';
import { decidePrivileges, type AuthorizationDetails } from './privilege.js';
import { allFlags, bucketExposure, publicAclReason, publicPolicyReason, type PabFlags } from './s3-exposure.js';
import { intersectRegions, regionRestrictionOf } from './scp.js';

export interface AwsCollectorOptions extends AwsClientOptions {
  /** Regions scanned at once (default 8). */
  regionConcurrency?: number;
  /** Buckets read at once (default 16). */
  bucketConcurrency?: number;
  /** Per-resource reads (snapshot attributes, ListMFADevices) at once (default 8). */
  itemConcurrency?: number;
  /** Wait between credential report polls (default 2 s). */
  reportPollIntervalMs?: number;
  /** Give up on the credential report after this long (default 120 s). */
  reportTimeoutMs?: number;
  /** Injected clock. */
  now?: () => Date;
}

const MAX_PAGES = 10_000;

function tagsOf(list: (Ec2Tag | RdsTag)[] | undefined): Record<string, string> | undefined {
  if (!list || list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const t of list) if (t.Key) out[t.Key] = t.Value ?? '';
  return out;
}

function iso(d: Date | string | undefined): string | undefined {
  if (d === undefined) return undefined;
  const x = d instanceof Date ? d : new Date(d);
  return Number.isNaN(x.getTime()) ? undefined : x.toISOString();
}

/** S3 LocationConstraint -> region (empty means us-east-1, `EU` is the legacy eu-west-1). */
export function bucketRegionFromLocation(constraint: string | undefined | null): string {
  if (!constraint) return 'us-east-1';
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
}

/** The partition a region belongs to (moto lists China and GovCloud regions too). */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/** Paginate with a token; stops on a missing or repeated token. */
async function paginate<T>(fetch: (token?: string) => Promise<{ items: T[]; next?: string | undefined }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  const seen = new Set<string>();
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await fetch(token);
    out.push(...page.items);
    if (!page.next || seen.has(page.next)) break;
    seen.add(page.next);
    token = page.next;
  }
  return out;
}

/** One collection run: state and helpers for a single account read. */
class Run {
  readonly resources: Resource[] = [];
  readonly trails = new Map<string, Trail>();
  readonly defaultVolumeEncryption: Record<string, boolean> = {};
  private readonly gapLog = new GapLog();
  accountId = '';
  partition = 'aws';
  /** Buckets this account owns (ListBuckets), name -> region (undefined when unreadable). */
  ownBuckets = new Map<string, string | undefined>();
  private readonly locationCache = new Map<string, Promise<string | undefined>>();
  accountBlock: PabFlags | null | undefined;

  constructor(
    readonly clients: AwsClients,
    readonly target: CollectTarget,
    readonly opts: AwsCollectorOptions,
    readonly signal: AbortSignal,
    readonly secrets: (string | undefined)[],
  ) {}

  get o(): { abortSignal: AbortSignal } {
    return { abortSignal: this.signal };
  }

  classify(err: unknown): ClassifiedError {
    return classifyAwsError(err, this.secrets);
  }

  /** Record a gap for an area (deduplicated by area + reason). Aborts propagate. */
  gap(area: InventoryArea, err: unknown, context: string): void {
    if (this.signal.aborted) throw this.signal.reason ?? err;
    const c = this.classify(err);
    if (c.reason === 'RegionNotEnabled') return; // a disabled region holds nothing
    this.gapLog.add(area, gapReason(c.reason), `${context}: ${c.code}`);
  }

  gaps(): CollectionGap[] {
    return this.gapLog.list();
  }

  /** Run `fn`; on failure record a gap and return undefined. */
  async attempt<T>(area: InventoryArea, context: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      this.gap(area, err, context);
      return undefined;
    }
  }

  fatal(err: unknown, context: string): FatalCollection {
    return err instanceof FatalCollection ? err : FatalCollection.of(context, this.classify(err));
  }

  arn(service: string, region: string, resource: string): string {
    return `arn:${this.partition}:${service}:${region}:${this.accountId}:${resource}`;
  }

  // ---------------------------------------------------------------- identities

  async credentialReport(): Promise<{ rows: CredentialReportRow[]; generatedAt?: string }> {
    const iam = this.clients.iam();
    const poll = this.opts.reportPollIntervalMs ?? 2_000;
    const deadline = Date.now() + (this.opts.reportTimeoutMs ?? 120_000);
    try {
      for (;;) {
        const g = await iam.send(new GenerateCredentialReportCommand({}), this.o);
        if (g.State === 'COMPLETE') break;
        if (Date.now() + poll > deadline) {
          throw new FatalCollection({
            reason: 'CredentialReportTimeout',
            message: `iam:GenerateCredentialReport: report still ${g.State ?? 'pending'} after the timeout`,
          });
        }
        await sleep(poll, this.signal);
      }
      for (;;) {
        try {
          const r = await iam.send(new GetCredentialReportCommand({}), this.o);
          const csv = r.Content ? Buffer.from(r.Content).toString('utf8') : '';
          const generatedAt = iso(r.GeneratedTime);
          return { rows: parseCredentialReport(csv), ...(generatedAt ? { generatedAt } : {}) };
        } catch (err) {
          const code = errorCode(err);
          const pending = code === 'ReportInProgress' || code === 'ReportNotPresent' || code === 'ReportExpired';
          if (!pending || Date.now() + poll > deadline) throw err;
          if (code !== 'ReportInProgress') await iam.send(new GenerateCredentialReportCommand({}), this.o);
          await sleep(poll, this.signal);
        }
      }
    } catch (err) {
      if (this.signal.aborted) throw err;
      throw this.fatal(err, 'iam:GetCredentialReport');
    }
  }

  async authorizationDetails(): Promise<AuthorizationDetails> {
    const iam = this.clients.iam();
    const users: UserDetail[] = [];
    const groups: GroupDetail[] = [];
    const policies: ManagedPolicyDetail[] = [];
    await paginate(async (Marker) => {
      const r = await iam.send(
        new GetAccountAuthorizationDetailsCommand({
          // Roles are not identities here: not asking for them keeps the pages few.
          Filter: ['User', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'],
          MaxItems: 1000,
          ...(Marker ? { Marker } : {}),
        }),
        this.o,
      );
      users.push(...(r.UserDetailList ?? []));
      groups.push(...(r.GroupDetailList ?? []));
      policies.push(...(r.Policies ?? []));
      return { items: [], next: r.IsTruncated ? r.Marker : undefined };
    });
    return { users, groups, policies };
  }

  /** User ARNs with an assigned virtual MFA device, and whether root has one. */
  async virtualMfa(): Promise<{ users: Set<string>; root: boolean }> {
    const iam = this.clients.iam();
    const devices = await paginate(async (Marker) => {
      const r = await iam.send(
        new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned', MaxItems: 1000, ...(Marker ? { Marker } : {}) }),
        this.o,
      );
      return { items: r.VirtualMFADevices ?? [], next: r.IsTruncated ? r.Marker : undefined };
    });
    const users = new Set<string>();
    let root = false;
    for (const d of devices) {
      const arn = d.User?.Arn;
      if (arn?.endsWith(':root') || d.SerialNumber?.endsWith('/root-account-mfa-device')) root = true;
      else if (arn) users.add(arn);
    }
    return { users, root };
  }

  async mfaDeviceCount(userName: string): Promise<number> {
    const iam = this.clients.iam();
    const devices = await paginate(async (Marker) => {
      const r = await iam.send(
        new ListMFADevicesCommand({ UserName: userName, MaxItems: 100, ...(Marker ? { Marker } : {}) }),
        this.o,
      );
      return { items: r.MFADevices ?? [], next: r.IsTruncated ? r.Marker : undefined };
    });
    return devices.length;
  }

  async identities(): Promise<{ identities: Identity[]; rootMfaEnabled?: boolean; generatedAt?: string }> {
    const iam = this.clients.iam();
    const [report, summary, details, vmfa] = await Promise.all([
      this.credentialReport(),
      this.attempt('identities', 'iam:GetAccountSummary', () => iam.send(new GetAccountSummaryCommand({}), this.o)),
      this.attempt('identities', 'iam:GetAccountAuthorizationDetails', () => this.authorizationDetails()),
      this.attempt('identities', 'iam:ListVirtualMFADevices', () => this.virtualMfa()),
    ]);
    const decisions = details ? decidePrivileges(details) : undefined;
    const summaryMfa = summary?.SummaryMap?.AccountMFAEnabled;
    const rootRow = report.rows.find((r) => r.isRoot);
    const rootMfaEnabled =
      summaryMfa !== undefined ? summaryMfa === 1 : rootRow ? rootRow.mfaActive || !!vmfa?.root : undefined;

    // Users: the credential report (can be up to 4 h old on AWS) reconciled with the
    // live authorization details: users deleted since are dropped, users created since
    // are added (their keys appear at the next report).
    type UserFacts = { arn: string; name: string; row?: CredentialReportRow };
    const users: UserFacts[] = [];
    const liveArns = details ? new Set(details.users.map((u) => u.Arn).filter((a): a is string => !!a)) : undefined;
    for (const row of report.rows) {
      if (row.isRoot) continue;
      if (liveArns && !liveArns.has(row.arn)) continue;
      users.push({ arn: row.arn, name: row.user, row });
    }
    if (details) {
      const inReport = new Set(report.rows.map((r) => r.arn));
      for (const u of details.users) {
        if (u.Arn && u.UserName && !inReport.has(u.Arn)) users.push({ arn: u.Arn, name: u.UserName });
      }
    }

    // Freshness: MFA of privileged users is confirmed directly (calls grow with
    // privileged users only).
    const fresh = new Map<string, boolean>();
    const privileged = users.filter((u) => decisions?.get(u.arn)?.privileged);
    await mapLimit(privileged, this.opts.itemConcurrency ?? 8, async (u) => {
      const n = await this.attempt('identities', 'iam:ListMFADevices', () => this.mfaDeviceCount(u.name));
      if (n !== undefined) fresh.set(u.arn, n > 0);
    });

    const identities: Identity[] = [];
    if (rootRow || summary) {
      identities.push({
        id: rootRow?.arn || `arn:${this.partition}:iam::${this.accountId}:root`,
        name: 'root',
        kind: 'root',
        mfaEnabled: rootMfaEnabled ?? false,
        privileged: true,
        interactive: true,
        accessKeys: rootRow ? accessKeysOf(rootRow) : [],
        privilegeSource: 'root user (unrestricted by IAM policies)',
      });
    }
    for (const u of users) {
      const decision = decisions?.get(u.arn);
      const mfa = fresh.get(u.arn) ?? ((u.row?.mfaActive ?? false) || !!vmfa?.users.has(u.arn));
      identities.push({
        id: u.arn,
        name: u.name,
        kind: 'user',
        mfaEnabled: mfa,
        privileged: decision?.privileged ?? false,
        // not yet in the report: console access unknown, assume it (conservative)
        interactive: u.row ? u.row.passwordEnabled === true : true,
        accessKeys: u.row ? accessKeysOf(u.row) : [],
        privilegeSource: decision
          ? decision.source
          : details
            ? 'user created after the authorization details were read'
            : 'undetermined: authorization details not readable',
      });
    }
    return {
      identities,
      ...(rootMfaEnabled !== undefined ? { rootMfaEnabled } : {}),
      ...(report.generatedAt ? { generatedAt: report.generatedAt } : {}),
    };
  }

  // ---------------------------------------------------------------- regions

  async regions(): Promise<string[]> {
    const declared = this.target.account.aws?.regions;
    if (declared && declared.length > 0) return [...new Set(declared)];
    const ec2 = this.clients.ec2(this.clients.homeRegion);
    const r = await this.attempt('resources', 'ec2:DescribeRegions', () =>
      ec2.send(new DescribeRegionsCommand({ AllRegions: false }), this.o),
    );
    const names = (r?.Regions ?? [])
      .filter((x) => x.OptInStatus !== 'not-opted-in')
      .map((x) => x.RegionName)
      .filter((n): n is string => !!n && partitionOfRegion(n) === this.partition);
    if (names.length > 0) return [...new Set(names)].sort();
    // fallback (already recorded as a gap): at least the declared and home regions
    return [...new Set([...this.target.allowedRegions, this.clients.homeRegion])];
  }

  async region(region: string): Promise<void> {
    await Promise.all([
      this.instances(region),
      this.volumes(region),
      this.snapshots(region),
      this.ebsDefault(region),
      this.databases(region),
      this.databaseSnapshots(region),
      this.trailsIn(region),
    ]);
  }

  async instances(region: string): Promise<void> {
    const ec2 = this.clients.ec2(region);
    const reservations = await this.attempt('resources', `ec2:DescribeInstances in ${region}`, () =>
      paginate(async (NextToken) => {
        const r = await ec2.send(new DescribeInstancesCommand({ MaxResults: 1000, ...(NextToken ? { NextToken } : {}) }), this.o);
        return { items: r.Reservations ?? [], next: r.NextToken };
      }),
    );
    for (const res of reservations ?? []) {
      for (const i of res.Instances ?? []) {
        if (!i.InstanceId || i.State?.Name === 'terminated') continue;
        const tags = tagsOf(i.Tags);
        this.resources.push({
          id: this.arn('ec2', region, `instance/${i.InstanceId}`),
          kind: 'compute-instance',
          region,
          ...(tags ? { tags } : {}),
        });
      }
    }
  }

  async volumes(region: string): Promise<void> {
    const ec2 = this.clients.ec2(region);
    const volumes = await this.attempt('resources', `ec2:DescribeVolumes in ${region}`, () =>
      paginate(async (NextToken) => {
        const r = await ec2.send(new DescribeVolumesCommand({ MaxResults: 500, ...(NextToken ? { NextToken } : {}) }), this.o);
        return { items: r.Volumes ?? [], next: r.NextToken };
      }),
    );
    for (const v of volumes ?? []) {
      if (!v.VolumeId) continue;
      const tags = tagsOf(v.Tags);
      // The key id of an encrypted volume is always a key ARN, also for the AWS
      // managed aws/ebs key: whether it is customer-managed needs KMS (not read).
      const cmk = v.Encrypted ? (v.KmsKeyId?.includes('alias/aws/') ? false : undefined) : false;
      this.resources.push({
        id: this.arn('ec2', region, `volume/${v.VolumeId}`),
        kind: 'volume',
        region,
        encrypted: !!v.Encrypted,
        ...(cmk !== undefined ? { customerManagedKey: cmk } : {}),
        ...(tags ? { tags } : {}),
      });
    }
  }

  async snapshots(region: string): Promise<void> {
    const ec2 = this.clients.ec2(region);
    const snaps = await this.attempt('resources', `ec2:DescribeSnapshots in ${region}`, () =>
      paginate(async (NextToken) => {
        const r = await ec2.send(
          new DescribeSnapshotsCommand({
            OwnerIds: ['self'],
            // moto ignores OwnerIds and pre-seeds public AMI snapshots: filter server-side too
            Filters: [{ Name: 'owner-id', Values: [this.accountId] }],
            MaxResults: 1000,
            ...(NextToken ? { NextToken } : {}),
          }),
          this.o,
        );
        return { items: r.Snapshots ?? [], next: r.NextToken };
      }),
    );
    const own = (snaps ?? []).filter((s) => s.SnapshotId && (!s.OwnerId || s.OwnerId === this.accountId));
    await mapLimit(own, this.opts.itemConcurrency ?? 8, async (s) => {
      const id = s.SnapshotId as string;
      const attr = await this.attempt('exposure', `ec2:DescribeSnapshotAttribute in ${region}`, () =>
        ec2.send(new DescribeSnapshotAttributeCommand({ SnapshotId: id, Attribute: 'createVolumePermission' }), this.o),
      );
      const isPublic = attr ? (attr.CreateVolumePermissions ?? []).some((p) => p.Group === 'all') : undefined;
      const tags = tagsOf(s.Tags);
      const cmk = s.Encrypted ? (s.KmsKeyId?.includes('alias/aws/') ? false : undefined) : false;
      this.resources.push({
        id: this.arn('ec2', region, `snapshot/${id}`),
        kind: 'snapshot',
        region,
        encrypted: !!s.Encrypted,
        ...(cmk !== undefined ? { customerManagedKey: cmk } : {}),
        ...(isPublic !== undefined ? { public: isPublic } : {}),
        ...(isPublic ? { publicReason: 'createVolumePermission grants group "all"' } : {}),
        ...(tags ? { tags } : {}),
        ...(s.VolumeId && s.VolumeId !== 'vol-ffffffff' ? { sourceId: this.arn('ec2', region, `volume/${s.VolumeId}`) } : {}),
      });
    });
  }

  async ebsDefault(region: string): Promise<void> {
    const ec2 = this.clients.ec2(region);
    const r = await this.attempt('encryption', `ec2:GetEbsEncryptionByDefault in ${region}`, () =>
      ec2.send(new GetEbsEncryptionByDefaultCommand({}), this.o),
    );
    if (r) this.defaultVolumeEncryption[region] = !!r.EbsEncryptionByDefault;
  }

  async databases(region: string): Promise<void> {
    const rds = this.clients.rds(region);
    const dbs = await this.attempt('resources', `rds:DescribeDBInstances in ${region}`, () =>
      paginate(async (Marker) => {
        const r = await rds.send(new DescribeDBInstancesCommand({ MaxRecords: 100, ...(Marker ? { Marker } : {}) }), this.o);
        return { items: r.DBInstances ?? [], next: r.Marker };
      }),
    );
    for (const db of dbs ?? []) {
      if (!db.DBInstanceIdentifier) continue;
      const source = db.ReadReplicaSourceDBInstanceIdentifier;
      const tags = tagsOf(db.TagList);
      this.resources.push({
        id: db.DBInstanceArn ?? this.arn('rds', region, `db:${db.DBInstanceIdentifier}`),
        kind: source ? 'database-replica' : 'database',
        region,
        encrypted: !!db.StorageEncrypted,
        ...(db.StorageEncrypted ? {} : { customerManagedKey: false }),
        // PubliclyAccessible: the endpoint resolves to a public address (Security Hub RDS.2).
        public: !!db.PubliclyAccessible,
        ...(db.PubliclyAccessible ? { publicReason: 'database endpoint is publicly accessible' } : {}),
        ...(tags ? { tags } : {}),
        ...(source ? { sourceId: source.startsWith('arn:') ? source : this.arn('rds', region, `db:${source}`) } : {}),
      });
    }
  }

  async databaseSnapshots(region: string): Promise<void> {
    const rds = this.clients.rds(region);
    const snaps = await this.attempt('resources', `rds:DescribeDBSnapshots in ${region}`, () =>
      paginate(async (Marker) => {
        const r = await rds.send(new DescribeDBSnapshotsCommand({ MaxRecords: 100, ...(Marker ? { Marker } : {}) }), this.o);
        return { items: r.DBSnapshots ?? [], next: r.Marker };
      }),
    );
    await mapLimit(snaps ?? [], this.opts.itemConcurrency ?? 8, async (s) => {
      if (!s.DBSnapshotIdentifier) return;
      const id = s.DBSnapshotIdentifier;
      let isPublic: boolean | undefined = false; // automated snapshots cannot be shared
      if (s.SnapshotType === 'manual') {
        const attrs = await this.attempt('exposure', `rds:DescribeDBSnapshotAttributes in ${region}`, () =>
          rds.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: id }), this.o),
        );
        isPublic = attrs
          ? (attrs.DBSnapshotAttributesResult?.DBSnapshotAttributes ?? []).some(
              (a) => a.AttributeName === 'restore' && (a.AttributeValues ?? []).includes('all'),
            )
          : undefined;
      }
      const tags = tagsOf(s.TagList);
      this.resources.push({
        id: s.DBSnapshotArn ?? this.arn('rds', region, `snapshot:${id}`),
        kind: 'database-snapshot',
        region,
        encrypted: !!s.Encrypted,
        ...(s.Encrypted ? {} : { customerManagedKey: false }),
        ...(isPublic !== undefined ? { public: isPublic } : {}),
        ...(isPublic ? { publicReason: 'snapshot restore attribute grants "all"' } : {}),
        ...(tags ? { tags } : {}),
        ...(s.DBInstanceIdentifier ? { sourceId: this.arn('rds', region, `db:${s.DBInstanceIdentifier}`) } : {}),
      });
    });
  }

  async trailsIn(region: string): Promise<void> {
    const ct = this.clients.cloudtrail(region);
    // Shadow trails included: an organization trail owned by the management account
    // only appears that way in a member account. De-duplicated by ARN.
    const r = await this.attempt('auditTrails', `cloudtrail:DescribeTrails in ${region}`, () =>
      ct.send(new DescribeTrailsCommand({ includeShadowTrails: true }), this.o),
    );
    for (const t of r?.trailList ?? []) {
      const key = t.TrailARN ?? `${t.HomeRegion ?? region}/${t.Name ?? ''}`;
      if (!this.trails.has(key)) this.trails.set(key, { ...t, HomeRegion: t.HomeRegion ?? region });
    }
  }

  // ---------------------------------------------------------------- S3

  async location(bucket: string): Promise<string | undefined> {
    let p = this.locationCache.get(bucket);
    if (!p) {
      p = this.clients
        .s3()
        .send(new GetBucketLocationCommand({ Bucket: bucket }), this.o)
        .then((r) => bucketRegionFromLocation(r.LocationConstraint));
      this.locationCache.set(bucket, p);
    }
    return p;
  }

  async accountPublicAccessBlock(): Promise<void> {
    const s3c = this.clients.s3control();
    try {
      const r = await s3c.send(new GetAccountPublicAccessBlockCommand({ AccountId: this.accountId }), this.o);
      this.accountBlock = r.PublicAccessBlockConfiguration ?? null;
    } catch (err) {
      if (errorCode(err) === 'NoSuchPublicAccessBlockConfiguration') this.accountBlock = null;
      else this.gap('exposure', err, 's3:GetAccountPublicAccessBlock');
    }
  }

  async buckets(): Promise<void> {
    const s3 = this.clients.s3();
    const listBuckets = async (): Promise<Bucket[] | undefined> => {
      try {
        return await paginate(async (ContinuationToken) => {
          const r = await s3.send(
            new ListBucketsCommand({ MaxBuckets: 1000, ...(ContinuationToken ? { ContinuationToken } : {}) }),
            this.o,
          );
          return { items: r.Buckets ?? [], next: r.ContinuationToken };
        });
      } catch (err) {
        // no bucket list: residency, exposure and encryption of buckets are all unknown
        for (const area of ['resources', 'exposure', 'encryption'] as const) this.gap(area, err, 's3:ListBuckets');
        return undefined;
      }
    };
    const [list] = await Promise.all([listBuckets(), this.accountPublicAccessBlock()]);
    if (!list) return;
    for (const b of list) if (b.Name) this.ownBuckets.set(b.Name, b.BucketRegion);
    await mapLimit(list, this.opts.bucketConcurrency ?? 16, async (b) => {
      if (b.Name) await this.bucket(b.Name, b.BucketRegion);
    });
  }

  async bucket(name: string, listedRegion: string | undefined): Promise<void> {
    let region = listedRegion;
    if (!region) {
      try {
        region = await this.location(name);
      } catch (err) {
        if (errorCode(err) === 'NoSuchBucket') return; // deleted meanwhile
        this.gap('resources', err, 's3:GetBucketLocation');
      }
      this.ownBuckets.set(name, region);
    }
    const s3 = this.clients.s3(region);
    const B = { Bucket: name };
    const read = async <T>(area: InventoryArea, op: string, fn: () => Promise<T>, absent: string[]): Promise<T | null | undefined> => {
      try {
        return await fn();
      } catch (err) {
        if (absent.includes(errorCode(err))) return null;
        this.gap(area, err, op);
        return undefined;
      }
    };
    const [enc, pab, pol, acl] = await Promise.all([
      read('encryption', 's3:GetBucketEncryption', () => s3.send(new GetBucketEncryptionCommand(B), this.o), [
        'ServerSideEncryptionConfigurationNotFoundError',
      ]),
      read('exposure', 's3:GetBucketPublicAccessBlock', () => s3.send(new GetPublicAccessBlockCommand(B), this.o), [
        'NoSuchPublicAccessBlockConfiguration',
      ]),
      read('exposure', 's3:GetBucketPolicy', () => s3.send(new GetBucketPolicyCommand(B), this.o), ['NoSuchBucketPolicy']),
      read('exposure', 's3:GetBucketAcl', () => s3.send(new GetBucketAclCommand(B), this.o), []),
    ]);
    // Encryption: "no configuration" is reported as not encrypted. Since January 2023
    // AWS applies SSE-S3 to every new object even without a configuration (and
    // GetBucketEncryption then returns AES256), so on AWS this only happens for
    // legacy answers; moto keeps answering "not found" for unconfigured buckets.
    let encrypted: boolean | undefined;
    let cmk: boolean | undefined;
    if (enc === null) {
      encrypted = false;
      cmk = false;
    } else if (enc) {
      const rules = enc.ServerSideEncryptionConfiguration?.Rules ?? [];
      const def = rules.map((r) => r.ApplyServerSideEncryptionByDefault).find((d) => d?.SSEAlgorithm);
      encrypted = !!def;
      const keyId = def?.KMSMasterKeyID;
      cmk = !!def && def.SSEAlgorithm?.startsWith('aws:kms') === true && !!keyId && !keyId.includes('alias/aws/');
    }
    const policyReason = pol === undefined ? undefined : pol === null ? null : (publicPolicyReason(pol.Policy) ?? null);
    const aclReason = acl === undefined ? undefined : acl === null ? null : (publicAclReason(acl.Grants) ?? null);
    const exposure = bucketExposure({
      policyReason,
      aclReason,
      bucketBlock: pab === undefined ? undefined : pab === null ? null : (pab.PublicAccessBlockConfiguration ?? null),
      accountBlock: this.accountBlock,
    });
    this.resources.push({
      id: `arn:${this.partition}:s3:::${name}`,
      kind: 'bucket',
      region: region ?? 'unknown',
      ...(encrypted !== undefined ? { encrypted } : {}),
      ...(cmk !== undefined ? { customerManagedKey: cmk } : {}),
      ...exposure,
    });
  }

  // ---------------------------------------------------------------- guardrails

  /**
   * Region guardrail from SCPs attached to the account and its parents (OUs, root).
   * SCPs never restrict the management account, so for it the answer is `null`.
   * undefined: not readable (a member account without delegated Organizations access).
   */
  async regionRestriction(): Promise<RegionRestriction | null | undefined> {
    const org = this.clients.organizations();
    try {
      const d = await org.send(new DescribeOrganizationCommand({}), this.o);
      if (d.Organization?.FeatureSet === 'CONSOLIDATED_BILLING') return null; // no SCPs without all features
      if (d.Organization?.MasterAccountId === this.accountId) return null;
      const targets: string[] = [this.accountId];
      let child = this.accountId;
      for (let depth = 0; depth < 8; depth++) {
        const r = await org.send(new ListParentsCommand({ ChildId: child }), this.o);
        const parent = r.Parents?.[0];
        if (!parent?.Id) break;
        targets.push(parent.Id);
        if (parent.Type === 'ROOT') break;
        child = parent.Id;
      }
      const policyIds = new Map<string, string>();
      for (const t of targets) {
        const summaries = await paginate(async (NextToken) => {
          const r = await org.send(
            new ListPoliciesForTargetCommand({ TargetId: t, Filter: 'SERVICE_CONTROL_POLICY', ...(NextToken ? { NextToken } : {}) }),
            this.o,
          );
          return { items: r.Policies ?? [], next: r.NextToken };
        });
        for (const p of summaries) {
          // FullAWSAccess is AWS managed and allows everything: nothing to read
          if (p.Id && !(p.AwsManaged && p.Name === 'FullAWSAccess')) policyIds.set(p.Id, p.Name ?? p.Id);
        }
      }
      const found: { name: string; regions: string[] }[] = [];
      for (const [id, name] of policyIds) {
        const r = await org.send(new DescribePolicyCommand({ PolicyId: id }), this.o);
        const regions = regionRestrictionOf(r.Policy?.Content);
        if (regions) found.push({ name: `${name} (${id})`, regions });
      }
      if (found.length === 0) return null;
      return {
        allowedRegions: intersectRegions(found.map((f) => f.regions)),
        source: `SCP ${found.map((f) => f.name).join(', ')}`,
      };
    } catch (err) {
      if (errorCode(err) === 'AWSOrganizationsNotInUseException') return null;
      this.gap('guardrails', err, 'organizations');
      return undefined;
    }
  }

  // ---------------------------------------------------------------- audit trails

  async auditTrails(): Promise<AuditTrail[]> {
    const trails = [...this.trails.values()];
    const out = await mapLimit(trails, this.opts.itemConcurrency ?? 8, async (t): Promise<AuditTrail> => {
      const home = t.HomeRegion as string;
      const id = t.TrailARN ?? t.Name ?? 'unknown';
      const status = await this.attempt('auditTrails', `cloudtrail:GetTrailStatus in ${home}`, () =>
        this.clients.cloudtrail(home).send(new GetTrailStatusCommand({ Name: t.TrailARN ?? t.Name }), this.o),
      );
      const dest = t.S3BucketName;
      let destinationRegion: string | undefined;
      let destinationAccountId: string | undefined;
      if (dest) {
        if (this.ownBuckets.has(dest)) {
          destinationAccountId = this.accountId;
          destinationRegion = this.ownBuckets.get(dest);
        } else {
          if (this.target.logVault?.bucket === dest && this.target.logVault.accountId) {
            destinationAccountId = this.target.logVault.accountId;
          }
          // another account's bucket: readable only if its policy lets us; no gap otherwise
          destinationRegion = await this.location(dest).catch(() => undefined);
        }
      }
      const lastDeliveryAt = iso(status?.LatestDeliveryTime);
      return {
        id,
        region: home,
        multiRegion: !!t.IsMultiRegionTrail,
        logging: !!status?.IsLogging,
        ...(dest ? { destination: dest } : {}),
        ...(destinationAccountId ? { destinationAccountId } : {}),
        ...(destinationRegion ? { destinationRegion } : {}),
        ...(lastDeliveryAt ? { lastDeliveryAt } : {}),
        ...(status?.LatestDeliveryError ? { lastDeliveryError: status.LatestDeliveryError } : {}),
      };
    });
    // The log copy is data too: its bucket counts for residency.
    const seen = new Set<string>();
    for (const t of out) {
      if (!t.destination || !t.destinationRegion || seen.has(t.destination)) continue;
      seen.add(t.destination);
      this.resources.push({
        id: `arn:${this.partition}:s3:::${t.destination}`,
        kind: 'log-destination',
        region: t.destinationRegion,
      });
    }
    return out;
  }
}

/**
 * Reads an AWS account into an Inventory. Construct once per operator; `collect` is
 * safe to call concurrently (each call has its own clients and sockets).
 */
export class AwsInventoryCollector implements InventoryCollector {
  constructor(private readonly opts: AwsCollectorOptions = {}) {}

  /**
   * Credentials per collection (an AssumeRole or web-identity exchange costs one STS
   * call per interval, counted in this collection's apiCalls).
   */
  private credentialsFor(target: CollectTarget, recorder: ApiCallRecorder): AwsCredentialProvider {
    const aws = target.account.aws;
    const endpoint = resolveEndpoint(this.opts.endpoint);
    return buildCredentials(
      {
        ...(aws?.roleArn ? { roleArn: aws.roleArn } : {}),
        ...(aws?.externalId ? { externalId: aws.externalId } : {}),
        ...(target.credentials ? { staticCredentials: target.credentials } : {}),
      },
      {
        ...(endpoint ? { endpoint } : {}),
        homeRegion: this.opts.homeRegion ?? process.env[AWS_HOME_REGION_ENV] ?? 'us-east-1',
        maxAttempts: this.opts.maxAttempts ?? 5,
      },
      recorder,
    );
  }

  async collect(target: CollectTarget, signal?: AbortSignal): Promise<InventoryResult> {
    const aws = target.account.aws;
    if (target.provider !== 'aws' || !aws) {
      return { ok: false, failure: { reason: 'ProviderNotSupported', message: 'target is not an AWS account' } };
    }
    if (!/^\d{12}$/.test(aws.accountId)) {
      return { ok: false, failure: { reason: 'InvalidAccount', message: 'spec account id must be 12 digits' } };
    }
    const now = this.opts.now ?? (() => new Date());
    const startedAt = now().toISOString();
    const recorder = new ApiCallRecorder('aws', this.opts.onApiCall);
    const secrets = [target.credentials?.accessKeyId, target.credentials?.secretAccessKey, target.credentials?.sessionToken];
    const clients = new AwsClients(this.credentialsFor(target, recorder), this.opts, recorder);
    const classify = (err: unknown): ClassifiedError => classifyAwsError(err, secrets);
    return runCollection({ signal, classify, cleanup: () => clients.destroy() }, async (control) => {
      const run = new Run(clients, target, this.opts, control.signal, secrets);
      // 1. who are we? (also proves the credentials)
      let caller;
      try {
        caller = await clients.sts().send(new GetCallerIdentityCommand({}), { abortSignal: control.signal });
      } catch (err) {
        throw run.fatal(err, 'sts:GetCallerIdentity');
      }
      if (caller.Account !== aws.accountId) {
        throw new FatalCollection({
          reason: 'AccountMismatch',
          message: `credentials belong to account ${caller.Account ?? 'unknown'}, spec names ${aws.accountId}`,
        });
      }
      run.accountId = aws.accountId;
      run.partition = caller.Arn?.split(':')[1] || 'aws';

      // 2. every area at once; a fatal failure in one stops the others (their requests
      // are cancelled and their clients destroyed by the cleanup)
      const [ids, , , regionRestriction] = await settleAreas(control, [
        run.identities(),
        (async () => {
          const regions = await run.regions();
          await mapLimit(regions, this.opts.regionConcurrency ?? 8, (r) => run.region(r));
          return regions;
        })(),
        run.buckets(),
        run.regionRestriction(),
      ] as const);
      const auditTrails = await run.auditTrails();

      return assembleInventory({
        provider: 'aws',
        accountId: aws.accountId,
        startedAt,
        collectedAt: now().toISOString(),
        identitiesAt: ids.generatedAt,
        identities: ids.identities,
        rootMfaEnabled: ids.rootMfaEnabled,
        resources: run.resources.sort((a, b) => (a.kind + a.id).localeCompare(b.kind + b.id)),
        guardrails: {
          ...(regionRestriction !== undefined ? { regionRestriction } : {}),
          ...(run.accountBlock !== undefined ? { accountPublicAccessBlock: allFlags(run.accountBlock) } : {}),
          defaultVolumeEncryption: run.defaultVolumeEncryption,
        },
        auditTrails: auditTrails.sort((a, b) => a.id.localeCompare(b.id)),
        gaps: run.gaps(),
        apiCalls: recorder.total,
      });
    });
  }
}

export function createAwsCollector(opts: AwsCollectorOptions = {}): AwsInventoryCollector {
  return new AwsInventoryCollector(opts);
}
