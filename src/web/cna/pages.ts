/**
 * @module The CNA workbench's pages (issue 5 §3), server-rendered: every value escaped by
 * `html`, every POST form carrying the session's CSRF token, labels on every input, and
 * the editor usable without JavaScript (`assets/workbench.js` only adds the live score,
 * live validation and the CWE search list).
 */
import { html, raw, SafeHtml } from '../html.ts';
import { CREDIT_TYPES, REFERENCE_TAGS, VERSION_STATUSES } from './form.ts';
import type { EditorModel } from './form.ts';

export interface Viewer {
  readonly org: string;
  readonly username: string;
  readonly admin: boolean;
  readonly secretariat: boolean;
  readonly csrf: string;
}

export interface Problem {
  readonly path: string;
  readonly text: string;
}

const csrfField = (v: Viewer): SafeHtml => html`<input type="hidden" name="_csrf" value="${v.csrf}">`;

/** Workbench stylesheet and script, from this origin (the CSP allows nothing else). */
export const HEAD = raw('<link rel="stylesheet" href="/cna/assets/workbench.css"><script src="/cna/assets/workbench.js" defer></script>');

export function nav(v: Viewer | undefined): SafeHtml {
  if (!v) return html``;
  return html`<nav class="cna-nav" aria-label="Workbench"><ul>
<li><a href="/cna">IDs</a></li>
${v.admin || v.secretariat ? html`<li><a href="/cna/users">Users</a></li><li><a href="/cna/audit">Audit log</a></li><li><a href="/cna/upstream">Upstream</a></li>` : ''}
<li class="who">${v.username} · ${v.org}</li>
<li><form method="post" action="/cna/logout" class="inline">${csrfField(v)}<button type="submit" class="secondary">Sign out</button></form></li>
</ul></nav>`;
}

export function flashBox(flash: { readonly kind: 'ok' | 'error' | 'warn'; readonly text: string } | undefined): SafeHtml {
  if (!flash) return html``;
  return html`<div class="flash ${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">${flash.text}</div>`;
}

export function signInBody(opts: { readonly csrf: string; readonly error?: string; readonly org?: string; readonly username?: string; readonly next?: string }): SafeHtml {
  return html`<h1>CNA workbench: sign in</h1>
<p>Sign in with your organisation's short name, your username and your CVE Services API key (the one the <code>cve</code> client uses).</p>
${opts.error ? html`<div class="flash error" role="alert" id="signin-error">${opts.error}</div>` : ''}
<form method="post" action="/cna/login" class="stack" ${opts.error ? raw('aria-describedby="signin-error"') : ''}>
<input type="hidden" name="_csrf" value="${opts.csrf}"><input type="hidden" name="next" value="${opts.next ?? ''}">
<p><label for="org">Organisation (short name)</label><input id="org" name="org" required autocomplete="organization" value="${opts.org ?? ''}"></p>
<p><label for="username">Username</label><input id="username" name="username" required autocomplete="username" value="${opts.username ?? ''}"></p>
<p><label for="key">API key</label><input id="key" name="key" type="password" required autocomplete="current-password"></p>
<p><button type="submit">Sign in</button></p>
</form>`;
}

export interface IdRow {
  readonly cveId: string;
  readonly state: string;
  readonly year: number;
  readonly reserved: string;
  readonly owner: string;
  readonly draft: boolean;
}

export interface DashboardView {
  readonly viewer: Viewer;
  readonly quota: { readonly id_quota: number; readonly total_reserved: number; readonly available: number };
  readonly ids: readonly IdRow[];
  readonly total: number;
  readonly counts: readonly { readonly state: string; readonly n: number }[];
  readonly filter: { readonly state?: string; readonly year?: number; readonly page: number };
  readonly pageSize: number;
  readonly year: number;
  readonly outbox: readonly { readonly id: number; readonly op: string; readonly cveId: string; readonly state: string; readonly attempts: number; readonly lastError?: string; readonly nextAt: string }[];
  readonly upstream?: string;
}

