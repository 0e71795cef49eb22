// Public surface of the AWS provider.
export { AwsInventoryCollector, createAwsCollector, type AwsCollectorOptions, type ObjectStore } from './collector.js';
export { AWS_ENDPOINT_ENV, AWS_HOME_REGION_ENV, type AwsClientOptions } from './clients.js';
export { classifyAwsError, type AwsFailureReason } from './errors.js';
export { iamActionFor } from './iam-actions.js';
