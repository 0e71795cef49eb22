#!/usr/bin/env node
// The `cloudposture` command line. Each subcommand is one entry in COMMANDS: a summary
// for the overview, and a `run` that gets the remaining arguments and returns the exit
// status. Run from source: `npm exec -- node --import tsx operator/src/cli.ts <command>`.

import { realpathSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runDiscoverCommand } from './discover/cli.js';
import { runEvidenceCommand } from './evidence/verify-command.js';
import { type CommandIO, EXIT_USAGE, runIacCheck } from './iac/check-command.js';
import { runReportCommand } from './report/cli.js';

// The Pulumi SDKs are large: Node's on-disk compile cache (in the OS temp directory,
// off with NODE_DISABLE_COMPILE_CACHE=1) makes every run after the first start faster.
enableCompileCache?.();

export type { CommandIO } from './iac/check-command.js';

export interface Command {
  /** One line for `cloudposture --help`. */
  summary: string;
  run(args: readonly string[], io: CommandIO): Promise<number>;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  'iac-check': {
    summary: 'Check a Pulumi TypeScript program against the hardening policy (CI / GitOps gate)',
    run: runIacCheck,
  },
  report: {
    summary: 'Write the A.5.23 evidence report (HTML, JSON, Markdown or PDF) from the CloudServices in the cluster',
    run: (args, io) => runReportCommand(args, io),
  },
  evidence: {
    summary: 'Verify the hash-chained evidence records in an Object Lock bucket (evidence verify --bucket B)',
    run: (args, io) => runEvidenceCommand(args, io),
  },
  discover: {
    summary: 'Write CloudAccount / CloudService skeletons (fields to fill in marked) for what the CloudOrganizations list as undeclared',
    run: (args, io) => runDiscoverCommand(args, io),
  },
};

export function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: cloudposture <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`cloudposture <command> --help\` for a command's options.\n`;
}

export async function main(argv: readonly string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(overview());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`cloudposture: unknown command "${name}"\n\n${overview()}`);
    return EXIT_USAGE;
  }
  return command.run(rest, io);
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  const io: CommandIO = {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      // Flush, then exit: a captured Pulumi program can leave handles open.
      process.stdout.write('', () => process.exit(code));
    },
    (error: unknown) => {
      process.stderr.write(`cloudposture: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(EXIT_USAGE);
    },
  );
}
