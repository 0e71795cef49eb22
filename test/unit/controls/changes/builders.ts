// Builders of the ChangesTracked tests: audit-trail records and a spec with a declared
// deployer and break-glass identity.

import type { ChangeRecord } from '../../../../operator/src/inventory/changes.js';
import { ACCOUNT_ID, aSpec, hoursAgo } from '../../builders.js';

export const DEPLOY_ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/github-deploy`;

/** `h` hours before NOW. */
export const at = (h: number) => new Date(hoursAgo(h));

export function record(overrides: Partial<ChangeRecord> = {}): ChangeRecord {
  return {
    id: 'e-1',
    time: hoursAgo(2),
    actor: `arn:aws:iam::${ACCOUNT_ID}:user/alice`,
    action: 'AuthorizeSecurityGroupIngress',
    resource: 'sg-0123',
    region: 'eu-west-1',
    kind: 'network-change',
    ...overrides,
  };
}

export const specWith = (changeManagement = {}, breakGlassIdentities = ['breakglass-admin']) =>
  aSpec({ changeManagement: { deployerPrincipals: [DEPLOY_ROLE], ...changeManagement }, breakGlassIdentities });