export function dashboardBody(d: DashboardView): SafeHtml {
  const v = d.viewer;
  const q = (extra: Record<string, string | number | undefined>) => {
    const p = new URLSearchParams();
    for (const [k, val] of Object.entries({ state: d.filter.state, year: d.filter.year, ...extra })) if (val !== undefined && val !== '') p.set(k, String(val));
    const s = p.toString();
    return s ? `/cna?${s}` : '/cna';
  };
  const pages = Math.max(1, Math.ceil(d.total / d.pageSize));
  return html`<h1>CVE IDs of ${v.org}</h1>
<section aria-labelledby="quota-h"><h2 id="quota-h">Quota</h2>
<p><strong>${d.quota.available}</strong> of ${d.quota.id_quota} IDs available (${d.quota.total_reserved} reserved).${d.upstream ? html` Reservations and records go to the upstream <code>${d.upstream}</code> first.` : ''}</p>
</section>
<section aria-labelledby="reserve-h"><h2 id="reserve-h">Reserve IDs</h2>
<form method="post" action="/cna/reserve" class="row">${csrfField(v)}
<p><label for="amount">How many</label><input id="amount" name="amount" type="number" min="1" max="1000" value="1" required></p>
<p><label for="year">Year</label><input id="year" name="year" type="number" min="1999" max="${d.year + 1}" value="${d.year}" required></p>
<p><label for="batch">Batch</label><select id="batch" name="batch_type"><option value="sequential">sequential</option><option value="nonsequential">non-sequential (at most 10)</option></select></p>
<p><button type="submit">Reserve</button></p>
</form></section>
${d.outbox.length ? outboxTable(d.outbox) : ''}
<section aria-labelledby="ids-h"><h2 id="ids-h">IDs by state and year</h2>
<form method="get" action="/cna" class="row">
<p><label for="f-state">State</label><select id="f-state" name="state"><option value="">any</option>${['RESERVED', 'PUBLISHED', 'REJECTED'].map((s) => html`<option value="${s}" ${d.filter.state === s ? raw('selected') : ''}>${s}</option>`)}</select></p>
<p><label for="f-year">Year</label><input id="f-year" name="year" type="number" min="1999" max="2100" value="${d.filter.year ?? ''}"></p>
<p><button type="submit" class="secondary">Show</button></p>
</form>
<p>${d.counts.map((c) => html`<a class="badge" href="${q({ state: c.state, page: undefined })}">${c.state}: ${c.n}</a> `)}</p>
<table><caption>${d.total} ID${d.total === 1 ? '' : 's'}${d.filter.state ? ` in state ${d.filter.state}` : ''}${d.filter.year ? ` for ${d.filter.year}` : ''}</caption>
<thead><tr><th scope="col">CVE ID</th><th scope="col">State</th><th scope="col">Reserved</th><th scope="col">Draft</th></tr></thead>
<tbody>${d.ids.map((r) => html`<tr><td><a href="/cna/ids/${r.cveId}">${r.cveId}</a></td><td>${r.state}</td><td>${r.reserved.slice(0, 10)}</td><td>${r.draft ? 'saved draft' : ''}</td></tr>`)}</tbody></table>
${pages > 1 ? html`<nav aria-label="Pages" class="pager">${d.filter.page > 1 ? html`<a href="${q({ page: d.filter.page - 1 })}" rel="prev">Previous</a>` : ''} Page ${d.filter.page} of ${pages} ${d.filter.page < pages ? html`<a href="${q({ page: d.filter.page + 1 })}" rel="next">Next</a>` : ''}</nav>` : ''}
</section>`;
}

/** The relay's outbox operations in words. */
const OP_NAMES: Readonly<Record<string, string>> = {
  reserve: 'Reserve',
  publish: 'Publish',
  update: 'Publish update',
  reject: 'Reject with a record',
  'reject.update': 'Update the rejection',
  state: 'Change the ID state',
  sync: 'Fetch IDs upstream reserved (an answer was lost)',
  'sync.record': 'Fetch the record upstream has (an answer was lost)',
};

