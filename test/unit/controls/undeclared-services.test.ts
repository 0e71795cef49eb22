// Shadow IT decision (controls/undeclared-services.ts): what a listing found that nobody
// declared, first seen carried over, new ones once, suspended / closed accounts never,
// Unknown (never False) from a partial read, and a bounded condition message.

import {
  ALL_SERVICES_DECLARED,
  MAX_IDS_IN_MESSAGE,
  declaredIdsOf,
  undeclaredServices,
  type PreviousUndeclared,
  type UndeclaredInput,
} from '../../../operator/src/controls/undeclared-services.js';
import type { DiscoveredItem, DiscoveredStatus, DiscoveryGap } from '../../../operator/src/inventory/organization.js';

const NOW = new Date('2026-12-10T12:00:00Z');
const EARLIER = '2026-12-01T08:00:00.000Z';

const acct = (id: string, status: DiscoveredStatus = 'active'): DiscoveredItem => ({
  kind: 'account',
  id,
  name: `acct-${id}`,
  path: 'r-root/ou-root-a',
  status,
  providerStatus: status.toUpperCase(),
});
const sub = (id: string): DiscoveredItem => ({ kind: 'subscription', id, name: `sub-${id}`, status: 'active', providerStatus: 'Enabled' });
const prev = (id: string, firstSeen = EARLIER, kind: DiscoveredItem['kind'] = 'account'): PreviousUndeclared => ({ kind, id, firstSeen });
const listGap: DiscoveryGap = { kind: 'account', area: 'list', reason: 'AccessDenied', message: 'organizations:ListAccounts: AccessDeniedException' };
const pathGap: DiscoveryGap = { kind: 'account', area: 'path', reason: 'Throttled', message: 'organizations: OU hierarchy: TooManyRequestsException' };

function run(over: Partial<UndeclaredInput> & { items?: DiscoveredItem[]; gaps?: DiscoveryGap[] }) {
  return undeclaredServices({
    listing: { items: over.items ?? [], gaps: over.gaps ?? [] },
    declared: over.declared ?? {},
    previous: over.previous ?? [],
    now: NOW,
  });
}

const ids = (xs: readonly { id: string }[]) => xs.map((x) => x.id);

