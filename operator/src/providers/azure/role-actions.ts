// Does an Azure RBAC role definition allow anything but reads? Azure names every
// operation `Provider/resourceType[/...]/verb` with the verb read, write, delete or
// action (`.../start/action`), and role definitions allow operation patterns with `*`
// wildcards (matching any characters, slashes included) minus their notActions
// (dataActions minus notDataActions for the data plane). Without the full operations
// catalogue, each allowed pattern is probed with witness operations: the pattern with
// every wildcard filled by a name no real operation uses, ending in each non-read verb;
// a witness that no notAction (and no reviewed read-equivalent action) excludes shows
// a non-read operation the role allows. Pure; unit-tested in test/unit/azure-rbac.test.ts.

/** One block of a role definition's `permissions` (ARM RoleDefinition.permissions[]). */
export interface RolePermission {
  actions?: string[];
  notActions?: string[];
  dataActions?: string[];
  notDataActions?: string[];
}

/** The allowed pattern that grants a non-read operation, and on which plane. */
export interface WriteGrant {
  /** The pattern as the role definition writes it, e.g. `*` or `Microsoft.Compute/*`. */
  action: string;
  plane: 'control' | 'data';
}

/**
 * Control-plane operations that end in `/action` (or fall under a wildcard) but change
 * nothing in the customer's resources. Reviewed by hand; each entry says why. A pattern
 * here is treated as a notAction of every role.
 */
export const READ_EQUIVALENT_ACTIONS: ReadonlyArray<{ pattern: string; reason: string }> = [
  { pattern: 'Microsoft.Support/*', reason: 'opens and updates support requests; no access to resources or data (in Reader-type built-ins such as Monitoring Reader)' },
  { pattern: 'Microsoft.OperationalInsights/workspaces/search/action', reason: 'runs a log query: reads log data (Log Analytics Reader)' },
  {
    pattern: 'Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action',
    reason: 'a key to sign user-delegation SAS tokens, which grant at most the caller\'s own data permissions (Storage Blob Data Reader)',
  },
];

/** Filler for wildcards: no provider, resource type or verb is spelled like this. */
const WILDCARD_FILLER = 'cloudposturewitness0';
const NON_READ_VERBS = ['write', 'delete', 'action'] as const;

function globRegex(pattern: string): RegExp {
  const body = pattern
    .trim()
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

/** Witness operations matching `pattern` that end in a non-read verb (none when it can only read). */
export function nonReadWitnesses(pattern: string): string[] {
  const p = pattern.trim();
  if (p === '') return [];
  if (!p.includes('*')) return /\/read$/i.test(p) ? [] : [p];
  if (!p.endsWith('*')) {
    const filled = p.split('*').join(WILDCARD_FILLER);
    return /\/read$/i.test(filled) ? [] : [filled];
  }
  const base = p.slice(0, -1).split('*').join(WILDCARD_FILLER);
  const out = NON_READ_VERBS.map((verb) => `${base}${WILDCARD_FILLER}/${verb}`);
  // `Provider/type/*` also covers `Provider/type/write` itself (at least provider and type before the verb).
  if (base.endsWith('/') && base.split('/').length - 1 >= 2) out.push(...NON_READ_VERBS.map((verb) => `${base}${verb}`));
  return out;
}

function firstNonRead(allowed: readonly string[], denied: readonly string[]): string | undefined {
  const exclusions = denied.map(globRegex);
  for (const pattern of allowed) {
    const re = globRegex(pattern);
    const witness = nonReadWitnesses(pattern).find((w) => re.test(w) && !exclusions.some((x) => x.test(w)));
    if (witness !== undefined) return pattern.trim();
  }
  return undefined;
}

/** The first allowed pattern that grants a write, delete or action; undefined for a read-only role. */
export function writeGrantOf(permissions: readonly RolePermission[]): WriteGrant | undefined {
  const readEquivalent = READ_EQUIVALENT_ACTIONS.map((a) => a.pattern);
  for (const p of permissions) {
    const control = firstNonRead(p.actions ?? [], [...(p.notActions ?? []), ...readEquivalent]);
    if (control !== undefined) return { action: control, plane: 'control' };
    const data = firstNonRead(p.dataActions ?? [], p.notDataActions ?? []);
    if (data !== undefined) return { action: data, plane: 'data' };
  }
  return undefined;
}
