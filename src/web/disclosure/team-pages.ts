/**
 * @module The PSIRT's server-rendered pages (issue 6): sign-in, the inbox of untriaged
 * reports with deduplication hints, a report's triage, the case list, the case page
 * (reports and their states, participants and vendor statuses, embargo, the six case-state
 * flags, vulnerabilities and CVE IDs, drafts and publication, threaded messages and internal
 * notes, timeline), the CVE record draft form, the advisory preview, the vendor directory
 * and the audit log. Every text goes through `html` (escaped); every form carries the
 * session's CSRF token and works without JavaScript. Times are shown in the team's zone
 * with the zone (`formatZoned`).
 */
import { CASE_FLAGS, CASE_FLAG_NAMES, PARTICIPANT_KINDS, VENDOR_STATUSES, allowedReportActions, formatZoned } from '../../disclosure/index.ts';
import type { Case, CaseEvent, CveDraft, DraftCheck, MessageView, PublicationPlan } from '../../disclosure/index.ts';
import type { DisclosureVendorRow } from '../../store/index.ts';
import { html, raw } from '../html.ts';
import type { SafeHtml } from '../html.ts';

/** Who is signed in, for the header and the forms. */
export interface TeamViewer {
  readonly name: string;
  readonly csrf: string;
}

export const TEAM_CSS = `
.team-nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center;border-bottom:1px solid var(--line);padding:.25rem 0 .5rem;margin-bottom:.5rem}
.team-nav form{margin:0 0 0 auto}.team-nav .who{color:var(--muted)}
textarea{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.45rem .6rem;width:100%;max-width:48rem}
form.stack p{margin:.4rem 0}form.stack label{font-weight:600}form.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin:.5rem 0}
form.row label{display:flex;flex-direction:column;font-size:.9rem}form.inline{display:inline}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0}.flash{border-left:4px solid var(--ok);background:var(--soft);padding:.5rem .75rem;margin:.75rem 0}.flash.error{border-color:var(--bad)}
section.card{border:1px solid var(--line);border-radius:8px;padding:.25rem 1rem .75rem;margin:1rem 0}
ol.thread,ol.thread ol{list-style:none;padding-left:0}ol.thread ol{padding-left:1.25rem;border-left:2px solid var(--line)}
.msg{padding:.4rem 0}.msg .meta{font-size:.9rem;color:var(--muted)}.msg.internal{background:var(--soft);padding:.4rem .6rem;border-radius:6px}
.flags{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.5rem}.flag{border:1px solid var(--line);border-radius:6px;padding:.35rem .6rem}.flag.on{border-color:var(--ok)}
ul.issues li{color:var(--bad)}.check-ok{color:var(--ok);font-weight:600}
@media (max-width:48rem){form.row{flex-direction:column;align-items:stretch}.team-nav form{margin:0}}
`;

/** The live check on the draft form and the confirm prompts; everything works without it. */
export const TEAM_SCRIPT = `'use strict';
document.addEventListener('DOMContentLoaded', function () {
  var form = document.querySelector('form[data-live-check]');
  if (form) {
    var out = document.querySelector('[data-check]'), timer = 0, csrf = form.querySelector('input[name=_csrf]').value;
    var run = function () {
      var body = new URLSearchParams(new FormData(form));
      fetch(form.getAttribute('data-live-check'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': csrf }, body: body, credentials: 'same-origin' })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          out.textContent = '';
          var h = document.createElement('p');
          if (j.check && j.check.ok) { h.className = 'check-ok'; h.textContent = 'Live check: the record is valid.'; out.appendChild(h); return; }
          h.textContent = j.check ? 'Live check: ' + j.check.issues.length + ' issue(s)' : 'Live check: ' + (j.message || 'error');
          out.appendChild(h);
          var ul = document.createElement('ul'); ul.className = 'issues';
          (j.check ? j.check.issues : []).forEach(function (i) { var li = document.createElement('li'); li.textContent = i.path + ': ' + i.message; ul.appendChild(li); });
          out.appendChild(ul);
        }).catch(function () {});
    };
    form.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(run, 400); });
  }
  document.querySelectorAll('form[data-confirm]').forEach(function (f) {
    f.addEventListener('submit', function (ev) { if (!window.confirm(f.getAttribute('data-confirm'))) ev.preventDefault(); });
  });
});
`;

const csrfField = (v: TeamViewer) => html`<input type="hidden" name="_csrf" value="${v.csrf}">`;

