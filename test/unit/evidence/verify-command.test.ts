// `cloudposture evidence verify`: usage errors exit 2 before any S3 call; options parse.
import { main } from '../../../operator/src/cli.js';
import { parseVerifyArgs } from '../../../operator/src/evidence/verify-command.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { code, out, err };
}

it.each<[string[], RegExp]>([
  [['evidence'], /Usage: cloudposture evidence verify/],
  [['evidence', 'list'], /unknown subcommand "list"/],
  [['evidence', 'verify'], /--bucket is required/],
  [['evidence', 'verify', '--bucket'], /--bucket needs a value/],
  [['evidence', 'verify', '--bucket', 'b', '--retention-days', '0'], /--retention-days must be a whole number/],
  [['evidence', 'verify', '--bucket', 'b', '--retention-days', '1.5'], /--retention-days must be a whole number/],
  [['evidence', 'verify', '--bucket', 'b', '--force'], /unknown option "--force"/],
])('%p exits 2', async (argv, message) => {
  const r = await run(argv);
  expect(r.code).toBe(2);
  expect(r.out + r.err).toMatch(message);
});

it('--help exits 0 with the options', async () => {
  const r = await run(['evidence', 'verify', '--help']);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/--retention-days N/);
});

it('parses every option, inline or not, with the defaults', () => {
  expect(parseVerifyArgs(['--bucket', 'b'])).toEqual({ bucket: 'b', prefix: 'evidence', retentionDays: 400, help: false });
  expect(parseVerifyArgs(['--bucket=b', '--prefix', 'org/ev', '--retention-days=30', '--endpoint', 'http://127.0.0.1:5000', '--region', 'eu-west-1'])).toEqual({
    bucket: 'b',
    prefix: 'org/ev',
    retentionDays: 30,
    endpoint: 'http://127.0.0.1:5000',
    region: 'eu-west-1',
    help: false,
  });
});
