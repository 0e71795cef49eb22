// Resolving a service's account: refused before any Secret read when the account is
// missing, does not admit the namespace, or is of another provider; otherwise the
// target carries the operator's external id and a session named after the namespace,
// and a credentials problem tells the service nothing about the Secret.

import type { CloudService } from '../../../operator/src/api/types.js';
import { externalIdOf } from '../../../operator/src/controller/account-target.js';
import { anAccount, OPERATOR_NAMESPACE, targetsOver } from '../account-fakes.js';
import { aSpec, ACCOUNT_ID } from '../builders.js';

function aService(namespace = 'team', overrides: Partial<CloudService['spec']> = {}): CloudService {
  return { metadata: { namespace, name: 'svc' }, spec: aSpec(overrides) };
}

/** A Secret reader that records what it was asked and answers from `secrets`. */
function secretReader(secrets: Record<string, Record<string, string>> = {}) {
  const asked: string[] = [];
  return {
    asked,
    api: {
      readSecret: async (namespace: string, name: string) => {
        asked.push(`${namespace}/${name}`);
        return secrets[`${namespace}/${name}`];
      },
    },
  };
}

describe('createTargetResolver', () => {
  it('refuses a namespace the account does not admit, before reading any Secret', async () => {
    const reader = secretReader();
    const account = anAccount({ namespaces: ['team-a'], spec: { credentialsSecretRef: { name: 'keys' } } });
    const result = await targetsOver(reader.api, [account])(aService('team-b'));
    expect(result).toEqual({ ok: false, refused: true, failure: { reason: 'AccountNotPermitted', message: 'CloudAccount payments-prod does not admit namespace team-b' } });
    expect(reader.asked).toEqual([]);
  });

  it.each([
    ['a missing account', [], 'CloudAccountNotFound'],
    ['an account of another provider', [anAccount({ spec: { provider: 'azure', aws: undefined, azure: { tenantId: '6f1c2b3a-0000-4000-8000-00000000000a', subscriptionId: '0b1c2d3e-0000-4000-8000-00000000000b' } } })], 'AccountProviderMismatch'],
  ] as const)('refuses %s', async (_what, accounts, reason) => {
    const result = await targetsOver(secretReader().api, [...accounts])(aService());
    expect(result).toMatchObject({ ok: false, refused: true, failure: { reason } });
  });

  it('gives an admitted service the account, the external id from its uid and a session named after the namespace', async () => {
    const account = anAccount({ spec: { aws: { accountId: ACCOUNT_ID, roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/audit`, regions: ['eu-west-1'] } } });
    const result = await targetsOver(secretReader().api, [account])(aService());
    expect(result.ok && result.target).toMatchObject({
      provider: 'aws',
      accountName: 'payments-prod',
      account: { aws: { accountId: ACCOUNT_ID, roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/audit`, regions: ['eu-west-1'], externalId: externalIdOf(account), sessionName: 'cloudposture.team' } },
    });
    expect(externalIdOf(account)).toBe('cloudposture-7d3b0c8e-0000-4000-8000-000000000001');
  });

  it("reads the credentials Secret in the operator's namespace only", async () => {
    const reader = secretReader({ [`${OPERATOR_NAMESPACE}/keys`]: { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'shh' } });
    const result = await targetsOver(reader.api, [anAccount({ spec: { credentialsSecretRef: { name: 'keys' } } })])(aService('team'));
    expect(reader.asked).toEqual([`${OPERATOR_NAMESPACE}/keys`]);
    expect(result.ok && result.target.credentials).toEqual({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'shh' });
  });

  it('tells the service its account has no usable credentials without naming the Secret or its keys, and never falls back', async () => {
    const reader = secretReader({ [`${OPERATOR_NAMESPACE}/keys`]: { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' } });
    const result = await targetsOver(reader.api, [anAccount({ spec: { credentialsSecretRef: { name: 'keys' } } })])(aService());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.refused).toBeUndefined();
    expect(result.failure.reason).toBe('CredentialsMissing');
    expect(result.failure.message).not.toMatch(/keys|AWS_|cloud-posture-system/);
    expect(Object.keys(result.failure)).toEqual(['reason', 'message']);
  });
});
