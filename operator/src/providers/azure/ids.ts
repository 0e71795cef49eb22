// Resource Manager ids and names compare case-insensitively (casing differs between
// APIs): the helpers every Azure area module shares.

export function lower(value: string | undefined): string {
  return (value ?? '').toLowerCase();
}

/** Lower-cased id: ARM ids are case-insensitive and casing differs between APIs. */
export function idKey(id: string): string {
  return id.toLowerCase();
}

/** The subscription id inside an ARM resource id, lower-cased; undefined when none. */
export function subscriptionOf(resourceId: string | undefined): string | undefined {
  const m = resourceId ? /\/subscriptions\/([^/]+)/i.exec(resourceId) : null;
  return m?.[1]?.toLowerCase();
}

/** An Azure region name as policies and the inventory write it: `West Europe` -> `westeurope`. */
export function regionKey(region: string): string {
  return region.toLowerCase().replace(/\s+/g, '');
}
