// The TypeScript API types are generated from the CRDs: this test fails as soon as
// crds/*.yaml and operator/src/api/generated.ts drift apart (fix: run `npm run generate`).

import { readFile } from 'node:fs/promises';
import path from 'node:path';

import {
  CRD_FILES,
  GENERATED_FILE,
  REPO_ROOT,
  generateTypes,
} from '../../operator/scripts/generate-types.js';
import type {
  AwsAccount,
  CloudAccount,
  CloudSecurityPolicy,
  CloudService,
  CloudServiceStatus,
  Condition,
} from '../../operator/src/api/types.js';
import { API_GROUP_VERSION, PROVIDER_VALUES } from '../../operator/src/api/types.js';

/** First line where two texts differ, for a readable failure. */
function firstDifference(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) {
      return `line ${i + 1}:\n  committed: ${JSON.stringify(al[i])}\n  generated: ${JSON.stringify(bl[i])}`;
    }
  }
  return 'no difference';
}

describe('generated API types', () => {
  it('operator/src/api/generated.ts is up to date with the CRDs', async () => {
    const generated = await generateTypes();
    const committed = await readFile(path.join(REPO_ROOT, GENERATED_FILE), 'utf8');
    if (committed !== generated) {
      throw new Error(
        `${GENERATED_FILE} does not match ${CRD_FILES.join(', ')}: run npm run generate ` +
          `(and commit both).\nFirst difference, ${firstDifference(committed, generated)}`,
      );
    }
  });

  it('generation is deterministic', async () => {
    expect(await generateTypes()).toBe(await generateTypes());
  });

  it('types.ts re-exports the generated types under their fixed names', () => {
    // Compile-time checks: these assignments fail `tsc` if a name or shape moves.
    const account: AwsAccount = { accountId: '123456789012', regions: ['eu-west-1'] };
    const condition: Condition = {
      type: 'Ready',
      status: 'True',
      reason: 'Reconciled',
      message: '',
      lastTransitionTime: '2026-11-01T00:00:00Z',
      observedGeneration: 1,
    };
    const status: CloudServiceStatus = {
      conditions: [condition],
      summary: { mfaCoverage: 0.5, findings: 0 },
      findingsOmitted: 0,
    };
    const service: CloudService = {
      apiVersion: API_GROUP_VERSION,
      kind: 'CloudService',
      metadata: { name: 'x', namespace: 'y' },
      spec: {
        provider: 'aws',
        model: 'IaaS',
        owner: 'team',
        criticality: 'high',
        classification: 'confidential',
        accountRef: { name: 'payments-prod' },
        allowedRegions: ['eu-west-1'],
        sharedResponsibility: { areas: [{ area: 'os-patching', owner: 'customer' }] },
      },
      status,
    };
    const cloudAccount: CloudAccount = {
      apiVersion: API_GROUP_VERSION,
      kind: 'CloudAccount',
      metadata: { name: 'payments-prod' },
      spec: { provider: 'aws', aws: account, namespaces: ['y'] },
      status: { externalId: 'cloudposture-uid', conditions: [condition] },
    };
    const policy: CloudSecurityPolicy = {
      metadata: { name: 'default' },
      spec: {
        approvedProviders: [...PROVIDER_VALUES],
        classifications: { 'strictly-confidential': { mfaScope: 'all', exitDrillMaxAgeDays: 180 } },
        exemptConditions: ['InSync'],
      },
    };
    expect(service.spec.accountRef.name).toBe(cloudAccount.metadata.name);
    expect(cloudAccount.spec.aws?.accountId).toBe('123456789012');
    expect(policy.spec.approvedProviders).toEqual(['aws', 'azure']);
    expect(API_GROUP_VERSION).toBe('cloudposture.io/v1alpha1');
  });
});
