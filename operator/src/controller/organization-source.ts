// The organisation listing of a CloudOrganization, through the provider of the
// CloudAccount it names: the provider's `listOrganization` capability when it has one,
// else a listing whose every kind is a `list` gap (NotSupported), so the decision says
// Unknown rather than "nothing undeclared".

import { LISTED_KINDS, type OrganizationListing } from '../inventory/organization.js';
import type { CloudProvider, CollectTarget } from '../providers/types.js';

/** Lists the organisation `target` manages; never rejects but for an abort. */
export type OrganizationSource = (target: CollectTarget, signal?: AbortSignal) => Promise<OrganizationListing>;

export async function listingOf(provider: Partial<CloudProvider>, target: CollectTarget, signal?: AbortSignal): Promise<OrganizationListing> {
  if (provider.listOrganization) return provider.listOrganization(target, signal);
  return failedListing(target.provider, 'NotSupported', `this operator version cannot list ${target.provider} organisations yet`, new Date());
}

/** A pass that read nothing: a `list` gap for every kind the provider lists. */
export function failedListing(provider: CollectTarget['provider'], reason: string, message: string, now: Date): OrganizationListing {
  return {
    provider,
    readAt: now.toISOString(),
    items: [],
    gaps: LISTED_KINDS[provider].map((kind) => ({ kind, area: 'list', reason, message })),
    apiCalls: 0,
  };
}
