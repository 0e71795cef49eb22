// Cross-cutting rule for every live control: a failed read is not a finding. Given an
// account whose partial data looks bad, a collection failure or a gap makes each live
// control Unknown with the failure's / gap's reason, never False.

import type { Inventory, InventoryArea } from '../../../operator/src/inventory/types.js';
import { CATALOG } from '../../../operator/src/controls/catalog.js';
import {
  aKey,
  aPolicy,
  aResource,
  aSpec,
  aTrail,
  aUser,
  anInput,
  anInventory,
  daysAgo,
  liveFailed,
  liveOk,
  liveSkipped,
} from '../builders.js';

// InSync is not applicable without spec.iac (True, NotApplicable); its behaviour on a
// failed or partial inventory is covered in test/unit/iac-insync.test.ts.
const LIVE = CATALOG.filter((c) => c.needs === 'live' && c.family !== 'InSync');
const ALL_AREAS: InventoryArea[] = ['identities', 'resources', 'guardrails', 'auditTrails', 'exposure', 'encryption', 'signInActivity', 'providerAccess'];

/** Strict policy and a spec that engages every live control. */
const policy = aPolicy({}, 'strictly-confidential');
const awsSpec = aSpec({ breakGlassIdentities: ['breakglass-admin'] });
/** Customer Lockbox exists on Azure only: its controls are engaged by an Azure service. */
const specFor = (id: string) => (id.startsWith('A523-09-LOCKBOX') ? { ...awsSpec, provider: 'azure' as const, providerAccess: { lockboxApprovers: ['secops@example.com'] } } : awsSpec);

/** An account that fails every live control it can. */
const badAccount: Inventory = anInventory({
  identities: [aUser('admin', { mfaEnabled: false, lastSignIn: { at: daysAgo(400) }, accessKeys: [aKey({ createdAt: daysAgo(400) })] })],
  rootMfaEnabled: false,
  resources: [
    aResource({ region: 'us-east-1', encrypted: false, public: true }),
    aResource({ id: 'b2', customerManagedKey: false }),
    aResource({ id: 'disk-1', kind: 'volume', exportFromAnyNetwork: true }),
  ],
  guardrails: {
    regionRestriction: null,
    accountPublicAccessBlock: false,
    defaultVolumeEncryption: { 'us-east-1': false },
  },
  auditTrails: [aTrail({ lastDeliveryError: 'AccessDenied' })],
  providerAccess: { lockboxOptedIn: false, lockboxRequests: [{ id: 'lb-1', status: 'Expired', createdAt: daysAgo(10) }] },
});

describe('live controls never report False on missing data', () => {
  it('sanity: the bad account fails every live control but the trail check', () => {
    const statuses = Object.fromEntries(
      LIVE.map((c) => [c.id, c.evaluate(anInput({ spec: specFor(c.id), policy, inventory: badAccount })).status]),
    );
    expect(statuses).toEqual(
      Object.fromEntries(LIVE.map((c) => [c.id, c.id === 'A523-09-OFF-PLATFORM-TRAIL' ? 'True' : 'False'])),
    );
  });

  it.each(LIVE.map((c) => [c.id, c] as const))('%s: collection failure → Unknown with its reason', (_id, control) => {
    const outcome = control.evaluate(anInput({ spec: specFor(control.id), policy, inventory: liveFailed('CredentialsInvalid') }));
    expect(outcome).toMatchObject({ status: 'Unknown', reason: 'CredentialsInvalid', findings: [] });
  });

  it.each(LIVE.map((c) => [c.id, c] as const))('%s: skipped collection → Unknown', (_id, control) => {
    expect(control.evaluate(anInput({ spec: specFor(control.id), policy, inventory: liveSkipped() })).status).toBe('Unknown');
  });

  it.each(LIVE.map((c) => [c.id, c] as const))(
    '%s: gaps in every area, facts unread → Unknown with the gap reason',
    (_id, control) => {
      const inventory: Inventory = {
        ...badAccount,
        rootMfaEnabled: undefined,
        guardrails: {},
        gaps: ALL_AREAS.map((area) => ({ area, reason: 'AccessDenied', message: `${area} denied` })),
      };
      const outcome = control.evaluate(anInput({ spec: specFor(control.id), policy, inventory: liveOk(inventory) }));
      expect(outcome).toMatchObject({ status: 'Unknown', reason: 'AccessDenied', findings: [] });
    },
  );
});
