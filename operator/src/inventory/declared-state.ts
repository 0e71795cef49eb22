// Declared infrastructure, read from a Pulumi stack's state: what the IaC says
// should exist, compared by the InSync control with what the inventory found.

import type { ResourceKind } from './types.js';

export interface DeclaredResource {
  /** Pulumi URN. */
  urn: string;
  /** Pulumi type token, e.g. aws:s3/bucket:Bucket. */
  type: string;
  /** Provider-side id (ARN / bucket name / Azure resource id) when the state records it. */
  id?: string;
  /** Logical name (the URN's last segment), for messages. */
  name?: string;
  /** Inventory kind this resource is compared as (bucket, volume, ...); undefined for kinds the inventory does not list. */
  kind?: ResourceKind;
  /** AWS ARN from the resource's outputs (or derived: arn:aws:s3:::<bucket>), the strongest match key. */
  arn?: string;
  /** Facts the drift comparison uses, normalised from the resource's outputs. */
  region?: string;
  encrypted?: boolean;
  public?: boolean;
}

export interface DeclaredState {
  stack: string;
  /** Where it was read from, for the evidence trail (no credentials). */
  source: string;
  readAt: string;
  resources: DeclaredResource[];
}

export type DeclaredStateResult =
  | { ok: true; state: DeclaredState }
  | { ok: false; failure: { reason: string; message: string } };
