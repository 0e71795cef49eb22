// The chart's least-privilege policy must list exactly the actions the collector can
// call, and only read-only ones. (test/integration/aws-policy.test.ts checks the same
// against the call log of real collections.)
import { readFileSync } from 'node:fs';

import { iamActionFor } from '../../operator/src/providers/aws/iam-actions.js';
import { READ_ONLY_VERB } from '../../operator/src/providers/aws/privilege.js';

const policyPath = new URL('../../charts/cloud-posture-operator/files/aws-readonly-policy.json', import.meta.url);
/** The collector and its service modules: every SDK command of a collection is imported by one of them. */
const collectorPaths = ['collector', 'iam', 'ec2', 'rds', 's3', 'cloudtrail', 'organizations', 'organization-accounts'].map(
  (module) => new URL(`../../operator/src/providers/aws/${module}.ts`, import.meta.url),
);

const SERVICE_OF_PACKAGE: Record<string, string> = {
  'client-iam': 'IAM',
  'client-sts': 'STS',
  'client-ec2': 'EC2',
  'client-s3': 'S3',
  'client-s3-control': 'S3Control',
  'client-rds': 'RDS',
  'client-cloudtrail': 'CloudTrail',
  'client-organizations': 'Organizations',
};

function policyActions(): string[] {
  const doc = JSON.parse(readFileSync(policyPath, 'utf8')) as { Statement: { Effect: string; Action: string[]; Resource: string }[] };
  return doc.Statement.flatMap((s) => {
    expect(s.Effect).toBe('Allow');
    return s.Action;
  });
}

/** `<Service>:<Operation>` for every SDK command the collector imports. */
function operationsImportedByCollector(): string[] {
  const src = collectorPaths.map((path) => readFileSync(path, 'utf8')).join('\n');
  const ops: string[] = [];
  for (const m of src.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[a-z0-9-]+)'/g)) {
    const service = SERVICE_OF_PACKAGE[m[2] as string];
    if (!service) throw new Error(`unmapped package ${m[2]}`);
    for (const item of (m[1] as string).split(',')) {
      const name = item.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]?.trim();
      if (name && /^[A-Z]\w*Command$/.test(name)) ops.push(`${service}:${name.replace(/Command$/, '')}`);
    }
  }
  return ops;
}

describe('aws-readonly-policy.json', () => {
  it('grants only read-only actions, without wildcards', () => {
    for (const action of policyActions()) {
      expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
      expect(READ_ONLY_VERB.test(action.split(':')[1] as string)).toBe(true);
    }
  });

  it('lists exactly the actions of the operations the collector calls', () => {
    const ops = operationsImportedByCollector();
    expect(ops.length).toBeGreaterThan(20);
    const needed = [...new Set(ops.map(iamActionFor))].sort();
    const granted = [...new Set(policyActions())].sort();
    expect(granted).toEqual(needed);
    expect(policyActions()).toHaveLength(granted.length); // no duplicates
  });

  it('maps the renamed S3 operations to their IAM actions', () => {
    expect(iamActionFor('S3:ListBuckets')).toBe('s3:ListAllMyBuckets');
    expect(iamActionFor('S3:GetBucketEncryption')).toBe('s3:GetEncryptionConfiguration');
    expect(iamActionFor('S3:GetPublicAccessBlock')).toBe('s3:GetBucketPublicAccessBlock');
    expect(iamActionFor('S3Control:GetPublicAccessBlock')).toBe('s3:GetAccountPublicAccessBlock');
    expect(iamActionFor('EC2:DescribeVolumes')).toBe('ec2:DescribeVolumes');
    expect(() => iamActionFor('Lambda:ListFunctions')).toThrow();
  });
});
