// CloudTrail -> audit trails: the trails seen from every scanned region (shadow trails
// included), then per trail its status in its home region and where it delivers (owner
// and region of the destination bucket). The log copy is data too, so each destination
// bucket whose region is known is also listed as a `log-destination` resource.
// (Reading the delivered log files for ChangesTracked is cloudtrail-changes.ts.)

import { DescribeTrailsCommand, GetTrailStatusCommand, type Trail } from '@aws-sdk/client-cloudtrail';

import type { AuditTrail, Resource } from '../../inventory/types.js';
import { mapLimit } from './concurrency.js';
import { iso, type AwsCollection } from './context.js';
import type { BucketLocations } from './s3.js';

/** Trails of the account by ARN, each with its home region. */
export type TrailsSeen = Map<string, Trail>;

/**
 * The trails visible in `region`, added to `seen`. Shadow trails included: an
 * organization trail owned by the management account only appears that way in a
 * member account. De-duplicated by ARN.
 */
export async function describeTrails(c: AwsCollection, region: string, seen: TrailsSeen): Promise<void> {
  const ct = c.clients.cloudtrail(region);
  const r = await c.attempt('auditTrails', `cloudtrail:DescribeTrails in ${region}`, () =>
    ct.send(new DescribeTrailsCommand({ includeShadowTrails: true }), c.o),
  );
  for (const t of r?.trailList ?? []) {
    const key = t.TrailARN ?? `${t.HomeRegion ?? region}/${t.Name ?? ''}`;
    if (!seen.has(key)) seen.set(key, { ...t, HomeRegion: t.HomeRegion ?? region });
  }
}

export interface TrailDestinations {
  /** Buckets this account owns, name -> region (from S3). */
  ownBuckets: ReadonlyMap<string, string | undefined>;
  locations: BucketLocations;
}

export async function readAuditTrails(
  c: AwsCollection,
  seen: TrailsSeen,
  destinations: TrailDestinations,
): Promise<{ auditTrails: AuditTrail[]; resources: Resource[] }> {
  const auditTrails = await mapLimit([...seen.values()], c.limits.itemConcurrency, async (t): Promise<AuditTrail> => {
    const home = t.HomeRegion as string;
    const id = t.TrailARN ?? t.Name ?? 'unknown';
    const status = await c.attempt('auditTrails', `cloudtrail:GetTrailStatus in ${home}`, () =>
      c.clients.cloudtrail(home).send(new GetTrailStatusCommand({ Name: t.TrailARN ?? t.Name }), c.o),
    );
    const dest = t.S3BucketName;
    let destinationRegion: string | undefined;
    let destinationAccountId: string | undefined;
    if (dest) {
      if (destinations.ownBuckets.has(dest)) {
        destinationAccountId = c.accountId;
        destinationRegion = destinations.ownBuckets.get(dest);
      } else {
        const vault = c.target.logVault;
        if (vault?.bucket === dest && vault.accountId) destinationAccountId = vault.accountId;
        // another account's bucket: readable only if its policy lets us; no gap otherwise
        destinationRegion = await destinations.locations.get(dest).catch(() => undefined);
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
  const resources: Resource[] = [];
  const listed = new Set<string>();
  for (const t of auditTrails) {
    if (!t.destination || !t.destinationRegion || listed.has(t.destination)) continue;
    listed.add(t.destination);
    resources.push({ id: `arn:${c.partition}:s3:::${t.destination}`, kind: 'log-destination', region: t.destinationRegion });
  }
  return { auditTrails, resources };
}
