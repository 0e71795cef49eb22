// Table tests of A523-09-PROVIDER-ACCESS-ATTESTED (controls/provider-access/provider-access-attested.ts).

import { providerAccessAttested } from '../../../../operator/src/controls/provider-access/provider-access-attested.js';
import type { ChangeRecord } from '../../../../operator/src/inventory/changes.js';
import { aSpec, anInput, anInventory, daysAgo, daysAhead } from '../../builders.js';
import { azureSpec } from './builders.js';

const attested = (reviewedAt: string) => aSpec({ providerAccess: { attestation: { reference: 'AWS SOC 2 Type II 2026', reviewedAt } } });

describe('A523-09-PROVIDER-ACCESS-ATTESTED', () => {
  it.each([
    ['AWS without an attestation: Unknown, never True by default', aSpec({ providerAccess: undefined }), 'Unknown', 'ProviderAttestationMissing'],
    ['AWS with a current attestation', attested(daysAgo(30)), 'True', 'ProviderAccessAttested'],
    ['AWS with a stale attestation', attested(daysAgo(500)), 'False', 'ProviderAttestationStale'],
    ['AWS with an attestation dated in the future', attested(daysAhead(30)), 'False', 'ProviderAttestationInvalid'],
    ['Azure without an attestation: Lockbox covers it', azureSpec(), 'True', 'LockboxCovers'],
  ] as const)('%s', (_, spec, status, reason) => {
    expect(providerAccessAttested.evaluate(anInput({ spec }))).toMatchObject({ status, reason });
  });

  it('says exactly why it is Unknown without an attestation, with what was observed', () => {
    const support: ChangeRecord = { id: 'e1', time: daysAgo(1), actor: 'support.amazonaws.com', action: 'DescribeInstances', resource: '', region: 'eu-west-1', kind: 'provider-access' };
    const input = {
      ...anInput({ spec: aSpec({ providerAccess: undefined }), inventory: anInventory({ providerAccess: { supportRole: { arn: 'arn:aws:iam::111111111111:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport', lastUse: { at: daysAgo(1) } } } }) }),
      changes: [support],
    };
    const outcome = providerAccessAttested.evaluate(input);
    expect(outcome.message).toContain('AWS has no customer lockbox');
    expect(outcome.message).toContain('spec.providerAccess.attestation');
    expect(outcome.message).toContain(`the AWS Support role was last used ${daysAgo(1)}`);
    expect(outcome.message).toContain('1 call by AWS Support or AWS-internal principals in the audit trail');
  });

  it('requeues when a current attestation goes stale', () => {
    const outcome = providerAccessAttested.evaluate(anInput({ spec: attested(daysAgo(30)) }));
    expect(outcome.changesAt).toBeInstanceOf(Date);
  });
});