function outboxTable(items: DashboardView['outbox']): SafeHtml {
  return html`<section aria-labelledby="outbox-h"><h2 id="outbox-h">Waiting for upstream</h2>
<table class="compact"><caption>Operations the upstream has not accepted yet (retried automatically) or refused</caption>
<thead><tr><th scope="col">#</th><th scope="col">Operation</th><th scope="col">CVE ID</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last error</th><th scope="col">Next try</th></tr></thead>
<tbody>${items.map((o) => html`<tr class="${o.state}"><td>${o.id}</td><td>${OP_NAMES[o.op] ?? o.op}</td><td>${o.cveId}</td><td>${o.state === 'pending' ? 'queued' : o.state}</td><td>${o.attempts}</td><td>${o.lastError ?? ''}</td><td>${o.state === 'pending' ? o.nextAt : ''}</td></tr>`)}</tbody></table></section>`;
}

export interface IdView {
  readonly viewer: Viewer;
  readonly cveId: string;
  readonly state: string;
  readonly reserved: string;
  readonly hasRecord: boolean;
  readonly draftSaved?: string;
  readonly rejectedReason?: string;
}

export function idBody(d: IdView): SafeHtml {
  const v = d.viewer;
  return html`<h1>${d.cveId} <span class="badge">${d.state}</span></h1>
<p>Reserved ${d.reserved.slice(0, 10)}.${d.hasRecord ? html` Public record: <a href="/cve/${d.cveId}">/cve/${d.cveId}</a>.` : ''}${d.draftSaved ? html` Draft saved ${d.draftSaved}.` : ''}</p>
${d.state !== 'REJECTED' || !d.hasRecord ? html`<p><a class="button" href="/cna/ids/${d.cveId}/edit">${d.state === 'PUBLISHED' ? 'Edit and update the record' : 'Write the record'}</a></p>` : ''}
${d.state === 'REJECTED' && !d.hasRecord ? html`<section aria-labelledby="undo-h"><h2 id="undo-h">Undo the rejection</h2>
<form method="post" action="/cna/ids/${d.cveId}/undo-reject">${csrfField(v)}<p>The ID goes back to RESERVED (it takes one place of the quota).</p><button type="submit">Undo reject</button></form></section>` : ''}
<section aria-labelledby="reject-h"><h2 id="reject-h">${d.state === 'REJECTED' ? 'Update the rejection' : 'Reject'}</h2>
<form method="post" action="/cna/ids/${d.cveId}/reject" class="stack">${csrfField(v)}
<p><label for="reason">Reason (shown on the public page)</label><textarea id="reason" name="reason" rows="3" required>${d.rejectedReason ?? ''}</textarea></p>
<p><label for="replacedBy">Replaced by (CVE IDs, separated by spaces or commas; optional)</label><input id="replacedBy" name="replacedBy" spellcheck="false"></p>
<p><button type="submit">${d.state === 'REJECTED' ? 'Update rejection' : 'Reject with this reason'}</button></p>
</form>
${d.state === 'RESERVED' && !d.hasRecord ? html`<form method="post" action="/cna/ids/${d.cveId}/reject-id">${csrfField(v)}<p>Or reject the ID without a record (it can be undone).</p><button type="submit" class="secondary">Reject without a record</button></form>` : ''}
</section>`;
}

export interface EditorView {
  readonly viewer: Viewer;
  readonly cveId: string;
  readonly model: EditorModel;
  readonly json: string;
  readonly problems: readonly Problem[];
  readonly validated: boolean;
  readonly published: boolean;
  readonly cvss?: { readonly score: number; readonly severity: string; readonly version: string } | { readonly error: string };
  readonly cweResults?: readonly { readonly id: string; readonly name: string }[];
  readonly cweQuery?: string;
  readonly preview?: SafeHtml;
  readonly draftSaved?: string;
}

