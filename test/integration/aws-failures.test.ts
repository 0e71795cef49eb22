// How the AWS collector fails: unreachable endpoint, no / invalid credentials, access
// denied (moto's IAM authorisation switched on), throttling (a local proxy in front of
// moto that answers IAM requests with ThrottlingException). A failed read is never a
// finding: whole failures carry a reason, partial ones become gaps.
import { createServer, request, type Server } from 'node:http';

import {
  EXTERNAL_ID,
  SeedClients,
  createReadRole,
  createUser,
  readonlyPolicyDocument,
} from '../harness/aws-seed.js';
import { MOTO_CREDENTIALS, MOTO_DEFAULT_ACCOUNT_ID, freeLoopbackPort, startMoto, type MotoServer } from '../harness/moto.js';
import type { InventoryResult } from '../../operator/src/inventory/types.js';
import { AwsInventoryCollector, type AwsCollectorOptions } from '../../operator/src/providers/aws/collector.js';
import type { CollectTarget, StaticCredentials } from '../../operator/src/providers/types.js';

let moto: MotoServer;

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETzz';

function target(credentials?: StaticCredentials, roleArn?: string): CollectTarget {
  return {
    provider: 'aws',
    account: { aws: { accountId: MOTO_DEFAULT_ACCOUNT_ID, regions: ['eu-west-1'], ...(roleArn ? { roleArn, externalId: EXTERNAL_ID } : {}) } },
    allowedRegions: ['eu-west-1'],
    ...(credentials ? { credentials } : {}),
  };
}

function collector(opts: AwsCollectorOptions & { calls?: string[] } = {}): AwsInventoryCollector {
  const { calls, ...rest } = opts;
  return new AwsInventoryCollector({
    endpoint: moto.endpoint,
    reportPollIntervalMs: 50,
    ...(calls ? { onApiCall: (_p: string, op: string, code: string) => void calls.push(`${op} ${code}`) } : {}),
    ...rest,
  });
}

function expectFailure(r: InventoryResult, reason: string): string {
  expect(r.ok).toBe(false);
  if (r.ok) return '';
  expect(r.failure).toMatchObject({ reason });
  expect(r.failure.message).not.toContain(SECRET);
  expect(r.failure.message).not.toMatch(/AKIA[A-Z0-9]{12,}/);
  return r.failure.message;
}

