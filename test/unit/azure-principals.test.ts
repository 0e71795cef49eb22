// Principals with privilege that the registration report does not list (principals.ts):
// service principals and managed identities holding an Azure role, users the report
// leaves out; how identitiesFromGraph lists them and how MFA coverage treats them.

import { mfaSummary } from '../../operator/src/controls/mfa/mfa-summary.js';
import { privilegedMfa } from '../../operator/src/controls/mfa/privileged-mfa.js';
import { identitiesFromGraph, type DirectoryRoleAssignment, type UserRegistrationDetails } from '../../operator/src/providers/azure/identities.js';
import {
  GET_BY_IDS_BATCH,
  identityOfPrincipal,
  readDirectoryObjects,
  unresolvedPrincipals,
  type DirectoryObject,
} from '../../operator/src/providers/azure/principals.js';
import { RbacIncomplete, type RbacGrant } from '../../operator/src/providers/azure/rbac.js';
import { anInput, anInventory } from './builders.js';

const NOW = new Date('2026-11-15T12:00:00Z');
const SUB = '/subscriptions/11111111-2222-4333-a444-555555555555';
const OWNER: RbacGrant = { role: 'Owner', scope: SUB, writes: { action: '*', plane: 'control' } };
const READER: RbacGrant = { role: 'Reader', scope: SUB };
const DECIDED = { privileged: true, source: `Azure RBAC: Owner at ${SUB} (allows *)` };

const sp = (o: Partial<DirectoryObject> = {}): DirectoryObject => ({
  '@odata.type': '#microsoft.graph.servicePrincipal',
  id: 'sp-1',
  appId: 'app-1',
  displayName: 'deploy-pipeline',
  accountEnabled: true,
  servicePrincipalType: 'Application',
  passwordCredentials: [{ keyId: 'abcdef12-0000-0000-0000-00000000beef', startDateTime: '2026-01-01T00:00:00Z', endDateTime: '2027-01-01T00:00:00Z' }],
  ...o,
});

describe('a principal outside the registration report as an identity', () => {
  it('lists a service principal as a non-interactive workload with its secrets as keys', () => {
    expect(identityOfPrincipal(sp(), DECIDED, NOW)).toEqual({
      id: 'sp-1',
      name: 'deploy-pipeline',
      kind: 'service-principal',
      mfaEnabled: false,
      privileged: true,
      interactive: false,
      accessKeys: [{ id: 'abcd…beef', active: true, createdAt: '2026-01-01T00:00:00Z' }],
      privilegeSource: DECIDED.source,
    });
  });

  it('names a managed identity, and a disabled or expired secret is not an active key', () => {
    const mi = identityOfPrincipal(sp({ servicePrincipalType: 'ManagedIdentity', displayName: undefined, passwordCredentials: [] }), DECIDED, NOW);
    expect(mi).toMatchObject({ name: 'app-1', accessKeys: [], privilegeSource: `${DECIDED.source}; managed identity` });
    expect(identityOfPrincipal(sp({ accountEnabled: false }), DECIDED, NOW)?.accessKeys[0]?.active).toBe(false);
    const expired = sp({ passwordCredentials: [{ keyId: 'k-expired-0001', startDateTime: '2024-01-01T00:00:00Z', endDateTime: '2025-01-01T00:00:00Z' }] });
    expect(identityOfPrincipal(expired, DECIDED, NOW)?.accessKeys[0]?.active).toBe(false);
  });

  it('lists a user the report leaves out: disabled cannot sign in; enabled counts as without MFA', () => {
    const user = { '@odata.type': '#microsoft.graph.user', id: 'u-9', displayName: 'Joey Cruz', accountEnabled: false };
    expect(identityOfPrincipal(user, DECIDED, NOW)).toMatchObject({
      kind: 'user',
      name: 'Joey Cruz',
      interactive: false,
      mfaEnabled: false,
      privilegeSource: `${DECIDED.source}; account disabled (not in the registration report): cannot sign in`,
    });
    expect(identityOfPrincipal({ ...user, accountEnabled: true, userPrincipalName: 'joey@x' }, DECIDED, NOW)).toMatchObject({
      name: 'joey@x',
      interactive: true,
      mfaEnabled: false,
      privilegeSource: `${DECIDED.source}; not yet in the registration report: MFA unread, counted as absent`,
    });
  });

  it('lists no group, device or object without an id', () => {
    expect(identityOfPrincipal({ '@odata.type': '#microsoft.graph.group', id: 'g' }, DECIDED, NOW)).toBeUndefined();
    expect(identityOfPrincipal({ '@odata.type': '#microsoft.graph.device', id: 'd' }, DECIDED, NOW)).toBeUndefined();
    expect(identityOfPrincipal(sp({ id: undefined }), DECIDED, NOW)).toBeUndefined();
  });
});

