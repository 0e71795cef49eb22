// The README's main command, as a user runs it: `npm run demo -- --once` starts its own
// control plane, moto and the Azure REST server, installs CRDs and samples, runs the
// operator as a process and prints `kubectl get cloudservices` with every condition.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../harness/binaries.js';

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
    expect(output).toMatch(/every CloudService has status \(3 services/);
    // kubectl get cloudservices: the printer columns, one row per sample.
    expect(output).toMatch(/NAME\s+PROVIDER\s+CLASS\s+COMPLIANT\s+READY\s+MFA\s+DRIFT\s+FINDINGS\s+AGE/);
    for (const name of ['aws-payments-prod', 'aws-marketing-sandbox', 'azure-m365-collab']) {
      expect(output).toMatch(new RegExp(`^${name}\\s+(aws|azure)\\s+\\S+\\s+False\\s+True\\s+`, 'm'));
    }
    // Live findings from moto and the Azure server, not only spec checks.
    expect(output).toMatch(/aws-marketing-sandbox: \[critical\]/);
    expect(output).toMatch(/azure-m365-collab: \[critical\] .* is public/);
    // The condition table (columns in name order): the Azure sample's Activity Log holds
    // an out-of-band NSG change, so its ChangesTracked is FAIL, not "?".
    expect(output).toMatch(/^ChangesTracked\s+\S+\s+\S+\s+FAIL\s*$/m);
    expect(output).toMatch(/^cloudposture_findings\{namespace="cloudposture-demo"/m);
  }, 300_000);
});