const sel = (name: string, id: string, options: readonly string[], value: string, blank?: string): SafeHtml =>
  html`<select id="${id}" name="${name}">${blank !== undefined ? html`<option value="">${blank}</option>` : ''}${options.map((o) => html`<option value="${o}" ${o === value ? raw('selected') : ''}>${o}</option>`)}</select>`;

/** Existing rows plus `extra` blank ones (to add rows without JavaScript). */
function withBlanks<T>(list: readonly T[], blank: T, extra = 1): T[] {
  return [...list, ...Array.from({ length: extra }, () => blank)];
}

export function editorBody(e: EditorView): SafeHtml {
  const v = e.viewer;
  const m = e.model;
  const problemList = e.problems.length
    ? html`<div class="flash error" role="alert" id="problems"><p><strong>${e.problems.length} problem${e.problems.length === 1 ? '' : 's'} to fix before publishing:</strong></p><ul>${e.problems.map((p) => html`<li data-path="${p.path}">${p.text}</li>`)}</ul></div>`
    : e.validated
      ? html`<div class="flash ok" role="status" id="problems">The record is valid against the CVE JSON 5.1.1 schema.</div>`
      : html`<div id="problems" role="status" aria-live="polite"></div>`;
  const versionRows = (i: number, list: EditorModel['affected'][number]['versions']) =>
    withBlanks(list, { version: '', rangeKind: '' as const, rangeEnd: '', status: 'affected', versionType: '' }).map(
      (r, j) => html`<tr>
<td><label class="skip" for="aff-${i}-v-${j}-version">Product ${i + 1} version ${j + 1}: version or range start</label><input id="aff-${i}-v-${j}-version" name="aff.${i}.v.${j}.version" value="${r.version}" size="10"></td>
<td><label class="skip" for="aff-${i}-v-${j}-kind">range kind</label>${sel(`aff.${i}.v.${j}.rangeKind`, `aff-${i}-v-${j}-kind`, ['<', '<='], r.rangeKind, 'single version')}</td>
<td><label class="skip" for="aff-${i}-v-${j}-end">range end</label><input id="aff-${i}-v-${j}-end" name="aff.${i}.v.${j}.rangeEnd" value="${r.rangeEnd}" size="10"></td>
<td><label class="skip" for="aff-${i}-v-${j}-status">status</label>${sel(`aff.${i}.v.${j}.status`, `aff-${i}-v-${j}-status`, VERSION_STATUSES, r.status || 'affected')}</td>
<td><label class="skip" for="aff-${i}-v-${j}-type">version type</label><input id="aff-${i}-v-${j}-type" name="aff.${i}.v.${j}.versionType" value="${r.versionType}" size="8" placeholder="semver"></td></tr>`,
    );
  const cvss = e.cvss;
  return html`<h1>${e.published ? 'Update' : 'Write'} the record of ${e.cveId}</h1>
<p><a href="/cna/ids/${e.cveId}">Back to ${e.cveId}</a>${e.draftSaved ? html` · draft saved ${e.draftSaved}` : ''}</p>
${problemList}
<form method="post" action="/cna/ids/${e.cveId}/edit" id="editor" class="editor" data-cve-id="${e.cveId}" novalidate>${csrfField(v)}
<input type="hidden" name="source" value="form">
<fieldset><legend>Title and dates</legend>
<p><label for="title">Title</label><input id="title" name="title" value="${m.title}" maxlength="256" class="wide"></p>
<p><label for="datePublic">Public since (optional, e.g. 2025-03-01T00:00:00Z)</label><input id="datePublic" name="datePublic" value="${m.datePublic}"></p>
</fieldset>
<fieldset><legend>Descriptions</legend>
${withBlanks(m.descriptions, { lang: 'en', value: '' }).map((d, i) => html`<div class="row"><p><label for="desc-${i}-lang">Description ${i + 1} language</label><input id="desc-${i}-lang" name="desc.${i}.lang" value="${d.lang}" size="6"></p>
<p class="grow"><label for="desc-${i}-value">Description ${i + 1}</label><textarea id="desc-${i}-value" name="desc.${i}.value" rows="4">${d.value}</textarea></p></div>`)}
</fieldset>
<fieldset><legend>Affected products</legend>
${withBlanks(m.affected, { vendor: '', product: '', defaultStatus: '', versions: [] }).map((a, i) => html`<div class="product"><div class="row">
<p><label for="aff-${i}-vendor">Product ${i + 1} vendor</label><input id="aff-${i}-vendor" name="aff.${i}.vendor" value="${a.vendor}"></p>
<p><label for="aff-${i}-product">Product ${i + 1} name</label><input id="aff-${i}-product" name="aff.${i}.product" value="${a.product}"></p>
<p><label for="aff-${i}-default">Other versions are</label>${sel(`aff.${i}.defaultStatus`, `aff-${i}-default`, VERSION_STATUSES, a.defaultStatus, 'not stated')}</p></div>
<table class="compact versions"><caption>Versions of product ${i + 1}: a single version, or a range from a version up to (&lt;) or through (≤) another</caption>
<thead><tr><th scope="col">Version / from</th><th scope="col">Range</th><th scope="col">Up to</th><th scope="col">Status</th><th scope="col">Version type</th></tr></thead>
<tbody>${versionRows(i, a.versions)}</tbody></table></div>`)}
</fieldset>
<fieldset><legend>Problem types (CWE)</legend>
${withBlanks(m.problemTypes, { cweId: '', description: '' }).map((p, i) => html`<div class="row"><p><label for="cwe-${i}-id">CWE ${i + 1} ID</label><input id="cwe-${i}-id" name="cwe.${i}.id" value="${p.cweId}" size="10" list="cwe-list" class="cwe-id" placeholder="CWE-79"></p>
<p class="grow"><label for="cwe-${i}-description">CWE ${i + 1} description</label><input id="cwe-${i}-description" name="cwe.${i}.description" value="${p.description}" class="wide"></p></div>`)}
<datalist id="cwe-list">${(e.cweResults ?? []).map((c) => html`<option value="${c.id}">${c.id}: ${c.name}</option>`)}</datalist>
<div class="row"><p><label for="cwe-q">Find a CWE by name or number</label><input id="cwe-q" name="cweQuery" value="${e.cweQuery ?? ''}" type="search" aria-controls="cwe-results"></p>
<p><button type="submit" name="action" value="cwe" class="secondary">Find CWE</button></p></div>
<ul id="cwe-results" class="cwe-results" aria-live="polite">${(e.cweResults ?? []).map((c) => html`<li><code>${c.id}</code> ${c.name}</li>`)}</ul>
</fieldset>
<fieldset><legend>CVSS</legend>
<p><label for="cvss-vector">CVSS vector (3.0, 3.1 or 4.0)</label><input id="cvss-vector" name="cvss.vector" value="${m.cvssVector}" class="wide" spellcheck="false" placeholder="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" aria-describedby="cvss-score"></p>
<div class="cvss-calc" id="cvss-calc" hidden></div>
<p id="cvss-score" class="cvss-score" aria-live="polite">${cvss === undefined ? 'The score is computed from the vector.' : 'error' in cvss ? html`<span class="bad">${cvss.error}</span>` : html`Score <strong>${cvss.score.toFixed(1)}</strong> <span class="sev">${cvss.severity}</span> (CVSS ${cvss.version})`}</p>
</fieldset>
<fieldset><legend>References</legend>
${withBlanks(m.references, { url: '', name: '', tags: '' }, 2).map((r, i) => html`<div class="row"><p class="grow"><label for="ref-${i}-url">Reference ${i + 1} URL</label><input id="ref-${i}-url" name="ref.${i}.url" value="${r.url}" type="url" class="wide"></p>
<p><label for="ref-${i}-name">Reference ${i + 1} name</label><input id="ref-${i}-name" name="ref.${i}.name" value="${r.name}"></p>
<p><label for="ref-${i}-tags">Reference ${i + 1} tags</label><input id="ref-${i}-tags" name="ref.${i}.tags" value="${r.tags}" list="ref-tags" placeholder="vendor-advisory, patch"></p></div>`)}
<datalist id="ref-tags">${REFERENCE_TAGS.map((t) => html`<option value="${t}">`)}</datalist>
</fieldset>
<fieldset><legend>Credits</legend>
${withBlanks(m.credits, { value: '', type: '' }).map((c, i) => html`<div class="row"><p class="grow"><label for="credit-${i}-value">Credit ${i + 1}</label><input id="credit-${i}-value" name="credit.${i}.value" value="${c.value}" class="wide"></p>
<p><label for="credit-${i}-type">Credit ${i + 1} type</label>${sel(`credit.${i}.type`, `credit-${i}-type`, CREDIT_TYPES, c.type, 'not stated')}</p></div>`)}
</fieldset>
<fieldset><legend>Timeline</legend>
${withBlanks(m.timeline, { time: '', value: '' }).map((t, i) => html`<div class="row"><p><label for="tl-${i}-time">Timeline ${i + 1} time</label><input id="tl-${i}-time" name="tl.${i}.time" value="${t.time}" placeholder="2025-01-15T00:00:00Z"></p>
<p class="grow"><label for="tl-${i}-value">Timeline ${i + 1} event</label><input id="tl-${i}-value" name="tl.${i}.value" value="${t.value}" class="wide"></p></div>`)}
</fieldset>
<p class="actions"><button type="submit" name="action" value="validate" class="secondary">Validate</button>
<button type="submit" name="action" value="save" class="secondary">Save draft</button>
<button type="submit" name="action" value="preview" class="secondary">Preview</button>
<button type="submit" name="action" value="publish">${e.published ? 'Publish update' : 'Publish'}</button></p>
</form>
<section aria-labelledby="json-h"><h2 id="json-h">JSON view of the CNA container</h2>
<form method="post" action="/cna/ids/${e.cveId}/edit" class="stack">${csrfField(v)}
<input type="hidden" name="source" value="json">
<p><label for="json">CNA container (CVE JSON 5.1.1; <code>providerMetadata</code> is set by the server)</label>
<textarea id="json" name="json" rows="18" spellcheck="false" class="code">${e.json}</textarea></p>
<p class="actions"><button type="submit" name="action" value="validate" class="secondary">Validate JSON</button>
<button type="submit" name="action" value="save" class="secondary">Save JSON as draft</button>
<button type="submit" name="action" value="preview" class="secondary">Preview</button>
<button type="submit" name="action" value="publish">Publish JSON</button></p>
</form></section>
${e.preview ? html`<section aria-labelledby="preview-h" class="preview" id="preview"><h2 id="preview-h">Preview of the public record page</h2><div class="preview-frame">${e.preview}</div></section>` : ''}`;
}

