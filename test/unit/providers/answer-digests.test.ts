// The digest of a cloud API answer (providers/answers.ts): the AWS client middleware and
// the Azure pipeline policy hash the canonical JSON of the parsed body, so key order
// on the wire does not change it and a different answer does; the log is bounded.
import { Readable } from 'node:stream';

import { GetAccountSummaryCommand, GetCredentialReportCommand, IAMClient } from '@aws-sdk/client-iam';

import { canonicalJson, sha256Hex } from '../../../operator/src/inventory/canonical-json.js';
import { AnswerLog, MAX_ANSWERS, textAnswerDigest } from '../../../operator/src/providers/answers.js';
import { answeringPlugin } from '../../../operator/src/providers/aws/clients.js';
import { answeringPolicy, armOperation } from '../../../operator/src/providers/azure/calls.js';

const AT = new Date('2026-09-30T12:00:00.000Z');

function xml(members: Array<[string, number]>): string {
  const entries = members.map(([k, v]) => `<entry><key>${k}</key><value>${v}</value></entry>`).join('\n      ');
  return `<GetAccountSummaryResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetAccountSummaryResult>
    <SummaryMap>
      ${entries}
    </SummaryMap>
  </GetAccountSummaryResult>
  <ResponseMetadata><RequestId>${Math.random()}</RequestId></ResponseMetadata>
</GetAccountSummaryResponse>`;
}

/** An IAM client whose every call is answered with `body` (status 200), its answers in `log`. */
function iamAnswering(body: string, log: AnswerLog, status = 200): IAMClient {
  const client = new IAMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: async () => ({ response: { statusCode: status, headers: { 'content-type': 'text/xml' }, body: Readable.from([Buffer.from(body)]) } }),
    } as never,
  });
  client.middlewareStack.use(answeringPlugin(log, 'us-east-1') as never);
  return client;
}

describe('AWS: the answer middleware', () => {
  it('hashes the canonical JSON of the deserialized answer (without $metadata), with status, region and account', async () => {
    const log = new AnswerLog('aws', '111111111111', () => AT);
    const out = await iamAnswering(xml([['Users', 3], ['AccountMFAEnabled', 1]]), log).send(new GetAccountSummaryCommand({}));
    const { $metadata: _m, ...body } = out;
    expect(body).toEqual({ SummaryMap: { Users: 3, AccountMFAEnabled: 1 } });
    expect(log.list()).toEqual([
      {
        provider: 'aws',
        operation: 'IAM:GetAccountSummary',
        area: 'identities',
        account: '111111111111',
        region: 'us-east-1',
        at: AT.toISOString(),
        status: 200,
        sha256: sha256Hex(canonicalJson({ SummaryMap: { AccountMFAEnabled: 1, Users: 3 } })),
      },
    ]);
  });

  it('the order of the keys on the wire does not change the digest; another answer does', async () => {
    const log = new AnswerLog('aws', '111111111111', () => AT);
    await iamAnswering(xml([['Users', 3], ['AccountMFAEnabled', 1]]), log).send(new GetAccountSummaryCommand({}));
    await iamAnswering(xml([['AccountMFAEnabled', 1], ['Users', 3]]), log).send(new GetAccountSummaryCommand({}));
    await iamAnswering(xml([['AccountMFAEnabled', 0], ['Users', 3]]), log).send(new GetAccountSummaryCommand({}));
    const [a, b, c] = log.list().map((x) => x.sha256);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('a document returned as bytes (the credential report CSV) is hashed as its raw bytes', async () => {
    const csv = 'user,arn,user_creation_time\n<root_account>,arn:aws:iam::111111111111:root,2026-01-01T00:00:00+00:00\n';
    const body = `<GetCredentialReportResponse><GetCredentialReportResult><Content>${Buffer.from(csv).toString('base64')}</Content><ReportFormat>text/csv</ReportFormat><GeneratedTime>2026-09-30T11:00:00Z</GeneratedTime></GetCredentialReportResult></GetCredentialReportResponse>`;
    const log = new AnswerLog('aws', '111111111111', () => AT);
    await iamAnswering(body, log).send(new GetCredentialReportCommand({}));
    expect(log.list()[0]).toMatchObject({ operation: 'IAM:GetCredentialReport', status: 200, sha256: sha256Hex(Buffer.from(csv)) });
  });

  it('a refused call records its HTTP status and the digest of the parsed error', async () => {
    const body = '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message></Error><RequestId>r1</RequestId></ErrorResponse>';
    const log = new AnswerLog('aws', '111111111111', () => AT);
    await expect(iamAnswering(body, log, 403).send(new GetAccountSummaryCommand({}))).rejects.toThrow('not allowed');
    expect(log.list()).toEqual([expect.objectContaining({ operation: 'IAM:GetAccountSummary', status: 403, sha256: sha256Hex(canonicalJson({ code: 'AccessDenied', message: 'not allowed' })) })]);
  });
});

describe('Azure: the answer policy', () => {
  type Policy = ReturnType<typeof answeringPolicy>['policy'];
  async function answer(policy: Policy, status: number, bodyAsText: string): Promise<void> {
    const request = { url: 'https://management.azure.com/subscriptions/s1/providers/Microsoft.Compute/disks?api-version=2024-03-02', method: 'GET' };
    await policy.sendRequest(request as never, async () => ({ status, bodyAsText, headers: {} as never, request: request as never }));
  }

  it('hashes the canonical JSON of the body; key order does not change it, another body does', async () => {
    const log = new AnswerLog('azure', 'sub-1', () => AT);
    const { policy } = answeringPolicy(log, armOperation);
    await answer(policy, 200, '{"value":[{"name":"d1","location":"westeurope"}]}');
    await answer(policy, 200, '{ "value": [ { "location": "westeurope", "name": "d1" } ] }');
    await answer(policy, 200, '{"value":[{"name":"d1","location":"eastus"}]}');
    const answers = log.list();
    expect(answers[0]).toEqual({
      provider: 'azure',
      operation: 'ARM:disks.list',
      area: 'resources',
      account: 'sub-1',
      at: AT.toISOString(),
      status: 200,
      sha256: sha256Hex(canonicalJson({ value: [{ location: 'westeurope', name: 'd1' }] })),
    });
    expect(answers[1]!.sha256).toBe(answers[0]!.sha256);
    expect(answers[2]!.sha256).not.toBe(answers[0]!.sha256);
  });

  it('an error answer is hashed too, and a body that is not JSON as its bytes', async () => {
    const log = new AnswerLog('azure', 'sub-1', () => AT);
    const { policy } = answeringPolicy(log, armOperation);
    await answer(policy, 403, '{"error":{"code":"AuthorizationFailed","message":"no"}}');
    await answer(policy, 502, 'Bad gateway');
    expect(log.list().map((a) => [a.status, a.sha256])).toEqual([
      [403, sha256Hex(canonicalJson({ error: { code: 'AuthorizationFailed', message: 'no' } }))],
      [502, sha256Hex('Bad gateway')],
    ]);
    expect(textAnswerDigest('')).toBe(sha256Hex(''));
  });
});

describe('the answer log', () => {
  it('keeps at most its bound and counts the rest', () => {
    const log = new AnswerLog('aws', '111111111111', () => AT, 3);
    for (let i = 0; i < 5; i++) log.record({ operation: 'EC2:DescribeVolumes', status: 200, sha256: sha256Hex(String(i)) });
    expect(log.list()).toHaveLength(3);
    expect(log.omitted).toBe(2);
    expect(MAX_ANSWERS).toBe(2_000);
    expect(new AnswerLog('aws', '1').list()).toEqual([]);
  });
});
