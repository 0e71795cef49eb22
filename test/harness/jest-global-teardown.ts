// Jest globalTeardown of the `integration` project: stops the control plane that
// jest-global-setup.ts started (same process), leaving no etcd / kube-apiserver behind.
export default async function globalTeardown(): Promise<void> {
  const cp = globalThis.__cloudpostureControlPlane;
  if (!cp) return;
  globalThis.__cloudpostureControlPlane = undefined;
  await cp.stop();
  delete process.env.CLOUDPOSTURE_TEST_KUBECONFIG;
  delete process.env.CLOUDPOSTURE_TEST_SERVER;
}