beforeAll(async () => {
  moto = await startMoto();
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

describe('unreachable and missing credentials', () => {
  it('a closed port gives AccountUnreachable', async () => {
    const port = await freeLoopbackPort();
    const calls: string[] = [];
    const r = await collector({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 2, calls }).collect(
      target({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET }),
    );
    expect(expectFailure(r, 'AccountUnreachable')).toContain('ECONNREFUSED');
    expect(calls).toEqual(['STS:GetCallerIdentity ECONNREFUSED', 'STS:GetCallerIdentity ECONNREFUSED']);
  });

  it('no credentials anywhere gives CredentialsMissing', async () => {
    const keys = [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_ROLE_ARN',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_CONFIG_FILE',
      'AWS_SHARED_CREDENTIALS_FILE',
      'AWS_EC2_METADATA_DISABLED',
    ];
    const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
    try {
      for (const k of keys) delete process.env[k];
      process.env.AWS_CONFIG_FILE = '/nonexistent/cloudposture/config';
      process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/cloudposture/credentials';
      process.env.AWS_EC2_METADATA_DISABLED = 'true';
      const calls: string[] = [];
      const r = await collector({ calls }).collect(target());
      expectFailure(r, 'CredentialsMissing');
      expect(calls).toEqual([]);
    } finally {
      for (const k of keys) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});

/** A proxy in front of moto that answers the first `times` IAM requests with Throttling. */
async function throttlingProxy(upstream: string, times: number): Promise<{ endpoint: string; throttled: () => number; close: () => Promise<void> }> {
  let left = times;
  let throttled = 0;
  const up = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (/\/iam\/aws4_request/.test(req.headers.authorization ?? '') && left > 0) {
        left--;
        throttled++;
        res.writeHead(400, { 'content-type': 'text/xml', 'x-amzn-requestid': 'throttled' });
        res.end(
          '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>' +
            '<Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>throttled</RequestId></ErrorResponse>',
        );
        return;
      }
      const p = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (pres) => {
        res.writeHead(pres.statusCode ?? 502, pres.headers);
        pres.pipe(res);
      });
      p.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      p.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    throttled: () => throttled,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('throttling (adaptive retries)', () => {
  it('retries throttled IAM calls and then succeeds', async () => {
    const proxy = await throttlingProxy(moto.endpoint, 2);
    try {
      const calls: string[] = [];
      const r = await collector({ endpoint: proxy.endpoint, calls }).collect(target({ ...MOTO_CREDENTIALS }));
      expect(r.ok).toBe(true);
      expect(proxy.throttled()).toBe(2);
      expect(calls.filter((c) => c.endsWith(' Throttling'))).toHaveLength(2);
      if (r.ok) {
        expect(r.inventory.gaps).toEqual([]);
        expect(r.inventory.apiCalls).toBe(calls.length); // retries count as calls
      }
    } finally {
      await proxy.close();
    }
  });

  it('gives Throttled when IAM keeps throttling after the retries', async () => {
    const proxy = await throttlingProxy(moto.endpoint, Number.POSITIVE_INFINITY);
    try {
      const calls: string[] = [];
      const r = await collector({ endpoint: proxy.endpoint, maxAttempts: 3, calls }).collect(target({ ...MOTO_CREDENTIALS }));
      expect(expectFailure(r, 'Throttled')).toContain('Throttling');
      expect(calls.filter((c) => c === 'IAM:GenerateCredentialReport Throttling')).toHaveLength(3);
    } finally {
      await proxy.close();
    }
  });
});

describe('with moto IAM authorisation', () => {
  let operator: StaticCredentials;
  let noAssume: StaticCredentials;
  let noEc2Role: string;
  let noReportRole: string;

  beforeAll(async () => {
    const c = new SeedClients(moto.endpoint, MOTO_DEFAULT_ACCOUNT_ID);
    const assume = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] };
    operator = (await createUser(c, 'cloudposture-operator', { accessKey: true, inlinePolicy: assume })) as StaticCredentials;
    noAssume = (await createUser(c, 'not-allowed-to-assume', {
      accessKey: true,
      inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }] },
    })) as StaticCredentials;
    const policy = JSON.parse(readonlyPolicyDocument()) as { Statement: { Action: string[] }[] };
    const without = (pred: (a: string) => boolean) =>
      JSON.stringify({ ...policy, Statement: policy.Statement.map((s) => ({ ...s, Action: s.Action.filter((a) => !pred(a)) })) });
    // moto checks a same-account role's trust policy against the exact caller ARN
    const trusted = `arn:aws:iam::${MOTO_DEFAULT_ACCOUNT_ID}:user/cloudposture-operator`;
    noEc2Role = await createReadRole(c, {
      policy: without((a) => a.startsWith('ec2:') || a.startsWith('rds:')),
      roleName: 'reader-without-ec2',
      trustedPrincipal: trusted,
    });
    noReportRole = await createReadRole(c, {
      policy: without((a) => a.includes('CredentialReport')),
      roleName: 'reader-without-report',
      trustedPrincipal: trusted,
    });
    await moto.setAuth(0);
  });

  afterAll(async () => {
    await moto.setAuth('off');
  });

  it('unknown keys give CredentialsInvalid', async () => {
    const r = await collector().collect(target({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET }));
    expectFailure(r, 'CredentialsInvalid');
  });

  it('a denied AssumeRole fails the whole collection with AccessDenied', async () => {
    const r = await collector().collect(target(noAssume, noEc2Role));
    expectFailure(r, 'AccessDenied');
  });

  it('a denied credential report fails the whole collection with AccessDenied', async () => {
    const calls: string[] = [];
    const r = await collector({ calls }).collect(target(operator, noReportRole));
    expect(expectFailure(r, 'AccessDenied')).toContain('iam:GetCredentialReport');
    expect(calls).toContain('IAM:GenerateCredentialReport AccessDenied');
  });

  it('one denied area becomes a gap; the rest is collected', async () => {
    const calls: string[] = [];
    const r = await collector({ calls }).collect(target(operator, noEc2Role));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const gaps = Object.fromEntries(r.inventory.gaps.map((g) => [g.area, g]));
    // The gap names the first three denied reads in the order their answers came (the
    // reads run concurrently), and counts the rest; DescribeInstances was one of them.
    expect(gaps.resources).toMatchObject({ reason: 'AccessDenied', message: expect.stringMatching(/^(ec2:Describe\w+|rds:DescribeDB\w+) in [a-z0-9-]+: AccessDenied/) });
    expect(calls).toContain('EC2:DescribeInstances AccessDenied');
    expect(gaps.encryption?.reason).toBe('AccessDenied'); // EBS default encryption
    expect(gaps.identities).toBeUndefined();
    expect(r.inventory.identities.map((i) => i.name)).toEqual(
      expect.arrayContaining(['root', 'cloudposture-operator', 'not-allowed-to-assume']),
    );
    expect(r.inventory.guardrails.defaultVolumeEncryption).toEqual({});
  });
});
