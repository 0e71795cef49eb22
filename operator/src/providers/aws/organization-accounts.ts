// Organizations -> every account of the organisation, with its status, when it joined
// and where it sits (its OU path), for Shadow IT discovery (issue 15). Read-only; it
// never decides what is undeclared (controls/undeclared-services.ts does).
//
// Two reads run at once, from the management or delegated-administrator account:
// - `ListAccounts`, paged: the one consistent list of accounts (the authority for
//   which accounts exist);
// - the hierarchy: `ListRoots`, then per parent (root, then each OU, level by level)
//   `ListOrganizationalUnitsForParent` and `ListAccountsForParent`, paged. That gives
//   every account's OU path with calls proportional to OUs and pages, never one
//   `ListParents` per account.
// An account the walk did not see (moved while the walk ran, or past the walk's bound)
// keeps no path; an account only the walk saw (ListAccounts refused) is still listed.
//
// Cost per pass: ceil(accounts / 20) ListAccounts + ListRoots + per parent
// (1 + extra pages) ListOrganizationalUnitsForParent and (1 + extra pages)
// ListAccountsForParent. Every attempt is counted by the clients' ApiCallRecorder.
//
// A refused read (AccessDenied, no organisation: AWSOrganizationsNotInUseException,
// throttled after the SDK's retries, ...) is a gap with a reason, never an empty list.

import {
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  type Account,
} from '@aws-sdk/client-organizations';

import type { DiscoveredItem, DiscoveredStatus, DiscoveryGap, OrganizationListing } from '../../inventory/organization.js';
import type { AwsClients } from './clients.js';
import { mapLimit } from './concurrency.js';
import { iso, paginate } from './context.js';
import { classifyAwsError, errorCode, gapReason } from './errors.js';

/** The largest page Organizations serves for these list calls. */
const PAGE_SIZE = 20;

/**
 * Accounts read per pass. AWS's default quota is 10 accounts per organisation and large
 * organisations run to a few thousand; past this the listing is a `list` gap
 * (ListingBounded), so the condition says Unknown rather than clearing what it did not read.
 */
export const DEFAULT_MAX_ACCOUNTS = 10_000;
/** OUs walked per pass: AWS's quota is 2,000 OUs per organisation. */
export const DEFAULT_MAX_ORGANIZATIONAL_UNITS = 2_000;
/** AWS nests OUs at most five deep under the root; a few levels of slack. */
const MAX_OU_DEPTH = 8;
/** Parents read at once: Organizations throttles early (a few requests per second). */
const DEFAULT_CONCURRENCY = 4;

export interface OrganizationReadOptions {
  signal?: AbortSignal;
  /** Values never to appear in a gap message (the target's static credentials). */
  secrets?: readonly (string | undefined)[];
  /** Injected clock (readAt). */
  now?: () => Date;
  maxAccounts?: number;
  maxOrganizationalUnits?: number;
  concurrency?: number;
}

/**
 * Provider-neutral status of an account. `State` (newer SDKs and APIs: adds CLOSED and
 * PENDING_ACTIVATION) is read when the answer has it, `Status` otherwise.
 */
export function accountStatusOf(a: Pick<Account, 'Status' | 'State'>): { status: DiscoveredStatus; providerStatus: string } {
  const state = a.State as string | undefined;
  const legacy = a.Status as string | undefined;
  const value = state ?? legacy;
  const status: DiscoveredStatus =
    value === 'ACTIVE'
      ? 'active'
      : value === 'PENDING_ACTIVATION'
        ? 'pending'
        : value === 'SUSPENDED'
          ? 'suspended'
          : value === 'PENDING_CLOSURE'
            ? 'closing'
            : value === 'CLOSED'
              ? 'closed'
              : 'unknown';
  const shown = [...new Set([legacy, state].filter((v): v is string => Boolean(v)))];
  return { status, providerStatus: shown.length > 0 ? shown.join('/') : 'none' };
}

/** `arn:aws:organizations::111111111111:root/o-abc/r-abcd` -> `o-abc`. */
function organizationIdOf(rootArn: string | undefined): string | undefined {
  const id = rootArn?.split(':').pop()?.split('/')[1];
  return id && id.startsWith('o-') ? id : undefined;
}

