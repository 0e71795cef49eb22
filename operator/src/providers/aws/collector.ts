// The AWS provider: reads one live account (read-only) into the provider-neutral
// Inventory (it proves who it is with STS, then reads every service module at once:
// iam (and the AWS Support role), ec2 + rds + the trails per region, s3, organizations;
// then the trails' status),
// reads the delivered CloudTrail files for ChangesTracked (cloudtrail-changes.ts), and
// opens S3 with the same credentials for exit drills. It never decides compliance.
//
// Cost model (see README.md): the number of API calls does not grow with the number
// of identities (iam.ts); resources cost a fixed number of list calls per region, plus
// per-bucket and per-own-snapshot reads.

import type { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';

import type { OrganizationListing } from '../../inventory/organization.js';
import type { InventoryResult, Resource } from '../../inventory/types.js';
import { AnswerLog } from '../answers.js';
import { ApiCallRecorder } from '../collection-log.js';
import { assembleInventory, FatalCollection, runCollection, settleAreas } from '../collection.js';
import { withProviderAccess } from '../provider-access.js';
import type { AccountProbeResult, ChangeQuery, ChangeReadResult, CloudProvider, CollectTarget } from '../types.js';
import {
  AwsClients,
  AWS_HOME_REGION_ENV,
  buildCredentials,
  resolveEndpoint,
  type AwsClientOptions,
  type AwsCredentialProvider,
  type CredentialSpec,
} from './clients.js';
import { changeLogLocation, readCloudTrailChanges } from './cloudtrail-changes.js';
import { describeTrails, readAuditTrails, type TrailsSeen } from './cloudtrail.js';
import { mapLimit } from './concurrency.js';
import { AwsCollection, fatalFrom, type AwsCollectionLimits } from './context.js';
import { readEc2Region, readRegions } from './ec2.js';
import { classifyAwsError } from './errors.js';
import { readIdentities, readSupportRole } from './iam.js';
import { readOrganizationAccounts, type OrganizationReadOptions } from './organization-accounts.js';
import { readRegionRestriction } from './organizations.js';
import { readRdsRegion } from './rds.js';
import { RoleSessions } from './role-sessions.js';
import { BucketLocations, readBuckets } from './s3.js';
import { allFlags } from './s3-exposure.js';

export interface AwsCollectorOptions extends AwsClientOptions, AwsCollectionLimits {
  /** Injected clock. */
  now?: () => Date;
}

function notAws(): { ok: false; failure: { reason: string; message: string } } {
  return { ok: false, failure: { reason: 'ProviderNotSupported', message: 'target is not an AWS account' } };
}

/** Every region's resources, default volume encryption and trails. */
async function readRegional(c: AwsCollection, trails: TrailsSeen): Promise<{ resources: Resource[]; defaultVolumeEncryption: Record<string, boolean> }> {
  const regions = await readRegions(c);
  const resources: Resource[] = [];
  const defaultVolumeEncryption: Record<string, boolean> = {};
  await mapLimit(regions, c.limits.regionConcurrency, async (region) => {
    const [ec2, rds] = await Promise.all([readEc2Region(c, region), readRdsRegion(c, region), describeTrails(c, region, trails)]);
    resources.push(...ec2.resources, ...rds);
    if (ec2.defaultVolumeEncryption !== undefined) defaultVolumeEncryption[region] = ec2.defaultVolumeEncryption;
  });
  return { resources, defaultVolumeEncryption };
}

/** S3 clients with a target's credentials (exit drills); `destroy()` closes their sockets. */
export interface ObjectStore {
  /** A client for the region (default: the home region; S3 follows region redirects). */
  s3(region?: string): S3Client;
  destroy(): void;
}

/**
 * Reads AWS accounts. Construct once per operator; every method is safe to call
 * concurrently (each call has its own clients and sockets).
 */
export class AwsInventoryCollector implements CloudProvider {
  /**
   * Sessions shared by every read of an account: their STS calls are counted in
   * cloudposture_cloud_api_calls_total, not in one collection's apiCalls (no single
   * read made them).
   */
  private readonly sessions: RoleSessions;

  constructor(private readonly opts: AwsCollectorOptions = {}) {
    const recorder = new ApiCallRecorder('aws', opts.onApiCall);
    this.sessions = new RoleSessions((spec) => this.buildSession(spec, recorder));
  }

  private buildSession(spec: CredentialSpec, recorder: ApiCallRecorder): AwsCredentialProvider {
    const endpoint = resolveEndpoint(this.opts.endpoint);
    return buildCredentials(
      spec,
      {
        ...(endpoint ? { endpoint } : {}),
        homeRegion: this.opts.homeRegion ?? process.env[AWS_HOME_REGION_ENV] ?? 'us-east-1',
        maxAttempts: this.opts.maxAttempts ?? 5,
      },
      recorder,
    );
  }

  /**
   * Clients with the target's credentials, every attempt counted (and, for a collection,
   * every answer's digest kept). `fresh`: a new session (the Ready check proves the role
   * can be assumed now), else the account's kept one.
   */
  private clientsFor(target: CollectTarget, answers?: AnswerLog, fresh = false): AwsClients {
    const aws = target.account.aws;
    const spec: CredentialSpec = {
      ...(aws?.roleArn ? { roleArn: aws.roleArn } : {}),
      ...(aws?.externalId ? { externalId: aws.externalId } : {}),
      ...(aws?.sessionName ? { sessionName: aws.sessionName } : {}),
      ...(target.credentials ? { staticCredentials: target.credentials } : {}),
    };
    const recorder = new ApiCallRecorder('aws', this.opts.onApiCall);
    const credentials = fresh ? this.buildSession(spec, recorder) : this.sessions.get(spec);
    return new AwsClients(credentials, this.opts, recorder, answers);
  }

  /**
   * S3 with the target's credentials (role, external id, static credentials; calls
   * counted with `onApiCall`), for reads beside a collection such as an exit drill.
   */
  openObjectStore(target: CollectTarget): ObjectStore {
    const clients = this.clientsFor(target);
    return { s3: (region) => clients.s3(region), destroy: () => clients.destroy() };
  }

  /**
   * ChangesTracked evidence: the CloudTrail files delivered since `query.since`, from the
   * target's changeLogSource, else its log vault, else a logging trail's bucket among
   * `query.auditTrails`. Never rejects for AWS errors.
   */
  async readChanges(target: CollectTarget, query: ChangeQuery): Promise<ChangeReadResult> {
    if (target.provider !== 'aws' || !target.account.aws) return notAws();
    const location = changeLogLocation(target, query.auditTrails ?? []);
    if (!location) {
      return { ok: false, failure: { reason: 'NoChangeLogSource', message: 'no trail delivery bucket, log vault or spec.changeManagement.logSource to read' } };
    }
    // The answers behind ChangesTracked: the listings (client middleware) and each log
    // file's bytes as stored (hashed as they stream through the reader).
    const answers = new AnswerLog('aws', target.account.aws.accountId, this.opts.now ?? (() => new Date()));
    const clients = this.clientsFor(target, answers);
    try {
      const read = await readCloudTrailChanges({
        s3: clients.s3(location.region),
        source: location,
        since: query.since,
        now: query.now,
        watchedIdentities: query.watchedIdentities ?? [],
        ...(query.signal ? { signal: query.signal } : {}),
        onFileRead: (_file, status, sha256) => answers.record({ operation: 'S3:GetObject', region: location.region, status, sha256 }),
      });
      return read.ok ? { ...read, answers: answers.list() } : read;
    } finally {
      clients.destroy();
    }
  }

  /**
   * The CloudAccount's Ready check: sts:GetCallerIdentity with its credentials (the
   * AssumeRole included). The answer goes to the CloudAccount only, so it may name the
   * account the credentials reach.
   */
  async probe(target: CollectTarget, signal?: AbortSignal): Promise<AccountProbeResult> {
    const aws = target.account.aws;
    if (target.provider !== 'aws' || !aws) return notAws();
    const secrets = [target.credentials?.accessKeyId, target.credentials?.secretAccessKey, target.credentials?.sessionToken];
    const clients = this.clientsFor(target, undefined, true);
    try {
      const caller = await clients.sts().send(new GetCallerIdentityCommand({}), { ...(signal ? { abortSignal: signal } : {}) });
      if (caller.Account !== aws.accountId) {
        return { ok: false, failure: { reason: 'AccountMismatch', message: `the credentials reach account ${caller.Account ?? 'unknown'}, spec.aws.accountId is ${aws.accountId}` } };
      }
      return { ok: true, principal: caller.Arn ?? '' };
    } catch (err) {
      return { ok: false, failure: fatalFrom(err, 'sts:GetCallerIdentity', secrets).failure };
    } finally {
      clients.destroy();
    }
  }

  /**
   * Shadow IT discovery: every account of the organisation that the target (the
   * management or a delegated-administrator account) manages, with OU path and status
   * (organization-accounts.ts). Never rejects but for an abort; refused reads are gaps.
   */
  async listOrganizationAccounts(target: CollectTarget, signal?: AbortSignal, limits: Omit<OrganizationReadOptions, 'signal' | 'secrets'> = {}): Promise<OrganizationListing> {
    const secrets = [target.credentials?.accessKeyId, target.credentials?.secretAccessKey, target.credentials?.sessionToken];
    const clients = this.clientsFor(target);
    try {
      return await readOrganizationAccounts(clients, {
        ...(this.opts.now ? { now: this.opts.now } : {}),
        ...limits,
        ...(signal ? { signal } : {}),
        secrets,
      });
    } finally {
      clients.destroy();
    }
  }

  /** The provider's organisation capability (OrganizationLister): the accounts, with default bounds. */
  listOrganization(target: CollectTarget, signal?: AbortSignal): Promise<OrganizationListing> {
    return this.listOrganizationAccounts(target, signal);
  }

  async collect(target: CollectTarget, signal?: AbortSignal): Promise<InventoryResult> {
    const aws = target.account.aws;
    if (target.provider !== 'aws' || !aws) return notAws();
    if (!/^\d{12}$/.test(aws.accountId)) {
      return { ok: false, failure: { reason: 'InvalidAccount', message: 'the CloudAccount account id must be 12 digits' } };
    }
    const now = this.opts.now ?? (() => new Date());
    const startedAt = now().toISOString();
    const secrets = [target.credentials?.accessKeyId, target.credentials?.secretAccessKey, target.credentials?.sessionToken];
    const answers = new AnswerLog('aws', aws.accountId, now);
    const clients = this.clientsFor(target, answers);
    const classify = (err: unknown) => classifyAwsError(err, secrets);
    return runCollection({ signal, classify, cleanup: () => clients.destroy() }, async (control) => {
      // 1. who are we? (also proves the credentials)
      let caller;
      try {
        caller = await clients.sts().send(new GetCallerIdentityCommand({}), { abortSignal: control.signal });
      } catch (err) {
        throw fatalFrom(err, 'sts:GetCallerIdentity', secrets);
      }
      if (caller.Account !== aws.accountId) {
        throw new FatalCollection({
          reason: 'AccountMismatch',
          // Not the caller's account id: a tenant must not learn the operator's own account.
          message: `the credentials reach another AWS account than the CloudAccount declares (${aws.accountId})`,
        });
      }
      const partition = caller.Arn?.split(':')[1] || 'aws';
      const c = new AwsCollection(clients, target, this.opts, control.signal, secrets, aws.accountId, partition);

      // 2. every area at once; a fatal failure in one stops the others (their requests
      // are cancelled and their clients destroyed by the cleanup)
      const trails: TrailsSeen = new Map();
      const locations = new BucketLocations(c);
      const [ids, regional, s3, regionRestriction, supportRole] = await settleAreas(control, [
        readIdentities(c),
        readRegional(c, trails),
        readBuckets(c, locations),
        readRegionRestriction(c),
        readSupportRole(c, now()),
      ] as const);
      // 3. the trails found in every region: status and destination
      const audit = await readAuditTrails(c, trails, { ownBuckets: s3.ownBuckets, locations });

      const resources = [...regional.resources, ...s3.resources, ...audit.resources];
      const inventory = assembleInventory({
        provider: 'aws',
        accountId: aws.accountId,
        ...(caller.Arn ? { readAs: caller.Arn } : {}),
        startedAt,
        collectedAt: now().toISOString(),
        identitiesAt: ids.generatedAt,
        identities: ids.identities,
        rootMfaEnabled: ids.rootMfaEnabled,
        resources: resources.sort((a, b) => (a.kind + a.id).localeCompare(b.kind + b.id)),
        guardrails: {
          ...(regionRestriction !== undefined ? { regionRestriction } : {}),
          ...(s3.accountBlock !== undefined ? { accountPublicAccessBlock: allFlags(s3.accountBlock) } : {}),
          defaultVolumeEncryption: regional.defaultVolumeEncryption,
        },
        auditTrails: audit.auditTrails.sort((a, b) => a.id.localeCompare(b.id)),
        gaps: c.gaps(),
        apiCalls: clients.recorder.total,
        answers: answers.list(),
        answersOmitted: answers.omitted,
      });
      return withProviderAccess(inventory, supportRole !== undefined ? { supportRole } : undefined, startedAt);
    });
  }
}

export function createAwsCollector(opts: AwsCollectorOptions = {}): AwsInventoryCollector {
  return new AwsInventoryCollector(opts);
}
