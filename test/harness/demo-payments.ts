// The live account behind the demo's best AWS sample, aws-payments-prod (moto's default
// account 123456789012), kept clean so the demo shows what good looks like on AWS: every
// control that moto can show passes, and the demo names the two moto cannot
// (root MFA, an SCP region guardrail). The trouble the demo also shows (a hand-made
// firewall change, a break-glass sign-in, resources beside the IaC stack) lives in the
// marketing sandbox instead (demo-accounts.ts).
//
// - users: ops-admin (admin via group, console, virtual MFA), break-glass-admin (admin,
//   console, hardware MFA; the sample's break-glass identity), deploy-bot (access key,
//   s3:PutObject on the data bucket, no console);
// - eu-west-1: the data bucket payments-data and the Pulumi state bucket, both with a
//   customer-managed KMS key and public access blocked; the account public access block
//   on; EBS encryption by default in both allowed regions;
// - a multi-region trail, logging, delivering to the log vault acme-org-audit-log-vault
//   in the vault account 999988887777 (off-platform), whose files the change log reads;
// - a Pulumi checkpoint declaring exactly those buckets, so InSync is True.

import { EnableEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SeedClients, blockAccountPublicAccess, createBucket, createGroup, createReadRole, createTrail, createUser, trailBucketPolicy } from './aws-seed.js';
import { MOTO_DEFAULT_ACCOUNT_ID } from './moto.js';

export const PAYMENTS_ACCOUNT_ID = MOTO_DEFAULT_ACCOUNT_ID;
export const LOG_VAULT_ACCOUNT = '999988887777';
export const LOG_VAULT_BUCKET = 'acme-org-audit-log-vault';
const REGION = 'eu-west-1';
const KMS_KEY = `arn:aws:kms:${REGION}:${PAYMENTS_ACCOUNT_ID}:key/8f1c2d3e-4b5a-6978-8a9b-123456789012`;
/** What the sample declares (crds/samples/aws-compliant.yaml spec.iac.pulumi). */
const STATE = { bucket: 'acme-pulumi-state', key: '.pulumi/stacks/payments/prod.json', stack: 'acme/payments/prod' };
const BUCKETS = ['payments-data', STATE.bucket];

export async function seedPaymentsProdAccount(endpoint: string): Promise<void> {
  const c = new SeedClients(endpoint, PAYMENTS_ACCOUNT_ID);
  const vault = new SeedClients(endpoint, LOG_VAULT_ACCOUNT);
  await createReadRole(c);
  await createGroup(c, 'platform-admins', { managedPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'] });
  await createUser(c, 'ops-admin', { password: true, mfa: 'virtual', groups: ['platform-admins'] });
  await createUser(c, 'break-glass-admin', { password: true, mfa: 'hardware', managedPolicies: ['arn:aws:iam::aws:policy/AdministratorAccess'] });
  await createUser(c, 'deploy-bot', {
    accessKey: true,
    inlinePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: 'arn:aws:s3:::payments-data/*' }] },
  });
  for (const bucket of BUCKETS) await createBucket(c, bucket, REGION, { encryption: { kmsKeyId: KMS_KEY }, blockPublicAccess: true });
  await blockAccountPublicAccess(c);
  for (const region of ['eu-west-1', 'eu-central-1']) await c.ec2(region).send(new EnableEbsEncryptionByDefaultCommand({}));
  await createBucket(vault, LOG_VAULT_BUCKET, REGION, { encryption: 'AES256', blockPublicAccess: true, policy: trailBucketPolicy(LOG_VAULT_BUCKET, PAYMENTS_ACCOUNT_ID) });
  await createTrail(c, REGION, 'payments-audit', LOG_VAULT_BUCKET, { multiRegion: true, logging: true });
  await c.s3(REGION).send(new PutObjectCommand({ Bucket: STATE.bucket, Key: STATE.key, Body: JSON.stringify(checkpoint()) }));
}

/** A Pulumi checkpoint (version 3) declaring the buckets above with what was applied to them. */
function checkpoint(): object {
  const at = '2026-10-02T09:14:27.481516Z';
  const stackUrn = 'urn:pulumi:prod::payments::pulumi:pulumi:Stack::payments-prod';
  const provider = 'urn:pulumi:prod::payments::pulumi:providers:aws::default_7_48_0';
  const providerRef = `${provider}::5b0c7a1e-3f2d-4c8b-9a6e-1d2f3a4b5c6d`;
  const child = (type: string, name: string, id: string, outputs: object) => ({
    urn: `urn:pulumi:prod::payments::${type}::${name}`,
    custom: true,
    id,
    type,
    parent: stackUrn,
    provider: providerRef,
    inputs: outputs,
    outputs,
    created: at,
    modified: at,
  });
  const resources: object[] = [
    { urn: stackUrn, custom: false, type: 'pulumi:pulumi:Stack', outputs: { dataBucket: 'payments-data' }, created: at, modified: at },
    { urn: provider, custom: true, id: '5b0c7a1e-3f2d-4c8b-9a6e-1d2f3a4b5c6d', type: 'pulumi:providers:aws', inputs: { region: REGION, version: '7.48.0' }, outputs: { region: REGION, version: '7.48.0' }, created: at, modified: at },
  ];
  for (const bucket of BUCKETS) {
    resources.push(
      child('aws:s3/bucket:Bucket', bucket, bucket, { bucket, arn: `arn:aws:s3:::${bucket}`, region: REGION, id: bucket }),
      child('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', `${bucket}-block`, bucket, {
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
        id: bucket,
        region: REGION,
      }),
      child('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', `${bucket}-sse`, bucket, {
        bucket,
        id: bucket,
        region: REGION,
        rules: [{ applyServerSideEncryptionByDefault: { kmsMasterKeyId: KMS_KEY, sseAlgorithm: 'aws:kms' }, bucketKeyEnabled: true }],
      }),
    );
  }
  return {
    version: 3,
    checkpoint: {
      stack: STATE.stack.replace(/^[^/]+\//, 'organization/'),
      latest: { manifest: { time: at, magic: '', version: 'v3.205.0' }, resources },
    },
  };
}
