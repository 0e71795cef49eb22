// The last recorded use of a sign-in, a key or a role: its own module so that inventory
// parts (types.ts, provider-access.ts) share it without importing each other.

/** The last recorded use of a sign-in, a key or a role (stale-access control, the AWS Support role). */
export interface LastUse {
  /** Last recorded use (ISO 8601); absent when none is recorded. */
  at?: string;
  /** No use recorded since this instant (creation, or when the provider began recording, whichever is later). */
  noUseSince?: string;
}
