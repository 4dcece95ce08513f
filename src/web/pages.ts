/**
 * @module Server-rendered pages: home, CVE record, CVE documentation, not found. Readable
 * without JavaScript; every value escaped.
 */
import type { CveRecordJson, RecordSummary } from '../cve/index.ts';
import type { RepositoryStatus } from '../ingest/index.ts';
import type { CweEntry, KevEntry, VersionInfo } from '../store/index.ts';
import { html, link, type SafeHtml } from './html.ts';

export function homeBody(status: RepositoryStatus, examples: readonly string[]): SafeHtml {
  const states = Object.entries(status.counts.byState);
  return html`
<h1>CVE records</h1>
<p>${status.counts.total.toLocaleString('en')} CVE records${states.length ? html` (${states.map(([k, v], i) => html`${i ? ', ' : ''}${v.toLocaleString('en')} ${k.toLowerCase()}`)})` : ''}, ${status.counts.versions.toLocaleString('en')} versions kept.</p>
<p>Find a record by its CVE name in any form: <code>CVE-2024-1234</code>, <code>cve-2024-1234</code>, <code>2024-1234</code> or the old <code>CAN-1999-0067</code>. Each record is at <code>/cve/CVE-YYYY-NNNN</code>.</p>
${examples.length ? html`<h2>Examples</h2><ul>${examples.map((id) => html`<li><a href="/cve/${id}">${id}</a></li>`)}</ul>` : ''}
<h2>Sources</h2>
<div class="table-wrap"><table>
<thead><tr><th scope="col">Source</th><th scope="col">Content date</th><th scope="col">Last sync</th><th scope="col">Release</th></tr></thead>
<tbody>${status.sources.map((s) => html`<tr><td>${s.id}<br><span class="muted">${s.description ?? s.kind}</span></td><td>${s.contentDate ?? '-'}${s.outOfDate && s.contentDate ? html` <span class="badge warn">out of date</span>` : ''}</td><td>${s.lastSyncAt ?? '-'}</td><td>${s.release ?? '-'}</td></tr>`)}</tbody>
</table></div>`;
}

function dateRows(s: RecordSummary): SafeHtml {
  const rows: [string, string | undefined][] = [
    ['Reserved', s.dates.reserved],
    ['Public', s.dates.public],
    ['Published', s.dates.published],
    ['Updated', s.dates.updated],
    ['Rejected', s.dates.rejected],
  ];
  return html`${rows.filter(([, v]) => v).map(([k, v]) => html`<tr><th scope="row">${k}</th><td><time datetime="${v}">${v}</time></td></tr>`)}`;
}

export interface RecordView {
  readonly summary: RecordSummary;
  readonly record: CveRecordJson;
  readonly versions: readonly VersionInfo[];
  readonly kev?: KevEntry;
  readonly cwes: ReadonlyMap<string, CweEntry>;
  /** Names whose records point at this one as their replacement. */
  readonly replacing: readonly string[];
  readonly query?: { readonly input: string; readonly canonical: string };
}

