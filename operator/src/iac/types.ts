// Declared infrastructure, read from a Pulumi stack's state: what the IaC says
// should exist, compared by the InSync control with what the inventory found.

export interface DeclaredResource {
  /** Pulumi URN. */
  urn: string;
  /** Pulumi type token, e.g. aws:s3/bucket:Bucket. */
  type: string;
  /** Provider-side id (ARN / bucket name / Azure resource id) when the state records it. */
  id?: string;
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