export interface UserRow {
  readonly username: string;
  readonly admin: boolean;
  readonly active: boolean;
  readonly created: string;
}

export function usersBody(v: Viewer, users: readonly UserRow[], shownKey?: { readonly username: string; readonly key: string }): SafeHtml {
  return html`<h1>Users of ${v.org}</h1>
${shownKey ? html`<div class="flash warn" role="alert"><p>API key of <strong>${shownKey.username}</strong>, shown once: copy it now.</p><p><code class="key">${shownKey.key}</code></p></div>` : ''}
<table><caption>${users.length} users</caption><thead><tr><th scope="col">Username</th><th scope="col">Role</th><th scope="col">Active</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
<tbody>${users.map((u) => html`<tr><td>${u.username}</td><td>${u.admin ? 'ADMIN' : 'user'}</td><td>${u.active ? 'yes' : 'no'}</td><td>${u.created.slice(0, 10)}</td>
<td><form method="post" action="/cna/users/${encodeURIComponent(u.username)}/active" class="inline">${csrfField(v)}<input type="hidden" name="active" value="${u.active ? 'false' : 'true'}"><button type="submit" class="secondary">${u.active ? 'Deactivate' : 'Activate'}</button></form>
<form method="post" action="/cna/users/${encodeURIComponent(u.username)}/reset-key" class="inline">${csrfField(v)}<button type="submit" class="secondary">New API key</button></form></td></tr>`)}</tbody></table>
<h2>Add a user</h2>
<form method="post" action="/cna/users" class="row">${csrfField(v)}
<p><label for="new-username">Username</label><input id="new-username" name="username" required></p>
<p><label><input type="checkbox" name="admin" value="1"> Admin (manages users)</label></p>
<p><button type="submit">Create user</button></p></form>`;
}

