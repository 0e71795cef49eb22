// The gate's human-readable report (`cloudposture iac-check`, default format): one line
// per violation grouped by rule, the fix once per rule, the notes, PASS or FAIL.

import { GATE_RULES, type GateResult, type GateRule } from './gate-types.js';

/** The fix for each rule, printed once under its violations. */
export const RULE_REMEDIATION: Readonly<Record<GateRule, string>> = {
  'encryption-at-rest':
    'Set encrypted: true (EBS, EC2 block devices), storageEncrypted: true (RDS), a valid SSE algorithm on bucket encryption configurations, and leave Azure storage service encryption enabled.',
  'customer-managed-key':
    'Encrypt with a customer-managed key: kmsKeyId on volumes and databases, sseAlgorithm aws:kms with kmsMasterKeyId on buckets, keySource Microsoft.Keyvault on Azure storage, a disk encryption set on Azure disks.',
  'no-public-access':
    'Add an aws.s3.BucketPublicAccessBlock with all four flags true, remove public ACLs and "*" bucket policy grants, set publiclyAccessible: false on databases, allowBlobPublicAccess: false and publicAccess: None on Azure storage, networkAccessPolicy DenyAll / AllowPrivate on disks.',
  'allowed-region': 'Deploy into an allowed region: change the provider region (aws:region, aws.Provider region) or the resource location.',
  'region-declared':
    'Declare the region: set aws:region (azure-native:location) in Pulumi.<stack>.yaml, or give the explicit provider a region, so the deployment region does not depend on the environment.',
  'classification-tag':
    'Tag the resource with classification (or data-classification) set to the service classification; AWS provider defaultTags apply to every resource of that provider.',
};

/** Human-readable report: one line per finding, the fix once per rule. */
export function formatGateText(result: GateResult, durationMs?: number): string {
  const lines: string[] = [];
  const took = durationMs === undefined ? '' : ` in ${(durationMs / 1000).toFixed(1)} s`;
  lines.push(
    `cloudposture iac-check: project ${result.project}, stack ${result.stack}; classification ${result.classification}; allowed regions ${result.allowedRegions.join(', ')}${result.customerManagedKeys ? '; customer-managed keys required' : ''}`,
  );
  lines.push(`${result.declared} resources declared, ${result.checked} checked${took}.`);
  const rules = GATE_RULES.filter((rule) => result.counts[rule] > 0);
  for (const rule of rules) {
    lines.push('');
    lines.push(`${rule} (${result.counts[rule]}):`);
    for (const v of result.violations.filter((x) => x.rule === rule)) lines.push(`  ✗ ${v.type} "${v.name}": ${v.message}`);
    lines.push(`  fix: ${RULE_REMEDIATION[rule]}`);
  }
  if (result.notes.length > 0) {
    lines.push('');
    lines.push('notes:');
    for (const n of result.notes) lines.push(`  · ${n.type} "${n.name}": ${n.message}`);
  }
  lines.push('');
  lines.push(result.passed ? 'PASS: no violations.' : `FAIL: ${result.violations.length} violation${result.violations.length === 1 ? '' : 's'}.`);
  return `${lines.join('\n')}\n`;
}
