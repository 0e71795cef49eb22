// API types for cloudposture.io/v1alpha1.
//
// The spec and status shapes are generated from the CRDs (crds/*.yaml, the single source of
// truth) into ./generated.ts by `npm run generate`; they are re-exported here so the rest of
// the code imports from one place. Only the object envelopes (apiVersion, kind, metadata)
// are written by hand: the CRD schema does not describe metadata.

export * from './generated.js';

import type {
  CloudAccountSpec,
  CloudAccountStatus,
  CloudOrganizationSpec,
  CloudOrganizationStatus,
  CloudSecurityPolicySpec,
  CloudSecurityPolicyStatus,
  CloudServiceSpec,
  CloudServiceStatus,
} from './generated.js';

export const API_GROUP = 'cloudposture.io';
export const API_VERSION = 'v1alpha1';
/** apiVersion of every kind: cloudposture.io/v1alpha1. */
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

/** The parts of metav1.ObjectMeta the operator reads or writes. */
export interface ObjectMetaLite {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
}

/** A CloudService object (namespaced; plural cloudservices). */
export interface CloudService {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLite;
  spec: CloudServiceSpec;
  status?: CloudServiceStatus;
}

/** A CloudSecurityPolicy object (cluster-scoped; only the one named `default` applies). */
export interface CloudSecurityPolicy {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLite;
  spec: CloudSecurityPolicySpec;
  status?: CloudSecurityPolicyStatus;
}

/** A CloudAccount object (cluster-scoped; plural cloudaccounts): one account granted to namespaces. */
export interface CloudAccount {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLite;
  spec: CloudAccountSpec;
  status?: CloudAccountStatus;
}

/**
 * A CloudOrganization object (cluster-scoped; plural cloudorganizations): an AWS
 * organisation or Azure tenant listed through one CloudAccount for undeclared services.
 */
export interface CloudOrganization {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLite;
  spec: CloudOrganizationSpec;
  status?: CloudOrganizationStatus;
}