export interface AuditRow {
  readonly id: number;
  readonly at: string;
  readonly who: string;
  readonly org: string;
  readonly action: string;
  readonly target: string;
  readonly changes: readonly { readonly path: string; readonly kind: string; readonly old?: string; readonly new?: string }[];
}

export function auditBody(v: Viewer, rows: readonly AuditRow[], next?: number): SafeHtml {
  return html`<h1>Audit log${v.secretariat ? ' (all organisations)' : ` of ${v.org}`}</h1>
<table class="audit"><caption>Every change, newest first: who, when, which org, and what changed</caption>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Org</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Before → after</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><td><time datetime="${r.at}">${r.at.replace('T', ' ').slice(0, 19)}</time></td><td>${r.who}</td><td>${r.org}</td><td>${r.action}</td><td>${r.target}</td>
<td>${r.changes.length ? html`<ul class="diff">${r.changes.slice(0, 30).map((c) => html`<li><code>${c.path || '/'}</code> ${c.kind === 'added' ? html`added <ins>${c.new}</ins>` : c.kind === 'removed' ? html`removed <del>${c.old}</del>` : html`<del>${c.old}</del> → <ins>${c.new}</ins>`}</li>`)}${r.changes.length > 30 ? html`<li>… ${r.changes.length - 30} more</li>` : ''}</ul>` : ''}</td></tr>`)}</tbody></table>
${next ? html`<p><a href="/cna/audit?before=${next}" rel="next">Older entries</a></p>` : ''}`;
}

export function upstreamBody(v: Viewer, current: { readonly url: string; readonly upstreamOrg: string; readonly upstreamUser: string; readonly updated: string } | undefined, canConfigure: boolean): SafeHtml {
  return html`<h1>Upstream CVE Services for ${v.org}</h1>
