// Organizations -> the SCPs that apply to the account: the policies attached to the
// account and each of its parents (OUs up to the root), read once per collection and
// shared by the region guardrail (scp.ts decides what restricts regions) and the
// privilege evaluation (privilege.ts, which says in its evidence when they could not
// be read).

import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
} from '@aws-sdk/client-organizations';

import type { RegionRestriction } from '../../inventory/types.js';
import { paginate, type AwsCollection } from './context.js';
import { errorCode } from './errors.js';
import { FULL_AWS_ACCESS, type ScpView } from './privilege.js';
import { intersectRegions, regionRestrictionOf } from './scp.js';

/** OUs can nest five deep under the root; a few more levels of slack. */
const MAX_DEPTH = 8;

type ScpRead = { view: ScpView; error?: unknown };

const reads = new WeakMap<AwsCollection, Promise<ScpRead>>();

async function readScps(c: AwsCollection): Promise<ScpRead> {
  const org = c.clients.organizations();
  try {
    const d = await org.send(new DescribeOrganizationCommand({}), c.o);
    if (d.Organization?.FeatureSet === 'CONSOLIDATED_BILLING') return { view: { state: 'none', reason: 'consolidated billing only' } };
    if (d.Organization?.MasterAccountId === c.accountId) return { view: { state: 'none', reason: 'management account' } };
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
    const levels: Extract<ScpView, { state: 'applies' }>['levels'] = [];
    const contents = new Map<string, string>();
    for (const t of targets.reverse()) {
      const summaries = await paginate(async (NextToken) => {
        const r = await org.send(
          new ListPoliciesForTargetCommand({ TargetId: t, Filter: 'SERVICE_CONTROL_POLICY', ...(NextToken ? { NextToken } : {}) }),
          c.o,
        );
        return { items: r.Policies ?? [], next: r.NextToken };
      });
      const policies: { name: string; content: string }[] = [];
      for (const p of summaries) {
        if (!p.Id) continue;
        const name = `${p.Name ?? p.Id} (${p.Id})`;
        // FullAWSAccess is AWS managed and allows everything: nothing to read
        if (p.AwsManaged && p.Name === 'FullAWSAccess') {
          policies.push({ name, content: FULL_AWS_ACCESS });
          continue;
        }
        let content = contents.get(p.Id);
        if (content === undefined) {
          const r = await org.send(new DescribePolicyCommand({ PolicyId: p.Id }), c.o);
          content = r.Policy?.Content ?? '';
          contents.set(p.Id, content);
        }
        policies.push({ name, content });
      }
      levels.push({ id: t, policies });
    }
    return { view: { state: 'applies', levels } };
  } catch (err) {
    const code = errorCode(err);
    if (code === 'AWSOrganizationsNotInUseException') return { view: { state: 'none', reason: 'no organization' } };
    if (c.signal.aborted) throw err;
    return { view: { state: 'unreadable', reason: `organizations: ${c.classify(err).code}` }, error: err };
  }
}

/** The SCPs of the account's OU path, read once per collection (never rejects but for an abort). */
export function readServiceControlPolicies(c: AwsCollection): Promise<ScpView> {
  return scpRead(c).then((r) => r.view);
}

function scpRead(c: AwsCollection): Promise<ScpRead> {
  let p = reads.get(c);
  if (!p) {
    p = readScps(c);
    reads.set(c, p);
  }
  return p;
}

/**
 * Region guardrail from SCPs attached to the account and its parents (OUs, root).
 * SCPs never restrict the management account, so for it the answer is `null`.
 * undefined: not readable (a member account without delegated Organizations access).
 */
export async function readRegionRestriction(c: AwsCollection): Promise<RegionRestriction | null | undefined> {
  const { view, error } = await scpRead(c);
  if (view.state === 'unreadable') {
    c.gap('guardrails', error, 'organizations');
    return undefined;
  }
  if (view.state === 'none') return null;
  const found: { name: string; regions: string[] }[] = [];
  const seen = new Set<string>();
  for (const level of view.levels) {
    for (const p of level.policies) {
      if (seen.has(p.name)) continue;
      seen.add(p.name);
      const regions = regionRestrictionOf(p.content);
      if (regions) found.push({ name: p.name, regions });
    }
  }
  if (found.length === 0) return null;
  return {
    allowedRegions: intersectRegions(found.map((f) => f.regions)),
    source: `SCP ${found.map((f) => f.name).join(', ')}`,
  };
}
