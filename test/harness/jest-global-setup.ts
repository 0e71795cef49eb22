// Jest globalSetup of the `integration` project: builds the control plane binaries
// when needed (minutes, once per pin) and starts ONE control plane for the whole
// run. Runs in Jest's parent process before any test file; the environment
// variables set here are inherited by the test files, whether they run in band or
// in worker processes (forked after this hook):
//   CLOUDPOSTURE_TEST_KUBECONFIG  admin kubeconfig of the control plane
//   CLOUDPOSTURE_TEST_KUBECTL     the kubectl built with it
//   CLOUDPOSTURE_TEST_SERVER      API server URL
// If CLOUDPOSTURE_TEST_KUBECONFIG is already set (a control plane from
// `npm run controlplane -- up`), it is reused and nothing is started.
//
// Loading: Jest hands this file to Node's own loader (Node 24 strips the types
// itself, bypassing ts-jest), which cannot resolve our './x.js' -> './x.ts'
// imports. So this file keeps to erasable TypeScript and imports the harness
// through tsx.
import { tsImport } from 'tsx/esm/api';
import type { ControlPlane } from './controlplane.js';

declare global {
  var __cloudpostureControlPlane: ControlPlane | undefined;
}

type Binaries = typeof import('./binaries.js');
type ControlPlaneModule = typeof import('./controlplane.js');

export default async function globalSetup(): Promise<void> {
  const { ensureBinaries } = (await tsImport('./binaries.ts', import.meta.url)) as Binaries;
  const { startControlPlane } = (await tsImport('./controlplane.ts', import.meta.url)) as ControlPlaneModule;

  // No test reaches a real Azure host: a collector without its own blob endpoint reads a
  // closed loopback port (connection refused: Unknown), never *.blob.core.windows.net.
  process.env.CLOUDPOSTURE_AZURE_STORAGE_BLOB_ENDPOINT ??= 'https://127.0.0.1:9/{account}';
  const binaries = await ensureBinaries();
  process.env.CLOUDPOSTURE_TEST_KUBECTL ??= binaries.kubectl;
  if (process.env.CLOUDPOSTURE_TEST_KUBECONFIG) {
    process.stderr.write(
      `\n[controlplane] reusing the control plane of CLOUDPOSTURE_TEST_KUBECONFIG=${process.env.CLOUDPOSTURE_TEST_KUBECONFIG}\n`,
    );
    return;
  }
  const started = Date.now();
  const cp = await startControlPlane({ binaries });
  globalThis.__cloudpostureControlPlane = cp;
  process.env.CLOUDPOSTURE_TEST_KUBECONFIG = cp.kubeconfigPath;
  process.env.CLOUDPOSTURE_TEST_SERVER = cp.server;
  process.stderr.write(`\n[controlplane] kube-apiserver ${cp.server} ready in ${Date.now() - started} ms\n`);
}
