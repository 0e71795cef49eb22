// `cloudposture iac-check <program dir> --classification <c> --allowed-regions <r,...>`:
// captures a Pulumi TypeScript program under mocks and runs the hardening gate on it.
// Exit codes: 0 no violations, 1 violations, 2 usage or program error.

import { parseArgs } from 'node:util';
import { CLASSIFICATION_VALUES, type Classification } from '../api/types.js';
import { CaptureError, captureProgram } from './capture.js';
import { checkProgram } from './gate.js';
import { formatGateText } from './gate-text.js';

export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const EXIT_OK = 0;
export const EXIT_VIOLATIONS = 1;
export const EXIT_USAGE = 2;

export const IAC_CHECK_USAGE = `Usage: cloudposture iac-check <program dir> --classification <class> --allowed-regions <region,...> [options]

Evaluates a Pulumi TypeScript program under mocks (no Pulumi engine, no cloud
credentials) and checks what it declares: storage encrypted at rest, no public
access, regions within the allowed list, the classification tag on data stores.

Options:
  --classification <class>         ${CLASSIFICATION_VALUES.join(' | ')} (required)
  --allowed-regions <r,...>        allowed AWS regions / Azure locations (required)
  --stack <name>                   stack whose Pulumi.<stack>.yaml supplies config
                                   (default: the only stack file, else none)
  --customer-managed-keys <mode>   required | optional (default: required for
                                   strictly-confidential, the policy default)
  --format <text|json>             output format (default text)
  -h, --help                       this help

Exit status: 0 no violations, 1 violations found, 2 usage or program error.
`;

function usageError(io: CommandIO, message: string): number {
  io.stderr(`cloudposture iac-check: ${message}\n\n${IAC_CHECK_USAGE}`);
  return EXIT_USAGE;
}

export async function runIacCheck(args: readonly string[], io: CommandIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        classification: { type: 'string' },
        'allowed-regions': { type: 'string' },
        stack: { type: 'string' },
        'customer-managed-keys': { type: 'string' },
        format: { type: 'string', default: 'text' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return usageError(io, error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(IAC_CHECK_USAGE);
    return EXIT_OK;
  }
  if (positionals.length !== 1 || !positionals[0]) return usageError(io, 'expected exactly one program directory');
  const classification = values.classification;
  if (!classification || !(CLASSIFICATION_VALUES as readonly string[]).includes(classification)) {
    return usageError(io, `--classification must be one of ${CLASSIFICATION_VALUES.join(', ')}`);
  }
  const regions = (values['allowed-regions'] ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  if (regions.length === 0) return usageError(io, '--allowed-regions needs at least one region');
  const format = values.format;
  if (format !== 'text' && format !== 'json') return usageError(io, '--format must be text or json');
  const cmkFlag = values['customer-managed-keys'];
  if (cmkFlag !== undefined && cmkFlag !== 'required' && cmkFlag !== 'optional') {
    return usageError(io, '--customer-managed-keys must be required or optional');
  }

  let captured;
  try {
    captured = await captureProgram(positionals[0], values.stack ? { stack: values.stack } : {});
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const kind = error instanceof CaptureError ? error.kind : 'program';
    if (format === 'json') io.stdout(`${JSON.stringify({ error: { kind, message } }, null, 2)}\n`);
    io.stderr(`cloudposture iac-check: ${message}\n`);
    return EXIT_USAGE;
  }
  const result = checkProgram(captured, {
    classification: classification as Classification,
    allowedRegions: regions,
    ...(cmkFlag !== undefined ? { customerManagedKeys: cmkFlag === 'required' } : {}),
  });
  const durationMs = Math.round(captured.durationMs);
  if (format === 'json') io.stdout(`${JSON.stringify({ ...result, durationMs }, null, 2)}\n`);
  else io.stdout(formatGateText(result, durationMs));
  return result.passed ? EXIT_OK : EXIT_VIOLATIONS;
}