/** The team's navigation above every team page. */
export function teamNav(v: TeamViewer | undefined): SafeHtml {
  return html`<link rel="stylesheet" href="/team/assets/team.css"><script src="/team/assets/team.js" defer></script>
<nav class="team-nav" aria-label="PSIRT"><strong>PSIRT</strong>${v ? html`<a href="/team">Inbox</a><a href="/team/cases">Cases</a><a href="/team/vendors">Vendors</a>
<span class="who">Signed in as ${v.name}</span><form method="post" action="/team/logout">${csrfField(v)}<button type="submit" class="secondary">Sign out</button></form>` : ''}</nav>`;
}

export function flashBox(text: string | undefined, error = false): SafeHtml | '' {
  return text ? html`<div class="flash${error ? ' error' : ''}" role="${error ? 'alert' : 'status'}">${text}</div>` : '';
}

/**
 * How the team signs in: `user` (username and API key of a user of the CNA org), `token`
 * (the team token, when there is no CNA org), or `none` (neither is configured).
 */
export type SignInMethod = 'user' | 'token' | 'none';

export function signInBody(o: { readonly csrf: string; readonly org?: string; readonly username?: string; readonly next: string; readonly error?: string; readonly method: SignInMethod }): SafeHtml {
  const hidden = html`<input type="hidden" name="_csrf" value="${o.csrf}"><input type="hidden" name="next" value="${o.next}">`;
  const form = (fields: SafeHtml) => html`<form method="post" action="/team/login" class="stack">
${hidden}
${fields}
<p><button type="submit">Sign in</button></p>
</form>`;
  const body = o.method === 'user'
    ? html`<p>Team members are the users of the CNA organisation <strong>${o.org ?? ''}</strong>. Sign in with your username and CVE Services API key.</p>
${form(html`<p><label for="username">Username</label><br><input id="username" name="username" autocomplete="username" value="${o.username ?? ''}" required></p>
<p><label for="key">API key</label><br><input id="key" name="key" type="password" autocomplete="current-password" required></p>`)}`
    : o.method === 'token'
      ? html`<p>Sign in with the team token (<code>CVEKIT_TEAM_TOKEN</code>). Everything you do is recorded as the team. For a sign-in per person, set <code>CVEKIT_CNA_ORG</code>: its users are then the team.</p>
${form(html`<p><label for="token">Team token</label><br><input id="token" name="token" type="password" autocomplete="current-password" required></p>`)}`
      : html`<p>The team pages need <code>CVEKIT_CNA_ORG</code> (its users are the team) or <code>CVEKIT_TEAM_TOKEN</code> (the team signs in with it).</p>`;
  return html`<h1>PSIRT sign-in</h1>
${flashBox(o.error, true)}
${body}`;
}

export interface InboxReport {
  readonly id: string;
  readonly receivedAt: string;
  readonly product: string;
  readonly version: string;
  readonly similar: number;
}

export function inboxBody(v: TeamViewer, reports: readonly InboxReport[], tz: string): SafeHtml {
  return html`<h1>Inbox <span class="subtitle">${reports.length} untriaged report(s)</span></h1>
${reports.length === 0 ? html`<p class="muted">No report waits for triage.</p>` : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Report</th><th scope="col">Received</th><th scope="col">Product</th><th scope="col">Similar open reports</th></tr></thead>
<tbody>${reports.map((r) => html`<tr><td><a href="/team/reports/${r.id}">${r.id}</a></td><td>${formatZoned(r.receivedAt, tz)}</td><td>${r.product} ${r.version}</td><td>${r.similar ? html`<span class="warn">${r.similar} possible duplicate(s)</span>` : html`<span class="muted">none</span>`}</td></tr>`)}</tbody>
</table></div>`}
<p class="muted">Signed in as ${v.name}. Reports arrive through the public <a href="/report">report form</a>.</p>`;
}

export interface ReportDetail {
  readonly id: string;
  readonly receivedAt: string;
  readonly caseId?: string;
  readonly report: { readonly product: string; readonly version: string; readonly description: string; readonly impact: string; readonly proofOfConcept?: string; readonly finder: { readonly name?: string; readonly contact: string; readonly credit: string; readonly creditName?: string }; readonly isPublic: boolean; readonly isExploited: boolean; readonly vendorContacted: boolean };
  readonly files: readonly { readonly id: string; readonly name: string; readonly size: number; readonly sha256: string }[];
  readonly hints: { readonly similar: readonly { readonly reportId: string; readonly caseId?: string; readonly reasons: readonly string[]; readonly score: number }[]; readonly cveIds: readonly string[]; readonly publishedCveIds: readonly string[] };
}

export function reportBody(v: TeamViewer, r: ReportDetail, cases: readonly { readonly id: string; readonly title: string }[], tz: string): SafeHtml {
  const b = r.report;
  const similarCases = r.hints.similar.map((s) => s.caseId).filter((x): x is string => x !== undefined);
  return html`<p class="muted"><a href="/team">Inbox</a></p>
