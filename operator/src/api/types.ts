// API types for cloudposture.io/v1alpha1.
// TEMPORARY hand-written shape: replaced by re-exports of types generated from crds/*.yaml
// (the CRD schema is the single source of truth). Keep exported names and shapes stable.

export type Provider = 'aws' | 'azure';
export type ServiceModel = 'IaaS' | 'PaaS' | 'SaaS';
export type Classification = 'public' | 'internal' | 'confidential' | 'strictly-confidential';
export type Criticality = 'low' | 'medium' | 'high' | 'critical';
export type ResponsibilityOwner = 'provider' | 'customer' | 'shared';
export type ResponsibilityArea =
  | 'physical-security'
  | 'network'
  | 'virtualization'
  | 'os-patching'
  | 'middleware'
  | 'application-security'
  | 'identity-and-access'
  | 'data'
  | 'encryption-keys'
  | 'logging-and-monitoring'
  | 'backup';
export type AssuranceReportType = 'SOC2-TypeII' | 'ISO27001' | 'ISO27017' | 'ISO27018' | 'C5' | 'CSA-STAR';
export type MfaScope = 'privileged' | 'all';

export interface LocalObjectReference {
  name: string;
}

export interface SecretKeyReference {
  name: string;
  key: string;
}

export interface AwsAccount {
  /** 12-digit AWS account id. */
  accountId: string;
  /** Role to assume for read-only access (optional; default credential chain otherwise). */
  roleArn?: string;
  /** External id required by the role's trust policy. */
  externalId?: string;
  /** Regions to scan; default: every enabled region of the account. */
  regions?: string[];
}

export interface AzureAccount {
  tenantId: string;
  subscriptionId: string;
  /** Client id of the workload identity / app registration used to read. */
  clientId?: string;
}

export interface AccountRef {
  aws?: AwsAccount;
  azure?: AzureAccount;
  /** Fallback only: a Secret in the same namespace holding static read-only credentials. */
  credentialsSecretRef?: LocalObjectReference;
}

export interface ResponsibilityEntry {
  area: ResponsibilityArea;
  owner: ResponsibilityOwner;
  notes?: string;
}

export interface SharedResponsibility {
  areas: ResponsibilityEntry[];
  signedOffBy?: string;
  signedOffAt?: string;
}

export interface Contract {
  reference: string;
  reviewedAt?: string;
  auditRight?: boolean;
  breachNotificationHours?: number;
  dataJurisdictions?: string[];
}

export interface AssuranceScope {
  regions?: string[];
  services?: string[];
}

export interface AssuranceReport {
  type: AssuranceReportType;
  issuer?: string;
  reference?: string;
  /** End of the audited period (SOC 2 Type II). */
  periodEnd?: string;
  /** Certificate expiry (ISO 27001 and similar). */
  expiresAt?: string;
  reviewedAt?: string;
  scope?: AssuranceScope;
}

export interface UserEntityControl {
  id: string;
  description: string;
  implemented: boolean;
  evidence?: string;
}

export interface Assurance {
  reports?: AssuranceReport[];
  cuecs?: UserEntityControl[];
}

export interface ExitPlan {
  document: string;
  alternatives?: string[];
  lastDryRun?: string;
  dataExportVerified?: boolean;
}

export interface PulumiStateRef {
  /** Stack name (organization/project/stack or project/stack). */
  stack: string;
  s3?: { bucket: string; key: string; region?: string };
  configMapRef?: SecretKeyReference;
  secretRef?: SecretKeyReference;
  pulumiCloud?: { organization: string; project: string; tokenSecretRef: SecretKeyReference };
}

export interface Iac {
  pulumi?: PulumiStateRef;
}

export interface LogVault {
  /** Account / subscription id that holds the off-platform log vault. */
  accountId?: string;
  /** Bucket or storage account the audit trail must deliver to. */
  bucket?: string;
}

export interface CloudServiceSpec {
  provider: Provider;
  model: ServiceModel;
  owner: string;
  criticality: Criticality;
  classification: Classification;
  account: AccountRef;
  allowedRegions: string[];
  sharedResponsibility?: SharedResponsibility;
  contract?: Contract;
  assurance?: Assurance;
  exitPlan?: ExitPlan;
  iac?: Iac;
  breakGlassIdentities?: string[];
  logVault?: LogVault;
  /** Re-check interval as a Go-style duration ("10m", "1h30m"). */
  interval?: string;
  suspend?: boolean;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface Finding {
  control: string;
  condition: string;
  severity: Severity;
  resource?: string;
  message: string;
  remediation?: string;
}

export interface ServiceSummary {
  mfaCoverage?: number;
  identities?: number;
  privilegedWithoutMFA?: number;
  regionViolations?: number;
  driftedResources?: number;
  findings?: number;
}

export interface CloudServiceStatus {
  observedGeneration?: number;
  lastCheckedAt?: string;
  conditions?: Condition[];
  summary?: ServiceSummary;
  findings?: Finding[];
  /** Findings beyond the bounded list, counted only. */
  findingsOmitted?: number;
}

export interface ObjectMetaLite {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
}

export interface CloudService {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLite;
  spec: CloudServiceSpec;
  status?: CloudServiceStatus;
}

export interface ClassificationRule {
  certifiedProviderRequired?: boolean;
  customerSideEncryptionRequired?: boolean;
  mfaScope?: MfaScope;
  maxAccessKeyAgeDays?: number;
  maxBreachNotificationHours?: number;
  maxEvidenceAgeDays?: number;
  maxContractReviewAgeDays?: number;
  exitDrillMaxAgeDays?: number;
  auditRightRequired?: boolean;
  exitPlanRequired?: boolean;
}

export interface ClassificationRules {
  public?: ClassificationRule;
  internal?: ClassificationRule;
  confidential?: ClassificationRule;
  'strictly-confidential'?: ClassificationRule;
}

export interface CloudSecurityPolicySpec {
  permittedModels?: ServiceModel[];
  approvedProviders?: Provider[];
  /** Jurisdictions data may be held in under contract (e.g. EU, UK, CH). Empty: any. */
  permittedJurisdictions?: string[];
  classifications?: ClassificationRules;
  /** Condition types that do not count towards Compliant (an accepted-risk exemption). */
  exemptConditions?: string[];
}

export interface CloudSecurityPolicyStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  services?: number;
}

export interface CloudSecurityPolicy {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLite;
  spec: CloudSecurityPolicySpec;
  status?: CloudSecurityPolicyStatus;
}
