// The Argo CD PreSync Job example for the IaC gate is a valid Job (server-side dry run
// on the test API server, schema and admission included) and runs the CLI as documented.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

import { createTestNamespace, deleteTestNamespace, kubectl } from '../harness/kube.js';

const EXAMPLE = new URL('../../charts/cloud-posture-operator/examples/iac-check-presync-job.yaml', import.meta.url);

interface JobDoc {
  kind: string;
  metadata: { annotations: Record<string, string> };
  spec: { backoffLimit: number; template: { spec: { containers: Array<{ args: string[] }>; initContainers: Array<{ name: string }> } } };
}

let ns: string;
beforeAll(async () => {
  ns = await createTestNamespace('iac-presync');
});
afterAll(async () => {
  if (ns) await deleteTestNamespace(ns);
});

it('is accepted by the API server (server-side dry run)', async () => {
  const r = await kubectl(['apply', '--dry-run=server', '-n', ns, '-f', '-'], { input: readFileSync(EXAMPLE, 'utf8') });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('job.batch/payments-iac-check created (server dry run)');
});

it('is a PreSync hook that fails the sync on the first failure and runs iac-check', () => {
  const job = parse(readFileSync(EXAMPLE, 'utf8')) as JobDoc;
  expect(job.kind).toBe('Job');
  expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('PreSync');
  expect(job.spec.backoffLimit).toBe(0);
  expect(job.spec.template.spec.initContainers.map((c) => c.name)).toEqual(['checkout', 'install']);
  const args = job.spec.template.spec.containers[0]?.args ?? [];
  expect(args.slice(0, 2)).toEqual(['dist/operator/src/cli.js', 'iac-check']);
  expect(args).toEqual(expect.arrayContaining(['--classification', '--allowed-regions']));
});
