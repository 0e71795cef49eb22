// `cloudposture report`: the evidence report for auditors, from the CloudServices in the
// cluster of the current kubeconfig (the caller's own credentials: the report shows what
// they may read).
//
//   cloudposture report [-n NAMESPACE | -A] [--format html|json|md|pdf|oscal] [-o FILE]
//                       [--kubeconfig FILE] [--context NAME] [--policy NAME]
//   cloudposture report --evidence-bucket B (--at T | --from T --to T) [...]   (history.ts: no cluster)

import { writeFile } from 'node:fs/promises';

import type { S3Client } from '@aws-sdk/client-s3';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

import type { CloudOrganization, CloudSecurityPolicy, CloudSecurityPolicySpec, CloudService } from '../api/types.js';
import { API_GROUP, API_VERSION } from '../api/types.js';
import { buildReportModel } from './build-model.js';
import type { ReportModel } from './model.js';
import { renderOscal, type OscalOptions } from './oscal.js';
import { parseTime, runHistoryReport, type HistoryArgs } from './history-command.js';
import { htmlToPdf } from './pdf.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';

export const REPORT_FORMATS = ['html', 'json', 'md', 'pdf', 'oscal'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const REPORT_USAGE = `Usage: cloudposture report [options]

Writes the ISO 27001 Annex A 5.23 evidence report for the CloudServices in the cluster
of the current kubeconfig: the 10-step checklist per service with the conditions and the
evidence timestamps behind each step, the shared-responsibility matrices, MFA coverage,
data residency by region, findings with remediation, contract and assurance ages, the
exit plan and drill, network changes and break-glass use, the provider's own access
(Customer Lockbox requests, the AWS Support role), and the undeclared accounts,
subscriptions and SaaS apps of the CloudOrganizations (Shadow IT) when you may list
cloudorganizations cluster-wide (otherwise the report says it leaves them out).

Options:
  -n, --namespace NAME   only this namespace (default: all namespaces you may list)
  -A, --all-namespaces   all namespaces (the default)
  -f, --format FORMAT    html (default), json, md, pdf (needs Chromium) or oscal
                         (OSCAL 1.1 Assessment Results JSON)
  -o, --output FILE      write to FILE (default: standard output; required for pdf)
      --kubeconfig FILE  kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)
      --context NAME     kubeconfig context to use
      --policy NAME      CloudSecurityPolicy in force (default: default)
  -h, --help             this help

From the evidence history instead of the cluster (no cluster access needed):
      --evidence-bucket B   the Object Lock bucket of the evidence records
      --evidence-prefix P   key prefix of the records (default: evidence)
      --at TIME             the pack as of TIME: each service's last record at or before it
                            (a date alone means the end of that day, UTC)
      --from TIME --to TIME the pack as of --to, plus the findings opened and resolved in
                            between (--from: a date alone is the start of that day)
      --endpoint URL        S3 endpoint override (path-style); --region REGION (default us-east-1)
      --retention-days N    Object Lock retention the records must have (default: 400)
      --max-services N      read at most N service chains (default: 500; the report says when cut)
      --policy-file FILE    the CloudSecurityPolicy (YAML or JSON) to show ages and limits
                            against (default: the built-in defaults; records keep its digest)
  Every chain is verified first: a broken one is reported, left out, and exits 1.

Exit status: 0 written, 1 the cluster or store could not be read (or a chain is broken), 2 usage error.
`;

export interface ReportArgs {
  namespace?: string;
  format: ReportFormat;
  output?: string;
  kubeconfig?: string;
  context?: string;
  policy: string;
  help: boolean;
  /** Set: the report comes from the evidence store, not the cluster. */
  history?: HistoryArgs;
}

/** Parses the arguments; throws an Error with a usage message on bad input. */
export function parseReportArgs(argv: readonly string[]): ReportArgs {
  const args: ReportArgs = { format: 'html', policy: 'default', help: false };
  const h: Partial<HistoryArgs> = {};
  let at: string | undefined;
  let from: string | undefined;
  let to: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string;
    const [flag, inline] = raw.startsWith('--') && raw.includes('=') ? [raw.slice(0, raw.indexOf('=')), raw.slice(raw.indexOf('=') + 1)] : [raw, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-n':
      case '--namespace':
        args.namespace = value();
        break;
      case '-A':
      case '--all-namespaces':
        delete args.namespace;
        break;
      case '-f':
      case '--format': {
        const f = value();
        if (!(REPORT_FORMATS as readonly string[]).includes(f)) throw new Error(`--format must be one of ${REPORT_FORMATS.join(', ')}, not "${f}"`);
        args.format = f as ReportFormat;
        break;
      }
      case '-o':
      case '--output':
        args.output = value();
        break;
      case '--kubeconfig':
        args.kubeconfig = value();
        break;
      case '--context':
        args.context = value();
        break;
      case '--policy':
        args.policy = value();
        break;
      case '--evidence-bucket':
        h.bucket = value();
        break;
      case '--evidence-prefix':
        h.prefix = value();
        break;
      case '--at':
        at = value();
        break;
      case '--from':
        from = value();
        break;
      case '--to':
        to = value();
        break;
      case '--endpoint':
        h.endpoint = value();
        break;
      case '--region':
        h.region = value();
        break;
      case '--policy-file':
        h.policyFile = value();
        break;
      case '--retention-days':
      case '--max-services': {
        const v = value();
        if (!/^\d+$/.test(v) || !(Number(v) > 0)) throw new Error(`${flag} must be a whole number above 0, not "${v}"`);
        if (flag === '--max-services') h.maxServices = Number(v);
        else h.retentionDays = Number(v);
        break;
      }
      case '-h':
      case '--help':
        args.help = true;
        break;
      default:
        throw new Error(`unknown option "${raw}"`);
    }
  }
  if (args.format === 'pdf' && !args.output && !args.help) throw new Error('--format pdf needs --output FILE');
  const historyFlags = at !== undefined || from !== undefined || to !== undefined || Object.keys(h).length > 0;
  if (historyFlags && !args.help) {
    if (!h.bucket) throw new Error('--at, --from/--to and the evidence options need --evidence-bucket');
    if (at !== undefined && (from !== undefined || to !== undefined)) throw new Error('--at and --from/--to exclude each other');
    if ((from === undefined) !== (to === undefined)) throw new Error('--from and --to go together');
    if (at === undefined && to === undefined) throw new Error('--evidence-bucket needs --at TIME or --from TIME --to TIME');
    const end = parseTime(at ?? (to as string), 'end', at !== undefined ? '--at' : '--to');
    const start = from !== undefined ? parseTime(from, 'start', '--from') : undefined;
    if (start && start.getTime() > end.getTime()) throw new Error('--from is after --to');
    args.history = { ...(h as HistoryArgs), at: end, ...(start ? { from: start } : {}) };
  }
  return args;
}