interface Place {
  path: string;
  pathNames: string;
}

class Gaps {
  private readonly byKey = new Map<string, DiscoveryGap>();

  add(gap: DiscoveryGap): void {
    const key = `${gap.area}/${gap.reason}`;
    if (!this.byKey.has(key)) this.byKey.set(key, gap);
  }

  list(): DiscoveryGap[] {
    return [...this.byKey.values()].sort((a, b) => `${a.area}/${a.reason}`.localeCompare(`${b.area}/${b.reason}`));
  }
}

/** Every account of the organisation the clients' credentials manage. Never rejects but for an abort. */
export async function readOrganizationAccounts(clients: AwsClients, opts: OrganizationReadOptions = {}): Promise<OrganizationListing> {
  const now = opts.now ?? (() => new Date());
  const readAt = now().toISOString();
  const callsBefore = clients.recorder.total;
  const maxAccounts = opts.maxAccounts ?? DEFAULT_MAX_ACCOUNTS;
  const maxOus = opts.maxOrganizationalUnits ?? DEFAULT_MAX_ORGANIZATIONAL_UNITS;
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const org = clients.organizations();
  const o = opts.signal ? { abortSignal: opts.signal } : {};
  const gaps = new Gaps();

  /** A failed read as a gap; an abort propagates. */
  const gap = (area: DiscoveryGap['area'], err: unknown, context: string): void => {
    if (opts.signal?.aborted) throw opts.signal.reason ?? err;
    if (errorCode(err) === 'AWSOrganizationsNotInUseException') {
      gaps.add({ kind: 'account', area, reason: 'OrganizationsNotInUse', message: `${context}: the account is not in an organisation (AWSOrganizationsNotInUseException)` });
      return;
    }
    const c = classifyAwsError(err, opts.secrets ?? []);
    gaps.add({ kind: 'account', area, reason: gapReason(c.reason), message: `${context}: ${c.code}` });
  };

  const listAccounts = async (): Promise<{ accounts: Account[] } | { error: unknown }> => {
    try {
      const all = await paginate(async (NextToken) => {
        const r = await org.send(new ListAccountsCommand({ MaxResults: PAGE_SIZE, ...(NextToken ? { NextToken } : {}) }), o);
        return { items: r.Accounts ?? [], next: r.NextToken };
      });
      if (all.length > maxAccounts) {
        gaps.add({ kind: 'account', area: 'list', reason: 'ListingBounded', message: `organizations:ListAccounts: more than ${maxAccounts} accounts; only the first ${maxAccounts} were kept` });
      }
      return { accounts: all.slice(0, maxAccounts) };
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
      return { error: err };
    }
  };

  interface Tree {
    places: Map<string, Place>;
    /** Accounts met under the parents walked. */
    seen: Map<string, Account>;
    /** Every parent was walked: `seen` holds every account of the organisation. */
    complete: boolean;
    organizationId?: string;
    error?: unknown;
  }

  const walk = async (): Promise<Tree> => {
    const tree: Tree = { places: new Map(), seen: new Map(), complete: false };
    try {
      const roots = await paginate(async (NextToken) => {
        const r = await org.send(new ListRootsCommand({ ...(NextToken ? { NextToken } : {}) }), o);
        return { items: r.Roots ?? [], next: r.NextToken };
      });
      const organizationId = organizationIdOf(roots[0]?.Arn);
      if (organizationId) tree.organizationId = organizationId;
      let level: { id: string; place: Place }[] = roots
        .filter((r) => r.Id)
        .map((r) => ({ id: r.Id as string, place: { path: r.Id as string, pathNames: r.Name ?? 'Root' } }));
      let ous = 0;
      let complete = true;
      for (let depth = 0; level.length > 0; depth++) {
        if (depth > MAX_OU_DEPTH) {
          complete = false;
          gaps.add({ kind: 'account', area: 'path', reason: 'ListingBounded', message: `organizational units nested deeper than ${MAX_OU_DEPTH} levels were not walked` });
          break;
        }
        const children = await mapLimit(level, concurrency, async (parent) => {
          const [units, accounts] = await Promise.all([
            paginate(async (NextToken) => {
              const r = await org.send(
                new ListOrganizationalUnitsForParentCommand({ ParentId: parent.id, MaxResults: PAGE_SIZE, ...(NextToken ? { NextToken } : {}) }),
                o,
              );
              return { items: r.OrganizationalUnits ?? [], next: r.NextToken };
            }),
            paginate(async (NextToken) => {
              const r = await org.send(
                new ListAccountsForParentCommand({ ParentId: parent.id, MaxResults: PAGE_SIZE, ...(NextToken ? { NextToken } : {}) }),
                o,
              );
              return { items: r.Accounts ?? [], next: r.NextToken };
            }),
          ]);
          for (const a of accounts) {
            if (!a.Id) continue;
            tree.places.set(a.Id, parent.place);
            tree.seen.set(a.Id, a);
          }
          return units
            .filter((u) => u.Id)
            .map((u) => ({
              id: u.Id as string,
              place: { path: `${parent.place.path}/${u.Id as string}`, pathNames: `${parent.place.pathNames}/${u.Name ?? u.Id}` },
            }));
        });
        level = children.flat();
        ous += level.length;
        if (ous > maxOus) {
          complete = false;
          gaps.add({ kind: 'account', area: 'path', reason: 'ListingBounded', message: `more than ${maxOus} organizational units; accounts below the rest have no path` });
          level = level.slice(0, Math.max(0, level.length - (ous - maxOus)));
        }
      }
      tree.complete = complete;
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
      tree.error = err;
    }
    return tree;
  };

  const [listed, tree] = await Promise.all([listAccounts(), walk()]);

  // ListAccounts is the authority for which accounts exist. When it was refused, a
  // complete walk lists the same accounts (every account has exactly one parent), so
  // the listing is still whole; otherwise nothing may be concluded: a `list` gap.
  let source: Account[];
  if ('accounts' in listed && errorCode(tree.error) === 'AWSOrganizationsNotInUseException') {
    // no organisation: whatever ListAccounts answered (moto 5.2.1 answers an empty list)
    // lists nothing
    source = [];
    gap('list', tree.error, 'organizations: OU hierarchy');
  } else if ('accounts' in listed) {
    source = listed.accounts;
    if (tree.error !== undefined) gap('path', tree.error, 'organizations: OU hierarchy');
  } else if (tree.complete) {
    source = [...tree.seen.values()].slice(0, maxAccounts);
    if (tree.seen.size > maxAccounts) {
      gaps.add({ kind: 'account', area: 'list', reason: 'ListingBounded', message: `more than ${maxAccounts} accounts under the OUs walked; only the first ${maxAccounts} were kept` });
    }
  } else {
    source = [];
    gap('list', listed.error, 'organizations:ListAccounts');
  }

  const items: DiscoveredItem[] = [];
  for (const a of source) {
    if (!a.Id) continue;
    const place = tree.places.get(a.Id);
    const joinedAt = iso(a.JoinedTimestamp);
    items.push({
      kind: 'account',
      id: a.Id,
      name: a.Name ?? a.Id,
      ...(place ? { path: place.path, pathNames: place.pathNames } : {}),
      ...accountStatusOf(a),
      ...(joinedAt ? { joinedAt } : {}),
    });
  }
  items.sort((x, y) => x.id.localeCompare(y.id));
  if (tree.complete) {
    const unplaced = items.filter((i) => i.path === undefined).length;
    if (unplaced > 0) {
      gaps.add({ kind: 'account', area: 'path', reason: 'NotInHierarchy', message: `${unplaced} account(s) listed by ListAccounts were under no OU walked (moved during the pass?)` });
    }
  }

  return {
    provider: 'aws',
    ...(tree.organizationId ? { organizationId: tree.organizationId } : {}),
    readAt,
    items,
    gaps: gaps.list(),
    apiCalls: clients.recorder.total - callsBefore,
  };
}
