// `cloudposture iac-check` as CI runs it: the real command in a child process on real
// Pulumi TypeScript programs (test/fixtures/pulumi/*), evaluated under Pulumi mocks with
// the installed @pulumi/pulumi, @pulumi/aws and @pulumi/azure-native: exit codes and
// the JSON report.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { GateResult } from '../../operator/src/iac/gate-types.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'operator/src/cli.ts');
const fixtureDir = (name: string): string => join(ROOT, 'test/fixtures/pulumi', name);
const EU = 'eu-west-1,eu-central-1,westeurope,northeurope';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cloudposture(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function report(run: Run): GateResult & { durationMs: number } {
  try {
    return JSON.parse(run.stdout) as GateResult & { durationMs: number };
  } catch {
    throw new Error(`not JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
}

const found = (r: GateResult) => r.violations.map((v) => `${v.rule} ${v.name}`).sort();

describe('cloudposture iac-check on AWS programs', () => {
  it('passes the compliant program (exit 0), noting the bucket that relies on S3 default encryption', async () => {
    const run = await cloudposture(['iac-check', fixtureDir('aws-compliant'), '--classification', 'confidential', '--allowed-regions', EU, '--format', 'json']);
    expect(run.code).toBe(0);
    const r = report(run);
    expect(r).toMatchObject({ passed: true, project: 'payments-aws', stack: 'ci', violations: [], declared: 8 });
    expect(r.notes.map((n) => `${n.rule} ${n.name}`)).toEqual(['encryption-at-rest logs']);
    expect(r.durationMs).toBeGreaterThan(0);
  });

  it('fails the non-compliant program (exit 1), one violation per broken rule and resource', async () => {
    const run = await cloudposture(['iac-check', fixtureDir('aws-noncompliant'), '--classification', 'confidential', '--allowed-regions', EU, '--format', 'json']);
    expect(run.code).toBe(1);
    const r = report(run);
    expect(r.passed).toBe(false);
    expect(found(r)).toEqual(
      [
        'encryption-at-rest scratch',
        'encryption-at-rest reporting',
        'no-public-access reporting',
        'no-public-access orphan',
        'no-public-access site',
        'no-public-access site',
        'no-public-access site',
        'allowed-region export',
        'region-declared default',
        'classification-tag export',
        'classification-tag reporting',
      ].sort(),
    );
    const site = r.violations.filter((v) => v.name === 'site').map((v) => v.message);
    expect(site).toEqual(
      expect.arrayContaining([
        'ACL grants public access (public-read)',
        'bucket policy allows everyone (Principal "*" without a condition)',
        'no public access block (aws.s3.BucketPublicAccessBlock with all four flags true)',
      ]),
    );
    expect(r.violations.find((v) => v.rule === 'allowed-region')?.message).toBe(
      `in us-east-1 (from provider "virginia"), outside the allowed regions ${EU.split(',').join(', ')}`,
    );
    expect(r.counts).toMatchObject({ 'encryption-at-rest': 2, 'no-public-access': 5, 'allowed-region': 1, 'region-declared': 1, 'classification-tag': 2 });
  });

  it('strictly-confidential asks for customer-managed keys and the right tag', async () => {
    const run = await cloudposture(['iac-check', fixtureDir('aws-compliant'), '--classification', 'strictly-confidential', '--allowed-regions', EU, '--format', 'json']);
    expect(run.code).toBe(1);
    const r = report(run);
    expect(r.customerManagedKeys).toBe(true);
    // The data bucket's SSE uses a KMS key (key.arn resolved under mocks): not listed.
    expect(r.violations.filter((v) => v.rule === 'customer-managed-key').map((v) => v.name).sort()).toEqual(['ledger', 'logs', 'scratch']);
    expect(r.counts['classification-tag']).toBe(4);
  });

  it('prints a human-readable report with the fix per rule', async () => {
    const run = await cloudposture(['iac-check', fixtureDir('aws-noncompliant'), '--classification', 'confidential', '--allowed-regions', EU]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('no-public-access (5):');
    expect(run.stdout).toContain('  ✗ aws:ebs/volume:Volume "scratch": EBS volume is not encrypted (encrypted: true missing)');
    expect(run.stdout).toMatch(/ {2}fix: Add an aws\.s3\.BucketPublicAccessBlock/);
    expect(run.stdout.trimEnd().endsWith('FAIL: 11 violations.')).toBe(true);
  });
});

describe('cloudposture iac-check on Azure programs', () => {
  it('passes the compliant program', async () => {
    const run = await cloudposture(['iac-check', fixtureDir('azure-compliant'), '--classification', 'confidential', '--allowed-regions', 'westeurope,northeurope', '--format', 'json']);
    expect(run.code).toBe(0);
    expect(report(run)).toMatchObject({ passed: true, project: 'payments-azure', declared: 5, notes: [] });
  });

  it('resolves locations from the resource group and azure-native:location', async () => {
    const run = await cloudposture(['iac-check', fixtureDir('azure-compliant'), '--classification', 'confidential', '--allowed-regions', 'westeurope', '--format', 'json']);
    expect(run.code).toBe(1);
    const messages = report(run).violations.map((v) => `${v.name}: ${v.message}`);
    expect(messages.sort()).toEqual([
      'backups: in northeurope (from azure-native:location), outside the allowed regions westeurope',
      'scratch: in northeurope (from resource group "backups"), outside the allowed regions westeurope',
    ]);
  });

  it('fails the non-compliant program', async () => {
    const run = await cloudposture(['iac-check', fixtureDir('azure-noncompliant'), '--classification', 'confidential', '--allowed-regions', 'westeurope,northeurope', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(found(report(run))).toEqual(
      [
        'encryption-at-rest site',
        'no-public-access export',
        'no-public-access www',
        'no-public-access site',
        'allowed-region export',
        'allowed-region shadow',
        'classification-tag site',
      ].sort(),
    );
  });
});

describe('usage and program errors exit 2', () => {
  let broken: string;
  beforeAll(() => {
    broken = mkdtempSync(join(tmpdir(), 'iac-check-broken-'));
    writeFileSync(join(broken, 'Pulumi.yaml'), 'name: broken\nruntime: nodejs\n');
    writeFileSync(join(broken, 'index.ts'), "const region: string = 'eu-west-1';\nthrow new Error(`cannot plan ${region}`);\n");
  });
  afterAll(() => rmSync(broken, { recursive: true, force: true }));

  it('a program that throws', async () => {
    const run = await cloudposture(['iac-check', broken, '--classification', 'internal', '--allowed-regions', 'eu-west-1', '--format', 'json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { kind: 'program' } });
    expect(run.stderr).toContain('cannot plan eu-west-1');
  });

  it('bad arguments, a directory that is not a Pulumi project, an unknown command', async () => {
    const missing = await cloudposture(['iac-check', fixtureDir('aws-compliant'), '--allowed-regions', 'eu-west-1']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--classification must be one of public, internal, confidential, strictly-confidential');
    const notProject = await cloudposture(['iac-check', join(ROOT, 'test/fixtures/pulumi/state'), '--classification', 'internal', '--allowed-regions', 'eu-west-1']);
    expect(notProject.code).toBe(2);
    expect(notProject.stderr).toContain('is not a Pulumi project (no Pulumi.yaml)');
    const unknown = await cloudposture(['iac-chek']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "iac-chek"');
  });

  it('--help lists the commands and the options', async () => {
    const overview = await cloudposture(['--help']);
    expect(overview.code).toBe(0);
    expect(overview.stdout).toMatch(/iac-check\s+Check a Pulumi TypeScript program/);
    const help = await cloudposture(['iac-check', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit status: 0 no violations, 1 violations found, 2 usage or program error.');
  });
});
