// The gate's encryption rules: encryption-at-rest (volumes, instance block devices,
// databases, bucket SSE configurations, Azure storage services) and, when required,
// customer-managed-key (a KMS / Key Vault key instead of the provider-managed one).

import { type GateContext, note, violation } from './gate-context.js';
import type { CapturedResource } from './gate-types.js';
import {
  AWS_BUCKET_TYPES,
  AWS_DB_CLUSTER_TYPE,
  AWS_DB_INSTANCE_TYPE,
  AWS_INSTANCE_TYPE,
  AWS_VOLUME_TYPE,
  AZURE_DISK_TYPE,
  AZURE_STORAGE_ACCOUNT_TYPE,
  type Props,
  asArray,
  asBool,
  asRecord,
  asString,
  azureDiskCustomerKey,
  azureStorageCustomerKey,
  azureStorageEncryptionOff,
  isRecord,
} from './resource-types.js';

const VALID_SSE = ['AES256', 'aws:kms', 'aws:kms:dsse'];

export function checkEncryption(ctx: GateContext, r: CapturedResource): void {
  const cmk = ctx.options.customerManagedKeys;
  const i = r.inputs;
  if (r.type === AWS_VOLUME_TYPE) {
    if (asBool(i.encrypted) !== true) violation(ctx, r, 'encryption-at-rest', 'EBS volume is not encrypted (encrypted: true missing)');
    else if (cmk && !asString(i.kmsKeyId)) violation(ctx, r, 'customer-managed-key', 'EBS volume is encrypted with the AWS managed key (no kmsKeyId)');
    ctx.checked.add(r.urn);
  } else if (r.type === AWS_DB_INSTANCE_TYPE || r.type === AWS_DB_CLUSTER_TYPE) {
    if (asBool(i.storageEncrypted) !== true) violation(ctx, r, 'encryption-at-rest', 'database storage is not encrypted (storageEncrypted: true missing)');
    else if (cmk && !asString(i.kmsKeyId)) violation(ctx, r, 'customer-managed-key', 'database storage uses the AWS managed key (no kmsKeyId)');
    ctx.checked.add(r.urn);
  } else if (r.type === AWS_INSTANCE_TYPE) {
    const root = asRecord(i.rootBlockDevice);
    const devices = [root, ...asArray(i.ebsBlockDevices).map(asRecord)];
    const unencrypted = devices.filter((d) => asBool(d?.encrypted) !== true).length;
    if (unencrypted > 0) {
      violation(ctx, r, 'encryption-at-rest', `${unencrypted === 1 && devices.length === 1 ? 'root volume is' : `${unencrypted} block device(s) are`} not encrypted (rootBlockDevice / ebsBlockDevices encrypted: true missing)`);
    }
    ctx.checked.add(r.urn);
  } else if (AWS_BUCKET_TYPES.includes(r.type)) {
    checkBucketEncryption(ctx, r, cmk);
  } else if (r.type === AZURE_STORAGE_ACCOUNT_TYPE) {
    const off = azureStorageEncryptionOff(i.encryption);
    if (off.length > 0) violation(ctx, r, 'encryption-at-rest', `storage account declares encryption off for ${off.join(', ')}`);
    if (cmk && !azureStorageCustomerKey(i.encryption)) {
      violation(ctx, r, 'customer-managed-key', 'storage account uses Microsoft-managed keys (encryption.keySource is not Microsoft.Keyvault)');
    }
    ctx.checked.add(r.urn);
  } else if (r.type === AZURE_DISK_TYPE) {
    if (cmk && !azureDiskCustomerKey(i.encryption)) {
      violation(ctx, r, 'customer-managed-key', 'managed disk uses a platform-managed key (no disk encryption set)');
    }
    ctx.checked.add(r.urn);
  }
}

function sseRules(config: Props): Props[] {
  return asArray(config.rules)
    .map((rule) => (isRecord(rule) ? asRecord(rule.applyServerSideEncryptionByDefault) : undefined))
    .filter((x): x is Props => x !== undefined);
}

function checkBucketEncryption(ctx: GateContext, r: CapturedResource, cmk: boolean): void {
  ctx.checked.add(r.urn);
  const inline = asRecord(r.inputs.serverSideEncryptionConfiguration);
  const configs = [...(ctx.byBucket.get(r.id)?.sse ?? []), ...(inline ? [inline] : [])];
  const rules = configs.flatMap(sseRules);
  if (rules.length === 0) {
    if (cmk) violation(ctx, r, 'customer-managed-key', 'bucket has no SSE configuration with a KMS key (relies on S3 default SSE-S3)');
    else note(ctx, r, 'encryption-at-rest', 'no SSE configuration: relies on S3 default encryption (SSE-S3, on for every bucket since January 2023)');
    return;
  }
  for (const rule of rules) {
    const algorithm = asString(rule.sseAlgorithm);
    if (!algorithm || !VALID_SSE.includes(algorithm)) {
      violation(ctx, r, 'encryption-at-rest', `SSE configuration has algorithm ${algorithm ?? '(none)'}, not one of ${VALID_SSE.join(', ')}`);
    } else if (cmk && (algorithm === 'AES256' || !asString(rule.kmsMasterKeyId))) {
      violation(ctx, r, 'customer-managed-key', `SSE configuration uses ${algorithm === 'AES256' ? 'S3-managed keys (AES256)' : 'the AWS managed aws/s3 key (no kmsMasterKeyId)'}`);
    }
  }
}
