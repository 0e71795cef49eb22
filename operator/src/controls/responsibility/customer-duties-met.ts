// A523-03-CUSTOMER-DUTIES-MET (ResponsibilityDefined, live side, checklist step 3): a
// duty the matrix gives to the customer is only defined if it is also done. Each area
// below is backed by the live controls that show the duty done; a row owned by
// `customer` or `shared` (the customer holds at least part of it) requires them to pass. The controls are pure, so this one
// simply composes them: False when one fails, Unknown when one cannot be evaluated.
//
// | area                | backed by (family: controls)                                             |
// |---------------------|--------------------------------------------------------------------------|
// | encryption-keys     | EncryptionAtRest: storage encrypted, default encryption, customer keys   |
// | identity-and-access | MFAEnforced: root MFA, scope MFA, break-glass MFA, access-key age        |
//
// Other areas (data, backup, logging, ...) have no live check here yet; adding one is
// a new row in DUTY_EVIDENCE.

import type { ResponsibilityArea } from '../../api/types.js';
import type { Control, ControlInput, ControlOutcome } from '../types.js';
import { customerManagedKeys } from '../encryption/customer-managed-keys.js';
import { defaultVolumeEncryption } from '../encryption/default-volume-encryption.js';
import { storageEncrypted } from '../encryption/storage-encrypted.js';
import { accessKeyAge } from '../mfa/access-key-age.js';
import { breakGlassMfa } from '../mfa/break-glass-mfa.js';
import { privilegedMfa } from '../mfa/privileged-mfa.js';
import { rootMfa } from '../mfa/root-mfa.js';
import { fail, pass, unknown, worstStatus } from '../outcome.js';
import { listSome } from '../text.js';
import { earliest } from '../time.js';

export const DUTY_EVIDENCE: Readonly<Partial<Record<ResponsibilityArea, readonly Control[]>>> = {
  'encryption-keys': [storageEncrypted, defaultVolumeEncryption, customerManagedKeys],
  'identity-and-access': [rootMfa, privilegedMfa, breakGlassMfa, accessKeyAge],
};

interface DutyResult {
  area: ResponsibilityArea;
  results: Array<{ control: Control; outcome: ControlOutcome }>;
}

/** Areas the matrix puts (wholly or partly) on the customer that live controls can verify. */
export function liveCustomerDuties(input: ControlInput): ResponsibilityArea[] {
  const rows = input.spec.sharedResponsibility?.areas ?? [];
  const areas = rows
    .filter((r) => (r.owner === 'customer' || r.owner === 'shared') && DUTY_EVIDENCE[r.area] !== undefined)
    .map((r) => r.area);
  return [...new Set(areas)].sort();
}

export const customerDutiesMet: Control = {
  id: 'A523-03-CUSTOMER-DUTIES-MET',
  family: 'ResponsibilityDefined',
  checklistStep: 3,
  severity: 'high',
  title: 'Duties the matrix assigns to the customer are verifiably done in the live account',
  remediation:
    'Fix the failing controls named in the finding (for encryption-keys: encryption at rest; for identity-and-access: MFA and access keys), or correct the matrix if the duty really lies with the provider.',
  needs: 'live',
  evaluate(input) {
    const duties: DutyResult[] = liveCustomerDuties(input).map((area) => ({
      area,
      results: (DUTY_EVIDENCE[area] ?? []).map((control) => ({ control, outcome: control.evaluate(input) })),
    }));
    if (duties.length === 0) {
      return pass('NoLiveCustomerDuties', 'No customer duty in the matrix has a live check');
    }
    const all = duties.flatMap((d) => d.results);
    const evidenceAt = earliest(all.map((r) => r.outcome.evidenceAt));
    const changesAt = earliest(all.map((r) => r.outcome.changesAt));
    const status = worstStatus(all.map((r) => r.outcome.status));
    if (status === 'False') {
      const failing = duties
        .map((d) => ({
          area: d.area,
          ids: d.results.filter((r) => r.outcome.status === 'False').map((r) => r.control.id),
        }))
        .filter((d) => d.ids.length > 0);
      return fail(
        'CustomerDutyNotMet',
        `Customer duties not met: ${failing.map((d) => `${d.area} (${d.ids.join(', ')} failing)`).join('; ')}`,
        failing.map((d) => ({
          resource: d.area,
          message: `Matrix gives ${d.area} to the customer, but ${listSome(d.ids)} ${d.ids.length === 1 ? 'fails' : 'fail'}`,
        })),
        { evidenceAt, changesAt },
      );
    }
    if (status === 'Unknown') {
      const first = all.find((r) => r.outcome.status === 'Unknown');
      return unknown(
        first?.outcome.reason ?? 'Unknown',
        `Customer duties not verifiable: ${first?.outcome.message ?? ''}`,
        {
          evidenceAt,
        },
      );
    }
    return pass('CustomerDutiesMet', `Customer duties verified live: ${duties.map((d) => d.area).join(', ')}`, {
      evidenceAt,
      changesAt,
    });
  },
};
