// KubeApi.readSecret, the operator's one Secret read path: a Secret in the operator's
// namespace, or one labelled cloudposture.io/operator-readable: "true"; any other is
// refused with a message naming the Secret and the label, never its keys or values.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeApi, OPERATOR_READABLE_LABEL, SecretNotPermittedError, secretReadPermitted } from '../../operator/src/kube/api.js';
import { kubeConfigFor } from './kube-fakes.js';

const PLANTED = 'LEAK-CANARY-7f3e9a';
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Serves GET /api/v1/namespaces/{ns}/secrets/{name} from a map; 404 otherwise. */
async function secretServer(secrets: Record<string, { labels?: Record<string, string>; data: Record<string, string> }>): Promise<{ url: string; stop(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/?]+)/.exec(req.url ?? '');
    const secret = m ? secrets[`${m[1]}/${m[2]}`] : undefined;
    if (!m || !secret) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
      return;
    }
    const data = Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, b64(v)]));
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ kind: 'Secret', apiVersion: 'v1', metadata: { name: m[2], namespace: m[1], ...(secret.labels ? { labels: secret.labels } : {}) }, data }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('secretReadPermitted', () => {
  it.each([
    ['the operator namespace, no label', 'cpo', undefined, 'cpo', true],
    ['a tenant namespace, no label', 'team-a', undefined, 'cpo', false],
    ['a tenant namespace, labelled', 'team-a', { [OPERATOR_READABLE_LABEL]: 'true' }, 'cpo', true],
    ['a tenant namespace, label not "true"', 'team-a', { [OPERATOR_READABLE_LABEL]: 'yes' }, 'cpo', false],
    ['no operator namespace known, no label', 'cpo', undefined, undefined, false],
    ['no operator namespace known, labelled', 'cpo', { [OPERATOR_READABLE_LABEL]: 'true' }, undefined, true],
  ])('%s -> %s', (_what, namespace, labels, operatorNamespace, permitted) => {
    expect(secretReadPermitted(namespace, labels, operatorNamespace)).toBe(permitted);
  });
});

describe('KubeApi.readSecret', () => {
  let server: Awaited<ReturnType<typeof secretServer>>;
  let api: KubeApi;
  beforeAll(async () => {
    server = await secretServer({
      'cpo/aws-keys': { data: { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: PLANTED } },
      'team-a/pulumi': { labels: { [OPERATOR_READABLE_LABEL]: 'true' }, data: { token: 'pul-1' } },
      'team-a/db-password': { data: { [`${PLANTED}-key`]: PLANTED } },
    });
    api = new KubeApi(kubeConfigFor(server.url), 'test', 5_000, 'cpo');
  });
  afterAll(async () => server?.stop());

  it("reads a Secret in the operator's namespace and a labelled one elsewhere", async () => {
    expect(await api.readSecret('cpo', 'aws-keys')).toEqual({ AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: PLANTED });
    expect(await api.readSecret('team-a', 'pulumi')).toEqual({ token: 'pul-1' });
    expect(await api.readSecret('team-a', 'absent')).toBeUndefined();
  });

  it('refuses an unlabelled Secret elsewhere, naming neither its keys nor its values', async () => {
    const error = await api.readSecret('team-a', 'db-password').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SecretNotPermittedError);
    expect(error).toMatchObject({ reason: 'SecretNotPermitted', message: 'Secret team-a/db-password is not labelled cloudposture.io/operator-readable=true' });
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(PLANTED);
  });

  it('without an operator namespace every Secret needs the label', async () => {
    const strict = new KubeApi(kubeConfigFor(server.url), 'test', 5_000);
    await expect(strict.readSecret('cpo', 'aws-keys')).rejects.toBeInstanceOf(SecretNotPermittedError);
    expect(await strict.readSecret('team-a', 'pulumi')).toEqual({ token: 'pul-1' });
  });
});
