// Table tests of mfaSummary, the coverage in status.summary (controls/mfa/mfa-summary.ts).

import { mfaSummary } from '../../../../operator/src/controls/mfa/mfa-summary.js';
import { aUser, anInventory } from '../../builders.js';
import { role, root } from './builders.js';

describe('mfaSummary', () => {
  const identities = [
    root({ mfaEnabled: false }),
    aUser('admin-1'),
    aUser('admin-2', { mfaEnabled: false }),
    aUser('reader', { privileged: false, mfaEnabled: false }),
    aUser('keys-only-admin', { interactive: false, mfaEnabled: false }),
    role('deploy', { privileged: true }),
  ];
  const inventory = anInventory({ identities });

  it('counts privileged interactive users (root excluded) under scope privileged', () => {
    expect(mfaSummary(inventory, 'privileged')).toEqual({
      identities: 6,
      privileged: 2,
      privilegedWithoutMFA: 1,
      coverage: 0.5,
    });
  });

  it('covers every interactive user under scope all', () => {
    expect(mfaSummary(inventory, 'all').coverage).toBeCloseTo(1 / 3);
  });

  it('reports full coverage when nobody is in scope', () => {
    expect(mfaSummary(anInventory({ identities: [role('x')] }), 'privileged').coverage).toBe(1);
  });
});
