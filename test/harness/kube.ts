// Helpers for integration tests running against the control plane that
// jest-global-setup.ts started (or one from `npm run controlplane -- up`).
//
//   const kc = loadTestKubeConfig();
//   const core = kc.makeApiClient(CoreV1Api);
//   let ns: string;
//   beforeEach(async () => { ns = await createTestNamespace('reconcile'); });
//   afterEach(async () => { await deleteTestNamespace(ns); });
//   await waitFor(async () => (await core.readNamespacedConfigMap({ name, namespace: ns })).data?.x === 'y');
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

import type { KubectlOptions, KubectlResult } from './controlplane.js';

/** Label put on every namespace created by createTestNamespace(). */
export const TEST_NAMESPACE_LABEL = 'cloudposture.io/test';
/** Label on every CloudAccount a test grants: the namespace it was made for (deleted with it). */
export const TEST_ACCOUNT_NAMESPACE_LABEL = 'cloudposture.io/test-namespace';

function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(
      `${name} is not set: integration tests need the control plane started by Jest's globalSetup ` +
        `(run them with \`npm test\`, project "integration"), or export it from \`npm run controlplane -- up\``,
    );
  }
  return v;
}

/** Path of the admin kubeconfig of the test control plane. */
export function testKubeconfigPath(): string {
  return requireEnv('CLOUDPOSTURE_TEST_KUBECONFIG');
}

/** Path of the kubectl binary built with the test control plane. */
export function testKubectlPath(): string {
  return requireEnv('CLOUDPOSTURE_TEST_KUBECTL');
}

/** A fresh KubeConfig for the test control plane (admin, system:masters). */
export function loadTestKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(testKubeconfigPath());
  return kc;
}

/** Runs the built kubectl against the test control plane. Never rejects on a non-zero exit. */
export function kubectl(args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  const kubeconfig = testKubeconfigPath();
  return new Promise((resolve, reject) => {
    const child = spawn(testKubectlPath(), ['--kubeconfig', kubeconfig, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      stderr += `\n(kubectl killed after ${timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code: code ?? 1 });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Like kubectl() but throws, with kubectl's stderr, on a non-zero exit; returns stdout. */
export async function kubectlOk(args: string[], opts: KubectlOptions = {}): Promise<string> {
  const r = await kubectl(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** A DNS-1123 label: `<prefix>-<base36 time>-<random>`, at most 63 characters. */
export function uniqueName(prefix = 'test'): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'test';
  return `${clean}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Creates a namespace with a unique name (labelled cloudposture.io/test=true) and returns its name. */
export async function createTestNamespace(prefix = 'test', kc: KubeConfig = loadTestKubeConfig()): Promise<string> {
  const name = uniqueName(prefix);
  await kc.makeApiClient(CoreV1Api).createNamespace({
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [TEST_NAMESPACE_LABEL]: 'true' } } },
  });
  return name;
}

/**
 * Deletes a namespace; a missing one is fine. Does not wait: without
 * kube-controller-manager a deleted namespace stays Terminating (its objects are
 * not removed), which is harmless because every test has its own namespace.
 */
export async function deleteTestNamespace(name: string, kc: KubeConfig = loadTestKubeConfig()): Promise<void> {
  try {
    await kc.makeApiClient(CoreV1Api).deleteNamespace({ name });
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw e;
  }
  // The cluster-scoped CloudAccounts granted for it (services.ts grantAccount) go with it.
  await kc
    .makeApiClient(CustomObjectsApi)
    .deleteCollectionClusterCustomObject({ group: 'cloudposture.io', version: 'v1alpha1', plural: 'cloudaccounts', labelSelector: `${TEST_ACCOUNT_NAMESPACE_LABEL}=${name}` })
    .catch((e: { code?: number }) => {
      if (e.code !== 404) throw e;
    });
}

export interface WaitForOptions {
  /** Default 30 s. */
  timeoutMs?: number;
  /** Default 200 ms. */
  intervalMs?: number;
  /** Shown in the timeout error, e.g. "ConfigMap x to have key y". */
  description?: string;
}

/**
 * Polls `probe` until it returns a value other than undefined, null or false, and
 * returns that value. A probe that throws is retried (a 404 before the object
 * exists, say); on timeout the last error or value is reported.
 */
export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  opts: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let last: string = 'no attempt finished';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
      last = `last value: ${JSON.stringify(v)}`;
    } catch (e) {
      last = `last error: ${(e as Error).message ?? String(e)}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.description ?? 'condition'} (${last})`);
    }
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}
