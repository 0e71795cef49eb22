// Builders and the shared "without data" table of the MFAEnforced tests.

import type { Control } from '../../../../operator/src/controls/types.js';
import type { Identity } from '../../../../operator/src/inventory/types.js';
import {
  ACCOUNT_ID,
  aKey,
  aUser,
  anIdentity,
  anInput,
  anInventory,
  daysAgo,
  liveFailed,
  liveSkipped,
  withGaps,
} from '../../builders.js';

export const role = (name: string, overrides: Partial<Identity> = {}) =>
  anIdentity({
    id: `arn:aws:iam::${ACCOUNT_ID}:role/${name}`,
    name,
    kind: 'role',
    interactive: false,
    mfaEnabled: false,
    ...overrides,
  });

export const root = (overrides: Partial<Identity> = {}) =>
  anIdentity({ id: `arn:aws:iam::${ACCOUNT_ID}:root`, name: '<root_account>', kind: 'root', ...overrides });

/**
 * "MFA controls without data" for one control: Unknown with the failure's reason when
 * the account was not read, and (`identitiesGap`, for controls that read the identity
 * list) on an identities gap.
 */
export function describeWithoutData(control: Control, { identitiesGap }: { identitiesGap: boolean }): void {
  describe('MFA controls without data', () => {
    it.each([control])('$id is Unknown with the failure reason', (control) => {
      expect(control.evaluate(anInput({ inventory: liveFailed('CredentialsMissing') }))).toMatchObject({
        status: 'Unknown',
        reason: 'CredentialsMissing',
      });
      expect(control.evaluate(anInput({ inventory: liveSkipped() })).status).toBe('Unknown');
    });

    if (!identitiesGap) return;
    it.each([control])('$id is Unknown on an identities gap', (control) => {
      const bad = anInventory({
        identities: [aUser('x', { mfaEnabled: false, accessKeys: [aKey({ createdAt: daysAgo(999) })] })],
      });
      expect(control.evaluate(anInput({ inventory: withGaps(bad, 'identities') }))).toMatchObject({
        status: 'Unknown',
        reason: 'AccessDenied',
      });
    });
  });
}