<h1>Report ${r.id} <span class="subtitle">${b.product} ${b.version}</span></h1>
<table>
<tr><th>Received</th><td>${formatZoned(r.receivedAt, tz)}</td></tr>
<tr><th>Finder</th><td>${b.finder.name ?? 'no name'} &lt;${b.finder.contact}&gt; · credit: ${b.finder.credit}${b.finder.creditName ? html` (${b.finder.creditName})` : ''}</td></tr>
<tr><th>Description</th><td>${b.description}</td></tr>
${b.impact ? html`<tr><th>Impact</th><td>${b.impact}</td></tr>` : ''}
${b.proofOfConcept ? html`<tr><th>Proof of concept</th><td><pre>${b.proofOfConcept}</pre></td></tr>` : ''}
<tr><th>Flags</th><td>${b.isPublic ? html`<span class="bad">already public</span> ` : ''}${b.isExploited ? html`<span class="bad">exploited</span> ` : ''}${b.vendorContacted ? 'vendor already contacted' : 'vendor not contacted'}</td></tr>
</table>
${r.files.length ? html`<h2>Files</h2><ul>${r.files.map((f) => html`<li><a href="/team/files/${f.id}" download>${f.name}</a> <span class="muted">(${f.size} bytes, sha256 <code>${f.sha256.slice(0, 16)}…</code>)</span></li>`)}</ul>` : ''}
<h2>Deduplication hints</h2>
${r.hints.similar.length ? html`<ul>${r.hints.similar.map((s) => html`<li><a href="/team/reports/${s.reportId}">${s.reportId}</a>${s.caseId ? html` on case <a href="/team/cases/${s.caseId}">${s.caseId}</a>` : ''}${s.reasons.length ? html` — ${s.reasons.join('; ')}` : ''}</li>`)}</ul>` : html`<p class="muted">No similar open report.</p>`}
${r.hints.cveIds.length ? html`<p>CVE names mentioned: ${r.hints.cveIds.map((c, i) => html`${i ? ', ' : ''}${r.hints.publishedCveIds.includes(c) ? html`<a href="/cve/${c}">${c}</a> (published)` : c}`)}</p>` : ''}
<h2>Triage</h2>
${r.caseId ? html`<p>This report is on case <a href="/team/cases/${r.caseId}">${r.caseId}</a>.</p>` : html`
<form method="post" action="/team/reports/${r.id}/triage" class="row">${csrfField(v)}
<label>New case title<input name="title" value="${`${b.product}: `}" required maxlength="300"></label><button type="submit">Open a new case</button></form>
${cases.length ? html`<form method="post" action="/team/reports/${r.id}/triage" class="row">${csrfField(v)}
<label>Join an open case<select name="caseId">${cases.map((c) => html`<option value="${c.id}"${similarCases.includes(c.id) ? raw(' selected') : ''}>${c.title} (${c.id})${similarCases.includes(c.id) ? ' — similar report' : ''}</option>`)}</select></label><button type="submit" class="secondary">Join case</button></form>` : ''}`}`;
}

export function caseListBody(cases: readonly { readonly id: string; readonly title: string; readonly updatedAt: string; readonly open: boolean; readonly embargo: string; readonly caseState: string }[], tz: string): SafeHtml {
  return html`<h1>Cases <span class="subtitle">${cases.length} case(s)</span></h1>
${cases.length === 0 ? html`<p class="muted">No case yet: triage a report from the <a href="/team">inbox</a>.</p>` : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Case</th><th scope="col">State</th><th scope="col">Embargo</th><th scope="col">Updated</th></tr></thead>
<tbody>${cases.map((c) => html`<tr><td><a href="/team/cases/${c.id}">${c.title}</a><br><small class="muted">${c.id}${c.open ? '' : ' · closed'}</small></td><td><code>${c.caseState}</code></td><td>${c.embargo}</td><td>${formatZoned(c.updatedAt, tz)}</td></tr>`)}</tbody>
</table></div>`}`;
}

