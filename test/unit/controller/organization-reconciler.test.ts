// A CloudOrganization's reconciler, with fakes: what the pure decision
// (controls/undeclared-services.ts, its own table test) does not cover. One Event per
// newly undeclared item across passes and restarts, never one per reconcile; the status
// bound; the gauge values; the account read through (target, credentials, missing);
// the last listing reused when only the declarations changed; writes only on change.

import { Writable } from 'node:stream';
import type { CloudAccount, CloudOrganization, CloudOrganizationStatus, CloudService } from '../../../operator/src/api/types.js';
import {
  MAX_EVENTS_PER_PASS,
  MAX_UNDECLARED_IN_STATUS,
  OrganizationReconciler,
} from '../../../operator/src/controller/organization-reconciler.js';
import type { DiscoveredItem, OrganizationListing } from '../../../operator/src/inventory/organization.js';
import type { EventInput } from '../../../operator/src/kube/api.js';
import { createLogger } from '../../../operator/src/log.js';
import { OperatorMetrics } from '../../../operator/src/metrics.js';
import type { CollectTarget } from '../../../operator/src/providers/types.js';
import { anAccount, OPERATOR_NAMESPACE } from '../account-fakes.js';

const quiet = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));
const signal = new AbortController().signal;
const HOUR = 3_600_000;
const MANAGEMENT = '111111111111';

const member = (n: number, status: DiscoveredItem['status'] = 'active'): DiscoveredItem => ({
  kind: 'account',
  id: String(200000000000 + n),
  name: `member-${n}`,
  path: 'r-ab12/ou-ab12-work',
  pathNames: 'Root/Workloads',
  status,
  providerStatus: status === 'active' ? 'ACTIVE' : 'SUSPENDED',
  joinedAt: '2026-11-01T00:00:00.000Z',
});

function anOrganization(spec: Partial<CloudOrganization['spec']> = {}, status?: CloudOrganizationStatus): CloudOrganization {
  return {
    apiVersion: 'cloudposture.io/v1alpha1',
    kind: 'CloudOrganization',
    metadata: { name: 'acme', uid: 'org-uid-1', generation: 1, resourceVersion: '1' },
    spec: { accountRef: { name: 'management' }, interval: '1h', ...spec },
    ...(status ? { status } : {}),
  };
}

function setup(options: { organization?: CloudOrganization; accounts?: CloudAccount[]; secrets?: Record<string, Record<string, string>> } = {}) {
  let now = new Date('2026-12-01T10:00:00Z');
  const stored = { organization: options.organization ?? anOrganization() };
  const accounts = new Map<string, CloudAccount>();
  for (const a of options.accounts ?? [anAccount({ name: 'management', spec: { aws: { accountId: MANAGEMENT } } })]) accounts.set(a.metadata.name ?? '', a);
  const writes: CloudOrganizationStatus[] = [];
  const events: EventInput[] = [];
  const listed: CollectTarget[] = [];
  const org = { items: [{ ...member(0), id: MANAGEMENT, name: 'management' }] as DiscoveredItem[], gaps: [] as OrganizationListing['gaps'] };
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const services: CloudService[] = [];
  const deps = {
    api: {
      patchOrganizationStatus: async (_name: string, status: CloudOrganizationStatus) => {
        writes.push(status);
        stored.organization = { ...stored.organization, status };
      },
      createEvent: async (event: EventInput) => {
        events.push(event);
      },
    },
    organizations: { get: (name: string) => (name === stored.organization.metadata.name ? stored.organization : undefined) },
    accounts: { get: (name: string) => accounts.get(name), list: () => [...accounts.values()] },
    services: { list: (): readonly CloudService[] => services },
    credentials: { api: { readSecret: async (ns: string, name: string) => options.secrets?.[`${ns}/${name}`] }, operatorNamespace: OPERATOR_NAMESPACE },
    listOrganization: async (target: CollectTarget): Promise<OrganizationListing> => {
      listed.push(target);
      return { provider: 'aws', organizationId: 'o-abc123', readAt: now.toISOString(), items: [...org.items], gaps: [...org.gaps], apiCalls: 3 };
    },
    metrics,
    log: quiet,
    clock: () => now,
    random: () => 0.5,
  };
  const make = () => new OrganizationReconciler(deps);
  const gauge = async (kind: string) => {
    const m = (await metrics.undeclaredServices.get()).values.find((v) => v.labels.organization === 'acme' && v.labels.kind === kind);
    return m?.value;
  };
  return {
    reconciler: make(),
    restart: make,
    stored,
    accounts,
    services,
    org,
    writes,
    events,
    listed,
    gauge,
    metrics,
    declare: (id: string, name = `decl-${id}`) => accounts.set(name, anAccount({ name, spec: { aws: { accountId: id } } })),
    advance: (ms: number) => (now = new Date(now.getTime() + ms)),
  };
}

