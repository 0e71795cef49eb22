// The operator process: config, clients, manager, HTTP endpoints, graceful shutdown.

import { loadConfig } from './config.js';
import { Manager } from './controller/manager.js';
import { createSources } from './controller/sources.js';
import { KubeApi } from './kube/api.js';
import { BoundedKubeConfig } from './kube/request-bounds.js';
import { createLogger } from './log.js';
import { OperatorMetrics } from './metrics.js';
import { createReportHandler } from './report/endpoint.js';
import { startServer } from './server.js';

export async function runOperator(argv: readonly string[] = process.argv.slice(2)): Promise<() => Promise<void>> {
  const config = loadConfig(process.env, argv);
  const log = createLogger(config.logLevel);
  // Every API client made from it (state readers, the report's reviews too) has the request timeout.
  const kubeConfig = new BoundedKubeConfig(config.kubeRequestTimeoutMs);
  kubeConfig.loadFromDefault();
  const metrics = new OperatorMetrics();
  const api = new KubeApi(kubeConfig, config.instanceName, config.kubeRequestTimeoutMs);
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
  const tls = config.tlsCertFile && config.tlsKeyFile ? { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile } : undefined;
  const report = config.serveReport
    ? createReportHandler({
        kubeConfig,
        listServices: (namespace) => manager.services.list().filter((s) => !namespace || s.metadata.namespace === namespace),
        getPolicy: () => manager.policies.get(config.policyName)?.spec,
        policyName: config.policyName,
      })
    : undefined;
  const server = await startServer(
    config.metricsAddress,
    metrics,
    {
      healthy: () => !failed && manager.health().healthy,
      problems: () => (failed ? ['manager failed to start'] : manager.health().problems),
      ready: () => manager.ready,
    },
    { ...(report ? { report } : {}), ...(tls ? { tls } : {}) },
  );
  log.info('operator starting', { metricsAddress: config.metricsAddress, concurrency: config.concurrency });
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
