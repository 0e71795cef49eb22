// Organizations -> the region guardrail: the SCPs actually attached to the account and
// its parents (OUs up to the root), read and intersected (scp.ts decides what
// restricts regions).

import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
} from '@aws-sdk/client-organizations';

import type { RegionRestriction } from '../../inventory/types.js';
import { paginate, type AwsCollection } from './context.js';
import { errorCode } from './errors.js';
import { intersectRegions, regionRestrictionOf } from './scp.js';

/** OUs can nest five deep under the root; a few more levels of slack. */
const MAX_DEPTH = 8;

/**
 * Region guardrail from SCPs attached to the account and its parents (OUs, root).
 * SCPs never restrict the management account, so for it the answer is `null`.
 * undefined: not readable (a member account without delegated Organizations access).
 */
export async function readRegionRestriction(c: AwsCollection): Promise<RegionRestriction | null | undefined> {
  const org = c.clients.organizations();
  try {
    const d = await org.send(new DescribeOrganizationCommand({}), c.o);
    if (d.Organization?.FeatureSet === 'CONSOLIDATED_BILLING') return null; // no SCPs without all features
    if (d.Organization?.MasterAccountId === c.accountId) return null;
    const targets: string[] = [c.accountId];
    let child = c.accountId;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const r = await org.send(new ListParentsCommand({ ChildId: child }), c.o);
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
          c.o,
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
      const r = await org.send(new DescribePolicyCommand({ PolicyId: id }), c.o);
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
    c.gap('guardrails', err, 'organizations');
    return undefined;
  }
}
