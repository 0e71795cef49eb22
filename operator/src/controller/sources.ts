// The three read sides of a reconcile (live inventory, declared IaC state, evidence),
// wired to one config, kube client, metrics and logger: the same for the operator
// process and the in-process test operator.

import type { KubeConfig } from '@kubernetes/client-node';
import type { OperatorConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { OperatorMetrics } from '../metrics.js';
import type { ApiCallHook } from '../providers/types.js';
import { createDeclaredStateSource } from './declared-source.js';
import { createEvidenceSource, type EvidenceSource } from './evidence-source.js';
import { createAzureChangeReader, createCredentialResolver, createInventorySource } from './inventory-source.js';
import type { DeclaredStateSource, InventorySource } from './service-reconciler.js';

export interface SourceDeps {
  config: OperatorConfig;
  kubeConfig: KubeConfig;
  metrics: OperatorMetrics;
  log: Logger;
}

export interface Sources {
  inventory: InventorySource;
  declared: DeclaredStateSource;
  evidence: EvidenceSource;
}

export function createSources({ config, kubeConfig, metrics, log }: SourceDeps): Sources {
  const onApiCall: ApiCallHook = (provider, operation, code) => metrics.cloudApiCalls.inc({ provider, operation, code });
  return {
    inventory: createInventorySource({ config, kubeConfig, metrics, log }),
    declared: createDeclaredStateSource(config, kubeConfig),
    evidence: createEvidenceSource(config, createCredentialResolver(kubeConfig, config.instanceName), onApiCall, {
      onDrillError: (key, error) => log.warn('exit drill failed', { service: key, error: error instanceof Error ? error.message : String(error) }),
      azureChanges: createAzureChangeReader({ config, kubeConfig, onApiCall }),
    }),
  };
}