interface RawList<T> {
  items?: T[];
}

function httpCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * The CloudOrganizations (cluster-scoped) if the caller may list them; otherwise why not.
 * Never fails the report: a refusal leaves the Shadow IT section out, with the note.
 */
async function readOrganizations(api: CustomObjectsApi): Promise<{ organizations?: CloudOrganization[]; note?: string }> {
  try {
    const list = (await api.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: 'cloudorganizations' })) as RawList<CloudOrganization>;
    return { organizations: list.items ?? [] };
  } catch (error) {
    const code = httpCode(error);
    const why =
      code === 403
        ? `you may not list cloudorganizations.${API_GROUP} cluster-wide (403)`
        : code === 404
          ? `the cluster does not serve cloudorganizations.${API_GROUP} (404)`
          : `cloudorganizations.${API_GROUP} could not be listed (${code ?? (error as Error).message})`;
    return { note: `Shadow IT left out of this report: ${why}.` };
  }
}

/** Reads the services (one namespace, or all), the policy in force (defaults when absent or not readable) and the CloudOrganizations the caller may list. */
export async function readReportInputs(
  kubeConfig: KubeConfig,
  namespace: string | undefined,
  policyName: string,
): Promise<{ services: CloudService[]; policy?: CloudSecurityPolicySpec; organizations?: CloudOrganization[]; organizationsNote?: string; warnings: string[] }> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const list = (namespace
    ? await api.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: 'cloudservices' })
    : await api.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: 'cloudservices' })) as RawList<CloudService>;
  const warnings: string[] = [];
  let policy: CloudSecurityPolicySpec | undefined;
  try {
    policy = ((await api.getClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: 'cloudsecuritypolicies', name: policyName })) as CloudSecurityPolicy).spec;
  } catch (error) {
    const code = httpCode(error);
    if (code !== 404) warnings.push(`policy ${policyName} not readable (${code ?? (error as Error).message}): the report shows the built-in defaults`);
  }
  const organizations = await readOrganizations(api);
  if (organizations.note) warnings.push(organizations.note);
  return {
    services: list.items ?? [],
    ...(policy ? { policy } : {}),
    ...(organizations.organizations ? { organizations: organizations.organizations } : {}),
    ...(organizations.note ? { organizationsNote: organizations.note } : {}),
    warnings,
  };
}

