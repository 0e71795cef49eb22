// Reads the Pulumi state a service declares (spec.iac.pulumi) for the InSync control:
// S3 with the operator's AWS identity, ConfigMaps / Secrets in the service's
// namespace, or a Pulumi Cloud export.

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { OperatorConfig } from '../config.js';
import { createS3StateGetter, kubeStateReaders, readDeclaredState } from '../iac/state-reader.js';
import type { DeclaredStateSource } from './gather.js';

export function createDeclaredStateSource(config: OperatorConfig, kubeConfig: KubeConfig): DeclaredStateSource {
  const s3 = createS3StateGetter(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {});
  const kube = kubeStateReaders(kubeConfig.makeApiClient(CoreV1Api));
  return async (service, signal) => {
    const ref = service.spec.iac?.pulumi;
    if (!ref) return { ok: false, failure: { reason: 'NoIaCDeclared', message: 'spec.iac.pulumi is not set' } };
    return readDeclaredState(ref, {
      namespace: service.metadata.namespace ?? '',
      getS3Object: s3.getS3Object,
      ...kube,
      fetch: (url, init) => fetch(url, init),
      signal,
    });
  };
}
