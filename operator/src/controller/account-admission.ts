// Which namespaces a CloudAccount admits (pure): listed by name in spec.namespaces, or
// matching spec.namespaceSelector with the standard label-selector semantics
// (matchLabels and every matchExpressions requirement must hold; an empty selector
// matches every namespace). Neither set admits nothing: granting an account is an
// explicit act of the platform team. The same rules are compiled into the
// ValidatingAdmissionPolicy (crds/admission/), so admission and the operator agree.

import type { CloudAccountSpec, NamespaceSelector } from '../api/types.js';

/** Namespace labels as the API server knows them; undefined: the namespace is not (yet) known. */
export type NamespaceLabels = Readonly<Record<string, string>> | undefined;

/** The labels of a cached namespace: none when it has none, undefined when it is not known. */
export function labelsOf(namespace: { metadata: { labels?: Record<string, string> } } | undefined): NamespaceLabels {
  return namespace ? (namespace.metadata.labels ?? {}) : undefined;
}

export function admitsNamespace(spec: CloudAccountSpec, namespace: string, labels: NamespaceLabels): boolean {
  if (spec.namespaces?.includes(namespace)) return true;
  if (!spec.namespaceSelector || labels === undefined) return false;
  return selectorMatches(spec.namespaceSelector, labels);
}

export function selectorMatches(selector: NamespaceSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, requirement.key);
    const value = labels[requirement.key];
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
        if (!has || !values.includes(value as string)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** The admitted namespaces in one line, for the CloudAccount's printer column (bounded by the caller). */
export function describeAdmission(spec: CloudAccountSpec): string {
  const parts: string[] = [];
  if (spec.namespaces?.length) parts.push([...spec.namespaces].sort().join(','));
  const selector = spec.namespaceSelector;
  if (selector) {
    const terms = [
      ...Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(selector.matchExpressions ?? []).map((r) =>
        r.operator === 'Exists' ? r.key : r.operator === 'DoesNotExist' ? `!${r.key}` : `${r.key} ${r.operator.toLowerCase()} (${(r.values ?? []).join(',')})`,
      ),
    ];
    parts.push(terms.length ? `selector: ${terms.join(',')}` : 'selector: all namespaces');
  }
  return parts.length ? parts.join('; ') : '(none)';
}
