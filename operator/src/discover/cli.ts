// `cloudposture discover`: one skeleton YAML file per undeclared item of the
// CloudOrganizations in the cluster of the current kubeconfig (skeleton.ts builds them),
// written into a folder, ready to fill in and commit to the GitOps repository.
//
//   cloudposture discover --out DIR [--organization NAME] [--force]
//                         [--kubeconfig FILE] [--context NAME]

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

import type { CloudOrganization, UndeclaredService } from '../api/types.js';
import { API_GROUP, API_VERSION } from '../api/types.js';
import { buildSkeleton, FILL_IN_MARK, type Skeleton } from './skeleton.js';

export interface DiscoverIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const DISCOVER_USAGE = `Usage: cloudposture discover --out DIR [options]

Writes one YAML file per undeclared item a CloudOrganization lists (status.undeclared)
into DIR: for an AWS account or Azure subscription a CloudAccount and a CloudService
naming it, for a SaaS app consented to in Entra ID a CloudService (model SaaS, its
spec.saas.entraApplicationId) on the tenant's CloudAccount. Every field only you can
decide is marked "${FILL_IN_MARK} <what>" and holds a placeholder the API server refuses:
applied unchanged, a file is refused with a message naming each field.
File names come from kind and id (account-<id>.yaml, subscription-<id>.yaml,
saas-app-<id>.yaml); an existing file is kept unless --force.

Options:
  -o, --out DIR          the folder to write into (created when missing; required)
      --organization NAME  only this CloudOrganization (default: every one you may list)
      --force            overwrite files that exist
      --kubeconfig FILE  kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)
      --context NAME     kubeconfig context to use
  -h, --help             this help

Exit status: 0 done (also when nothing is undeclared), 1 the cluster could not be read or
a file not written, 2 usage error.
`;

export interface DiscoverArgs {
  out?: string;
  organization?: string;
  force: boolean;
  kubeconfig?: string;
  context?: string;
  help: boolean;
}

/** Parses the arguments; throws an Error with a usage message on bad input. */
export function parseDiscoverArgs(argv: readonly string[]): DiscoverArgs {
  const args: DiscoverArgs = { force: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const [flag, inline] = eq > 0 ? [raw.slice(0, eq), raw.slice(eq + 1)] : [raw, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-o':
      case '--out':
        args.out = value();
        break;
      case '--organization':
        args.organization = value();
        break;
      case '--force':
        args.force = true;
        break;
      case '--kubeconfig':
        args.kubeconfig = value();
        break;
      case '--context':
        args.context = value();
        break;
      case '-h':
      case '--help':
        args.help = true;
        break;
      default:
        throw new Error(`unknown option "${raw}"`);
    }
  }
  if (!args.help && !args.out) throw new Error('--out DIR is required');
  return args;
}

const KIND_ORDER: Readonly<Record<string, number>> = { account: 0, subscription: 1, 'saas-app': 2 };

/**
 * The skeletons for the organisations' undeclared items: organisations by name, items by
 * kind then id; an item two organisations list is written once (the first by name).
 */
export function skeletonsOf(organizations: readonly CloudOrganization[]): Skeleton[] {
  const seen = new Set<string>();
  const out: Skeleton[] = [];
  const byName = [...organizations].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const org of byName) {
    const items = [...(org.status?.undeclared ?? [])].sort(
      (a: UndeclaredService, b: UndeclaredService) => (KIND_ORDER[a.kind] ?? 9) - (KIND_ORDER[b.kind] ?? 9) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    for (const item of items) {
      const skeleton = buildSkeleton(item, {
        organization: org.metadata.name ?? '',
        accountRef: org.spec.accountRef.name,
        ...(org.status?.organizationId ? { organizationId: org.status.organizationId } : {}),
      });
      if (seen.has(skeleton.fileName)) continue;
      seen.add(skeleton.fileName);
      out.push(skeleton);
    }
  }
  return out;
}

function httpCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Reads one CloudOrganization, or all of them. */
export async function readOrganizations(kubeConfig: KubeConfig, name: string | undefined): Promise<CloudOrganization[]> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const base = { group: API_GROUP, version: API_VERSION, plural: 'cloudorganizations' };
  if (name) return [(await api.getClusterCustomObject({ ...base, name })) as CloudOrganization];
  return ((await api.listClusterCustomObject(base)) as { items?: CloudOrganization[] }).items ?? [];
}

/** Writes the skeletons into `dir`; an existing file is kept unless `force`. Returns the exit status. */
export async function writeSkeletons(skeletons: readonly Skeleton[], dir: string, force: boolean, io: DiscoverIO): Promise<number> {
  await mkdir(dir, { recursive: true });
  let status = 0;
  let written = 0;
  let kept = 0;
  for (const s of skeletons) {
    const file = join(dir, s.fileName);
    const objects = s.documents.map((d) => `${d.kind} ${d.name}`).join(', ');
    const marked = s.documents.reduce((n, d) => n + d.fillIns.length, 0);
    try {
      // wx: fails when the file exists (no check-then-write race).
      await writeFile(file, s.text, { encoding: 'utf8', flag: force ? 'w' : 'wx', mode: 0o644 });
      written++;
      io.stdout(`wrote ${file}: ${objects} (${s.item.kind} ${s.item.id}${s.item.name ? ` "${s.item.name}"` : ''}; ${marked} fields to fill in)\n`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        kept++;
        io.stdout(`kept ${file}: it exists (--force overwrites it)\n`);
        continue;
      }
      status = 1;
      io.stderr(`cloudposture discover: cannot write ${file}: ${(error as Error).message}\n`);
    }
  }
  io.stdout(`${written} written, ${kept} kept, ${skeletons.length} undeclared item${skeletons.length === 1 ? '' : 's'}\n`);
  return status;
}

const defaultIO: DiscoverIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** `cloudposture discover`; returns the exit status. */
export async function runDiscoverCommand(argv: readonly string[], io: DiscoverIO = defaultIO): Promise<number> {
  let args: DiscoverArgs;
  try {
    args = parseDiscoverArgs(argv);
  } catch (error) {
    io.stderr(`cloudposture discover: ${(error as Error).message}\n\n${DISCOVER_USAGE}`);
    return 2;
  }
  if (args.help) {
    io.stdout(DISCOVER_USAGE);
    return 0;
  }
  let organizations: CloudOrganization[];
  const what = args.organization ? `cloudorganization ${args.organization}` : 'cloudorganizations';
  try {
    const kubeConfig = new KubeConfig();
    if (args.kubeconfig) kubeConfig.loadFromFile(args.kubeconfig);
    else kubeConfig.loadFromDefault();
    if (args.context) kubeConfig.setCurrentContext(args.context);
    organizations = await readOrganizations(kubeConfig, args.organization);
  } catch (error) {
    const code = httpCode(error);
    const hint = code === 403 ? ' (forbidden: reading CloudOrganizations needs get/list on the cluster-scoped cloudorganizations)' : code === 404 ? ' (not found)' : '';
    io.stderr(`cloudposture discover: cannot read ${what}: ${code ?? (error as Error).message}${hint}\n`);
    return 1;
  }
  for (const org of organizations) {
    const listed = org.status?.undeclared?.length ?? 0;
    const omitted = org.status?.undeclaredOmitted ?? 0;
    if (!org.status?.lastCheckedAt) io.stderr(`cloudposture discover: warning: CloudOrganization ${org.metadata.name} has not been listed yet\n`);
    if (omitted > 0) io.stderr(`cloudposture discover: warning: CloudOrganization ${org.metadata.name} lists ${listed} undeclared items and counts ${omitted} more it does not list: declare these first, then run again\n`);
  }
  return writeSkeletons(skeletonsOf(organizations), args.out as string, args.force, io);
}
