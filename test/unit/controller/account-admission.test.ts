// Which namespaces a CloudAccount admits: names, label selectors (every operator), and
// nothing when neither is set. The ValidatingAdmissionPolicy states the same rules in
// CEL (crds/admission/); test/integration/tenancy.test.ts holds the two together.

import type { CloudAccountSpec, NamespaceSelector } from '../../../operator/src/api/types.js';
import { admitsNamespace, describeAdmission, selectorMatches } from '../../../operator/src/controller/account-admission.js';

const aws: CloudAccountSpec = { provider: 'aws', aws: { accountId: '111111111111' } };

describe('admitsNamespace', () => {
  it.each([
    ['listed by name', { ...aws, namespaces: ['team-a', 'team-b'] }, 'team-b', {}, true],
    ['not listed', { ...aws, namespaces: ['team-a'] }, 'team-b', {}, false],
    ['neither names nor selector: nobody', aws, 'team-a', { team: 'a' }, false],
    ['matching selector', { ...aws, namespaceSelector: { matchLabels: { team: 'a' } } }, 'x', { team: 'a' }, true],
    ['selector on a namespace not yet known', { ...aws, namespaceSelector: {} }, 'x', undefined, false],
    ['empty selector: every known namespace', { ...aws, namespaceSelector: {} }, 'x', {}, true],
    ['name or selector', { ...aws, namespaces: ['team-a'], namespaceSelector: { matchLabels: { team: 'b' } } }, 'x', { team: 'b' }, true],
  ] as const)('%s', (_what, spec, namespace, labels, expected) => {
    expect(admitsNamespace(spec as CloudAccountSpec, namespace, labels)).toBe(expected);
  });
});

describe('selectorMatches', () => {
  const labels = { team: 'payments', tier: 'prod' };
  it.each<[string, NamespaceSelector, boolean]>([
    ['matchLabels all hold', { matchLabels: { team: 'payments', tier: 'prod' } }, true],
    ['matchLabels one differs', { matchLabels: { team: 'payments', tier: 'dev' } }, false],
    ['In holds', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['prod', 'staging'] }] }, true],
    ['In with the key absent', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['eu'] }] }, false],
    ['NotIn holds for another value', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['dev'] }] }, true],
    ['NotIn holds when the key is absent', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['eu'] }] }, true],
    ['NotIn fails on the value', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['prod'] }] }, false],
    ['Exists', { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, true],
    ['Exists fails', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, true],
    ['DoesNotExist fails', { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, false],
    ['labels and expressions together', { matchLabels: { team: 'payments' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['dev'] }] }, false],
  ])('%s', (_what, selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
});

describe('describeAdmission', () => {
  it('names, then the selector, in one line', () => {
    expect(
      describeAdmission({
        ...aws,
        namespaces: ['team-b', 'team-a'],
        namespaceSelector: { matchLabels: { team: 'x' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['dev'] }, { key: 'pci', operator: 'Exists' }] },
      }),
    ).toBe('team-a,team-b; selector: team=x,tier notin (dev),pci');
  });
  it('says when nothing is admitted, and when everything is', () => {
    expect(describeAdmission(aws)).toBe('(none)');
    expect(describeAdmission({ ...aws, namespaceSelector: {} })).toBe('selector: all namespaces');
  });
});