export interface CasePageData {
  readonly c: Case;
  readonly caseStateName: string;
  readonly messages: readonly MessageView[];
  readonly files: readonly { readonly id: string; readonly name: string; readonly size: number }[];
  readonly vendors: readonly DisclosureVendorRow[];
  readonly drafts: readonly (CveDraft & { readonly check: DraftCheck })[];
  readonly advisory?: { readonly version: string; readonly status: string; readonly id: string; readonly check: DraftCheck; readonly publishedAt?: string };
  readonly plan?: PublicationPlan;
  readonly tz: string;
  readonly defaultDays: number;
}

function eventText(e: CaseEvent, tz: string): string {
  switch (e.type) {
    case 'case-opened': return `case opened: ${e.title}`;
    case 'report-transitioned': return `report ${e.reportId}: ${e.from} → ${e.to} (${e.action})`;
    case 'participant-added': return `participant added: ${e.participantId} (${e.kind})`;
    case 'vendor-status-set': return `${e.vendorId} on ${e.vulnerabilityId}: ${e.status}${e.statement ? ` — ${e.statement}` : ''}`;
    case 'embargo-proposed': return `embargo proposed (${e.proposalId}) until ${formatZoned(e.endsAt, tz)}`;
    case 'embargo-accepted': return `embargo accepted (${e.proposalId}) until ${formatZoned(e.endsAt, tz)}`;
    case 'embargo-exited': return `embargo exited (${e.reason})`;
    case 'case-state-changed': return `case state ${e.from} → ${e.to} (${CASE_FLAG_NAMES[e.flag]}, ${formatZoned(e.flagAt, tz)})`;
    case 'cve-reserved': return `${e.cveId} reserved for ${e.vulnerabilityId}`;
    case 'message-posted': return `${e.visibility === 'internal' ? 'internal note' : 'message'} ${e.messageId}`;
    case 'file-attached': return `file attached: ${e.name} (${e.size} bytes)`;
    default: {
      const { seq: _s, at: _a, actor: _x, type, ...rest } = e as CaseEvent & Record<string, unknown>;
      const detail = Object.entries(rest).map(([k, x]) => `${k} ${typeof x === 'object' ? JSON.stringify(x) : String(x)}`).join(', ');
      return `${type.replace(/-/g, ' ')}${detail ? `: ${detail}` : ''}`;
    }
  }
}

function thread(v: TeamViewer, caseId: string, all: readonly MessageView[], parent: string | undefined, tz: string, depth: number): SafeHtml | '' {
  const ids = new Set(all.map((m) => m.id));
  const level = all.filter((m) => (parent === undefined ? m.parentId === undefined || !ids.has(m.parentId) : m.parentId === parent));
  if (level.length === 0) return '';
  return html`<ol class="thread">${level.map((m) => html`<li id="${m.id}"><div class="msg${m.visibility === 'internal' ? ' internal' : ''}">
<p class="meta"><strong>${m.authorName}</strong> · ${formatZoned(m.createdAt, tz)}${m.visibility === 'internal' ? ' · internal note (team only)' : ''}</p><p>${m.text}</p>
${depth < 6 ? html`<details><summary>Reply</summary><form method="post" action="/team/cases/${caseId}/messages" class="stack">${csrfField(v)}<input type="hidden" name="parentId" value="${m.id}">
<p><label for="reply-${m.id}">Reply</label><br><textarea id="reply-${m.id}" name="text" rows="3" required></textarea></p>
<p><label><input type="checkbox" name="internal" value="true"${m.visibility === 'internal' ? raw(' checked') : ''}> internal note</label> <button type="submit">Send reply</button></p></form></details>` : ''}
</div>${thread(v, caseId, all, m.id, tz, depth + 1)}</li>`)}</ol>`;
}

