// Role sessions kept between reads. Without them every collection, every service's
// change-log read and every state read assumed the account's role again: one
// STS:AssumeRole per service and interval, so calls grew with services. A kept session
// is refreshed by its provider a minute before it expires (memoizeCredentials), so an
// account costs one AssumeRole per session lifetime, whatever reads it.

import { credentialFingerprint, type AwsCredentialProvider, type CredentialSpec } from './clients.js';

/** Sessions kept (least recently used dropped first): one per CloudAccount and reading namespace in use. */
export const ROLE_SESSIONS_MAX = 1_024;

export class RoleSessions {
  /** By credentialFingerprint: the role, external id, session name and a hash of static credentials, never a secret. */
  private readonly sessions = new Map<string, AwsCredentialProvider>();

  constructor(
    private readonly build: (spec: CredentialSpec) => AwsCredentialProvider,
    private readonly max = ROLE_SESSIONS_MAX,
  ) {}

  /** The kept session for these credentials, or a new one (built lazily: no call until first use). */
  get(spec: CredentialSpec): AwsCredentialProvider {
    const key = credentialFingerprint(spec);
    const kept = this.sessions.get(key);
    if (kept) {
      this.sessions.delete(key);
      this.sessions.set(key, kept);
      return kept;
    }
    const session = this.build(spec);
    this.sessions.set(key, session);
    if (this.sessions.size > this.max) this.sessions.delete(this.sessions.keys().next().value as string);
    return session;
  }

  get size(): number {
    return this.sessions.size;
  }

  clear(): void {
    this.sessions.clear();
  }
}
