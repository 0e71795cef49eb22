// Callers of the operator's reviewed endpoints (/metrics, /report) on the real control
// plane: ServiceAccount tokens from the TokenRequest API (signed by the API server's
// service-account key, for the audience asked), the chart's own RBAC objects rendered by
// the real helm, and a ReviewApi that counts the TokenReviews and SubjectAccessReviews it
// sends to the real API server.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';

import { kubeReviewApi, type ReviewApi } from '../../operator/src/kube/access-review.js';
import { repoRoot } from './binaries.js';
import { kubectlOk, loadTestKubeConfig } from './kube.js';
import { ensureHelm, runTool } from './tools.js';

export const chartDir = path.join(repoRoot, 'charts', 'cloud-posture-operator');

/** Creates the ServiceAccount (if needed) and returns a token for `audiences` (empty: the API server's), valid 10 minutes unless told. */
export async function serviceAccountToken(
  namespace: string,
  name: string,
  audiences: string[] = [],
  kc: KubeConfig = loadTestKubeConfig(),
  expirationSeconds = 600,
): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
  const request = await core.createNamespacedServiceAccountToken({ namespace, name, body: { spec: { audiences, expirationSeconds } } });
  const token = request.status?.token;
  if (!token) throw new Error('TokenRequest returned no token');
  return token;
}

export interface CountingReviewApi extends ReviewApi {
  counts: { tokenReviews: number; subjectAccessReviews: number };
  /** Most SubjectAccessReviews that were in flight at one time. */
  peakSubjectAccessReviews: number;
}

/** The real reviews (the test's admin credentials unless told otherwise), counted. */
export function countingReviewApi(kc: KubeConfig = loadTestKubeConfig(), inner: ReviewApi = kubeReviewApi(kc)): CountingReviewApi {
  let inFlight = 0;
  const api: CountingReviewApi = {
    counts: { tokenReviews: 0, subjectAccessReviews: 0 },
    peakSubjectAccessReviews: 0,
    tokenReview: (token, audiences) => {
      api.counts.tokenReviews++;
      return inner.tokenReview(token, audiences);
    },
    subjectAccessReview: async (user, attributes) => {
      api.counts.subjectAccessReviews++;
      api.peakSubjectAccessReviews = Math.max(api.peakSubjectAccessReviews, ++inFlight);
      try {
        return await inner.subjectAccessReview(user, attributes);
      } finally {
        inFlight--;
      }
    },
  };
  return api;
}

export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** `helm template` of the chart with `--set` values (the helm built for the tests). */
export async function renderChart(release: string, namespace: string, set: string[]): Promise<RenderedObject[]> {
  const helm = await ensureHelm();
  const home = await mkdtemp(path.join(tmpdir(), 'helm-home-'));
  try {
    const env = { ...process.env, HELM_CONFIG_HOME: path.join(home, 'config'), HELM_CACHE_HOME: path.join(home, 'cache'), HELM_DATA_HOME: path.join(home, 'data') };
    const r = await runTool(helm, ['template', release, chartDir, '--namespace', namespace, ...set.flatMap((s) => ['--set', s])], { env, timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`helm template failed (${r.code}): ${r.stderr}`);
    return parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as RenderedObject | null)
      .filter((o): o is RenderedObject => !!o);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/**
 * Applies the chart's metrics-reader ClusterRole and its binding to `reader` (the
 * Prometheus ServiceAccount), and the operator's access-review ClusterRole and binding,
 * as the chart renders them for `release`. Returns the cluster-scoped names made, for cleanup.
 */
export async function applyChartAccessRbac(release: string, namespace: string, reader: { namespace: string; name: string }): Promise<string[]> {
  const objects = await renderChart(release, namespace, [`metrics.reader.serviceAccount.name=${reader.name}`, `metrics.reader.serviceAccount.namespace=${reader.namespace}`]);
  const wanted = objects.filter(
    (o) => (o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding') && (o.metadata.name.endsWith('-metrics-reader') || o.metadata.name.endsWith('-access-review')),
  );
  if (wanted.length !== 4) throw new Error(`expected the chart to render 4 access objects, got ${wanted.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  await kubectlOk(['apply', '-f', '-'], { input: wanted.map((o) => stringify(o)).join('---\n') });
  return wanted.map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}`);
}

export async function deleteClusterObjects(names: string[]): Promise<void> {
  if (names.length) await kubectlOk(['delete', '--ignore-not-found', ...names]);
}