describe('undeclaredServices', () => {
  it.each([
    {
      name: 'everything declared -> True, nothing counted',
      items: [acct('111111111111'), acct('222222222222')],
      declared: { account: ['111111111111', '222222222222'] },
      previous: [],
      want: { undeclared: [], appeared: [], resolved: [], status: 'True', reason: 'AllDeclared', account: 0 },
    },
    {
      name: 'a new undeclared account -> False, appears once with firstSeen now',
      items: [acct('111111111111'), acct('333333333333')],
      declared: { account: ['111111111111'] },
      previous: [],
      want: { undeclared: ['333333333333'], appeared: ['333333333333'], resolved: [], status: 'False', reason: 'UndeclaredServices', account: 1 },
    },
    {
      name: 'carried: seen before, not new again',
      items: [acct('333333333333')],
      declared: {},
      previous: [prev('333333333333')],
      want: { undeclared: ['333333333333'], appeared: [], resolved: [], status: 'False', reason: 'UndeclaredServices', account: 1 },
    },
    {
      name: 'resolved by declaring it',
      items: [acct('333333333333')],
      declared: { account: ['333333333333'] },
      previous: [prev('333333333333')],
      want: { undeclared: [], appeared: [], resolved: ['333333333333'], status: 'True', reason: 'AllDeclared', account: 0 },
    },
    {
      name: 'resolved by closing it (suspended now)',
      items: [acct('333333333333', 'suspended')],
      declared: {},
      previous: [prev('333333333333')],
      want: { undeclared: [], appeared: [], resolved: ['333333333333'], status: 'True', reason: 'AllDeclared', account: 0 },
    },
    {
      name: 'resolved because it left the organisation (a complete listing no longer has it)',
      items: [],
      declared: {},
      previous: [prev('333333333333')],
      want: { undeclared: [], appeared: [], resolved: ['333333333333'], status: 'True', reason: 'AllDeclared', account: 0 },
    },
    {
      name: 'suspended, closing and closed accounts are not shadow IT; pending and unknown are',
      items: [acct('100000000001', 'suspended'), acct('100000000002', 'closing'), acct('100000000003', 'closed'), acct('100000000004', 'pending'), acct('100000000005', 'unknown')],
      declared: {},
      previous: [],
      want: { undeclared: ['100000000004', '100000000005'], appeared: ['100000000004', '100000000005'], resolved: [], status: 'False', reason: 'UndeclaredServices', account: 2 },
    },
    {
      name: 'a path gap decides nothing: the list is complete',
      items: [acct('111111111111')],
      gaps: [pathGap],
      declared: { account: ['111111111111'] },
      previous: [],
      want: { undeclared: [], appeared: [], resolved: [], status: 'True', reason: 'AllDeclared', account: 0 },
    },
    {
      name: 'a list gap -> Unknown with its reason; nothing resolved from the partial read',
      items: [],
      gaps: [listGap],
      declared: {},
      previous: [prev('333333333333')],
      want: { undeclared: ['333333333333'], appeared: [], resolved: [], status: 'Unknown', reason: 'AccessDenied', account: 1 },
    },
    {
      name: 'a list gap still lets a declaration clear an earlier item',
      items: [],
      gaps: [listGap],
      declared: { account: ['333333333333'] },
      previous: [prev('333333333333')],
      want: { undeclared: [], appeared: [], resolved: ['333333333333'], status: 'Unknown', reason: 'AccessDenied', account: 0 },
    },
    {
      name: 'a partial read that found an undeclared account: listed and announced, but Unknown, never False',
      items: [acct('444444444444')],
      gaps: [{ ...listGap, reason: 'ListingBounded', message: 'more than 1 accounts' }],
      declared: {},
      previous: [],
      want: { undeclared: ['444444444444'], appeared: ['444444444444'], resolved: [], status: 'Unknown', reason: 'ListingBounded', account: 1 },
    },
  ])('$name', ({ items, gaps, declared, previous, want }) => {
    const out = run({ items, gaps: gaps ?? [], declared, previous });
    expect(ids(out.undeclared)).toEqual(want.undeclared);
    expect(ids(out.appeared)).toEqual(want.appeared);
    expect(ids(out.resolved)).toEqual(want.resolved);
    expect(out.condition).toMatchObject({ type: ALL_SERVICES_DECLARED, status: want.status, reason: want.reason });
    expect(out.counts).toEqual({ account: want.account, subscription: 0, 'saas-app': 0 });
  });

  it('carries firstSeen over and stamps new items with now', () => {
    const out = run({ items: [acct('333333333333'), acct('444444444444')], previous: [prev('333333333333')] });
    expect(out.undeclared.map((u) => [u.id, u.firstSeen])).toEqual([
      ['333333333333', EARLIER],
      ['444444444444', NOW.toISOString()],
    ]);
    // the item keeps where it sits and its status
    expect(out.undeclared[0]).toMatchObject({ kind: 'account', name: 'acct-333333333333', path: 'r-root/ou-root-a', status: 'active' });
  });

  it('a previous firstSeen that does not parse is read as now, not as an error', () => {
    const out = run({ items: [acct('333333333333')], previous: [prev('333333333333', 'yesterday')] });
    expect(out.undeclared[0]?.firstSeen).toBe(NOW.toISOString());
    expect(out.appeared).toEqual([]);
  });

  it('compares ids without case or surrounding space, per kind', () => {
    const g = 'AAAAAAAA-0000-0000-0000-000000000001';
    const out = run({
      items: [sub(g.toLowerCase()), acct('111111111111')],
      // the same id declared under another kind declares nothing
      declared: { subscription: [` ${g} `], 'saas-app': ['111111111111'] },
    });
    expect(out.undeclared.map((u) => `${u.kind} ${u.id}`)).toEqual(['account 111111111111']);
    expect(out.counts).toEqual({ account: 1, subscription: 0, 'saas-app': 0 });
  });

  it('counts per kind and orders by kind then id', () => {
    const out = run({ items: [sub('b-sub'), acct('222222222222'), sub('a-sub'), acct('111111111111')] });
    expect(out.undeclared.map((u) => `${u.kind} ${u.id}`)).toEqual(['account 111111111111', 'account 222222222222', 'subscription a-sub', 'subscription b-sub']);
    expect(out.counts).toEqual({ account: 2, subscription: 2, 'saas-app': 0 });
  });

  it(`names at most ${MAX_IDS_IN_MESSAGE} ids in the message and counts the rest`, () => {
    const items = Array.from({ length: 12 }, (_, i) => acct(String(100000000000 + i)));
    const out = run({ items });
    expect(out.condition.status).toBe('False');
    expect(out.condition.message).toMatch(/^12 undeclared: account 100000000000, account 100000000001, account 100000000002, account 100000000003, account 100000000004 and 7 more\./);
    expect(out.condition.message).not.toContain('100000000005');
    expect(out.undeclared).toHaveLength(12);
  });

  it('the Unknown message names the gap, and what the partial read found, bounded too', () => {
    const items = Array.from({ length: 7 }, (_, i) => acct(String(200000000000 + i)));
    const out = run({ items, gaps: [listGap, { ...listGap, reason: 'Throttled' }] });
    expect(out.condition.status).toBe('Unknown');
    expect(out.condition.message).toContain('organizations:ListAccounts: AccessDeniedException (+1 more gap)');
    expect(out.condition.message).toContain('7 undeclared found so far');
    expect(out.condition.message).toContain('and 2 more');
  });

  it('is pure: the same input gives the same output and the input is not changed', () => {
    const input: UndeclaredInput = { listing: { items: [acct('333333333333')], gaps: [] }, declared: {}, previous: [prev('333333333333')], now: NOW };
    const copy = JSON.parse(JSON.stringify(input.listing)) as unknown;
    expect(undeclaredServices(input)).toEqual(undeclaredServices(input));
    expect(input.listing).toEqual(copy);
  });
});