describe('which principals are resolved, and how', () => {
  it('resolves only principals with a writing grant that no other read names', () => {
    const grants = new Map<string, RbacGrant[]>([
      ['sp-2', [OWNER]],
      ['sp-1', [READER, { ...OWNER, viaGroup: 'g1' }]],
      ['u1', [OWNER]],
      ['reader-sp', [READER]],
    ]);
    expect(unresolvedPrincipals(grants, new Set(['u1']))).toEqual(['sp-1', 'sp-2']);
  });

  it('asks getByIds in batches of at most 1000 ids, users and service principals only, paced as a report', async () => {
    const calls: Array<{ path: string; ids: string[]; types: string[]; operation: string; report: boolean | undefined }> = [];
    const graph = {
      post: async <T>(path: string, body: unknown, operation: string, options: { report?: boolean } = {}): Promise<T> => {
        const b = body as { ids: string[]; types: string[] };
        calls.push({ path, ids: b.ids, types: b.types, operation, report: options.report });
        return { value: b.ids.slice(0, 1).map((id) => ({ '@odata.type': '#microsoft.graph.servicePrincipal', id })) } as T;
      },
    };
    const ids = Array.from({ length: 2_500 }, (_, i) => `id-${String(i).padStart(4, '0')}`);
    const objects = await readDirectoryObjects(graph, ids);
    expect(GET_BY_IDS_BATCH).toBe(1000);
    expect(calls.map((c) => c.ids.length)).toEqual([1000, 1000, 500]);
    expect(calls.every((c) => c.path === '/directoryObjects/getByIds' && c.operation === 'Graph:directoryObjects.getByIds' && c.report === true)).toBe(true);
    expect(calls[0]?.types).toEqual(['user', 'servicePrincipal']);
    expect(objects.map((o) => o.id)).toEqual(['id-0000', 'id-1000', 'id-2000']);
  });

  it('refuses more ids than the bound instead of reading part of them', async () => {
    const graph = { post: async <T>(): Promise<T> => ({ value: [] }) as T };
    await expect(readDirectoryObjects(graph, ['a', 'b', 'c'], 2)).rejects.toBeInstanceOf(RbacIncomplete);
    await expect(readDirectoryObjects(graph, ['a', 'b', 'c'], 2)).rejects.toMatchObject({ code: 'TooManyUnresolvedPrincipals' });
  });
});

describe('identities with principals outside the report', () => {
  const details: UserRegistrationDetails[] = [
    { id: 'u1', userPrincipalName: 'owner@x', isMfaRegistered: true, isAdmin: false },
    { id: 'u2', userPrincipalName: 'dev@x', isMfaRegistered: false, isAdmin: false },
  ];
  const grants = new Map<string, RbacGrant[]>([
    ['u1', [OWNER]],
    ['sp-1', [OWNER]],
  ]);

  it('lists an Owner service principal as privileged and leaves it out of MFA coverage', () => {
    const { identities } = identitiesFromGraph(details, { definitions: [], assignments: [] }, NOW, grants, [sp()]);
    expect(identities.find((i) => i.id === 'sp-1')).toMatchObject({
      kind: 'service-principal',
      interactive: false,
      privileged: true,
      privilegeSource: `Azure RBAC: Owner at ${SUB} (allows *)`,
    });
    const inventory = anInventory({ provider: 'azure', identities, rootMfaEnabled: undefined });
    expect(mfaSummary(inventory, 'privileged')).toEqual({ identities: 3, privileged: 1, privilegedWithoutMFA: 0, coverage: 1 });
    expect(mfaSummary(inventory, 'all').coverage).toBe(0.5);
    expect(privilegedMfa.evaluate(anInput({ inventory })).status).toBe('True');
  });

  it('lists the principal of a directory-role assignment the report leaves out, and counts an enabled one for root MFA', () => {
    const ga = '62e90394-69f5-4237-9190-012177145e10';
    const roles = {
      definitions: [{ id: ga, templateId: ga, displayName: 'Global Administrator', rolePermissions: [{ allowedResourceActions: ['microsoft.directory/users/allProperties/allTasks'] }] }],
      assignments: [
        { id: 'a1', principalId: 'u1', roleDefinitionId: ga },
        { id: 'a2', principalId: 'u-new', roleDefinitionId: ga, principal: { '@odata.type': '#microsoft.graph.user', id: 'u-new', displayName: 'New Admin', accountEnabled: true } },
        { id: 'a3', principalId: 'u-off', roleDefinitionId: ga, principal: { '@odata.type': '#microsoft.graph.user', id: 'u-off', displayName: 'Left Admin', accountEnabled: false } },
      ] satisfies DirectoryRoleAssignment[],
    };
    const facts = identitiesFromGraph(details, roles, NOW);
    expect(facts.identities.find((i) => i.id === 'u-new')).toMatchObject({ kind: 'user', privileged: true, interactive: true, mfaEnabled: false });
    expect(facts.identities.find((i) => i.id === 'u-off')).toMatchObject({ kind: 'user', privileged: true, interactive: false });
    expect(facts.rootMfaEnabled).toBe(false); // u1 has MFA, the new one is not known to
    const withoutNew = identitiesFromGraph(details, { ...roles, assignments: roles.assignments.filter((a) => a.id !== 'a2') }, NOW);
    expect(withoutNew.rootMfaEnabled).toBe(true); // the disabled one cannot sign in
  });

  it('lists each principal once, from the report first', () => {
    const resolved: DirectoryObject[] = [sp(), sp(), { '@odata.type': '#microsoft.graph.user', id: 'U1', accountEnabled: true }];
    const { identities } = identitiesFromGraph(details, { definitions: [], assignments: [] }, NOW, grants, resolved);
    expect(identities.map((i) => i.id).sort()).toEqual(['sp-1', 'u1', 'u2']);
    expect(identities.find((i) => i.id === 'u1')).toMatchObject({ mfaEnabled: true, interactive: true });
  });
});
