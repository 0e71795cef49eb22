// `cloudposture report`: the evidence report for auditors, from the CloudServices in the
// cluster of the current kubeconfig (the caller's own credentials: the report shows what
// they may read).
//
//   cloudposture report [-n NAMESPACE | -A] [--format html|json|md|pdf|oscal] [-o FILE]
//                       [--kubeconfig FILE] [--context NAME] [--policy NAME]

import { writeFile } from 'node:fs/promises';

import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

import type { CloudSecurityPolicy, CloudSecurityPolicySpec, CloudService } from '../api/types.js';
import { API_GROUP, API_VERSION } from '../api/types.js';
import { buildReportModel } from './build-model.js';
import type { ReportModel } from './model.js';
import { renderOscal, type OscalOptions } from './oscal.js';
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
exit plan and drill, network changes and break-glass use.

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

Exit status: 0 written, 1 the cluster could not be read, 2 usage error.
`;

export interface ReportArgs {
  namespace?: string;
  format: ReportFormat;
  output?: string;
  kubeconfig?: string;
  context?: string;
  policy: string;
  help: boolean;
}

/** Parses the arguments; throws an Error with a usage message on bad input. */
export function parseReportArgs(argv: readonly string[]): ReportArgs {
  const args: ReportArgs = { format: 'html', policy: 'default', help: false };
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
      case '-h':
      case '--help':
        args.help = true;
        break;
      default:
        throw new Error(`unknown option "${raw}"`);
    }
  }
  if (args.format === 'pdf' && !args.output && !args.help) throw new Error('--format pdf needs --output FILE');
  return args;
}

interface RawList<T> {
  items?: T[];
}

function httpCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Reads the services (one namespace, or all) and the policy in force (defaults when absent or not readable). */
export async function readReportInputs(
  kubeConfig: KubeConfig,
  namespace: string | undefined,
  policyName: string,
): Promise<{ services: CloudService[]; policy?: CloudSecurityPolicySpec; warnings: string[] }> {
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
  return { services: list.items ?? [], ...(policy ? { policy } : {}), warnings };
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
export async function runReportCommand(argv: readonly string[], io: ReportIO = defaultIO, now: () => Date = () => new Date()): Promise<number> {
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
