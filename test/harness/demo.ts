// `npm run demo`: the operator's main job on an embedded default. Starts a local
// control plane (kube-apiserver + etcd built from source), installs the CRDs and
// samples, runs the operator, and shows `kubectl get cloudservices` with conditions,
// the provider's access (Customer Lockbox on Azure) and what the AWS organisation and
// the Azure tenant hold that nobody declared (CloudOrganizations).
//   --once   exit after showing the result (CI uses it); default: keep running.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CloudOrganization, CloudService, UndeclaredService } from '../../operator/src/api/types.js';
import { DEMO_TENANT_ORGANIZATION } from './azure-mock/demo.js';
import { repoRoot } from './binaries.js';
import { freePort, startControlPlane, type ControlPlane } from './controlplane.js';
import { startDemoAccounts, type DemoAccounts } from './demo-accounts.js';

const NAMESPACE = 'cloudposture-demo';
/** The AWS organisation (crds/samples/organization.yaml). */
const ORGANIZATION = 'acme';
/**
 * The Azure tenant of the sample azure-m365-collab, declared by the demo beside the
 * samples: a CloudOrganization read through that tenant's CloudAccount lists its
 * subscriptions and the third-party SaaS apps users consented to in Entra ID.
 */
const AZURE_ORGANIZATION = 'acme-azure';
const azureOrganization = {
  apiVersion: 'cloudposture.io/v1alpha1',
  kind: 'CloudOrganization',
  metadata: { name: AZURE_ORGANIZATION },
  spec: {
    accountRef: { name: 'm365-collab' },
    interval: '1h',
    ignore: [
      {
        kind: 'subscription',
        id: DEMO_TENANT_ORGANIZATION.vaultSubscription.id,
        reason: "The organisation's audit log vault, owned by the security team and declared in its own register.",
      },
    ],
  },
};
const once = process.argv.includes('--once') || process.env.CI === 'true';
const say = (message: string) => process.stdout.write(`${message}\n`);

/** How many launching processes the demo watches (the shell npm runs it in, npm, make, the caller). */
const ANCESTORS_WATCHED = 4;
const LAUNCHER_POLL_MS = 1_000;

/** The parent chain from /proc (Linux), nearest first, stopping before init. */
function ancestorPids(levels: number): number[] {
  const pids: number[] = [];
  let pid = process.ppid;
  while (pids.length < levels && pid > 1) {
    pids.push(pid);
    try {
      // "<pid> (<comm>) <state> <ppid> ...": comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break; // no /proc: watch what we have
    }
  }
  return pids;
}

function watchLaunchers(pids: readonly number[], onGone: () => void): void {
  const timer = setInterval(() => {
    for (const pid of pids) {
      try {
        process.kill(pid, 0);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') continue; // alive, not ours to signal
        clearInterval(timer);
        onGone();
        return;
      }
    }
  }, LAUNCHER_POLL_MS);
  timer.unref();
}

