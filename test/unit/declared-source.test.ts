// controller/declared-source.ts: the S3 state is read with the service's resolved account
// and never with the operator's own identity in its place; Secrets go through
// KubeApi.readSecret's opt-in check and a refusal becomes SecretNotPermitted.
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import type { CloudService } from '../../operator/src/api/types.js';
import { loadConfig } from '../../operator/src/config.js';
import { createDeclaredStateSource, kubeStateReaders, type ResolvedAccount } from '../../operator/src/controller/declared-source.js';
import { StateReadError } from '../../operator/src/iac/state-reader.js';
import { KubeApi, SecretNotPermittedError } from '../../operator/src/kube/api.js';
import type { ObjectStore } from '../../operator/src/providers/aws/index.js';
import type { CollectTarget } from '../../operator/src/providers/types.js';
import { kubeConfigFor } from './kube-fakes.js';

const STATE = JSON.stringify({ version: 3, deployment: { manifest: {}, resources: [] } });
const config = loadConfig({});
const kubeConfig = kubeConfigFor('http://127.0.0.1:1');
const signal = new AbortController().signal;

function service(pulumi: NonNullable<NonNullable<CloudService['spec']['iac']>['pulumi']>): CloudService {
  return { metadata: { name: 'svc', namespace: 'team-a' }, spec: { iac: { pulumi } } } as unknown as CloudService;
}
const s3Service = service({ stack: 'prod', s3: { bucket: 'state', key: 'prod.json' } });
const awsTarget: CollectTarget = {
  provider: 'aws',
  account: { aws: { accountId: '123456789012', roleArn: 'arn:aws:iam::123456789012:role/Audit' } },
  allowedRegions: [],
};

/** An object store whose S3 client answers GetObject with `body`, recording what was opened and closed. */
function fakeStores(body = STATE) {
  const opened: CollectTarget[] = [];
  let destroyed = 0;
  const open = (target: CollectTarget): ObjectStore => {
    opened.push(target);
    const client = { send: async () => ({ Body: Readable.from([Buffer.from(body)]), ContentLength: Buffer.byteLength(body) }) } as unknown as S3Client;
    return { s3: () => client, destroy: () => void destroyed++ };
  };
  return { open, opened, destroyed: () => destroyed };
}

describe('the S3 state is read with the service account', () => {
  it("uses the resolved account's object store and closes it", async () => {
    const stores = fakeStores();
    const read = createDeclaredStateSource(config, kubeConfig, { openObjectStore: stores.open });
    const result = await read(s3Service, signal, { ok: true, target: awsTarget });
    expect(result).toMatchObject({ ok: true, state: { source: 's3://state/prod.json' } });
    expect(stores.opened).toEqual([awsTarget]);
    expect(stores.destroyed()).toBe(1);
  });

  it.each<[string, ResolvedAccount | undefined, string, RegExp]>([
    [
      'its credentials Secret could not be read',
      { ok: false, failure: { reason: 'CredentialsUnreadable', message: 'Secret cpo/keys could not be read (HTTP 503)' } },
      'CredentialsUnreadable',
      /which could not be used \(CredentialsUnreadable\)$/,
    ],
    ['the namespace is not admitted', { ok: false, failure: { reason: 'AccountNotPermitted', message: 'not admitted' } }, 'AccountNotPermitted', /AccountNotPermitted/],
    ['no account was resolved for the read', undefined, 'CredentialsMissing', /none was resolved/],
    ['the account is Azure', { ok: true, target: { provider: 'azure', account: {}, allowedRegions: [] } }, 'CredentialsMissing', /AWS account; this service's account is azure$/],
  ])('Unknown with a reason, no S3 client opened, when %s', async (_when, account, reason, message) => {
    const stores = fakeStores();
    const read = createDeclaredStateSource(config, kubeConfig, { openObjectStore: stores.open });
    const result = await read(s3Service, signal, account);
    expect(result).toEqual({ ok: false, failure: { reason, message: expect.stringMatching(message) } });
    expect(stores.opened).toEqual([]);
  });

  it("the account's failure message stays in Ready, not in the state's", async () => {
    const read = createDeclaredStateSource(config, kubeConfig, { openObjectStore: fakeStores().open });
    const result = await read(s3Service, signal, { ok: false, failure: { reason: 'CredentialsMissing', message: 'Secret cpo/payments-keys not found' } });
    expect(JSON.stringify(result)).not.toContain('payments-keys');
  });

  it('ConfigMap and Secret sources need no account', async () => {
    const api = { readConfigMap: async () => ({ data: { 'prod.json': STATE }, binaryData: {} }), readSecret: async () => ({ 'prod.json': STATE }) } as unknown as KubeApi;
    const stores = fakeStores();
    const read = createDeclaredStateSource(config, kubeConfig, { api, openObjectStore: stores.open });
    const failed: ResolvedAccount = { ok: false, failure: { reason: 'CredentialsUnreadable', message: 'x' } };
    expect(await read(service({ stack: 'prod', configMapRef: { name: 'st', key: 'prod.json' } }), signal, failed)).toMatchObject({ ok: true });
    expect(await read(service({ stack: 'prod', secretRef: { name: 'st', key: 'prod.json' } }), signal, failed)).toMatchObject({ ok: true });
    expect(stores.opened).toEqual([]);
  });
});

describe('kubeStateReaders', () => {
  it('turns a refused Secret into StateReadError SecretNotPermitted with the same message', async () => {
    const api = { readConfigMap: async () => undefined, readSecret: () => Promise.reject(new SecretNotPermittedError('team-a', 'db')) };
    const readers = kubeStateReaders(api);
    const error = await readers.readSecretKey('team-a', 'db', 'password').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateReadError);
    expect(error).toMatchObject({ reason: 'SecretNotPermitted', message: 'Secret team-a/db is not labelled cloudposture.io/operator-readable=true' });
  });

  it('a missing object is a 404 for the state reader; a missing key is undefined', async () => {
    const readers = kubeStateReaders({ readConfigMap: async () => undefined, readSecret: async () => ({ other: 'x' }) });
    await expect(readers.readConfigMapKey('ns', 'cm', 'k')).rejects.toMatchObject({ statusCode: 404 });
    expect(await readers.readSecretKey('ns', 's', 'k')).toBeUndefined();
  });
});
