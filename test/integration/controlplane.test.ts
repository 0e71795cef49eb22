// Proves the test control plane is a real Kubernetes API server: version, RBAC-backed
// admin access, kubectl apply, reads through @kubernetes/client-node, and data kept
// in etcd across an API server restart.
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { CoreV1Api, KubeConfig, VersionApi } from '@kubernetes/client-node';

import { controlPlaneVersions } from '../harness/binaries.js';
import { startControlPlane, type ControlPlane } from '../harness/controlplane.js';
import {
  createTestNamespace,
  deleteTestNamespace,
  kubectl,
  kubectlOk,
  loadTestKubeConfig,
  testKubeconfigPath,
  waitFor,
} from '../harness/kube.js';

describe('shared control plane (from globalSetup)', () => {
  const kc = loadTestKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  let ns: string;

  beforeEach(async () => {
    ns = await createTestNamespace('controlplane');
  });
  afterEach(async () => {
    await deleteTestNamespace(ns);
  });

  it('serves /version of the pinned Kubernetes release', async () => {
    const { kubernetes } = await controlPlaneVersions();
    const info = await kc.makeApiClient(VersionApi).getCode();
    expect(info.gitVersion).toBe(kubernetes);

    const versions = JSON.parse(await kubectlOk(['version', '-o', 'json'])) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    expect(versions.clientVersion.gitVersion).toBe(kubernetes);
    expect(versions.serverVersion.gitVersion).toBe(kubernetes);
  });

  it('authenticates the admin by client certificate and authorises it with RBAC', async () => {
    const kubeconfig = await readFile(testKubeconfigPath(), 'utf8');
    expect(kubeconfig).toContain('client-certificate-data');
    expect(await kubectlOk(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'])).toBe(
      'cloudposture-admin',
    );
    // RBAC is on: an unprivileged user is denied.
    const denied = await kubectl(['auth', 'can-i', 'list', 'secrets', '-n', ns, '--as', 'nobody']);
    expect(denied.stdout.trim()).toBe('no');
  });

  it('applies a ConfigMap with kubectl and reads it back with client-node', async () => {
    const manifest = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: posture',
      `  namespace: ${ns}`,
      'data:',
      '  control: "A.5.23"',
      '',
    ].join('\n');
    const out = await kubectlOk(['apply', '-f', '-'], { input: manifest });
    expect(out).toContain('configmap/posture created');

    const cm = await waitFor(() => core.readNamespacedConfigMap({ name: 'posture', namespace: ns }), {
      description: `ConfigMap ${ns}/posture`,
    });
    expect(cm.data).toEqual({ control: 'A.5.23' });
    expect(cm.metadata?.namespace).toBe(ns);
  });

  it('rejects requests without a client certificate', async () => {
    const server = kc.getCurrentCluster()?.server ?? '';
    const ca = Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64').toString();
    const status = await new Promise<number>((resolve, reject) => {
      request(`${server}/api/v1/namespaces`, { ca }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403); // anonymous: authenticated as system:anonymous, denied by RBAC
  });
});

describe('a private control plane', () => {
  let cp: ControlPlane | undefined;
  afterAll(async () => {
    await cp?.stop();
  });

  it('keeps its data in etcd across an API server restart', async () => {
    // Its own control plane, so restarting the API server does not disturb tests
    // running against the shared one.
    cp = await startControlPlane();
    const manifest = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'survivor', namespace: 'default' },
      data: { kept: 'yes' },
    });
    expect((await cp.kubectl(['apply', '-f', '-'], { input: manifest })).code).toBe(0);

    const before = await readConfigMap(cp);
    await cp.restartApiServer();
    const after = await readConfigMap(cp);

    expect(after.data).toEqual({ kept: 'yes' });
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    // Same address after the restart: clients keep their configuration.
    expect((await cp.kubectl(['get', 'configmap', 'survivor', '-o', 'name'])).stdout.trim()).toBe(
      'configmap/survivor',
    );

    await cp.stop();
    await expect(cp.kubectl(['get', 'ns', '--request-timeout=2s'])).resolves.toMatchObject({ code: 1 });
  });
});

async function readConfigMap(cp: ControlPlane) {
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  return kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'survivor', namespace: 'default' });
}