async function main(): Promise<void> {
  const runDir = join(repoRoot, '.cache', 'demo');
  await rm(runDir, { recursive: true, force: true });
  await mkdir(runDir, { recursive: true });
  let controlPlane: ControlPlane | undefined;
  let accounts: DemoAccounts | undefined;
  let operator: ChildProcess | undefined;
  const cleanup = async () => {
    operator?.kill('SIGTERM');
    await accounts?.stop();
    await controlPlane?.stop();
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(0)));
  process.once('SIGTERM', () => void cleanup().then(() => process.exit(0)));
  // make does not pass its SIGTERM on: when `make demo` (or npm, or the shell between)
  // is stopped, the demo notices its launcher is gone and stops what it started.
  watchLaunchers(ancestorPids(ANCESTORS_WATCHED), () => void cleanup().then(() => process.exit(0)));
  try {
    say('==> starting the local control plane (first run builds kube-apiserver, etcd and kubectl from their Go modules: several minutes)');
    controlPlane = await startControlPlane({ dir: join(runDir, 'controlplane'), log: true });
    const kubectl = async (args: string[], input?: string) => {
      const result = await controlPlane!.kubectl(args, input === undefined ? {} : { input });
      if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr.trim()}`);
      return result.stdout;
    };

    say('==> starting the local cloud accounts (moto for AWS, the documented-shape server for Azure) and seeding the samples');
    accounts = await startDemoAccounts(runDir);

    say('==> installing the CRDs and the samples');
    await kubectl(['apply', '--server-side', '-f', join(repoRoot, 'crds')]);
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/cloudservices.cloudposture.io', 'crd/cloudsecuritypolicies.cloudposture.io', 'crd/cloudaccounts.cloudposture.io', 'crd/cloudorganizations.cloudposture.io']);
    await kubectl(['apply', '--server-side', '-f', join(repoRoot, 'crds', 'admission')]);
    await kubectl(['create', 'namespace', NAMESPACE]);
    await kubectl(['apply', '-n', NAMESPACE, '-f', join(repoRoot, 'crds', 'samples')]);
    await kubectl(['apply', '-f', '-'], JSON.stringify(azureOrganization));

    say('==> running the operator (logs: .cache/demo/operator.log)');
    const metricsPort = await freePort();
    const log = createWriteStream(join(runDir, 'operator.log'));
    operator = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'operator', 'src', 'main.ts')], {
      cwd: repoRoot,
      env: {
        ...process.env,
        ...accounts.env,
        KUBECONFIG: controlPlane.kubeconfigPath,
        CLOUDPOSTURE_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
        // Loopback only, so the demo reads /metrics with curl and no token; in a cluster
        // /metrics is HTTPS and needs an authorised token (the chart's default).
        CLOUDPOSTURE_METRICS_SECURE: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    operator.stdout?.pipe(log);
    operator.stderr?.pipe(log);
    operator.once('exit', (code) => {
      if (code !== null && code !== 0) say(`operator exited with code ${code}: see .cache/demo/operator.log`);
    });

    const started = Date.now();
    const services = await waitForAllReconciled(kubectl);
    say(`==> every CloudService has status (${services.length} services, ${Date.now() - started} ms after the operator started)\n`);
    say(await kubectl(['get', 'cloudservices', '-n', NAMESPACE]));
    say(conditionTable(services));
    say(whyNotCompliant(services));
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    say('==> a few of the operator\'s metrics (/metrics):');
    say(
      metrics
        .split('\n')
        .filter((l) => /^cloudposture_(mfa_coverage_ratio|region_violations|findings)\{/.test(l))
        .slice(0, 12)
        .join('\n'),
    );
    say(providerAccessSection(services));
    const organization = await waitForOrganization(kubectl, ORGANIZATION);
    const tenant = await waitForOrganization(kubectl, AZURE_ORGANIZATION);
    say(`\n==> what nobody declared (Shadow IT): the CloudOrganizations ${ORGANIZATION} (the AWS organisation, crds/samples/organization.yaml) and ${AZURE_ORGANIZATION} (the Azure tenant of azure-m365-collab)`);
    say(await kubectl(['get', 'cloudorganizations']));
    say(undeclaredTable(organization));
    say(undeclaredTable(tenant));
    say('`cloudposture discover --out DIR` writes a CloudAccount / CloudService skeleton for each, the fields to fill in marked.\n');
    if (once) {
      await cleanup();
      return;
    }
    say(`\nThe control plane keeps running. In another shell:\n  export KUBECONFIG=${controlPlane.kubeconfigPath}\n  ${controlPlane.binaries.kubectl} describe cloudservice -n ${NAMESPACE} aws-marketing-sandbox\n  curl -s http://127.0.0.1:${metricsPort}/metrics | grep ^cloudposture_\nPress Ctrl-C to stop.`);
    await new Promise(() => undefined);
  } catch (error) {
    say(`demo failed: ${(error as Error).message}`);
    await cleanup();
    process.exitCode = 1;
  }
}

async function waitForAllReconciled(kubectl: (args: string[]) => Promise<string>): Promise<CloudService[]> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const list = JSON.parse(await kubectl(['get', 'cloudservices', '-n', NAMESPACE, '-o', 'json'])) as { items: CloudService[] };
    const done = list.items.every(
      (s) => s.status?.observedGeneration === s.metadata.generation && s.status?.conditions?.some((c) => c.type === 'Ready'),
    );
    if (list.items.length > 0 && done) return list.items;
    if (Date.now() > deadline) throw new Error('timed out waiting for the operator to write status on every CloudService');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The organisation once its first listing is published (AllServicesDeclared True or False). */
