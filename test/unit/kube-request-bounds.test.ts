// Every Kubernetes API call is bounded: a request on a connection that never answers is
// cut at the request timeout (headers or body), a request made in an aborted call scope
// is refused before it is sent, and aborting the scope cuts a request in flight.

import { CoreV1Api } from '@kubernetes/client-node';
import { KubeApi } from '../../operator/src/kube/api.js';
import { BoundedKubeConfig, KubeRequestTimeoutError, runInCallScope } from '../../operator/src/kube/request-bounds.js';
import { kubeConfigFor, startHangingServer, type HangingServer } from './kube-fakes.js';

/** Short enough for a unit test, long enough that a loaded machine does not cut a healthy local call. */
const TIMEOUT_MS = 300;
/** The test fails on its own after this long instead of the suite's two minutes. */
const TEST_BUDGET_MS = 10_000;

describe('Kubernetes API request bounds', () => {
  let server: HangingServer;
  afterEach(async () => server?.stop());

  it(
    'cuts a request the server never answers at the request timeout',
    async () => {
      server = await startHangingServer();
      const api = new KubeApi(kubeConfigFor(server.url), 'test', TIMEOUT_MS);
      const started = Date.now();
      await expect(api.getService('ns', 'svc')).rejects.toThrow(`Kubernetes API request timed out after ${TIMEOUT_MS} ms`);
      expect(Date.now() - started).toBeLessThan(TEST_BUDGET_MS);
      expect(server.requests).toEqual(['GET /apis/cloudposture.io/v1alpha1/namespaces/ns/cloudservices/svc']);
    },
    TEST_BUDGET_MS,
  );

  it(
    'cuts a response whose body stops arriving',
    async () => {
      server = await startHangingServer({ partialBody: true });
      const api = new KubeApi(kubeConfigFor(server.url), 'test', TIMEOUT_MS);
      await expect(api.listServices('ns')).rejects.toBeInstanceOf(KubeRequestTimeoutError);
    },
    TEST_BUDGET_MS,
  );

  it(
    'bounds status writes and Events as well as reads',
    async () => {
      server = await startHangingServer();
      const api = new KubeApi(kubeConfigFor(server.url), 'test', TIMEOUT_MS);
      await expect(api.patchServiceStatus('ns', 'svc', '1', {})).rejects.toBeInstanceOf(KubeRequestTimeoutError);
      await expect(
        api.createEvent(
          { namespace: 'ns', involved: { kind: 'CloudService', name: 'svc', apiVersion: 'cloudposture.io/v1alpha1' }, type: 'Normal', reason: 'R', message: 'm', action: 'A' },
          new Date(),
        ),
      ).rejects.toBeInstanceOf(KubeRequestTimeoutError);
      expect(server.requests).toHaveLength(2);
    },
    TEST_BUDGET_MS,
  );

  it(
    'refuses a request made in an aborted call scope before sending it',
    async () => {
      server = await startHangingServer();
      const api = new KubeApi(kubeConfigFor(server.url), 'test', TIMEOUT_MS);
      const fenced = new AbortController();
      fenced.abort(new Error('leadership lost'));
      await expect(runInCallScope(fenced.signal, () => api.patchServiceStatus('ns', 'svc', '1', {}))).rejects.toThrow('leadership lost');
      expect(server.requests).toEqual([]);
    },
    TEST_BUDGET_MS,
  );

  it(
    'aborting the call scope cuts a request in flight, with the scope reason',
    async () => {
      server = await startHangingServer();
      const api = new KubeApi(kubeConfigFor(server.url), 'test', 60_000);
      const scope = new AbortController();
      const write = runInCallScope(scope.signal, () => api.patchServiceStatus('ns', 'svc', '1', {}));
      while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      scope.abort(new Error('renew deadline passed'));
      await expect(write).rejects.toThrow('renew deadline passed');
      // The client closed the connection: nothing of this request can reach the server later.
      while (server.abandoned === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    TEST_BUDGET_MS,
  );

  it(
    'bounds every client a BoundedKubeConfig makes (readers outside kube/)',
    async () => {
      server = await startHangingServer();
      const kc = new BoundedKubeConfig(TIMEOUT_MS);
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: server.url, skipTLSVerify: true }],
        users: [{ name: 'fake' }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
        currentContext: 'fake',
      });
      const core = kc.makeApiClient(CoreV1Api);
      await expect(core.readNamespacedConfigMap({ namespace: 'ns', name: 'state' })).rejects.toThrow(/aborted/i);
      expect(server.requests).toEqual(['GET /api/v1/namespaces/ns/configmaps/state']);
      while (server.abandoned === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    TEST_BUDGET_MS,
  );
});
