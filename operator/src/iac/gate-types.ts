// The hardening gate's input and output as plain data: the program capture.ts records
// under mocks, the rule ids, the options a run takes and the result it returns (the
// JSON of `cloudposture iac-check --format json`).

import type { Classification } from '../api/types.js';
import type { Props } from './resource-types.js';

/** One resource registration seen under mocks. */
export interface CapturedResource {
  /** urn:pulumi:<stack>::<project>::<type>::<name> (parent types not included). */
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  /** The id the mock assigned (a bucket's name, else "<name>-id"). */
  id: string;
  inputs: Props;
  /** URN of the explicit provider resource; undefined on the default provider. */
  provider?: string;
}

export interface CapturedProgram {
  project: string;
  stack: string;
  /** Stack configuration ("aws:region" -> "eu-west-1"), values as written in Pulumi.<stack>.yaml. */
  config: Record<string, unknown>;
  resources: CapturedResource[];
}

export type GateRule =
  | 'encryption-at-rest'
  | 'customer-managed-key'
  | 'no-public-access'
  | 'allowed-region'
  | 'region-declared'
  | 'classification-tag';

/** Every rule, in the order findings are reported. */
export const GATE_RULES: readonly GateRule[] = [
  'encryption-at-rest',
  'customer-managed-key',
  'no-public-access',
  'allowed-region',
  'region-declared',
  'classification-tag',
];

export interface GateOptions {
  classification: Classification;
  allowedRegions: readonly string[];
  /** Require customer-managed keys; default: only for strictly-confidential (the policy default). */
  customerManagedKeys?: boolean;
}

export interface GateFinding {
  rule: GateRule;
  /** URN of the resource (or of the provider, for region-declared). */
  resource: string;
  type: string;
  name: string;
  message: string;
}

export interface GateResult {
  passed: boolean;
  project: string;
  stack: string;
  classification: Classification;
  allowedRegions: string[];
  customerManagedKeys: boolean;
  /** Custom resources declared (providers excluded). */
  declared: number;
  /** Resources at least one rule applied to. */
  checked: number;
  violations: GateFinding[];
  /** Facts worth knowing that are not violations (e.g. a bucket relying on S3 default encryption). */
  notes: GateFinding[];
  counts: Record<GateRule, number>;
}