async function waitForOrganization(kubectl: (args: string[]) => Promise<string>, name: string): Promise<CloudOrganization> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const org = JSON.parse(await kubectl(['get', 'cloudorganization', name, '-o', 'json'])) as CloudOrganization;
    const declared = org.status?.conditions?.find((c) => c.type === 'AllServicesDeclared');
    if (declared && declared.status !== 'Unknown') return org;
    if (Date.now() > deadline) {
      const ready = org.status?.conditions?.find((c) => c.type === 'Ready');
      throw new Error(`timed out waiting for CloudOrganization ${name} to be listed (Ready ${ready?.status ?? '-'}: ${ready?.message ?? 'no status'})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Where an undeclared item sits (path by names, then ids), or for a SaaS app what was consented to and by whom. */
function whereOrConsent(u: UndeclaredService): string {
  if (u.kind === 'saas-app') {
    const c = u.consent;
    if (!c) return 'consent not read';
    const who = [
      c.adminConsent ? 'admin consent for all users' : undefined,
      c.consentingUsers > 0 ? `${c.consentingUsers} user${c.consentingUsers === 1 ? '' : 's'} consented` : undefined,
      c.appRoleAssignments > 0 ? `${c.appRoleAssignments}${c.appRoleAssignmentsAtLeast ? '+' : ''} application permission${c.appRoleAssignments === 1 ? '' : 's'}` : undefined,
    ].filter(Boolean);
    const scopes = c.scopes.length > 0 ? `: ${c.scopes.join(' ')}${c.scopesOmitted ? ` and ${c.scopesOmitted} more` : ''}` : '';
    return `${who.join(', ') || 'no consent'}${scopes} (publisher tenant ${c.publisherTenantId})`;
  }
  return [u.pathNames, u.path ? `(${u.path})` : undefined].filter(Boolean).join(' ') || '-';
}

/** status.undeclared as a table: kind, id, name, where it sits (an app: its consent). */
function undeclaredTable(org: CloudOrganization): string {
  const title = `Undeclared in ${org.metadata.name} (${org.status?.provider ?? '?'} ${org.status?.organizationId ?? ''}, status.undeclared)`;
  const rows = (org.status?.undeclared ?? []).map((u) => [u.kind, u.id, u.name ?? '-', whereOrConsent(u)]);
  if (rows.length === 0) return `${title}: none\n`;
  return `${title}:\n${table(['KIND', 'ID', 'NAME', 'PATH / CONSENT'], rows)}\n`;
}

/** Rows under a header, columns padded but the last, indented by two. */
function table(header: string[], rows: string[][], indent = '  '): string {
  const all = [header, ...rows];
  const last = header.length - 1;
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => `${indent}${r.map((c, i) => (i < last ? c.padEnd(widths[i] as number) : c)).join('  ')}`.trimEnd()).join('\n');
}

/**
 * Control over the landlord (checklist step 9): each service's ProviderAccessControlled
 * condition and, on Azure, status.providerAccess: whether Customer Lockbox is on and
 * every request of the last 90 days with who answered it and any finding.
 */
function providerAccessSection(services: CloudService[]): string {
  const lines = ["\n==> control over the landlord (ProviderAccessControlled): the provider's own access to your data"];
  for (const s of services) {
    const c = s.status?.conditions?.find((x) => x.type === 'ProviderAccessControlled');
    const message = c && c.message.length > WHY_MESSAGE_CHARS ? `${c.message.slice(0, WHY_MESSAGE_CHARS - 3)}...` : c?.message;
    lines.push(`  ${s.metadata.name}: ProviderAccessControlled ${c?.status ?? '-'} (${c?.reason ?? '-'}): ${message ?? 'not evaluated'}`);
    if (s.spec.provider !== 'azure') continue;
    const pa = s.status?.providerAccess;
    const optedIn = pa?.lockboxOptedIn === undefined ? 'not read' : pa.lockboxOptedIn ? 'on' : 'OFF';
    const approvers = s.spec.providerAccess?.lockboxApprovers ?? [];
    lines.push(`    Customer Lockbox ${optedIn}; approvers (spec.providerAccess.lockboxApprovers): ${approvers.join(', ') || 'none declared'}`);
    const requests = pa?.lockboxRequests ?? [];
    if (requests.length === 0) {
      lines.push(`    Lockbox requests (last 90 days): ${pa?.lockboxRequests ? 'none' : 'not read'}`);
      continue;
    }
    const rows = requests.map((r) => [
      r.id,
      r.status,
      r.createdAt,
      r.resource ? (r.resource.split('/').pop() ?? r.resource) : '-',
      r.answeredBy ?? '-',
      r.answeredAt ?? '-',
      r.finding ? `${r.acknowledged ? 'acknowledged: ' : ''}${r.finding}` : '-',
    ]);
    const omitted = pa?.lockboxRequestsOmitted ? ` (${pa.lockboxRequestsOmitted} more not shown)` : '';
    lines.push(`    Lockbox requests (last 90 days, status.providerAccess.lockboxRequests)${omitted}:`);
    lines.push(table(['REQUEST', 'STATUS', 'CREATED', 'RESOURCE', 'ANSWERED BY', 'ANSWERED AT', 'FINDING'], rows, '      '));
  }
  return `${lines.join('\n')}\n`;
}

function conditionTable(services: CloudService[]): string {
  const types = [...new Set(services.flatMap((s) => (s.status?.conditions ?? []).map((c) => c.type)))];
  const mark = (status: string | undefined) => (status === 'True' ? 'ok' : status === 'False' ? 'FAIL' : status === 'Unknown' ? '?' : '-');
  const width = Math.max(...types.map((t) => t.length));
  const names = services.map((s) => s.metadata.name ?? '');
  const lines = [`${'CONDITION'.padEnd(width)}  ${names.map((n) => n.padEnd(22)).join('')}`];
  for (const type of types) {
    lines.push(
      `${type.padEnd(width)}  ${services.map((s) => mark(s.status?.conditions?.find((c) => c.type === type)?.status).padEnd(22)).join('')}`,
    );
  }
  const findings = services.flatMap((s) => (s.status?.findings ?? []).slice(0, 4).map((f) => `  ${s.metadata.name}: [${f.severity}] ${f.message}`));
  return `${lines.join('\n')}\n\nFirst findings:\n${findings.join('\n')}\n`;
}

/** Condition message characters shown per line in "Why not Compliant". */
const WHY_MESSAGE_CHARS = 220;

/**
 * What moto (the AWS emulator) cannot show, by control id: an AWS sample on it can be as
 * good as moto allows, not better. Printed beside the AWS controls they hold back
 * (directly, or through a condition that names them, e.g. ResponsibilityDefined).
 */
const MOTO_LIMITS: Record<string, string> = {
  'A523-08-ROOT-MFA': "moto's GetAccountSummary always reports AccountMFAEnabled 0, so no moto account can show root MFA",
  'A523-05-REGION-GUARDRAIL':
    'moto makes an account a member of an organization only through CreateAccount, which picks a random id, so the sample\'s fixed account can only be a management account, and SCPs never restrict a management account',
};

/** For every service that is not Compliant: its conditions that are not True, with reason and message. */
function whyNotCompliant(services: CloudService[]): string {
  const lines: string[] = ['Why not Compliant (conditions that are not True):'];
  for (const s of services) {
    const conditions = s.status?.conditions ?? [];
    if (conditions.find((c) => c.type === 'Compliant')?.status === 'True') {
      const notApplicable = conditions.filter((c) => c.reason === 'NotApplicable').map((c) => c.type);
      lines.push(
        `  ${s.metadata.name}: Compliant, every condition True${notApplicable.length > 0 ? ` (NotApplicable: ${notApplicable.join(', ')})` : ''}`,
      );
      continue;
    }
    lines.push(`  ${s.metadata.name}:`);
    for (const c of conditions) {
      if (c.status === 'True' || c.type === 'Compliant' || c.type === 'Ready') continue;
      const message = c.message.length > WHY_MESSAGE_CHARS ? `${c.message.slice(0, WHY_MESSAGE_CHARS - 3)}...` : c.message;
      lines.push(`    ${c.type} ${c.status} (${c.reason}): ${message}`);
    }
    if (s.spec.provider !== 'aws') continue;
    const limited = new Set((s.status?.findings ?? []).map((f) => f.control).filter((id) => MOTO_LIMITS[id] !== undefined));
    for (const id of Object.keys(MOTO_LIMITS)) {
      if (conditions.some((c) => c.status !== 'True' && c.message.includes(id))) limited.add(id);
    }
    for (const id of [...limited].sort()) lines.push(`    moto limit, ${id}: ${MOTO_LIMITS[id]}`);
  }
  return `${lines.join('\n')}\n`;
}

await main();
