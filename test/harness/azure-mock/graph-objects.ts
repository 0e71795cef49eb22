// The local Graph server's directory objects: users (from the registration rows and
// `directoryObjects`), service principals (`directoryObjects` and the principals of
// directory-role assignments) and groups, as `GET /groups/{id}/transitiveMembers` and
// `POST /directoryObjects/getByIds` return them (directoryObject shapes with
// `@odata.type`).

import type { AzureFixture, Json } from './fixture.js';

/** getByIds accepts at most this many ids (Graph v1.0 reference). */
export const GET_BY_IDS_MAX = 1000;

const TYPE_USER = '#microsoft.graph.user';
const TYPE_GROUP = '#microsoft.graph.group';
const TYPE_SERVICE_PRINCIPAL = '#microsoft.graph.servicePrincipal';

/** Every directory object of the tenant by lower-cased id. */
function objectsOf(fixture: AzureFixture): Map<string, Json> {
  const out = new Map<string, Json>();
  const put = (o: Json): void => {
    const id = String(o.id ?? '').toLowerCase();
    if (id && !out.has(id)) out.set(id, o);
  };
  for (const o of fixture.directoryObjects) put(o);
  // A registration row is an enabled user: the user object shows its names.
  for (const u of fixture.users) {
    put({ '@odata.type': TYPE_USER, id: u.id, displayName: u.userDisplayName, userPrincipalName: u.userPrincipalName, accountEnabled: true });
  }
  for (const a of fixture.roleAssignments) if (a.principal && typeof a.principal === 'object') put(a.principal as Json);
  for (const g of fixture.groups) put({ '@odata.type': TYPE_GROUP, id: g.id, displayName: g.displayName });
  return out;
}

/** Members of a group and of every group inside it, as `directoryObject`s with $select=id; undefined when no such group. */
export function transitiveMembers(fixture: AzureFixture, groupId: string): Json[] | undefined {
  const byId = new Map(fixture.groups.map((g) => [String(g.id).toLowerCase(), g]));
  if (!byId.has(groupId.toLowerCase())) return undefined;
  const objects = objectsOf(fixture);
  const seen = new Set<string>([groupId.toLowerCase()]);
  const out: Json[] = [];
  const queue = [groupId.toLowerCase()];
  while (queue.length > 0) {
    const current = byId.get(queue.shift()!);
    for (const member of (current?.members as string[] | undefined) ?? []) {
      const key = member.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      if (byId.has(key)) queue.push(key);
      // $select=id: only the type and the id
      out.push({ '@odata.type': String(objects.get(key)?.['@odata.type'] ?? TYPE_SERVICE_PRINCIPAL), id: member });
    }
  }
  return out;
}

export type GetByIdsAnswer = { ok: true; value: Json[] } | { ok: false; message: string };

/**
 * `POST /directoryObjects/getByIds` body `{ ids, types? }`: the full objects of the ids
 * that exist, of the given types (case-insensitive; default every type), in the order
 * asked. Ids that name nothing are left out.
 */
export function directoryObjectsByIds(fixture: AzureFixture, body: unknown): GetByIdsAnswer {
  const request = body as { ids?: unknown; types?: unknown } | null;
  const ids = request?.ids;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((i) => typeof i === 'string')) {
    return { ok: false, message: 'The request body must name the ids to return (ids: a collection of strings).' };
  }
  if (ids.length > GET_BY_IDS_MAX) return { ok: false, message: `At most ${GET_BY_IDS_MAX} ids may be given; ${ids.length} were.` };
  const types = Array.isArray(request?.types) ? new Set(request.types.map((t) => `#microsoft.graph.${String(t)}`.toLowerCase())) : undefined;
  const objects = objectsOf(fixture);
  const value = ids.flatMap((id) => {
    const o = objects.get(id.toLowerCase());
    if (!o || (types && !types.has(String(o['@odata.type']).toLowerCase()))) return [];
    return [o];
  });
  return { ok: true, value };
}