export function caseBody(v: TeamViewer, d: CasePageData, flash: { readonly done?: string }): SafeHtml {
  const { c, tz } = d;
  const base = `/team/cases/${c.id}`;
  const vendors = c.participants.filter((p) => p.kind === 'vendor' || p.roles.includes('vendor'));
  const onCase = new Set(c.participants.map((p) => p.id));
  const directory = d.vendors.filter((x) => !onCase.has(`vendor-${x.id}`));
  const products = c.reports.map((r) => r.product.toLowerCase());
  const suggested = (x: DisclosureVendorRow) => x.products.some((p) => products.some((q) => q.includes(p.toLowerCase()) || p.toLowerCase().includes(q)));
  const e = c.embargo;
  const flagsSet = c.caseState;
  const openFlags = CASE_FLAGS.filter((f) => flagsSet[f] === undefined);
  const draftOf = (vid: string) => d.drafts.find((x) => x.vulnerabilityId === vid);
  const post = (path: string, fields: SafeHtml | '', label: string, opts: { secondary?: boolean; confirm?: string } = {}) =>
    html`<form method="post" action="${base}${path}" class="inline"${opts.confirm ? html` data-confirm="${opts.confirm}"` : ''}>${csrfField(v)}${fields}<button type="submit"${opts.secondary ? raw(' class="secondary"') : ''}>${label}</button></form>`;
  const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}">`;
  return html`<p class="muted"><a href="/team/cases">Cases</a> · <a href="${base}/audit">Audit log</a></p>
<h1>${c.title} <span class="subtitle mono">${c.id} · revision ${c.version}</span></h1>
${flashBox(flash.done)}

<section class="card" aria-labelledby="h-state"><h2 id="h-state">Case state <code>${d.caseStateName}</code></h2>
<div class="flags">${CASE_FLAGS.map((f) => html`<div class="flag${flagsSet[f] ? ' on' : ''}" data-flag="${f}"><strong>${f}</strong> ${CASE_FLAG_NAMES[f]}<br><small class="${flagsSet[f] ? 'ok' : 'muted'}">${flagsSet[f] ? formatZoned(flagsSet[f]!, tz) : 'not yet'}</small></div>`)}</div>
${openFlags.length ? html`<form method="post" action="${base}/flags" class="row">${csrfField(v)}<label>Record<select name="flag">${openFlags.map((f) => html`<option value="${f}">${f}: ${CASE_FLAG_NAMES[f]}</option>`)}</select></label>
<label>On (date, ${tz}; empty: now)<input type="date" name="date"></label><button type="submit">Record flag</button></form>
<p class="muted">Public aware (P), exploit public (X) or attacks observed (A) end an active embargo at once.</p>` : ''}
</section>

<section class="card" aria-labelledby="h-reports"><h2 id="h-reports">Reports</h2>
${c.reports.map((r) => html`<h3>${r.id} · ${r.product} ${r.version} · <code>${r.state}</code></h3>
<p>${r.description}</p><p class="muted">Finder: ${r.finder.name ?? 'no name'} &lt;${r.finder.contact}&gt;, credit ${r.finder.credit} · received ${formatZoned(r.receivedAt, tz)}</p>
<div class="actions">${allowedReportActions(r.state).map((a) => post(`/reports/${r.id}/state`, hidden('action', a), a, { secondary: a !== 'validate' && a !== 'accept' }))}</div>`)}
${d.files.length ? html`<h3>Files</h3><ul>${d.files.map((f) => html`<li><a href="/team/files/${f.id}" download>${f.name}</a> <span class="muted">(${f.size} bytes)</span></li>`)}</ul>` : ''}
</section>

<section class="card" aria-labelledby="h-people"><h2 id="h-people">Participants and vendors</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Contact</th><th scope="col">Vendor</th></tr></thead>
<tbody>${c.participants.map((p) => html`<tr><td>${p.name}<br><small class="muted">${p.id}</small></td><td>${p.kind}</td><td>${p.contact ?? ''}</td><td>${p.vendor ? html`${p.vendor.notifiedAt ? `notified ${formatZoned(p.vendor.notifiedAt, tz)}` : 'not notified'}${p.vendor.acknowledgedAt ? html`<br>acknowledged ${formatZoned(p.vendor.acknowledgedAt, tz)}` : ''}` : ''}</td></tr>`)}</tbody></table></div>
${directory.length ? html`<form method="post" action="${base}/participants" class="row">${csrfField(v)}${hidden('from', 'directory')}
<label>Add a vendor from the directory<select name="vendorId" id="vendorId">${[...directory].sort((a, b) => Number(suggested(b)) - Number(suggested(a))).map((x) => html`<option value="${x.id}">${x.name}${suggested(x) ? ' — makes a reported product' : ''} (${x.products.join(', ')})</option>`)}</select></label>
<label><span><input type="checkbox" name="notify" value="true" checked> notify by mail with its private link</span></label><button type="submit">Add vendor</button></form>` : html`<p class="muted">Every directory vendor is on the case. <a href="/team/vendors">Add one to the directory</a>.</p>`}
<details><summary>Add another participant (coordinator, CNA, finder, vendor not in the directory)</summary>
<form method="post" action="${base}/participants" class="row">${csrfField(v)}
<label>Kind<select name="kind">${PARTICIPANT_KINDS.map((k) => html`<option>${k}</option>`)}</select></label><label>Name<input name="name" required maxlength="200"></label>
<label>E-mail<input name="contact" type="email"></label><label><span><input type="checkbox" name="notify" value="true"> notify</span></label><button type="submit">Add participant</button></form></details>
</section>

<section class="card" aria-labelledby="h-vulns"><h2 id="h-vulns">Vulnerabilities and CVE IDs</h2>
${c.vulnerabilities.length ? c.vulnerabilities.map((x) => {
    const dr = draftOf(x.id);
    return html`<h3>${x.id}: ${x.title} ${x.cveId ? html`<span class="badge" data-cve>${x.cveId}</span>` : ''}</h3>