/** Renders a model in one of the text formats (pdf goes through renderHtml + Chromium); `oscal` takes the services for their status.reads. */
export function renderReport(model: ReportModel, format: Exclude<ReportFormat, 'pdf'>, oscal: OscalOptions = {}): string {
  switch (format) {
    case 'oscal':
      return renderOscal(model, oscal);
    case 'json':
      return `${JSON.stringify(model, null, 2)}\n`;
    case 'md':
      return renderMarkdown(model);
    case 'html':
      return renderHtml(model);
  }
}

const defaultIO: ReportIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** `cloudposture report`; returns the exit status. */
export async function runReportCommand(argv: readonly string[], io: ReportIO = defaultIO, now: () => Date = () => new Date(), deps: { s3?: S3Client } = {}): Promise<number> {
  let args: ReportArgs;
  try {
    args = parseReportArgs(argv);
  } catch (error) {
    io.stderr(`cloudposture report: ${(error as Error).message}\n\n${REPORT_USAGE}`);
    return 2;
  }
  if (args.help) {
    io.stdout(REPORT_USAGE);
    return 0;
  }
  if (args.history) {
    const run = { format: args.format, ...(args.output ? { output: args.output } : {}), ...(args.namespace ? { namespace: args.namespace } : {}), policyName: args.policy, render: renderReport };
    return runHistoryReport(run, args.history, io, now, deps);
  }
  const kubeConfig = new KubeConfig();
  let inputs: Awaited<ReturnType<typeof readReportInputs>>;
  try {
    if (args.kubeconfig) kubeConfig.loadFromFile(args.kubeconfig);
    else kubeConfig.loadFromDefault();
    if (args.context) kubeConfig.setCurrentContext(args.context);
    inputs = await readReportInputs(kubeConfig, args.namespace, args.policy);
  } catch (error) {
    const code = httpCode(error);
    const what = args.namespace ? `cloudservices in namespace ${args.namespace}` : 'cloudservices in all namespaces';
    const hint = code === 403 ? ` (forbidden: you may not list ${what}; try --namespace)` : '';
    io.stderr(`cloudposture report: cannot read ${what}: ${code ?? (error as Error).message}${hint}\n`);
    return 1;
  }
  for (const w of inputs.warnings) io.stderr(`cloudposture report: warning: ${w}\n`);
  const model = buildReportModel({
    services: inputs.services,
    ...(inputs.policy ? { policy: inputs.policy } : {}),
    policyName: args.policy,
    ...(args.namespace ? { namespace: args.namespace } : {}),
    ...(inputs.organizations ? { organizations: inputs.organizations } : {}),
    ...(inputs.organizationsNote ? { organizationsNote: inputs.organizationsNote } : {}),
    generatedAt: now(),
  });
  try {
    if (args.format === 'pdf') {
      await htmlToPdf(renderHtml(model), args.output as string);
    } else {
      const body = renderReport(model, args.format, { services: inputs.services });
      if (args.output) await writeFile(args.output, body, 'utf8');
      else io.stdout(body);
    }
  } catch (error) {
    io.stderr(`cloudposture report: ${(error as Error).message}\n`);
    return 1;
  }
  if (args.output) io.stderr(`cloudposture report: wrote ${args.output} (${model.totals.services} services, ${args.format})\n`);
  return 0;
}
