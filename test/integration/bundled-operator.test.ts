// The operator as its image runs it: operator/bundle.mjs's output (the image's entry
// point), with the chart's Node flags and malloc settings, against the real control plane
// and moto. It reads one account and writes a service's status; the bundle carries
// neither Pulumi nor tsx, keeps the Azure provider in a chunk of its own (loaded with the
// first Azure account), and stays ASCII (see bundle.mjs).

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { CloudService } from '../../operator/src/api/types.js';
import { EXTERNAL_ID, SeedClients, createReadRole, createUser } from '../harness/aws-seed.js';
import { repoRoot } from '../harness/binaries.js';
import { createTestNamespace, deleteTestNamespace, loadTestKubeConfig, testKubeconfigPath, waitFor } from '../harness/kube.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../harness/moto.js';
import { installCrds } from '../harness/operator.js';
import { spawnOperator, type OperatorProcess } from '../harness/operator-process.js';
import { grantAccount } from '../harness/services.js';
import { aSpec } from '../unit/builders.js';

const ACCOUNT_ID = '420000000001';

/** The chart's defaults (values.yaml: nodeMaxOldSpaceMiB, nodeMaxSemiSpaceMiB, mallocArenaMax, glibcTunables). */
function chartNodeSettings(): { nodeArgs: string[]; env: Record<string, string> } {
  const values = readFileSync(join(repoRoot, 'charts', 'cloud-posture-operator', 'values.yaml'), 'utf8');
  const value = (key: string) => new RegExp(`^${key}: *"?([^"\\n]+)"?$`, 'm').exec(values)?.[1]?.trim() ?? '';
  return {
    nodeArgs: [`--max-old-space-size=${value('nodeMaxOldSpaceMiB')}`, `--max-semi-space-size=${value('nodeMaxSemiSpaceMiB')}`],
    env: { MALLOC_ARENA_MAX: value('mallocArenaMax'), GLIBC_TUNABLES: value('glibcTunables') },
  };
}

describe('the bundled operator (the image entry point)', () => {
  const kc = loadTestKubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  // Inside the repository, as dist/bundle is in the image: the bundle imports @cloud-copilot/* from node_modules.
  mkdirSync(join(repoRoot, 'test-output'), { recursive: true });
  const outdir = mkdtempSync(join(repoRoot, 'test-output', 'bundle-'));
  let moto: MotoServer;
  let ns: string;
  let operator: OperatorProcess | undefined;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(repoRoot, 'operator', 'bundle.mjs'), outdir], { cwd: repoRoot, stdio: 'pipe' });
    moto = await startMoto();
    await installCrds();
    ns = await createTestNamespace('bundle');
    const c = new SeedClients(moto.endpoint, ACCOUNT_ID);
    await createReadRole(c, { externalId: EXTERNAL_ID });
    await createUser(c, 'dev', { password: true });
  }, 300_000);

  afterAll(async () => {
    operator?.kill('SIGKILL');
    await operator?.exited;
    await moto?.stop();
    if (ns) await deleteTestNamespace(ns);
    rmSync(outdir, { recursive: true, force: true });
  });

  it('is one ASCII entry script plus chunks, without Pulumi or tsx, the Azure SDK in a chunk of its own', () => {
    const files = readdirSync(outdir).filter((f) => f.endsWith('.js'));
    expect(files).toContain('main.js');
    const main = readFileSync(join(outdir, 'main.js'), 'utf8');
    for (const file of files) {
      const text = readFileSync(join(outdir, file), 'utf8');
      expect({ file, nonAscii: /[^\x00-\x7f]/.test(text) }).toEqual({ file, nonAscii: false });
      expect({ file, pulumi: text.includes('@pulumi/'), tsx: /tsx\/(esm|cjs)\/api/.test(text) }).toEqual({ file, pulumi: false, tsx: false });
    }
    // The Azure SDK's user-agent prefix: in a lazily imported chunk, not in the entry script.
    expect(main).not.toContain('azsdk-js');
    expect(files.filter((f) => f !== 'main.js' && readFileSync(join(outdir, f), 'utf8').includes('azsdk-js'))).toHaveLength(1);
  });

  it('starts with the chart\'s Node settings, reads a moto account and writes a service\'s status', async () => {
    const account = `${ns}.acct`;
    await grantAccount(kc, account, 'aws', { aws: { accountId: ACCOUNT_ID, roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/cloudposture-readonly`, regions: ['eu-west-1'] } }, [ns]);
    await custom.createNamespacedCustomObject({
      group: 'cloudposture.io',
      version: 'v1alpha1',
      namespace: ns,
      plural: 'cloudservices',
      body: { apiVersion: 'cloudposture.io/v1alpha1', kind: 'CloudService', metadata: { name: 'bundled' }, spec: aSpec({ accountRef: { name: account }, allowedRegions: ['eu-west-1'] }) },
    });
    const settings = chartNodeSettings();
    expect(settings.env.GLIBC_TUNABLES).toMatch(/glibc\.malloc\./);
    operator = spawnOperator({
      kubeconfig: testKubeconfigPath(),
      identity: 'bundled',
      compiled: { nodeArgs: settings.nodeArgs, entry: join(outdir, 'main.js') },
      env: {
        ...settings.env,
        CLOUDPOSTURE_WATCH_NAMESPACE: ns,
        CLOUDPOSTURE_OPERATOR_NAMESPACE: ns,
        CLOUDPOSTURE_POLICY_NAME: `policy-${ns}`,
        CLOUDPOSTURE_AWS_ENDPOINT: moto.endpoint,
        CLOUDPOSTURE_METRICS_SECURE: 'false',
        AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
        AWS_REGION: 'us-east-1',
      },
    });
    const svc = await waitFor(
      async () => {
        const s = (await custom.getNamespacedCustomObject({ group: 'cloudposture.io', version: 'v1alpha1', namespace: ns, plural: 'cloudservices', name: 'bundled' })) as CloudService;
        return s.status?.observedGeneration === s.metadata.generation ? s : undefined;
      },
      { timeoutMs: 120_000, description: 'status from the bundled operator' },
    ).catch((error: unknown) => {
      // The process's last log lines say why.
      throw new Error(`${String(error)}\n${operator?.logs.slice(-15).map((l) => JSON.stringify(l)).join('\n')}`);
    });
    // Judged from a live read (not Unknown): the collection ran inside the bundle.
    const cond = (type: string) => svc.status?.conditions?.find((c) => c.type === type);
    expect(cond('Ready')?.status).toBe('True');
    expect(['True', 'False']).toContain(cond('MFAEnforced')?.status);
    expect(svc.status?.summary?.identities).toBeGreaterThan(0);
    expect(operator.logs.some((l) => l.message === 'first inventory read' && l.ok === true)).toBe(true);
    expect(operator.logs.filter((l) => l.level === 'error')).toEqual([]);
  }, 180_000);
});