<p>With an upstream set, reservations, records and rejections go to it first and are stored here only when it accepts them. If it cannot be reached they wait in a queue and are retried.</p>
${current ? html`<p>Now: <code>${current.url}</code> as <strong>${current.upstreamUser}</strong> of <strong>${current.upstreamOrg}</strong> (set ${current.updated.slice(0, 10)}; the key is stored encrypted and not shown).</p>
<form method="post" action="/cna/upstream/remove">${csrfField(v)}<button type="submit" class="secondary">Remove the upstream</button></form>` : html`<p>No upstream is set: everything stays in this cvekit.</p>`}
${canConfigure ? html`<h2>${current ? 'Replace' : 'Set'} the upstream</h2>
<form method="post" action="/cna/upstream" class="stack">${csrfField(v)}
<p><label for="up-url">API base URL (ending in /api/)</label><input id="up-url" name="url" type="url" required class="wide" value="${current?.url ?? ''}"></p>
<p><label for="up-org">Upstream org short name</label><input id="up-org" name="org" required value="${current?.upstreamOrg ?? ''}"></p>
<p><label for="up-user">Upstream username</label><input id="up-user" name="user" required value="${current?.upstreamUser ?? ''}"></p>
<p><label for="up-key">Upstream API key</label><input id="up-key" name="key" type="password" required autocomplete="off"></p>
<p><button type="submit">Save</button></p></form>` : html`<p class="warn">The server has no <code>CVEKIT_SECRET_KEY</code>, so no upstream key can be stored.</p>`}`;
}

export { SafeHtml };
