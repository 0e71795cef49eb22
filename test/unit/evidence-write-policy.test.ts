// The chart's evidence-bucket policy (files/aws-evidence-write-policy.json) must grant
// exactly what the evidence store calls, write and read back only, and deny every way of
// removing or unlocking a record.
import { readFileSync } from 'node:fs';

interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
}

const policy = JSON.parse(
  readFileSync(new URL('../../charts/cloud-posture-operator/files/aws-evidence-write-policy.json', import.meta.url), 'utf8'),
) as { Statement: Statement[] };
const storeSource = readFileSync(new URL('../../operator/src/evidence/object-lock-store.ts', import.meta.url), 'utf8');

/**
 * The IAM actions each S3 command of the store needs. PutObject with Object Lock
 * headers also needs PutObjectRetention; reading the retention headers back on
 * HeadObject needs GetObjectRetention.
 */
const ACTIONS_OF_COMMAND: Record<string, string[]> = {
  PutObject: ['s3:PutObject', 's3:PutObjectRetention'],
  GetObject: ['s3:GetObject'],
  HeadObject: ['s3:GetObject', 's3:GetObjectRetention'],
  ListObjectsV2: ['s3:ListBucket'],
};

function commandsOfStore(): string[] {
  const imports = /import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-s3'/.exec(storeSource);
  if (!imports) throw new Error('the store imports no S3 commands');
  return (imports[1] as string)
    .split(',')
    .map((s) => s.trim().replace(/^type\s+/, ''))
    .filter((s) => /Command$/.test(s))
    .map((s) => s.replace(/Command$/, ''));
}

const allowed = () => policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action);
const denied = () => policy.Statement.filter((s) => s.Effect === 'Deny').flatMap((s) => s.Action);

describe('aws-evidence-write-policy.json', () => {
  it('allows exactly the actions of the S3 commands the evidence store sends', () => {
    const commands = commandsOfStore();
    expect(commands.length).toBeGreaterThanOrEqual(4);
    const needed = new Set<string>();
    for (const command of commands) {
      const actions = ACTIONS_OF_COMMAND[command];
      if (!actions) throw new Error(`the store sends ${command}: add its IAM actions here and to the policy`);
      for (const a of actions) needed.add(a);
    }
    expect([...new Set(allowed())].sort()).toEqual([...needed].sort());
  });

  it('allows no delete, no unlock and no bucket change', () => {
    for (const action of allowed()) expect(action).not.toMatch(/Delete|Bypass|PutBucket|Lifecycle|LegalHold|\*/);
  });

  it('denies deleting, unlocking and re-configuring the bucket outright', () => {
    for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention', 's3:PutBucketObjectLockConfiguration', 's3:PutLifecycleConfiguration', 's3:PutBucketVersioning']) {
      expect(denied()).toContain(action);
    }
  });

  it('scopes writes and reads to the record prefix, listing to the bucket with that prefix', () => {
    for (const s of policy.Statement.filter((x) => x.Effect === 'Allow' && x.Action.some((a) => a !== 's3:ListBucket'))) {
      expect(s.Resource).toEqual(['arn:aws:s3:::EVIDENCE-BUCKET/EVIDENCE-PREFIX/*']);
    }
  });
});
