// A CloudAccount's own check: Ready from one probe with its credentials, the reason and
// the detail for the platform team (which Secret, which keys), the external id its
// role must require, and a status written only when something changed or a check
// interval passed.

import { Writable } from 'node:stream';
import type { CloudAccount, CloudAccountStatus } from '../../../operator/src/api/types.js';
import { AccountReconciler } from '../../../operator/src/controller/account-reconciler.js';
import { createLogger } from '../../../operator/src/log.js';
import type { AccountProbe, CollectTarget } from '../../../operator/src/providers/types.js';
import { anAccount, OPERATOR_NAMESPACE } from '../account-fakes.js';
import { ACCOUNT_ID } from '../builders.js';

const quiet = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));
const INTERVAL = 10 * 60_000;

function setup(account: CloudAccount, probe: AccountProbe, secrets: Record<string, Record<string, string>> = {}) {
  let now = new Date('2026-12-01T10:00:00Z');
  const writes: CloudAccountStatus[] = [];
  const probed: CollectTarget[] = [];
  const stored = { account };
  const reconciler = new AccountReconciler({
    api: {
      patchAccountStatus: async (_name, status) => {
        writes.push(status);
        stored.account = { ...stored.account, status };
      },
    },
    accounts: { get: (name) => (name === stored.account.metadata.name ? stored.account : undefined) },
    credentials: { api: { readSecret: async (ns, name) => secrets[`${ns}/${name}`] }, operatorNamespace: OPERATOR_NAMESPACE },
    probe: async (target, signal) => {
      probed.push(target);
      return probe(target, signal);
    },
    checkIntervalMs: INTERVAL,
    log: quiet,
    clock: () => now,
  });
  return { reconciler, writes, probed, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

const ready = (s: CloudAccountStatus | undefined) => s?.conditions?.find((c) => c.type === 'Ready');
const signal = new AbortController().signal;

describe('AccountReconciler', () => {
  it('is Ready when the probe reaches the account, with the external id, the admitted namespaces and the next check', async () => {
    const account = anAccount({ namespaces: ['team-b', 'team-a'], spec: { aws: { accountId: ACCOUNT_ID, roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/audit` } } });
    const { reconciler, writes, probed } = setup(account, async () => ({ ok: true, principal: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/audit/cloudposture-operator` }));
    expect(await reconciler.reconcile('payments-prod', signal)).toEqual({ kind: 'done', requeueAfterMs: INTERVAL });
    expect(probed[0]?.account.aws).toMatchObject({ externalId: 'cloudposture-7d3b0c8e-0000-4000-8000-000000000001' });
    expect(probed[0]?.account.aws?.sessionName).toBeUndefined();
    expect(writes[0]).toMatchObject({ accountId: ACCOUNT_ID, admits: 'team-a,team-b', externalId: 'cloudposture-7d3b0c8e-0000-4000-8000-000000000001', observedGeneration: 1 });
    expect(ready(writes[0])).toMatchObject({ status: 'True', reason: 'Reachable', message: `read as arn:aws:sts::${ACCOUNT_ID}:assumed-role/audit/cloudposture-operator` });
  });

  it('says on the account which Secret lacks which key, and makes no probe', async () => {
    const account = anAccount({ spec: { credentialsSecretRef: { name: 'keys' } } });
    const { reconciler, writes, probed } = setup(account, async () => ({ ok: true, principal: 'x' }), { [`${OPERATOR_NAMESPACE}/keys`]: { AWS_ACCESS_KEY_ID: 'AKIA' } });
    await reconciler.reconcile('payments-prod', signal);
    expect(probed).toEqual([]);
    expect(ready(writes[0])).toMatchObject({ status: 'False', reason: 'CredentialsMissing', message: `Secret ${OPERATOR_NAMESPACE}/keys lacks a value for AWS_SECRET_ACCESS_KEY` });
  });

  it('is not Ready with the probe failure (e.g. the credentials reach another account)', async () => {
    const { reconciler, writes } = setup(anAccount(), async () => ({ ok: false, failure: { reason: 'AccountMismatch', message: 'the credentials reach account 999999999999' } }));
    await reconciler.reconcile('payments-prod', signal);
    expect(ready(writes[0])).toMatchObject({ status: 'False', reason: 'AccountMismatch' });
  });

  it('writes again only when something changed or a check interval passed', async () => {
    const { reconciler, writes, advance } = setup(anAccount(), async () => ({ ok: true, principal: 'p' }));
    await reconciler.reconcile('payments-prod', signal);
    advance(60_000);
    await reconciler.reconcile('payments-prod', signal);
    expect(writes).toHaveLength(1);
    advance(INTERVAL);
    await reconciler.reconcile('payments-prod', signal);
    expect(writes).toHaveLength(2);
  });

  it('does nothing for an account that is gone', async () => {
    const { reconciler, writes } = setup(anAccount(), async () => ({ ok: true, principal: 'p' }));
    expect(await reconciler.reconcile('other', signal)).toEqual({ kind: 'done' });
    expect(writes).toEqual([]);
  });
});