${x.description ? html`<p>${x.description}</p>` : ''}
<table class="compact"><thead><tr><th scope="col">Vendor</th><th scope="col">Status</th><th scope="col">Statement</th></tr></thead><tbody>
${vendors.map((p) => html`<tr><td>${p.name}</td><td>${x.vendors[p.id]?.status ?? 'unknown'}</td><td>${x.vendors[p.id]?.statement ?? ''}</td></tr>`)}</tbody></table>
${vendors.length ? html`<form method="post" action="${base}/vendor-status" class="row">${csrfField(v)}${hidden('vulnerabilityId', x.id)}
<label>Vendor<select name="vendorId">${vendors.map((p) => html`<option value="${p.id}">${p.name}</option>`)}</select></label>
<label>Status<select name="status">${VENDOR_STATUSES.map((s) => html`<option>${s}</option>`)}</select></label>
<label>Statement<input name="statement" maxlength="2000"></label><button type="submit" class="secondary">Set status</button></form>` : ''}
<div class="actions">${x.cveId
      ? html`CVE record draft: ${dr ? (dr.check.ok ? html`<span class="ok">valid</span>` : html`<span class="bad">${dr.check.issues.length} issue(s)</span>`) : html`<span class="muted">none yet</span>`} · <a href="${base}/cves/${x.id}/draft">${dr ? 'Edit the draft' : 'Draft the CVE record'}</a>`
      : post('/cves', hidden('vulnerabilityId', x.id), 'Reserve a CVE ID', { confirm: 'Reserve a CVE ID for this vulnerability now?' })}</div>`;
  }) : html`<p class="muted">No vulnerability yet.</p>`}
<form method="post" action="${base}/vulnerabilities" class="row">${csrfField(v)}
<label>Id<input name="id" required pattern="[A-Za-z0-9_-]{1,40}" size="6" value="v${c.vulnerabilities.length + 1}"></label><label>Title<input name="title" required maxlength="300"></label>
<label>Description<input name="description" maxlength="4000"></label><button type="submit">Add vulnerability</button></form>
</section>

<section class="card" aria-labelledby="h-embargo"><h2 id="h-embargo">Embargo: <span data-embargo-state>${e.state}</span></h2>
${e.endsAt ? html`<p>Ends <strong data-embargo-end>${formatZoned(e.endsAt, tz)}</strong>${e.exitReason ? html` · exited (${e.exitReason})` : ''}</p>` : ''}
${e.pending.length ? html`<h3>Pending proposals (the shortest wins)</h3><ul>${e.pending.map((x) => html`<li>${x.id}: until ${formatZoned(x.endsAt, tz)} by ${x.proposedBy}${x.withGrace ? ' (with grace days)' : ''}
${post('/embargo', html`${hidden('action', 'accept')}${hidden('proposalId', x.id)}`, 'Accept')} ${post('/embargo', html`${hidden('action', 'reject')}${hidden('proposalId', x.id)}`, 'Reject', { secondary: true })}</li>`)}</ul>` : ''}
${e.state !== 'exited' ? html`<div class="actions">${post('/embargo', hidden('action', 'propose-default'), `Propose the team default (${d.defaultDays} days)`)}</div>
<form method="post" action="${base}/embargo" class="row">${csrfField(v)}${hidden('action', 'propose')}
<label>End date<input type="date" name="date" required></label><label>Time (${tz})<input type="time" name="time" value="23:59" step="60"></label>
<label><span><input type="checkbox" name="withGrace" value="true"> with grace days</span></label><button type="submit" class="secondary">Propose this end</button></form>
${e.state === 'active' || e.state === 'revise' ? post('/embargo', hidden('action', 'end'), 'End the embargo early (agreed)', { secondary: true, confirm: 'End the embargo now?' }) : ''}` : ''}
</section>

<section class="card" aria-labelledby="h-pub"><h2 id="h-pub">Record, advisory and publication</h2>
${d.drafts.length ? html`<ul>${d.drafts.map((x) => html`<li>${x.cveId}: ${x.check.ok ? html`<span class="ok">valid draft</span>` : html`<span class="bad">${x.check.issues.length} issue(s)</span>`}${x.publishedAt ? html` · published ${formatZoned(x.publishedAt, tz)} · <a href="/cve/${x.cveId}">public record</a>` : ''}</li>`)}</ul>` : html`<p class="muted">No CVE record draft yet.</p>`}
${d.advisory ? html`<p>Advisory <strong>${d.advisory.id}</strong> version ${d.advisory.version} (${d.advisory.status}): ${d.advisory.check.ok ? html`<span class="ok">valid CSAF 2.0</span>` : html`<span class="bad">${d.advisory.check.issues.length} issue(s)</span>`} · <a href="${base}/advisory">preview</a> · <a href="${base}/advisory.json" download>CSAF 2.0 JSON</a>${d.advisory.publishedAt ? html` · <a href="/advisories/${d.advisory.id}">public page</a>` : ''}</p>` : ''}
${d.drafts.length && !d.advisory?.publishedAt ? html`<form method="post" action="${base}/advisory" class="stack">${csrfField(v)}
<p><label for="adv-title">Advisory title</label><br><input id="adv-title" name="title" maxlength="300" value="${c.title}"></p>
<p><label for="adv-summary">Summary</label><br><textarea id="adv-summary" name="summary" rows="3" maxlength="20000"></textarea></p>
<p><button type="submit">${d.advisory ? 'Redraft the advisory (next draft version)' : 'Draft the advisory'}</button></p></form>` : ''}
<p>Publication: <strong data-plan>${d.plan ? d.plan.state : 'not scheduled'}</strong>${d.plan?.publishedAt ? html` ${formatZoned(d.plan.publishedAt, tz)}` : ''}</p>
${!d.plan || d.plan.state === 'scheduled' ? html`<div class="actions">${!d.plan ? post('/publication', hidden('action', 'schedule'), 'Schedule publication at the embargo end') : ''}
${post('/publication', hidden('action', 'publish-now'), 'Publish now', { secondary: true, confirm: 'Publish the records and the advisory now?' })}</div>` : ''}
</section>

<section class="card" aria-labelledby="h-msgs"><h2 id="h-msgs">Messages and internal notes</h2>
${thread(v, c.id, d.messages, undefined, tz, 0) || html`<p class="muted">No message yet.</p>`}
<form method="post" action="${base}/messages" class="stack">${csrfField(v)}
<p><label for="msg-text">New message to the participants</label><br><textarea id="msg-text" name="text" rows="4" required maxlength="20000"></textarea></p>
<p><label><input type="checkbox" name="internal" value="true"> internal note (team only)</label> <button type="submit">Post</button></p></form>
</section>

<section class="card" aria-labelledby="h-timeline"><h2 id="h-timeline">Timeline</h2>
<ol class="timeline">${c.events.map((x) => html`<li><time datetime="${x.at}">${formatZoned(x.at, tz)}</time> ${eventText(x, tz)} <span class="muted">— ${x.actor}</span></li>`)}</ol>
</section>`;
}

