// The chart's least-privilege IAM policy against what real collections call: every
// operation in the call log of full collections (recorded by the counting middleware)
// must be granted, every granted action must be used, and with moto's IAM
// authorisation switched on a role holding exactly that policy can read the account.
import { readFileSync } from 'node:fs';

import { CreateOrganizationCommand, CreateOrganizationalUnitCommand, ListRootsCommand } from '@aws-sdk/client-organizations';

import {
  COMPLIANT_ACCOUNT_ID,
  SeedClients,
  createUser,
  seedCompliantAccount,
  seedDemoAccount,
  seedNonCompliantAccount,
  type SeededAccount,
} from '../harness/aws-seed.js';
import { MOTO_DEFAULT_ACCOUNT_ID, startMoto, type MotoServer } from '../harness/moto.js';
import { AwsInventoryCollector } from '../../operator/src/providers/aws/collector.js';
import { CALLER_SIDE_OPERATIONS, iamActionFor } from '../../operator/src/providers/aws/iam-actions.js';
import type { CollectTarget, StaticCredentials } from '../../operator/src/providers/types.js';

const policy = JSON.parse(
  readFileSync(new URL('../../charts/cloud-posture-operator/files/aws-readonly-policy.json', import.meta.url), 'utf8'),
) as { Statement: { Action: string[] }[] };
const granted = new Set(policy.Statement.flatMap((s) => s.Action));

/**
 * Granted but unreachable in moto: the SCP chain (ListParents, ListPoliciesForTarget,
 * DescribePolicy) is read only for member accounts, and moto cannot answer
 * Organizations reads from a member account.
 */
const NOT_REACHABLE_IN_MOTO = new Set(['organizations:ListParents', 'organizations:ListPoliciesForTarget', 'organizations:DescribePolicy']);

let moto: MotoServer;
let accounts: SeededAccount[];

function targetOf(s: SeededAccount, credentials: StaticCredentials = s.credentials): CollectTarget {
  return { provider: 'aws', account: s.account, allowedRegions: s.allowedRegions, credentials, ...(s.logVault ? { logVault: s.logVault } : {}) };
}

beforeAll(async () => {
  moto = await startMoto();
  accounts = [await seedCompliantAccount(moto.endpoint), await seedNonCompliantAccount(moto.endpoint), await seedDemoAccount(moto.endpoint)];
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

describe('least-privilege policy vs the call log', () => {
  const called = new Map<string, Set<string>>(); // operation -> codes
  beforeAll(async () => {
    const collector = new AwsInventoryCollector({
      endpoint: moto.endpoint,
      reportPollIntervalMs: 50,
      onApiCall: (_p, op, code) => {
        if (!called.has(op)) called.set(op, new Set());
        called.get(op)?.add(code);
      },
    });
    for (const a of accounts) {
      const r = await collector.collect(targetOf(a));
      expect(r.ok).toBe(true);
    }
    // and once without declared regions (DescribeRegions) and without a role
    const demo = accounts[2] as SeededAccount;
    const r = await collector.collect({ ...targetOf(demo), account: { aws: { accountId: demo.accountId } } });
    expect(r.ok).toBe(true);
    // and, last, one organisation discovery pass from the demo account as the management
    // account of an organisation with an OU (later tests collect only the compliant account)
    const management = new SeedClients(moto.endpoint, demo.accountId).organizations();
    await management.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const root = (await management.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
    await management.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'workloads' }));
    const listing = await collector.listOrganizationAccounts(targetOf(demo));
    expect(listing.gaps).toEqual([]);
    expect(listing.items.map((i) => i.id)).toContain(demo.accountId);
  }, 120_000);

  it('every operation called is granted by the policy', () => {
    const missing = [...called.keys()].filter((op) => !CALLER_SIDE_OPERATIONS.has(op) && !granted.has(iamActionFor(op)));
    expect(missing).toEqual([]);
  });

  it('every granted action is used (no unused grants)', () => {
    const used = new Set([...called.keys()].filter((op) => !CALLER_SIDE_OPERATIONS.has(op)).map(iamActionFor));
    const unused = [...granted].filter((a) => !used.has(a) && !NOT_REACHABLE_IN_MOTO.has(a));
    expect(unused).toEqual([]);
  });
});

describe('with moto IAM authorisation, a role holding exactly the policy', () => {
  it('reads the account; only the S3 calls moto authorises under non-AWS action names are refused', async () => {
    const compliant = accounts.find((a) => a.accountId === COMPLIANT_ACCOUNT_ID) as SeededAccount;
    const operator = (await createUser(new SeedClients(moto.endpoint, MOTO_DEFAULT_ACCOUNT_ID), 'operator', {
      accessKey: true,
      inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] },
    })) as StaticCredentials;
    const denied = new Set<string>();
    await moto.setAuth(0);
    try {
      const r = await new AwsInventoryCollector({
        endpoint: moto.endpoint,
        reportPollIntervalMs: 50,
        onApiCall: (_p, op, code) => {
          if (code === 'AccessDenied' || code === 'Http403') denied.add(op);
        },
      }).collect(targetOf(compliant, operator));
      expect(r.ok).toBe(true);
      // moto 5.2.1 authorises GetBucketEncryption as s3:ListBucket, bucket
      // GetPublicAccessBlock as s3:GetPublicAccessBlock and the S3 Control account
      // block under yet another name; AWS uses s3:GetEncryptionConfiguration,
      // s3:GetBucketPublicAccessBlock and s3:GetAccountPublicAccessBlock (granted).
      expect([...denied].sort()).toEqual(['S3:GetBucketEncryption', 'S3:GetPublicAccessBlock', 'S3Control:GetPublicAccessBlock']);
      if (r.ok) {
        expect(r.inventory.gaps.map((g) => g.area).sort()).toEqual(['encryption', 'exposure']);
        expect(r.inventory.identities.length).toBeGreaterThan(1);
        expect(r.inventory.auditTrails).toHaveLength(1);
      }
    } finally {
      await moto.setAuth('off');
    }
  });
});
