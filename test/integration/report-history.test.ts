// `cloudposture report --at / --from --to` on moto: two services' chains over five
// simulated days (one evaluation a day, clock injected), a finding that appears on day 2
// and is resolved on day 4; the pack as of day 3 equals the report of the statuses then;
// the period lists the finding opened and resolved; a tampered unlocked copy exits 1
// naming the record. The time to rebuild 30 days of 100 services is a benchmark:
// test/bench/report-history.ts.
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import type { CloudService, CloudServiceStatus, Finding } from '../../operator/src/api/types.js';
import { evaluateService, type ControlResult } from '../../operator/src/controls/evaluate.js';
import { ObjectLockEvidenceStore } from '../../operator/src/evidence/object-lock-store.js';
import { buildEvidenceRecord, shouldRecord, type EvidenceRecord } from '../../operator/src/evidence/record.js';
import { buildReportModel } from '../../operator/src/report/build-model.js';
import { runReportCommand } from '../../operator/src/report/cli.js';
import { HISTORY_ORGANIZATIONS_NOTE } from '../../operator/src/report/history.js';
import type { ReportModel } from '../../operator/src/report/model.js';
import { sampleServices } from '../../operator/src/report/sample.js';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../harness/moto.js';
import { aPolicy, anInput } from '../unit/builders.js';

const LOCKED = 'history-locked';
const DAY_MS = 24 * 60 * 60 * 1000;
const START = new Date('2026-12-01T00:00:00.000Z'); // day 1
const dayAt = (n: number): Date => new Date(START.getTime() + (n - 1) * DAY_MS);
const date = (n: number): string => dayAt(n).toISOString().slice(0, 10);
const POLICY = aPolicy();
const CONTROLS: ControlResult[] = evaluateService(anInput()).controls;
const MALLORY: Finding = {
  control: 'A523-08-PRIVILEGED-MFA',
  condition: 'MFAEnforced',
  severity: 'critical',
  resource: 'arn:aws:iam::111111111111:user/mallory',
  message: 'mallory can write without MFA',
  remediation: 'Enforce MFA for mallory',
};

let moto: MotoServer;
let s3: S3Client;
const keys: string[] = [];
/** Per day, the CloudServices as their status said then. */
const snapshots = new Map<number, CloudService[]>();

async function report(bucket: string, extra: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t) };
  const code = await runReportCommand(['--evidence-bucket', bucket, '--endpoint', moto.endpoint, ...extra], io, () => new Date('2027-01-15T00:00:00Z'), { s3 });
  return { code, out, err };
}

/** The two services on day n: the payments sample with mallory's finding on days 2 and 3, the Azure sample as it is. */
function servicesOn(n: number): CloudService[] {
  const [prod, , azure] = sampleServices(dayAt(n));
  const a = prod as CloudService;
  if (n === 2 || n === 3) {
    const status: CloudServiceStatus = { ...a.status, findings: [...(a.status?.findings ?? []), MALLORY] };
    return [{ ...a, status }, azure as CloudService];
  }
  return [a, azure as CloudService];
}

function uidOf(s: CloudService): string {
  return `uid-${s.metadata.name}`;
}

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { ...MOTO_CREDENTIALS }, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: LOCKED, ObjectLockEnabledForBucket: true }));
  const store = new ObjectLockEvidenceStore({ client: s3, bucket: LOCKED });
  const last = new Map<string, EvidenceRecord>();
  for (let n = 1; n <= 5; n++) {
    const services = servicesOn(n);
    snapshots.set(n, services);
    for (const s of services) {
      const uid = uidOf(s);
      const controls = s.status?.findings?.includes(MALLORY) ? CONTROLS.map((c, i) => (i === 0 ? { ...c, status: 'False' as const, findings: c.findings + 1 } : c)) : CONTROLS;
      const record = buildEvidenceRecord({
        service: { namespace: s.metadata.namespace ?? '', name: s.metadata.name ?? '', uid },
        generation: s.metadata.generation ?? 0,
        policy: POLICY,
        controls,
        spec: s.spec,
        status: s.status!,
        previous: last.get(uid) ?? null,
        clock: () => dayAt(n),
      });
      expect(shouldRecord(last.get(uid), record, dayAt(n))).toBe(true);
      keys.push(await store.append(record));
      last.set(uid, record);
    }
  }
});

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

function withoutHistory(model: ReportModel): ReportModel {
  const { history: _h, ...rest } = model;
  return { ...rest, services: rest.services.map(({ record: _r, ...s }) => s) } as ReportModel;
}

