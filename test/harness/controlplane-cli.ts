// Developer entry point for the local control plane.
//
//   npm run controlplane -- up [--dir D]   start etcd + kube-apiserver, print the
//                                          kubeconfig, stay in the foreground until Ctrl-C
//   npm run controlplane -- build          build (or check) the binaries only
//
// With --dir the run folder (PKI, etcd data, logs, kubeconfig) is kept and reused,
// so objects survive a restart of `up`; without it a temp folder is used and removed.
import path from 'node:path';
import { parseArgs } from 'node:util';

import { ensureBinaries } from './binaries.js';
import { startControlPlane } from './controlplane.js';

const usage = `usage: npm run controlplane -- <command> [options]

commands:
  up [--dir D] [--quiet]   start a local control plane and wait for Ctrl-C
  build [--force]          build kube-apiserver, kubectl and etcd if needed, print their paths
`;

async function up(dir: string | undefined, quiet: boolean): Promise<void> {
  const cp = await startControlPlane({ ...(dir ? { dir } : {}), log: !quiet });
  let stopping = false;
  const shutdown = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${sig}: stopping the control plane ...\n`);
    cp.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => shutdown(sig));

  const kubectlDir = path.dirname(cp.binaries.kubectl);
  process.stdout.write(
    [
      '',
      `API server:  ${cp.server}`,
      `kubeconfig:  ${cp.kubeconfigPath}`,
      `logs:        ${cp.logs.apiServer}`,
      `             ${cp.logs.etcd}`,
      '',
      'In another shell:',
      `  export KUBECONFIG=${cp.kubeconfigPath}`,
      `  export PATH=${kubectlDir}:$PATH   # the matching kubectl`,
      '  # to run the integration tests against this control plane instead of a fresh one:',
      `  export CLOUDPOSTURE_TEST_KUBECONFIG=${cp.kubeconfigPath} CLOUDPOSTURE_TEST_KUBECTL=${cp.binaries.kubectl}`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(usage);
    return;
  }
  switch (command) {
    case 'up':
      await up(values.dir, values.quiet);
      return;
    case 'build': {
      const b = await ensureBinaries({ force: values.force });
      process.stdout.write(`kube-apiserver ${b.kubeApiserver}\netcd           ${b.etcd}\nkubectl        ${b.kubectl}\n`);
      return;
    }
    default:
      process.stderr.write(`unknown command: ${command}\n${usage}`);
      process.exitCode = 2;
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