const condition = (s: CloudOrganizationStatus | undefined, type: string) => s?.conditions?.find((c) => c.type === type);

const APP_ID = 'a1b2c3d4-0000-4000-8000-0000000000aa';
const saasApp: DiscoveredItem = {
  kind: 'saas-app',
  id: APP_ID,
  name: 'Acme Mail Assistant',
  status: 'active',
  providerStatus: 'accountEnabled true',
  consent: { publisherTenantId: 'b1b2c3d4-0000-4000-8000-0000000000bb', scopes: ['Mail.Read', 'User.Read'], adminConsent: false, consentingUsers: 3, appRoleAssignments: 1, firstConsentAt: '2026-09-14T10:00:00.000Z' },
};

describe('OrganizationReconciler', () => {
  it('lists through the named account, reports the active undeclared ones, one Event each, and the gauge', async () => {
    const t = setup();
    t.org.items.push(member(1), member(2), member(3, 'suspended'));
    t.declare(member(1).id);
    const result = await t.reconciler.reconcile('acme', signal);
    expect(result).toEqual({ kind: 'done', requeueAfterMs: HOUR });
    expect(t.listed[0]).toMatchObject({ provider: 'aws', accountName: 'management', account: { aws: { accountId: MANAGEMENT } } });
    const status = t.writes[0];
    expect(status).toMatchObject({ provider: 'aws', organizationId: 'o-abc123', accounts: 4, undeclaredCount: 1, undeclaredOmitted: 0, observedGeneration: 1 });
    expect(status?.undeclared).toEqual([
      expect.objectContaining({ kind: 'account', id: member(2).id, name: 'member-2', pathNames: 'Root/Workloads', status: 'active', firstSeen: '2026-12-01T10:00:00Z' }),
    ]);
    expect(condition(status, 'Ready')).toMatchObject({ status: 'True', reason: 'Listed' });
    expect(condition(status, 'AllServicesDeclared')).toMatchObject({ status: 'False', reason: 'UndeclaredServices' });
    expect(t.events).toHaveLength(1);
    expect(t.events[0]).toMatchObject({ namespace: 'default', type: 'Warning', reason: 'UndeclaredServiceFound', involved: { kind: 'CloudOrganization', name: 'acme', uid: 'org-uid-1' } });
    expect(t.events[0]?.message).toContain(member(2).id);
    expect(await t.gauge('account')).toBe(1);
    // AWS lists accounts only: no series for the kinds it cannot see.
    expect(await t.gauge('subscription')).toBeUndefined();
  });

  it('records one Event per item across passes, a restart and a new item, never one per reconcile', async () => {
    const t = setup();
    t.org.items.push(member(1));
    await t.reconciler.reconcile('acme', signal);
    t.advance(HOUR);
    await t.reconciler.reconcile('acme', signal);
    // A restart decides from status.
    const again = t.restart();
    t.advance(HOUR);
    await again.reconcile('acme', signal);
    expect(t.events.map((e) => e.message.includes(member(1).id))).toEqual([true]);
    t.org.items.push(member(2));
    t.advance(HOUR);
    await again.reconcile('acme', signal);
    expect(t.events).toHaveLength(2);
    expect(t.events[1]?.message).toContain(member(2).id);
    // firstSeen is kept across passes and the restart.
    const last = t.stored.organization.status?.undeclared ?? [];
    expect(last.map((u) => [u.id, u.firstSeen])).toEqual([
      [member(1).id, '2026-12-01T10:00:00Z'],
      [member(2).id, '2026-12-01T13:00:00Z'],
    ]);
  });

  it('clears when the account is declared, from the last listing (no cloud call), without another Event', async () => {
    const t = setup();
    t.org.items.push(member(1));
    await t.reconciler.reconcile('acme', signal);
    t.declare(member(1).id);
    t.advance(60_000);
    const result = await t.reconciler.reconcile('acme', signal);
    expect(t.listed).toHaveLength(1);
    expect(t.stored.organization.status).toMatchObject({ undeclaredCount: 0, undeclared: [] });
    expect(condition(t.stored.organization.status, 'AllServicesDeclared')).toMatchObject({ status: 'True', reason: 'AllDeclared' });
    expect(await t.gauge('account')).toBe(0);
    expect(t.events).toHaveLength(1);
    // The next listing stays where the first pass put it.
    expect(result).toEqual({ kind: 'done', requeueAfterMs: HOUR - 60_000 });
  });

  it('accepts what spec.ignore lists', async () => {
    const t = setup({ organization: anOrganization({ ignore: [{ kind: 'account', id: member(1).id, reason: 'log archive' }] }) });
    t.org.items.push(member(1));
    await t.reconciler.reconcile('acme', signal);
    expect(t.writes[0]).toMatchObject({ undeclaredCount: 0 });
    expect(t.events).toEqual([]);
  });

  it('bounds status.undeclared (most recently found kept), counts the rest, and bounds the Events of one pass', async () => {
    const t = setup();
    for (let i = 1; i <= MAX_UNDECLARED_IN_STATUS + 5; i++) t.org.items.push(member(i));
    await t.reconciler.reconcile('acme', signal);
    expect(t.events).toHaveLength(MAX_EVENTS_PER_PASS + 1);
    expect(t.events.at(-1)?.message).toMatch(/^195 more undeclared items found in organisation o-abc123/);
    t.advance(HOUR);
    t.org.items.push(member(999));
    await t.reconciler.reconcile('acme', signal);
    const status = t.stored.organization.status;
    expect(status?.undeclared).toHaveLength(MAX_UNDECLARED_IN_STATUS);
    expect(status).toMatchObject({ undeclaredCount: MAX_UNDECLARED_IN_STATUS + 6, undeclaredOmitted: 6 });
    expect(status?.undeclared?.some((u) => u.id === member(999).id)).toBe(true);
    expect(await t.gauge('account')).toBe(MAX_UNDECLARED_IN_STATUS + 6);
    // The items beyond the bound are remembered: only the new one was announced.
    expect(t.events).toHaveLength(MAX_EVENTS_PER_PASS + 2);
    // After a restart the omitted ones cannot be told from new ones: that pass announces nothing.
    const again = t.restart();
    t.advance(HOUR);
    await again.reconcile('acme', signal);
    expect(t.events).toHaveLength(MAX_EVENTS_PER_PASS + 2);
  });

  it('is not Ready, and never says "all declared", when the account is missing or its Secret lacks keys; lists nothing', async () => {
    const t = setup({ accounts: [] });
    const result = await t.reconciler.reconcile('acme', signal);
    expect(t.listed).toEqual([]);
    expect(condition(t.writes[0], 'Ready')).toMatchObject({ status: 'False', reason: 'CloudAccountNotFound', message: 'CloudAccount management does not exist' });
    expect(condition(t.writes[0], 'AllServicesDeclared')).toMatchObject({ status: 'Unknown', reason: 'CloudAccountNotFound' });
    // Tried again within minutes, not an hour.
    expect(result).toEqual({ kind: 'done', requeueAfterMs: 5 * 60_000 });

    const keyed = setup({ accounts: [anAccount({ name: 'management', spec: { aws: { accountId: MANAGEMENT }, credentialsSecretRef: { name: 'keys' } } })], secrets: { [`${OPERATOR_NAMESPACE}/keys`]: { AWS_ACCESS_KEY_ID: 'AKIA' } } });
    await keyed.reconciler.reconcile('acme', signal);
    expect(keyed.listed).toEqual([]);
    expect(condition(keyed.writes[0], 'Ready')).toMatchObject({ status: 'False', reason: 'CredentialsMissing' });
    expect(condition(keyed.writes[0], 'Ready')?.message).toContain('AWS_SECRET_ACCESS_KEY');
  });

  it('reads with the account Secret when it names one (the same path as the account check)', async () => {
    const t = setup({
      accounts: [anAccount({ name: 'management', spec: { aws: { accountId: MANAGEMENT }, credentialsSecretRef: { name: 'keys' } } })],
      secrets: { [`${OPERATOR_NAMESPACE}/keys`]: { AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 's3cret' } },
    });
    await t.reconciler.reconcile('acme', signal);
    expect(t.listed[0]?.credentials).toEqual({ accessKeyId: 'AKIA1', secretAccessKey: 's3cret' });
    expect(JSON.stringify(t.writes)).not.toContain('s3cret');
  });

  it('keeps what it found while a listing is refused (Unknown, lower bound), and announces nothing again', async () => {
    const t = setup();
    t.org.items.push(member(1));
    await t.reconciler.reconcile('acme', signal);
    t.org.items = [];
    t.org.gaps = [{ kind: 'account', area: 'list', reason: 'AccessDenied', message: 'organizations:ListAccounts denied' }];
    t.advance(HOUR);
    await t.reconciler.reconcile('acme', signal);
    const status = t.stored.organization.status;
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: 'AccessDenied' });
    expect(condition(status, 'AllServicesDeclared')).toMatchObject({ status: 'Unknown', reason: 'AccessDenied' });
    // The last complete count is kept.
    expect(status).toMatchObject({ undeclaredCount: 1, accounts: 2 });
    expect(await t.gauge('account')).toBe(1);
    expect(t.events).toHaveLength(1);
  });

  it('writes status only when something but lastCheckedAt changed, or once per interval', async () => {
    const t = setup();
    t.org.items.push(member(1));
    await t.reconciler.reconcile('acme', signal);
    t.advance(10 * 60_000);
    t.accounts.set('unrelated', anAccount({ name: 'unrelated', spec: { aws: { accountId: '999999999999' } } }));
    await t.reconciler.reconcile('acme', signal);
    expect(t.writes).toHaveLength(1);
    t.advance(HOUR);
    await t.reconciler.reconcile('acme', signal);
    expect(t.writes).toHaveLength(2);
    expect(t.listed).toHaveLength(2);
  });

  it('lists again when the spec changes, and drops the series of a deleted organisation', async () => {
    const t = setup();
    t.org.items.push(member(1));
    await t.reconciler.reconcile('acme', signal);
    t.stored.organization = { ...t.stored.organization, metadata: { ...t.stored.organization.metadata, generation: 2 } };
    await t.reconciler.reconcile('acme', signal);
    expect(t.listed).toHaveLength(2);
    t.stored.organization = { ...t.stored.organization, metadata: { ...t.stored.organization.metadata, name: 'gone' } };
    await t.reconciler.reconcile('acme', signal);
    expect(await t.gauge('account')).toBeUndefined();
  });

  it('publishes a SaaS app with its consents, names a details gap without leaving Ready or the decision, and a SaaS CloudService declares the app', async () => {
    const t = setup();
    t.org.items.push(saasApp);
    t.org.gaps.push({ kind: 'subscription', area: 'details', reason: 'NotVisible', message: '1 subscription(s) of the hierarchy are not visible to the identity' });
    await t.reconciler.reconcile('acme', signal);
    const status = t.writes.at(-1);
    expect(status?.undeclared).toEqual([
      expect.objectContaining({
        kind: 'saas-app',
        id: APP_ID,
        consent: { publisherTenantId: saasApp.consent?.publisherTenantId, scopes: ['Mail.Read', 'User.Read'], adminConsent: false, consentingUsers: 3, appRoleAssignments: 1, firstConsentAt: '2026-09-14T10:00:00Z' },
      }),
    ]);
    expect(condition(status, 'Ready')).toMatchObject({ status: 'True', reason: 'Listed' });
    expect(condition(status, 'Ready')?.message).toContain('Facts missing (subscription NotVisible)');
    expect(condition(status, 'AllServicesDeclared')).toMatchObject({ status: 'False', reason: 'UndeclaredServices' });
    expect(condition(status, 'AllServicesDeclared')?.message).toContain('Facts missing (subscription NotVisible)');
    expect(t.events).toHaveLength(1);

    t.services.push({
      apiVersion: 'cloudposture.io/v1alpha1',
      kind: 'CloudService',
      metadata: { name: 'mail', namespace: 'team-a' },
      spec: { provider: 'azure', model: 'SaaS', owner: 'it', criticality: 'low', classification: 'internal', accountRef: { name: 'm365' }, allowedRegions: ['westeurope'], saas: { entraApplicationId: APP_ID.toUpperCase() } },
    });
    await t.reconciler.reconcile('acme', signal);
    expect(t.listed).toHaveLength(1); // the last listing, no cloud call
    expect(condition(t.writes.at(-1), 'AllServicesDeclared')).toMatchObject({ status: 'True', reason: 'AllDeclared' });
    expect(t.writes.at(-1)?.undeclared).toEqual([]);
    expect(t.events).toHaveLength(1);
  });
});