export function recordBody(v: RecordView): SafeHtml {
  const s = v.summary;
  const rejected = s.state === 'REJECTED';
  return html`
${v.query && v.query.input !== v.query.canonical ? html`<p class="muted">You searched <code>${v.query.input}</code>; the CVE name is <strong>${v.query.canonical}</strong>.</p>` : ''}
<h1><span class="mono">${s.cveId}</span>${s.title ? html`<br><small>${s.title}</small>` : ''}</h1>
<p><span class="badge ${rejected ? 'bad' : ''}">${s.state}</span> ${v.kev || s.kev ? html`<span class="badge bad" title="CISA Known Exploited Vulnerabilities">KEV: known exploited${v.kev ? html`, added ${v.kev.dateAdded}` : s.kev ? html`, added ${s.kev.dateAdded}` : ''}</span>` : ''}
<span class="muted">Assigner: ${s.assignerShortName ?? s.assignerOrgId}</span></p>
${rejected ? html`<section class="rejected" aria-labelledby="rej"><h2 id="rej">This CVE name is rejected</h2>
<p>${s.description}</p>
${s.replacements.length ? html`<p>Use instead: ${s.replacements.map((r, i) => html`${i ? ', ' : ''}<a href="/cve/${r.target}">${r.target}</a> (${r.kind === 'duplicate-of' ? 'duplicate of' : 'replaced by'})`)}</p>` : html`<p class="muted">The rejection names no replacement.</p>`}
</section>` : html`<section aria-labelledby="desc"><h2 id="desc">Description</h2>${s.descriptions.map((d) => html`<p lang="${d.lang}">${d.value}</p>`)}</section>`}
${v.replacing.length ? html`<p>Rejected names that point here: ${v.replacing.map((id, i) => html`${i ? ', ' : ''}<a href="/cve/${id}">${id}</a>`)}</p>` : ''}
${s.metrics.length ? html`<section aria-labelledby="sev"><h2 id="sev">Severity</h2><div class="table-wrap"><table><thead><tr><th scope="col">Source</th><th scope="col">CVSS</th><th scope="col">Score</th><th scope="col">Vector</th></tr></thead><tbody>
${s.metrics.map((m) => html`<tr><td>${m.source}</td><td>${m.version}</td><td>${m.baseScore} ${m.baseSeverity}</td><td class="mono">${m.vectorString}</td></tr>`)}</tbody></table></div></section>` : ''}
${s.cweIds.length ? html`<section aria-labelledby="cwe"><h2 id="cwe">Weaknesses</h2><ul>${s.cweIds.map((id) => html`<li>${id}${v.cwes.get(id) ? html`: ${v.cwes.get(id)?.name}` : ''}</li>`)}</ul></section>` : ''}
${s.affected.length ? html`<section aria-labelledby="aff"><h2 id="aff">Affected products</h2><div class="table-wrap"><table><thead><tr><th scope="col">Vendor</th><th scope="col">Product</th><th scope="col">Versions</th><th scope="col">Source</th></tr></thead><tbody>
${s.affected.map((a) => html`<tr><td>${a.vendor}</td><td>${a.product}</td><td>${a.versions.map((ver) => html`<div>${ver.status}: ${ver.version}${ver.lessThan ? html` &lt; ${ver.lessThan}` : ''}${ver.lessThanOrEqual ? html` ≤ ${ver.lessThanOrEqual}` : ''}</div>`)}${a.defaultStatus ? html`<div class="muted">default: ${a.defaultStatus}</div>` : ''}</td><td>${a.source}</td></tr>`)}</tbody></table></div></section>` : ''}
${s.references.length ? html`<section aria-labelledby="refs"><h2 id="refs">References</h2><ul>${s.references.map((r) => html`<li>${link(r.url, r.name && r.name !== r.url ? r.name : r.url)}${r.tags.length ? html` <span class="muted">${r.tags.join(', ')}</span>` : ''}</li>`)}</ul></section>` : ''}
<section aria-labelledby="dates"><h2 id="dates">Dates</h2><table>${dateRows(s)}</table></section>
<section aria-labelledby="hist"><h2 id="hist">History</h2><div class="table-wrap"><table><thead><tr><th scope="col">Version</th><th scope="col">Updated</th><th scope="col">Source</th><th scope="col">Arrived</th></tr></thead><tbody>
${v.versions.map((ver) => html`<tr><td>${ver.version}${ver.current ? ' (current)' : ''}</td><td>${ver.dateUpdated}</td><td>${ver.source}</td><td>${ver.arrivedAt}</td></tr>`)}</tbody></table></div></section>
<p><a href="/cve/${s.cveId}.json">CVE JSON 5 record</a></p>`;
}

export function notFoundBody(input: string, reason: string): SafeHtml {
  return html`<h1>Not found</h1><p>${reason}</p><p class="muted">You searched <code>${input}</code>.</p>`;
}

export function docsCveBody(): SafeHtml {
  return html`
<h1 id="cve">CVE and CVE compatibility</h1>
<p><strong>CVE</strong> (Common Vulnerabilities and Exposures) is the public list of names for publicly known security vulnerabilities, run by the CVE Program. Each name looks like <code>CVE-YYYY-NNNN</code>: the year, then a sequence of four or more digits. Naming every vulnerability the same way lets tools, databases and advisories refer to the same problem.</p>
<p><strong>CVE compatibility</strong> (ITU-T X.1520) means a product can be searched by CVE name, shows the CVE names of everything it lists, maps its items to the right CVE names, documents how, and says the date of the CVE content it uses.</p>
<h2 id="find">Finding a record by CVE name</h2>
<p>Type the name into the search box on any page, or open <code>/cve/CVE-YYYY-NNNN</code>. Every form works: <code>CVE-2024-1234</code>, <code>cve-2024-1234</code>, <code>2024-1234</code>, and the old candidate form <code>CAN-1999-0067</code>. From the command line and API: <code>/cve/CVE-YYYY-NNNN.json</code> gives the record.</p>
<h2 id="names">Getting the CVE names of an item</h2>
<p>Every page, API answer and export shows the CVE name of each item. A rejected name says so at the top of its page and links to the names to use instead.</p>
<h2 id="date">Date of the CVE content</h2>
<p>The footer of every page says the date of the newest CVE content in this repository and its source. Content older than three months is marked out of date.</p>
<h2 id="index">Index</h2>
<ul><li><a href="#cve">CVE</a>: what CVE is, how to find items by CVE name and how to get an item's CVE names.</li></ul>`;
}
