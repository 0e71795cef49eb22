import {
  changeRecordFromActivityEvent,
  changeRecordFromSignIn,
  isNetworkChangeOperation,
  signInFilter,
  type ActivityLogEvent,
} from '../../operator/src/providers/azure/activity-log.js';
import { activityEvents, signIn, uuidFor } from '../harness/azure-mock/fixture.js';

const SUB = '0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e';
const NSG = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/nsg-app`;
const AT = new Date('2026-11-20T10:00:00.000Z');

const events = (o: Partial<Parameters<typeof activityEvents>[1]> = {}) =>
  activityEvents(SUB, {
    operation: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
    resourceId: `${NSG}/securityRules/allow-rdp`,
    caller: 'it-ops@example.com',
    at: AT,
    ...o,
  }) as ActivityLogEvent[];

describe('Activity Log events as change records', () => {
  it('keeps the final event of a network write, with caller, operation, resource and time', () => {
    const [started, succeeded] = events();
    expect(changeRecordFromActivityEvent(started!)).toBeUndefined();
    expect(changeRecordFromActivityEvent(succeeded!)).toEqual({
      id: succeeded!.eventDataId,
      time: '2026-11-20T10:00:03Z',
      actor: 'it-ops@example.com',
      userName: 'it-ops@example.com',
      // The caller's object id claim: a break-glass identity declared by object id matches it.
      principal: uuidFor('user|it-ops@example.com'),
      action: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
      source: 'Microsoft.Network',
      resource: `${NSG}/securityRules/allow-rdp`,
      region: '',
      kind: 'network-change',
    });
  });

  it('names the resource from authorization.scope when the event leaves resourceId out (as the documented example does)', () => {
    const [, succeeded] = events();
    const { resourceId: _left, ...withoutId } = succeeded!;
    expect(changeRecordFromActivityEvent(withoutId)).toMatchObject({ resource: `${NSG}/securityRules/allow-rdp` });
    expect(changeRecordFromActivityEvent({ ...withoutId, authorization: {} })).toMatchObject({ resource: '' });
  });

  it('marks a failed write as refused, with its sub-status', () => {
    const [, failed] = events({ status: 'Failed', subStatus: 'Forbidden' });
    expect(changeRecordFromActivityEvent(failed!)).toMatchObject({ kind: 'network-change', errorCode: 'Forbidden' });
  });

  it('keeps other operations only when a watched (break-glass) identity made them', () => {
    const [, roleWrite] = events({
      operation: 'Microsoft.Authorization/roleAssignments/write',
      resourceId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/1`,
      caller: 'breakglass1@example.onmicrosoft.com',
    });
    expect(changeRecordFromActivityEvent(roleWrite!)).toBeUndefined();
    expect(changeRecordFromActivityEvent(roleWrite!, ['breakglass1@example.onmicrosoft.com'])).toMatchObject({
      kind: 'activity',
      actor: 'breakglass1@example.onmicrosoft.com',
    });
  });

  it.each([
    ['Microsoft.Network/networkSecurityGroups/write', true],
    ['Microsoft.Network/networkSecurityGroups/securityRules/delete', true],
    ['microsoft.network/routeTables/routes/write', true],
    ['Microsoft.Network/virtualNetworks/subnets/write', true],
    ['Microsoft.Network/azureFirewalls/write', true],
    ['Microsoft.Network/firewallPolicies/ruleCollectionGroups/write', true],
    ['Microsoft.Network/publicIPAddresses/write', true],
    ['Microsoft.Network/networkSecurityGroups/read', false],
    ['Microsoft.Network/networkInterfaces/write', false],
    ['Microsoft.Compute/virtualMachines/write', false],
  ])('%s is a network change: %s', (operation, expected) => {
    expect(isNetworkChangeOperation(operation)).toBe(expected);
  });

  it('ignores events without an id, a time or an operation', () => {
    const [, ok] = events();
    expect(changeRecordFromActivityEvent({ ...ok!, eventDataId: undefined })).toBeUndefined();
    expect(changeRecordFromActivityEvent({ ...ok!, eventTimestamp: 'not a time' })).toBeUndefined();
    expect(changeRecordFromActivityEvent({ ...ok!, operationName: {} })).toBeUndefined();
  });
});

describe('break-glass sign-ins', () => {
  const since = new Date('2026-11-19T10:00:00.123Z');

  it('queries by UPN or object id, and skips entries that name no user', () => {
    expect(signInFilter('bg1@example.onmicrosoft.com', since)).toBe("createdDateTime ge 2026-11-19T10:00:00Z and userPrincipalName eq 'bg1@example.onmicrosoft.com'");
    expect(signInFilter('8f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f', since)).toBe("createdDateTime ge 2026-11-19T10:00:00Z and userId eq '8f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f'");
    expect(signInFilter('Break glass 1', since)).toBeUndefined();
    expect(signInFilter("o'brien@example.com", since)).toBeUndefined();
  });

  it('maps a sign-in to a sign-in record; a failed one carries its error code', () => {
    const ok = signIn('bg1@example.onmicrosoft.com', AT);
    expect(changeRecordFromSignIn(ok)).toEqual({
      id: ok.id,
      time: '2026-11-20T10:00:00Z',
      actor: 'bg1@example.onmicrosoft.com',
      userName: 'bg1@example.onmicrosoft.com',
      principal: ok.userId,
      action: 'SignIn',
      source: 'login.microsoftonline.com',
      resource: 'Azure Portal',
      region: '',
      kind: 'sign-in',
    });
    expect(changeRecordFromSignIn(signIn('bg1@example.onmicrosoft.com', AT, { errorCode: 50126 }))).toMatchObject({ errorCode: 'SignInError50126' });
    expect(changeRecordFromSignIn({ id: 'x' })).toBeUndefined();
  });
});