export interface DraftFormValues {
  readonly title: string;
  readonly description: string;
  readonly vendor: string;
  readonly product: string;
  readonly versions: string;
  readonly cwe: string;
  readonly cvss: string;
  readonly references: string;
  readonly remediations: string;
}

export function draftBody(v: TeamViewer, o: { readonly caseId: string; readonly caseTitle: string; readonly vulnerabilityId: string; readonly cveId: string; readonly values: DraftFormValues; readonly check?: DraftCheck; readonly record?: unknown; readonly error?: string; readonly saved?: boolean }): SafeHtml {
  const base = `/team/cases/${o.caseId}`;
  const f = o.values;
  const text = (name: keyof DraftFormValues, label: string, hint?: string) => html`<p><label for="d-${name}">${label}</label><br><input id="d-${name}" name="${name}" value="${f[name]}" size="60">${hint ? html`<br><small class="muted">${hint}</small>` : ''}</p>`;
  const area = (name: keyof DraftFormValues, label: string, hint: string, rows = 3) => html`<p><label for="d-${name}">${label}</label><br><textarea id="d-${name}" name="${name}" rows="${rows}">${f[name]}</textarea><br><small class="muted">${hint}</small></p>`;
  return html`<p class="muted"><a href="${base}">${o.caseTitle}</a></p>
<h1>CVE record draft <span class="subtitle mono">${o.cveId} · ${o.vulnerabilityId}</span></h1>
${o.saved ? flashBox('Draft saved with the case.') : ''}${flashBox(o.error, true)}
<p>Empty fields take the case data: vendors marked affected or fixed (else every vendor), the report's product and version, the vulnerability's title and description, the finder's credit as they asked.</p>
<form method="post" action="${base}/cves/${o.vulnerabilityId}/draft" class="stack" data-live-check="${base}/cves/${o.vulnerabilityId}/check">${csrfField(v)}
${text('title', 'Title')}
${area('description', 'Description', 'What the flaw is, where, and what an attacker can do.', 4)}
${text('vendor', 'Vendor')}${text('product', 'Product')}
${area('versions', 'Affected versions', 'One a line: "3.4" (that version) or "3.0 < 3.5" (from 3.0 up to, not including, 3.5; semver).')}
${text('cwe', 'CWE', 'e.g. CWE-287')}
${area('cvss', 'CVSS vectors', 'One a line (2.0, 3.0, 3.1 or 4.0); scores are computed.', 2)}
${area('references', 'References', 'One a line: the URL, then optionally a space and its name. At least one is needed.')}
${area('remediations', 'Remediations (for the advisory)', 'One a line, e.g. "Update to 3.5."')}
<p><button type="submit">Save the draft</button></p>
</form>
<section aria-live="polite" data-check>${o.check ? (o.check.ok ? html`<p class="check-ok">The record is valid.</p>` : html`<p>${o.check.issues.length} issue(s):</p><ul class="issues">${o.check.issues.map((i) => html`<li><code>${i.path}</code>: ${i.message}</li>`)}</ul>`) : ''}</section>
${o.record ? html`<details><summary>The record as the CNA will publish it</summary><pre>${JSON.stringify(o.record, null, 2)}</pre></details>` : ''}`;
}

