// The IaC hardening gate (pure): the resources a Pulumi program declares (captured
// under mocks by capture.ts) checked against the same policy the operator verifies on
// the live account, before anything is deployed. This module runs the rule checks
// (one gate-<rule>.ts per rule family, over the index in gate-context.ts) and orders
// what they found; gate-text.ts prints it.
//
// Rules (see README.md for the reasoning):
//   encryption-at-rest     EBS volumes `encrypted: true`; EC2 root / EBS block devices
//                          encrypted; RDS instances / clusters `storageEncrypted: true`;
//                          bucket SSE configurations use AES256 / aws:kms / aws:kms:dsse;
//                          Azure storage accounts do not declare a service's encryption off.
//                          A bucket without an SSE configuration is NOT a violation: S3
//                          encrypts every new object with SSE-S3 since January 2023 (a note
//                          says the bucket relies on it).
//   customer-managed-key   only when required (default: strictly-confidential, the policy
//                          default): a KMS key on volumes, databases and bucket SSE
//                          (aws:kms + kmsMasterKeyId); Key Vault keys on Azure storage and
//                          disks (disk encryption set).
//   no-public-access       every bucket has a public access block with all four flags (its
//                          own, or the account's declared in the program); no public canned
//                          ACL / grants; no bucket policy allowing "*" without a condition;
//                          RDS not publiclyAccessible; Azure storage `allowBlobPublicAccess:
//                          false` explicitly, no public blob containers, disks not exportable
//                          from any network.
//   allowed-region         each regional resource's region (its own `region` input in
//                          @pulumi/aws v7, else its provider's `region`, else the stack's
//                          `aws:region`; Azure: `location`, else the resource group's, else
//                          the provider's / `azure-native:location`) is in the allowed list.
//   region-declared        a provider whose region cannot be determined (no aws:region in
//                          the stack config, no region on the explicit provider): one
//                          violation per provider.
//   classification-tag     data stores and compute carry `classification` or
//                          `data-classification` equal to the classification (AWS provider
//                          `defaultTags` count, also `aws:defaultTags` in the stack config).

import { compareText } from '../controls/text.js';
import { checkClassificationTag } from './gate-classification-tag.js';
import { buildGateContext } from './gate-context.js';
import { checkEncryption } from './gate-encryption.js';
import { checkPublicAccess } from './gate-public-access.js';
import { checkRegion, regionDeclaredViolations } from './gate-regions.js';
import { GATE_RULES, type CapturedProgram, type GateFinding, type GateOptions, type GateResult, type GateRule } from './gate-types.js';
import { cloudOfType, isProviderType } from './resource-types.js';

/** Runs every rule on the program's custom resources; findings sorted by rule, then name, type and message. */
export function checkProgram(program: CapturedProgram, options: GateOptions): GateResult {
  const ctx = buildGateContext(program, options);
  const declared = program.resources.filter((r) => r.custom && !isProviderType(r.type));
  for (const r of declared) {
    const cloud = cloudOfType(r.type);
    if (cloud === undefined) continue;
    checkRegion(ctx, r, cloud);
    checkEncryption(ctx, r);
    checkPublicAccess(ctx, r);
    checkClassificationTag(ctx, r, cloud);
  }
  regionDeclaredViolations(ctx);
  const order = (a: GateFinding, b: GateFinding) =>
    GATE_RULES.indexOf(a.rule) - GATE_RULES.indexOf(b.rule) ||
    compareText(a.name, b.name) ||
    compareText(a.type, b.type) ||
    compareText(a.message, b.message);
  const violations = ctx.violations.sort(order);
  const counts = Object.fromEntries(GATE_RULES.map((rule) => [rule, violations.filter((v) => v.rule === rule).length])) as Record<GateRule, number>;
  return {
    passed: violations.length === 0,
    project: program.project,
    stack: program.stack,
    classification: options.classification,
    allowedRegions: [...options.allowedRegions],
    customerManagedKeys: ctx.options.customerManagedKeys,
    declared: declared.length,
    checked: ctx.checked.size,
    violations,
    notes: ctx.notes.sort(order),
    counts,
  };
}
