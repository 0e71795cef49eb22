// What an organisation / tenant listing found (issue 15, Shadow IT): every account,
// subscription or consented SaaS app the provider knows of, provider-neutral, plain
// data. Readers (providers/aws/organization-accounts.ts, later Azure) fill it; the
// pure comparison with what is declared (controls/undeclared-services.ts) only reads it.
//
// As in the account Inventory (types.ts): a read that failed is a gap with a reason,
// never an empty list. An empty `items` with no gap means "the organisation really has
// nothing of that kind".

import type { Provider, SaasConsent } from '../api/types.js';

/** What was discovered: an AWS account, an Azure subscription, a consented SaaS app (Entra). */
export type DiscoveredKind = 'account' | 'subscription' | 'saas-app';

export const DISCOVERED_KINDS: readonly DiscoveredKind[] = ['account', 'subscription', 'saas-app'];

/** What a provider's organisation listing covers (the kinds a failed pass leaves unknown). */
export const LISTED_KINDS: Readonly<Record<Provider, readonly DiscoveredKind[]>> = {
  aws: ['account'],
  azure: ['subscription', 'saas-app'],
};

/**
 * Lifecycle, provider-neutral:
 * - `active`: usable (AWS ACTIVE; Azure Enabled / Warned / PastDue);
 * - `pending`: being created, becomes usable without anyone acting (AWS PENDING_ACTIVATION);
 * - `suspended`: cannot be used until someone reinstates it (AWS SUSPENDED; Azure Disabled);
 * - `closing`: on its way out (AWS PENDING_CLOSURE);
 * - `closed`: gone (AWS CLOSED; Azure Deleted);
 * - `unknown`: a value this version does not know (kept in `providerStatus`).
 */
export type DiscoveredStatus = 'active' | 'pending' | 'suspended' | 'closing' | 'closed' | 'unknown';

export interface DiscoveredItem {
  kind: DiscoveredKind;
  /** AWS account id (12 digits) / Azure subscription id / Entra application (client) id. */
  id: string;
  /** Display name at the provider (account name, subscription display name, app name). */
  name: string;
  /**
   * Where it sits: ids from the root joined by "/", e.g. "r-abcd/ou-abcd-x/ou-abcd-y"
   * (AWS root and OUs) or the management-group ids (Azure). Undefined when the
   * hierarchy could not be read (see a `path` gap).
   */
  path?: string;
  /** The same path by display names, e.g. "Root/Workloads/Prod". */
  pathNames?: string;
  status: DiscoveredStatus;
  /** The provider's own status value(s), e.g. "ACTIVE" or "SUSPENDED (State SUSPENDED)". */
  providerStatus: string;
  /** When it joined the organisation / was created / was consented (ISO 8601), when known. */
  joinedAt?: string;
  /** A `saas-app` only: what the tenant consented to (Entra ID grants), bounded. */
  consent?: SaasConsent;
}

/** Delegated scopes kept per app; the rest are counted in `scopesOmitted`. */
export const MAX_CONSENT_SCOPES = 50;

/**
 * The consents behind a third-party SaaS app (Entra ID): delegated grants
 * (oauth2PermissionGrants) and application permissions (app role assignments), plain and
 * bounded (MAX_CONSENT_SCOPES). The shape of the CRD's status item, which the
 * organisation reconciler writes within the CRD's bounds.
 */
export type { SaasConsent };

export interface DiscoveryGap {
  kind: DiscoveredKind;
  /**
   * `list`: the items themselves could not be (fully) listed: nothing may be concluded
   * about what is undeclared. `path`: the items are complete, only where they sit is
   * missing. `details`: the items are complete, facts about them are missing (an Azure
   * subscription's state, a SaaS app's consents).
   */
  area: 'list' | 'path' | 'details';
  /** CamelCase: AccessDenied, OrganizationsNotInUse, Throttled, Unreachable, ListingBounded, ... */
  reason: string;
  message: string;
}

/** One listing pass over an organisation / tenant. */
export interface OrganizationListing {
  provider: Provider;
  /** AWS organisation id (o-...) / Azure tenant id, when read. */
  organizationId?: string;
  /** When the pass started (ISO 8601). */
  readAt: string;
  items: DiscoveredItem[];
  gaps: DiscoveryGap[];
  /** API attempts of this pass (retries included), for efficiency reporting. */
  apiCalls: number;
}
