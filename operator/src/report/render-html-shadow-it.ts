// The HTML report's Shadow IT section (checklist step 1, "no shadow IT"): each
// CloudOrganization with its AllServicesDeclared condition, the undeclared accounts,
// subscriptions and SaaS apps its status lists, and what is accepted as undeclared.

import { DASH, consentSummary, dateTime, day, text, wherePlaced } from './format.js';
import { badge, esc, table } from './html-elements.js';
import type { OrganizationReport, ShadowItReport } from './model.js';

function organization(o: OrganizationReport): string {
  const r = o.ready;
  const d = o.allServicesDeclared;
  const head =
    `<h3>${esc(o.name)}${o.provider ? ` <span class="muted">(${esc(o.provider)})</span>` : ''}</h3>` +
    `<dl class="kv"><dt>Organisation / tenant</dt><dd>${o.organizationId ? `<code>${esc(o.organizationId)}</code>` : DASH}, listed through CloudAccount <code>${esc(o.account)}</code></dd>` +
    `<dt>Last listed</dt><dd>${esc(dateTime(o.lastCheckedAt))}${o.listed !== undefined ? `, ${o.listed} item${o.listed === 1 ? '' : 's'} found` : ''}</dd>` +
    `<dt>Condition AllServicesDeclared</dt><dd>${badge(d.status)}${d.since ? ` <span class="muted">since ${esc(dateTime(d.since))}</span>` : ''}${d.message ? `<div class="note">${esc(d.message)}</div>` : ''}</dd>` +
    `<dt>Listing (Ready)</dt><dd>${badge(r.status)}${r.reason ? ` ${esc(r.reason)}` : ''}${r.message ? `<div class="note">${esc(r.message)}</div>` : ''}</dd>` +
    `<dt>Undeclared</dt><dd>${o.undeclaredCount}</dd></dl>` +
    (o.statusCurrent
      ? ''
      : `<div class="warn">The status was computed for generation ${esc(o.observedGeneration)}, the spec is at generation ${esc(o.generation)}: the operator has not listed the organisation for the latest change yet.</div>`);
  const undeclared =
    table(
      ['Kind', 'Id', 'Name', 'Where it sits', 'Status', 'Joined / created', 'First seen undeclared', 'Consent (SaaS apps)'],
      o.undeclared.map((u) => [
        esc(u.kind),
        `<code>${esc(u.id)}</code>`,
        esc(u.name),
        esc(wherePlaced(u)),
        `${esc(u.status)}${u.providerStatus ? `<div class="note">${esc(u.providerStatus)}</div>` : ''}`,
        esc(day(u.joinedAt)),
        esc(dateTime(u.firstSeen)),
        u.kind === 'saas-app' ? esc(consentSummary(u.consent)) : DASH,
      ]),
    ) + (o.undeclaredOmitted ? `<p class="muted">${o.undeclaredOmitted} more undeclared items not listed here (status.undeclared keeps at most 200; this report at most 100 per organisation).</p>` : '');
  const ignored = o.ignored.length
    ? `<h4>Accepted as undeclared (spec.ignore)</h4>${table(['Kind', 'Id', 'Reason'], o.ignored.map((i) => [esc(i.kind), `<code>${esc(i.id)}</code>`, esc(i.reason)]))}`
    : '';
  return head + undeclared + ignored;
}

/** The section, or why it is left out. */
export function shadowItSection(s: ShadowItReport): string {
  const intro =
    `<p>Step 1 of the checklist asks for no shadow IT: every cloud account, subscription and SaaS app in use is declared. ` +
    `Each CloudOrganization lists an AWS organisation or Azure tenant and names what no CloudAccount or CloudService declares.</p>`;
  if (!s.shown) return `<section id="shadow-it"><h2>Shadow IT: undeclared services</h2>${intro}<p class="muted">${esc(text(s.note))}</p></section>`;
  const body = s.organizations.length
    ? s.organizations.map(organization).join('') + (s.organizationsOmitted ? `<p class="muted">${s.organizationsOmitted} more CloudOrganizations not listed.</p>` : '')
    : '<p class="muted">No CloudOrganization is declared: nothing lists the organisation for undeclared services.</p>';
  return `<section id="shadow-it"><h2>Shadow IT: undeclared services</h2>${intro}${s.note ? `<p class="muted">${esc(s.note)}</p>` : ''}${body}</section>`;
}