describe('declaredIdsOf', () => {
  it('reads spec.aws.accountId and spec.azure.subscriptionId of CloudAccounts', () => {
    expect(
      declaredIdsOf([
        { spec: { provider: 'aws', aws: { accountId: '111111111111' } } },
        { spec: { provider: 'azure', azure: { tenantId: 't', subscriptionId: 's-1' } } },
      ] as Parameters<typeof declaredIdsOf>[0]),
    ).toEqual({ account: ['111111111111'], subscription: ['s-1'], 'saas-app': [] });
  });

  it('reads spec.saas.entraApplicationId of CloudServices (any namespace) as declared saas-apps', () => {
    const app = 'a1b2c3d4-0000-4000-8000-000000000001';
    type Services = NonNullable<Parameters<typeof declaredIdsOf>[1]>;
    const service = (spec: object) => ({ spec }) as unknown as Services[number];
    const declared = declaredIdsOf([], [service({ provider: 'azure', model: 'SaaS', saas: { entraApplicationId: app } }), service({ provider: 'azure', model: 'PaaS' })]);
    expect(declared['saas-app']).toEqual([app]);
    // Compared case-insensitively, like every id: the app is declared.
    const saasApp: DiscoveredItem = { kind: 'saas-app', id: app.toLowerCase(), name: 'Acme', status: 'active', providerStatus: 'accountEnabled true' };
    const upper = declaredIdsOf([], [service({ provider: 'azure', model: 'SaaS', saas: { entraApplicationId: app.toUpperCase() } })]);
    expect(run({ items: [saasApp], declared: upper }).condition.status).toBe('True');
  });
});

describe('details gaps: items complete, some facts missing', () => {
  const app: DiscoveredItem = { kind: 'saas-app', id: 'a1b2c3d4-0000-4000-8000-000000000002', name: 'Acme', status: 'active', providerStatus: 'accountEnabled true' };
  const grantsGap: DiscoveryGap = { kind: 'saas-app', area: 'details', reason: 'AccessDenied', message: 'Graph oauth2PermissionGrants: Authorization_RequestDenied; the apps are listed without their consents' };
  const stateGap: DiscoveryGap = { kind: 'subscription', area: 'details', reason: 'NotVisible', message: '1 subscription(s) are not visible' };

  it('leave the condition decided (False / True) and name the missing facts in the message', () => {
    const found = run({ items: [app], gaps: [grantsGap] });
    expect(found.condition).toMatchObject({ status: 'False', reason: 'UndeclaredServices' });
    expect(found.condition.message).toContain('Facts missing (saas-app AccessDenied): Graph oauth2PermissionGrants');
    const clean = run({ items: [app], gaps: [grantsGap, stateGap], declared: { 'saas-app': [app.id] } });
    expect(clean.condition).toMatchObject({ status: 'True', reason: 'AllDeclared' });
    expect(clean.condition.message).toMatch(/Facts missing \(saas-app AccessDenied\): .* \(\+1 more\)\.$/);
  });

  it('do not make a kind partial: what was undeclared before and is gone now is resolved', () => {
    const out = run({ items: [], gaps: [grantsGap], previous: [prev(app.id, EARLIER, 'saas-app')] });
    expect(out.undeclared).toEqual([]);
    expect(ids(out.resolved)).toEqual([app.id]);
    expect(out.condition.status).toBe('True');
  });

  it('without them the message is unchanged', () => {
    expect(run({ items: [app] }).condition.message).not.toContain('Facts missing');
  });
});
