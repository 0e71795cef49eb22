// The README's main command, as a user runs it: `npm run demo -- --once` starts its own
// control plane, moto and the Azure REST server, installs CRDs and samples, runs the
// operator as a process and prints `kubectl get cloudservices` with every condition.

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_LOCKBOX_APPROVER, DEMO_LOCKBOX_REQUEST_ID, DEMO_TENANT_ID, DEMO_TENANT_ORGANIZATION } from '../harness/azure-mock/demo.js';
import { repoRoot } from '../harness/binaries.js';
import { waitFor } from '../harness/kube.js';

/** Live descendants of `root` (from /proc), with their command lines. */
function descendants(root: number): Array<{ pid: number; cmd: string }> {
  const parentOf = new Map<number, number>();
  const cmdOf = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      cmdOf.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {
      // gone meanwhile
    }
  }
  const isUnder = (pid: number): boolean => {
    for (let p = parentOf.get(pid), hops = 0; p !== undefined && hops < 16; p = parentOf.get(p), hops++) if (p === root) return true;
    return false;
  };
  return [...parentOf.keys()].filter(isUnder).map((pid) => ({ pid, cmd: cmdOf.get(pid) ?? '' }));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** From `heading` to the next blank line followed by a heading ("==> "), or the end. */
function section(output: string, heading: string): string {
  const start = output.indexOf(heading);
  if (start < 0) return '';
  const end = output.indexOf('\n==> ', start + heading.length);
  return output.slice(start, end < 0 ? undefined : end);
}

/** The table printed under the line starting with `title`: header and rows, up to the first blank line. */
function tableAfter(output: string, title: string): string[] {
  const start = output.indexOf(title);
  if (start < 0) return [];
  const lines = output.slice(start).split('\n').slice(1);
  const end = lines.indexOf('');
  return end < 0 ? lines : lines.slice(0, end);
}

