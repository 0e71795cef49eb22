// Service specs for serviceClient(...).create: a built spec (aSpec, which names the
// CloudAccount unit tests use) moved onto an account the harness grants to the suite's
// namespace (a CloudAccount `<namespace>.<service>`, see services.ts).

import type { CloudServiceSpec } from '../../operator/src/api/types.js';
import type { TestAccount, TestServiceSpec } from './services.js';

/** `spec` on `account` instead of the CloudAccount it names. */
export function onAccount(spec: CloudServiceSpec, account: TestAccount): TestServiceSpec {
  const { accountRef: _named, ...rest } = spec;
  return { ...rest, account };
}