it('report --at day 3 is the report of the statuses then, mallory\'s finding (resolved today) included, each service naming its record', async () => {
  const { code, out, err } = await report(LOCKED, ['--at', date(3), '--format', 'json']);
  expect(err).toBe('');
  expect(code).toBe(0);
  const model = JSON.parse(out) as ReportModel;
  const asOf = new Date(`${date(3)}T23:59:59.999Z`);
  const then = (snapshots.get(3) as CloudService[]).map((s) => ({ ...s, metadata: { namespace: s.metadata.namespace, name: s.metadata.name, uid: uidOf(s), generation: s.metadata.generation } }));
  const expected = JSON.parse(JSON.stringify(buildReportModel({ services: then, policyName: 'default', organizationsNote: HISTORY_ORGANIZATIONS_NOTE, generatedAt: asOf }))) as ReportModel;
  expect(withoutHistory(model)).toEqual(expected);
  const payments = model.services.find((s) => s.name === 'aws-payments-prod');
  expect(payments?.findings.map((f) => f.resource)).toContain(MALLORY.resource);
  expect(payments?.record).toMatchObject({ sequence: 2, at: dayAt(3).toISOString(), key: `evidence/payments/aws-payments-prod/uid-aws-payments-prod/000000000002.json` });
  expect(model.history).toMatchObject({ asOf: asOf.toISOString(), chains: 2, recordsRead: 10, broken: [], skipped: [] });

  // every format renders the past pack; OSCAL observations name the record
  const md = await report(LOCKED, ['--at', date(3), '--format', 'md']);
  expect(md.out).toContain('## Evidence history');
  expect(md.out).toContain('Evidence record: `evidence/payments/aws-payments-prod/uid-aws-payments-prod/000000000002.json`');
  const html = await report(LOCKED, ['--at', date(3)]);
  expect(html.out).toContain('<section id="history">');
  const oscal = await report(LOCKED, ['--at', date(3), '--format', 'oscal']);
  expect(oscal.code).toBe(0);
  expect(oscal.out).toContain(`evidence/payments/aws-payments-prod/uid-aws-payments-prod/000000000002.json#sha256:${payments?.record?.hash}`);

  // day 1 before any record: nothing yet; today (day 5): resolved
  const today = JSON.parse((await report(LOCKED, ['--at', date(5), '--format', 'json'])).out) as ReportModel;
  expect(today.services.find((s) => s.name === 'aws-payments-prod')?.findings.map((f) => f.resource)).not.toContain(MALLORY.resource);
  const before = await report(LOCKED, ['--at', '2026-11-30', '--format', 'json']);
  expect((JSON.parse(before.out) as ReportModel).services).toEqual([]);
});

it('report --from day 1 --to day 5 lists mallory\'s finding opened on day 2 and resolved on day 4', async () => {
  const { code, out } = await report(LOCKED, ['--from', date(1), '--to', date(5), '--format', 'json']);
  expect(code).toBe(0);
  const model = JSON.parse(out) as ReportModel;
  const key = (n: number) => `evidence/payments/aws-payments-prod/uid-aws-payments-prod/${String(n - 1).padStart(12, '0')}.json`;
  expect(model.history?.period).toEqual([
    {
      service: 'collab/azure-m365-collab',
      findings: [],
    },
    {
      service: 'payments/aws-payments-prod',
      findings: [
        expect.objectContaining({ id: `${MALLORY.control}/${MALLORY.resource}`, severity: 'critical', opened: { at: dayAt(2).toISOString(), key: key(2) }, resolved: { at: dayAt(4).toISOString(), key: key(4) } }),
      ],
    },
  ]);
  const md = await report(LOCKED, ['--from', date(1), '--to', date(5), '--format', 'md']);
  expect(md.out).toContain('### Findings opened and resolved in the period');
  expect(md.out).toMatch(/mallory can write without MFA \| 2026-12-02 00:00 UTC .* \| 2026-12-04 00:00 UTC/);
});

it('a tampered copy (unlocked bucket, one record altered) makes report --at exit 1 naming the record', async () => {
  const TAMPERED = 'history-tampered';
  await s3.send(new CreateBucketCommand({ Bucket: TAMPERED }));
  const altered = keys.find((k) => k.endsWith('aws-payments-prod/uid-aws-payments-prod/000000000001.json')) as string;
  for (const key of keys) {
    const got = await s3.send(new GetObjectCommand({ Bucket: LOCKED, Key: key }));
    let body = (await got.Body?.transformToString('utf8')) ?? '';
    if (key === altered) body = body.replace('mallory can write without MFA', 'nothing to see');
    await s3.send(new PutObjectCommand({ Bucket: TAMPERED, Key: key, Body: body }));
  }
  const { code, err, out } = await report(TAMPERED, ['--at', date(3), '--format', 'json']);
  expect(code).toBe(1);
  expect(err).toContain(`hash: ${altered}: content does not match its hash (altered)`);
  const model = JSON.parse(out) as ReportModel;
  expect(model.services.map((s) => s.name)).not.toContain('aws-payments-prod');
  expect(model.history?.broken.map((b) => b.chain)).toContain('evidence/payments/aws-payments-prod/uid-aws-payments-prod');
});
