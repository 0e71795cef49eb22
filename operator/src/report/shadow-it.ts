// The report's Shadow IT section (checklist step 1, "no shadow IT"): each CloudOrganization
// with its AllServicesDeclared condition and the undeclared accounts, subscriptions and
// SaaS apps its status lists, bounded. Built from status as the operator wrote it (nothing
// re-evaluated); a status older than the spec is flagged, not corrected. Pure.
//
// CloudOrganizations are cluster-scoped: the CLI and the endpoint pass them only to a
// caller allowed to list them cluster-wide, and otherwise a note saying why the section
// is left out.

import type { CloudOrganization, UndeclaredKind } from '../api/types.js';
import { UNDECLARED_KIND_VALUES } from '../api/types.js';
import { compareText } from '../controls/text.js';
import { conditionOf, conditionRef } from './condition-ref.js';
import type { OrganizationReport, ShadowItReport } from './model.js';

/** Undeclared items listed per organisation; the rest are counted. */
export const MAX_UNDECLARED_IN_REPORT = 100;
/** Organisations listed; the rest are counted. */
export const MAX_ORGANIZATIONS_IN_REPORT = 50;

export const ORGANIZATIONS_NOT_READ = 'No CloudOrganization was read for this report.';

function organizationReport(o: CloudOrganization): OrganizationReport {
  const status = o.status;
  const generation = o.metadata.generation;
  const observed = status?.observedGeneration;
  const ready = conditionOf(status, 'Ready');
  const declared = conditionOf(status, 'AllServicesDeclared');
  const listed = status?.undeclared ?? [];
  const undeclared = listed.slice(0, MAX_UNDECLARED_IN_REPORT);
  const count = Math.max(status?.undeclaredCount ?? 0, listed.length + (status?.undeclaredOmitted ?? 0));
  const report: OrganizationReport = {
    name: o.metadata.name ?? '',
    account: o.spec.accountRef.name,
    statusCurrent: observed !== undefined && (generation === undefined || observed >= generation),
    ready: { ...conditionRef(ready, 'Ready'), ...(ready?.message ? { message: ready.message } : {}) },
    allServicesDeclared: { ...conditionRef(declared, 'AllServicesDeclared'), ...(declared?.message ? { message: declared.message } : {}) },
    undeclared,
    undeclaredCount: count,
    undeclaredOmitted: count - undeclared.length,
    ignored: o.spec.ignore ?? [],
  };
  if (status?.provider) report.provider = status.provider;
  if (status?.organizationId) report.organizationId = status.organizationId;
  if (status?.lastCheckedAt) report.lastCheckedAt = status.lastCheckedAt;
  if (generation !== undefined) report.generation = generation;
  if (observed !== undefined) report.observedGeneration = observed;
  if (status?.accounts !== undefined) report.listed = status.accounts;
  return report;
}

/** The section from the organisations read; undefined: left out, `note` says why. */
export function shadowItSection(organizations: readonly CloudOrganization[] | undefined, note?: string): ShadowItReport {
  const byKind = Object.fromEntries(UNDECLARED_KIND_VALUES.map((k) => [k, 0])) as Record<UndeclaredKind, number>;
  if (organizations === undefined) {
    return { shown: false, note: note ?? ORGANIZATIONS_NOT_READ, organizations: [], organizationsOmitted: 0, undeclared: 0, undeclaredByKind: byKind };
  }
  const all = organizations.map(organizationReport).sort((a, b) => compareText(a.name, b.name));
  const shown = all.slice(0, MAX_ORGANIZATIONS_IN_REPORT);
  for (const o of shown) for (const u of o.undeclared) byKind[u.kind] = (byKind[u.kind] ?? 0) + 1;
  const section: ShadowItReport = {
    shown: true,
    organizations: shown,
    organizationsOmitted: all.length - shown.length,
    undeclared: shown.reduce((n, o) => n + o.undeclaredCount, 0),
    undeclaredByKind: byKind,
  };
  if (note) section.note = note;
  return section;
}