export function vendorsBody(v: TeamViewer, vendors: readonly DisclosureVendorRow[], flash?: string): SafeHtml {
  return html`<h1>Vendor directory</h1>${flashBox(flash)}
${vendors.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Vendor</th><th scope="col">Products</th><th scope="col">PSIRT contacts</th></tr></thead>
<tbody>${vendors.map((x) => html`<tr><td>${x.name}<br><small class="muted">${x.id}</small></td><td>${x.products.join(', ')}</td><td>${x.contacts.map((k, i) => html`${i ? ', ' : ''}${k.name ? `${k.name} ` : ''}&lt;${k.email}&gt;`)}</td></tr>`)}</tbody></table></div>` : html`<p class="muted">The directory is empty.</p>`}
<h2>Add a vendor</h2>
<form method="post" action="/team/vendors" class="row">${csrfField(v)}
<label>Id<input name="id" pattern="[A-Za-z0-9_-]{1,60}" size="10" required></label><label>Name<input name="name" required maxlength="200"></label>
<label>Products (comma-separated)<input name="products"></label><label>PSIRT e-mail<input name="email" type="email" required></label><button type="submit">Add to the directory</button></form>`;
}

export function auditBody(caseId: string, title: string, rows: readonly { readonly at: string; readonly actor: string; readonly action: string; readonly detail?: string; readonly reportId?: string }[], tz: string): SafeHtml {
  return html`<p class="muted"><a href="/team/cases/${caseId}">${title}</a></p>
<h1>Audit log <span class="subtitle">${rows.length} entries, append-only</span></h1>
<div class="table-wrap"><table class="compact"><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Detail</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><td>${formatZoned(r.at, tz)}</td><td>${r.actor}</td><td><code>${r.action}</code></td><td>${r.detail ?? ''}${r.reportId ? ` (${r.reportId})` : ''}</td></tr>`)}</tbody></table></div>`;
}

export function advisoryPreviewBody(caseId: string, title: string, previewHtml: string, version: string, status: string): SafeHtml {
  return html`<p class="muted"><a href="/team/cases/${caseId}">${title}</a> · draft version ${version} (${status}): not public until publication</p>
${raw(previewHtml)}`;
}

export function errorPageBody(message: string, back?: string): SafeHtml {
  return html`<h1>Could not do that</h1>${flashBox(message, true)}${back ? html`<p><a href="${back}">Back</a></p>` : ''}`;
}
