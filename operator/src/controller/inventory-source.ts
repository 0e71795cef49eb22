// Chooses how a service's live account is read. Until a provider's collector is
// wired in, its live controls stay Unknown (never a false finding).

import type { KubeConfig } from '@kubernetes/client-node';
import type { OperatorConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { OperatorMetrics } from '../metrics.js';
import type { InventorySource } from './service-reconciler.js';

export interface InventorySourceOptions {
  config: OperatorConfig;
  kubeConfig: KubeConfig;
  metrics: OperatorMetrics;
  log: Logger;
}

export function createInventorySource(_options: InventorySourceOptions): InventorySource {
  return async (service) => ({
    ok: false,
    skipped: true,
    failure: {
      reason: 'ProviderNotSupported',
      message: `no live collector for provider ${service.spec.provider} in this build`,
    },
  });
}