describe('the demo (npm run demo -- --once)', () => {
  it('shows every sample service with conditions and findings from the live (emulated) accounts', async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test', 'harness', 'demo.ts'), '--once'], {
        cwd: repoRoot,
        env: { ...process.env, CLOUDPOSTURE_TEST_KUBECONFIG: '', KUBECONFIG: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
      const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
      child.on('close', (exit) => {
        clearTimeout(timer);
        resolve({ code: exit, output });
      });
    });
    expect({ code, tail: code === 0 ? '' : output.slice(-2000) }).toEqual({ code: 0, tail: '' });
    expect(output).toMatch(/every CloudService has status \(4 services/);
    // kubectl get cloudservices: the printer columns, one row per sample.
    expect(output).toMatch(/NAME\s+PROVIDER\s+ACCOUNT\s+CLASS\s+COMPLIANT\s+READY\s+MFA\s+DRIFT\s+FINDINGS\s+AGE/);
    for (const name of ['aws-payments-prod', 'aws-marketing-sandbox', 'azure-m365-collab']) {
      expect(output).toMatch(new RegExp(`^${name}\\s+(aws|azure)\\s+\\S+\\s+\\S+\\s+False\\s+True\\s+`, 'm'));
    }
    // The green row: the payroll sample's own tenant meets every control, live ones included.
    expect(output).toMatch(/^azure-payroll-eu\s+azure\s+payroll-eu\s+confidential\s+True\s+True\s+1\s+0\s+/m);
    // The best AWS sample: full MFA coverage, no drift from its Pulumi stack.
    expect(output).toMatch(/^aws-payments-prod\s+aws\s+payments-prod\s+confidential\s+False\s+True\s+1\s+0\s+/m);
    // Live findings from moto and the Azure server, not only spec checks.
    expect(output).toMatch(/aws-marketing-sandbox: \[critical\]/);
    expect(output).toMatch(/azure-m365-collab: \[critical\] .* is public/);
    // The condition table (columns in name order): the sandbox's trail and the Azure
    // sample's Activity Log hold out-of-band changes, so their ChangesTracked is FAIL, not
    // "?"; the payments and payroll samples' only network changes came from their pipelines.
    expect(output).toMatch(/^ChangesTracked\s+FAIL\s+ok\s+FAIL\s+ok\s*$/m);
    // Control over the landlord: the sandbox declares no provider attestation (AWS has no
    // customer lockbox), so it is Unknown, never False; the payments sample's attestation is
    // current; both Azure tenants have Customer Lockbox on and no request out of order.
    expect(output).toMatch(/^ProviderAccessControlled\s+\?\s+ok\s+ok\s+ok\s*$/m);
    // Every condition of the payroll sample is ok (InSync too: it declares no IaC, NotApplicable counts as met).
    const table = output.slice(output.indexOf('CONDITION'), output.indexOf('First findings:'));
    const rows = table.split('\n').slice(1).filter((l) => l.trim() !== '');
    expect(rows.length).toBeGreaterThanOrEqual(13);
    expect(rows.filter((l) => l.trim().split(/\s+/)[4] !== 'ok')).toEqual([]);
    expect(output).toMatch(/^ {2}azure-payroll-eu: Compliant, every condition True \(NotApplicable: InSync\)$/m);
    // The best AWS sample says which controls moto holds back, and why.
    const why = output.slice(output.indexOf('Why not Compliant'));
    const aws = why.slice(why.indexOf('  aws-payments-prod:\n'), why.indexOf('  azure-m365-collab:\n'));
    // Only what moto cannot show keeps it from Compliant: root MFA (and the duty it
    // leaves unmet) and the SCP region guardrail.
    const notTrue = aws.split('\n').filter((l) => /^ {4}[A-Z]\w+ (False|Unknown) /.test(l)).map((l) => l.trim().split(':')[0]);
    expect(notTrue).toEqual(['ResponsibilityDefined False (CustomerDutyNotMet)', 'MFAEnforced False (RootWithoutMFA)', 'DataResidency False (NoRegionGuardrail)']);
    expect(aws).toMatch(/identity-and-access \(A523-08-ROOT-MFA failing\)\./);
    expect(aws).toMatch(/moto limit, A523-08-ROOT-MFA: moto's GetAccountSummary always reports AccountMFAEnabled 0/);
    expect(aws).toMatch(/moto limit, A523-05-REGION-GUARDRAIL: /);
    expect(output).toMatch(/^cloudposture_findings\{namespace="cloudposture-demo"/m);

    // ProviderAccessControlled per service, and the Azure services' Customer Lockbox facts.
    const landlord = section(output, '==> control over the landlord');
    expect(landlord).toMatch(/^ {2}aws-marketing-sandbox: ProviderAccessControlled Unknown \(ProviderAttestationMissing\): AWS has no customer lockbox/m);
    expect(landlord).toMatch(/^ {2}aws-payments-prod: ProviderAccessControlled True \(\w+\): .*Provider access attestation AWS Artifact, SOC 2 Type II report/m);
    expect(landlord).toMatch(/^ {2}azure-m365-collab: ProviderAccessControlled True \(\w+\): Customer Lockbox is on for the tenant/m);
    expect(landlord).toMatch(/^ {2}azure-payroll-eu: ProviderAccessControlled True \(\w+\): /m);
    const m365 = landlord.slice(landlord.indexOf('  azure-m365-collab:'), landlord.indexOf('  azure-payroll-eu:')).split('\n');
    expect(m365[1]).toBe(`    Customer Lockbox on; approvers (spec.providerAccess.lockboxApprovers): ${DEMO_LOCKBOX_APPROVER}`);
    expect(m365[2]).toBe('    Lockbox requests (last 90 days, status.providerAccess.lockboxRequests):');
    expect(m365[3]).toMatch(/^ {6}REQUEST\s+STATUS\s+CREATED\s+RESOURCE\s+ANSWERED BY\s+ANSWERED AT\s+FINDING$/);
    // The one request of the sample tenant: approved by the declared approver, no finding.
    expect(m365[4]).toMatch(new RegExp(`^ {6}${DEMO_LOCKBOX_REQUEST_ID}\\s+Approved\\s+\\S+Z\\s+vm-print-weu\\s+${DEMO_LOCKBOX_APPROVER.replace(/\./g, '\\.')}\\s+\\S+Z\\s+-$`));
    expect(m365.slice(5).filter((l) => l.startsWith('      '))).toEqual([]);
    expect(landlord).toMatch(/^ {4}Customer Lockbox on; approvers \(spec\.providerAccess\.lockboxApprovers\): olivia\.martin@payroll\.example\.com\n {4}Lockbox requests \(last 90 days\): none$/m);

    // Shadow IT: the sample CloudOrganization on the payments (management) account, and
    // the demo's organisation of the Azure sample's tenant (through CloudAccount m365-collab).
    expect(output).toMatch(/^NAME\s+ACCOUNT\s+UNDECLARED\s+ALLDECLARED\s+READY\s+AGE/m);
    expect(output).toMatch(/^acme\s+payments-prod\s+1\s+False\s+True\s+/m);
    expect(output).toMatch(/^acme-azure\s+m365-collab\s+2\s+False\s+True\s+/m);
    // AWS: the one member account of the moto organisation that no CloudAccount declares, with its OU path.
    const organisation = tableAfter(output, 'Undeclared in acme (aws o-');
    expect(organisation[0]).toMatch(/^ {2}KIND\s+ID\s+NAME\s+PATH \/ CONSENT$/);
    expect(organisation.slice(1)).toHaveLength(1);
    expect(organisation[1]).toMatch(/^ {2}account\s+\d{12}\s+data-lake-sandbox\s+Root\/Sandboxes \(r-[a-z0-9]+\/ou-[a-z0-9-]+\)$/);
    // Azure: the subscription in the Sandboxes management group and the third-party app three
    // users consented to; not the declared subscription, not the ignored log vault, not
    // Microsoft's first-party apps, not the tenant's own pipeline app.
    const tenant = tableAfter(output, `Undeclared in acme-azure (azure ${DEMO_TENANT_ID}, status.undeclared):`);
    const { undeclaredSubscription: sub, saasApp: app } = DEMO_TENANT_ORGANIZATION;
    expect(tenant[0]).toMatch(/^ {2}KIND\s+ID\s+NAME\s+PATH \/ CONSENT$/);
    expect(tenant.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^ {2}subscription\\s+${sub.id}\\s+${sub.name}\\s+Tenant Root Group/Sandboxes \\(${DEMO_TENANT_ID}/${sub.groupId}\\)$`)),
      expect.stringMatching(new RegExp(`^ {2}saas-app\\s+${app.appId}\\s+${app.name}\\s+3 users consented: Calendars\\.Read OnlineMeetings\\.Read User\\.Read \\(publisher tenant ${app.publisherTenantId}\\)$`)),
    ]);
    const afterTables = output.slice(output.indexOf(tenant[tenant.length - 1] as string)).split('\n').filter((l) => l !== '');
    expect(afterTables[1]).toBe('`cloudposture discover --out DIR` writes a CloudAccount / CloudService skeleton for each, the fields to fill in marked.');
  }, 300_000);

  it('`make demo` stopped with SIGTERM stops everything it started, the AWS emulator included', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, CLOUDPOSTURE_TEST_KUBECONFIG: '', KUBECONFIG: '' };
    delete env.CI; // keep running until stopped
    const make = spawn('make', ['demo'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    make.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    make.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    const makePid = make.pid as number;
    let started: Array<{ pid: number; cmd: string }> = [];
    try {
      await waitFor(async () => (output.includes('Press Ctrl-C to stop.') ? true : undefined), { timeoutMs: 240_000, description: 'the demo is up' });
      started = descendants(makePid);
      const moto = started.filter((p) => p.cmd.includes('from moto.server import main'));
      expect(moto.length).toBeGreaterThan(0);
      make.kill('SIGTERM'); // make only: it does not pass the signal on
      await waitFor(async () => (started.every((p) => !alive(p.pid)) ? true : undefined), {
        timeoutMs: 30_000,
        description: 'every process of the demo has exited',
      }).catch(() => undefined);
      expect(started.filter((p) => alive(p.pid)).map((p) => p.cmd.slice(0, 120))).toEqual([]);
    } finally {
      for (const p of [...started, ...descendants(makePid)]) if (alive(p.pid)) process.kill(p.pid, 'SIGKILL');
      if (alive(makePid)) make.kill('SIGKILL');
    }
  }, 300_000);
});
