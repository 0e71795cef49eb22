// The operator process: config, clients, manager, HTTP endpoints, graceful shutdown.

import { loadConfig } from './config.js';
import { Manager } from './controller/manager.js';
import { createSources } from './controller/sources.js';
import { AccessReviewer, kubeReviewApi } from './kube/access-review.js';
import { KubeApi, SERVICE_LIST_PAGE } from './kube/api.js';
import { BoundedKubeConfig } from './kube/request-bounds.js';
import { createLogger } from './log.js';
import { OperatorMetrics } from './metrics.js';
import { createReportHandler } from './report/endpoint.js';
import { startServing, type MetricsAccess, type ServerTls } from './server.js';

export async function runOperator(argv: readonly string[] = process.argv.slice(2)): Promise<() => Promise<void>> {
  // Milliseconds since the process started (performance.now()): here every module main imports is loaded.
  const modulesLoadedMs = Math.round(performance.now());
  const config = loadConfig(process.env, argv);
  const log = createLogger(config.logLevel);
  // Every API client made from it (state readers, the report's reviews too) has the request timeout.
  const kubeConfig = new BoundedKubeConfig(config.kubeRequestTimeoutMs);
  kubeConfig.loadFromDefault();
  const metrics = new OperatorMetrics();
  // CloudAccount credentials Secrets live in the operator's namespace: read there without the opt-in label.
  const api = new KubeApi(kubeConfig, config.instanceName, config.kubeRequestTimeoutMs, config.operatorNamespace);
  const manager = new Manager({
    kubeConfig,
    config,
    metrics,
    log,
    api,
    sources: createSources({ config, kubeConfig, api, metrics, log }),
    // As controller-runtime does: a replica that lost its Lease exits and restarts clean.
    onLostLeadership: () => {
      log.error('leadership lost: exiting');
      process.exit(1);
    },
  });
  let failed = false;
  // HTTPS whenever a token is sent (reviewed /metrics, the report): the configured files, else self-signed.
  const needsTls = config.metricsSecure || config.serveReport;
  const tls: ServerTls | undefined = !needsTls
    ? undefined
    : config.tlsCertFile
      ? { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile }
      : { selfSigned: true };
  // One reviewer for /metrics and /report: one cache, one bound on reviews in flight.
  const reviewer = needsTls
    ? new AccessReviewer({ api: kubeReviewApi(kubeConfig), cacheTtlMs: config.accessReviewCacheTtlMs, maxConcurrentReviews: config.accessReviewConcurrency })
    : undefined;
  const metricsAccess: MetricsAccess =
    config.metricsSecure && reviewer ? { reviewer, audiences: config.metricsTokenAudience ? [config.metricsTokenAudience] : [] } : 'anyone';
  const report =
    config.serveReport && reviewer
      ? createReportHandler({
          reviewer,
          audience: config.reportTokenAudience,
          maxReviewsPerRequest: config.reportMaxReviews,
          // Sharded, the cache holds other shards' services as routing fields only: read them whole.
          listServices:
            config.shards > 1
              ? async (namespace) =>
                  config.watchNamespace && namespace && namespace !== config.watchNamespace
                    ? []
                    : (await api.listServices(namespace || config.watchNamespace, { pageSize: SERVICE_LIST_PAGE })).items
              : (namespace) => manager.services.list().filter((s) => !namespace || s.metadata.namespace === namespace),
          // Shadow IT: CloudOrganizations are cluster-scoped, read (cached) only by an operator watching every namespace.
          ...(manager.organizations ? { listOrganizations: () => manager.organizations?.organizations.list() ?? [] } : {}),
          getPolicy: () => manager.policies.get(config.policyName)?.spec,
          policyName: config.policyName,
          log,
        })
      : undefined;
  const { server, selfSigned } = await startServing(
    config.metricsAddress,
    metrics,
    {
      healthy: () => !failed && manager.health().healthy,
      problems: () => (failed ? ['manager failed to start'] : manager.health().problems),
      ready: () => manager.ready,
    },
    { ...(report ? { report } : {}), ...(tls ? { tls } : {}), metricsAccess, log },
  );
  if (!config.metricsSecure) log.warn('/metrics is served without authentication to anyone who reaches the port (CLOUDPOSTURE_METRICS_SECURE=false)');
  log.info('operator starting', {
    metricsAddress: config.metricsAddress,
    concurrency: config.concurrency,
    metricsSecure: config.metricsSecure,
    tls: tls ? (selfSigned ? 'self-signed' : 'files') : 'none',
    modulesLoadedMs,
    processUptimeMs: Math.round(performance.now()),
  });
  manager.start().catch((error: Error) => {
    failed = true;
    log.error('manager failed to start', { error: error.message });
  });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('shutting down', { graceMs: config.shutdownGraceMs });
      await manager.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })());
  return stop;
}

const isEntryPoint = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/main.ts');
if (isEntryPoint) {
  runOperator()
    .then((stop) => {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => {
          void stop().then(() => process.exit(0));
        });
      }
    })
    .catch((error: Error) => {
      console.error(JSON.stringify({ level: 'error', message: 'operator failed to start', error: error.message }));
      process.exit(1);
    });
}
