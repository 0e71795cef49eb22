// Builders of the InSync tests: declared Pulumi state and the control input around it.

import type { PulumiStateRef } from '../../../../operator/src/api/types.js';
import type { ControlInput } from '../../../../operator/src/controls/types.js';
import type { DeclaredResource, DeclaredStateResult } from '../../../../operator/src/inventory/declared-state.js';
import { NOW, aResource, aSpec, anInput, anInventory } from '../../builders.js';

export const REF: PulumiStateRef = { stack: 'acme/payments/prod', s3: { bucket: 'acme-pulumi-state', key: '.pulumi/stacks/payments/prod.json' } };

export function bucket(name: string, fields: Partial<DeclaredResource> = {}): DeclaredResource {
  return {
    urn: `urn:pulumi:prod::payments::aws:s3/bucket:Bucket::${name}`,
    type: 'aws:s3/bucket:Bucket',
    name,
    id: name,
    kind: 'bucket',
    arn: `arn:aws:s3:::${name}`,
    region: 'eu-west-1',
    encrypted: true,
    public: false,
    ...fields,
  };
}

export function declaredOk(...resources: DeclaredResource[]): DeclaredStateResult {
  return { ok: true, state: { stack: 'acme/payments/prod', source: 's3://acme-pulumi-state/.pulumi/stacks/payments/prod.json', readAt: NOW.toISOString(), resources } };
}

/** `ref: null`: a service without spec.iac. */
export function input(parts: Parameters<typeof anInput>[0] = {}, declared?: DeclaredStateResult, ref: PulumiStateRef | null = REF): ControlInput {
  const spec = parts.spec ?? aSpec(ref ? { iac: { pulumi: ref } } : {});
  const base = anInput({ ...parts, spec });
  return declared ? { ...base, declared } : base;
}

export const live = (...resources: ReturnType<typeof aResource>[]) => anInventory({ resources });
