/**
 * @module Server-rendered pages: home with charts, lists (a year, the rejected names), the
 * CVE documentation (X1520-8.1 to 8.4, 9.3 to 9.5), not found. Readable without
 * JavaScript; every value escaped.
 */
import type { RepositoryStatus } from '../ingest/index.ts';
import type { RepositoryStats, SearchHit } from '../store/search-types.ts';
import { barChart, columnChart } from './charts.ts';
import { html, type SafeHtml } from './html.ts';

const SEVERITY_ORDER = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE'];
const fmt = (n: number) => n.toLocaleString('en');

const COUNT_LABELS: Readonly<Record<string, string>> = {
  records: 'records',
  versions: 'versions',
  changes: 'change events',
  cpe: 'CPE names',
  cpeMatch: 'CPE match strings',
  cves: 'CVE names',
  scores: 'scores',
  entries: 'entries',
  mappingIssues: 'open mapping issues',
};

/** `1,234 records, 17 open mapping issues` (zeros left out but for mapping issues, which say "none"). */
function countsText(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .filter(([k, v]) => v || k === 'mappingIssues')
    .map(([k, v]) => {
      const label = COUNT_LABELS[k] ?? k;
      return `${fmt(v)} ${v === 1 ? label.replace(/ies$/, 'y').replace(/s$/, '') : label}`;
    })
    .join(', ');
}

/** X1520-9.1 to 9.5: each source with its content date, last and next sync, counts and last error. */
function sourcesTable(status: RepositoryStatus): SafeHtml {
  const missing = status.notImported ?? [];
  return html`<div class="table-wrap"><table class="sources">
<caption>Sources and the date of their content</caption>
<thead><tr><th scope="col">Source</th><th scope="col">Content date</th><th scope="col">Last sync</th><th scope="col">Next sync</th><th scope="col">Counts</th><th scope="col">Last error</th></tr></thead>
<tbody>${status.sources.map((s) => html`<tr id="source-${s.id.replace(/[^A-Za-z0-9_-]/g, '-')}"><th scope="row"><code>${s.id}</code><br><span class="muted">${s.description ?? s.kind}</span>${s.release ? html`<br><span class="muted">release ${s.release}</span>` : ''}</th><td>${s.contentDate ?? '—'}${s.outOfDate && s.contentDate ? html` <span class="badge warn">out of date</span>` : ''}</td><td>${s.lastSyncAt ?? '—'}</td><td>${s.nextSyncAt || html`<span class="muted">not scheduled</span>`}</td><td>${countsText(s.counts) || '—'}</td><td>${s.lastError ? html`<span class="bad">${s.lastError}</span>` : html`<span class="muted">none</span>`}</td></tr>`)}${missing.map((k) => html`<tr id="source-${k.id.replace(/[^A-Za-z0-9_-]/g, '-')}" class="muted"><th scope="row"><code>${k.id}</code><br><span class="muted">${k.label}</span></th>${k.lastError || k.nextSyncAt ? html`<td colspan="2">not imported yet (<code>${k.command}</code>)</td><td>${k.nextSyncAt || html`<span class="muted">not scheduled</span>`}</td><td>—</td><td>${k.lastError ? html`<span class="bad">${k.lastError}</span>` : html`<span class="muted">none</span>`}</td>` : html`<td colspan="5">not imported yet (<code>${k.command}</code>)</td>`}</tr>`)}</tbody>
</table></div>`;
}

export function homeBody(status: RepositoryStatus, stats: RepositoryStats | undefined, examples: readonly string[]): SafeHtml {
  const states = Object.entries(status.counts.byState);
  const years = stats ? [...stats.byYear].sort((a, b) => a.year - b.year) : [];
  return html`
<h1>CVE records</h1>
<section class="hero" aria-labelledby="find-h">
<h2 id="find-h">Find a record by CVE name or words</h2>
<form action="/search" method="get" role="search" aria-label="Find CVE records">
<label for="home-q" class="skip">CVE name or words</label>
<input id="home-q" name="q" type="search" placeholder="CVE-2021-44228, 2021-44228, CAN-1999-0067, log4j…" autocomplete="off" spellcheck="false">
<button type="submit">Search</button>
</form>
<p class="muted">Any form of a CVE name works: <code>CVE-2024-1234</code>, <code>cve-2024-1234</code>, <code>2024-1234</code> or the old <code>CAN-1999-0067</code>. Each record is at <code>/cve/CVE-YYYY-NNNN</code>.${examples.length ? html` Examples: ${examples.map((id, i) => html`${i ? ', ' : ''}<a href="/cve/${id}">${id}</a>`)}.` : ''}</p>
</section>
<p>${fmt(status.counts.total)} CVE records${states.length ? html` (${states.map(([k, v], i) => html`${i ? ', ' : ''}${fmt(v)} ${k.toLowerCase()}`)})` : ''}, ${fmt(status.counts.versions)} versions kept.</p>
${stats ? html`<h2>The repository in charts</h2>
<div class="charts">
${columnChart({ id: 'ch-years', title: 'Records per year', unit: 'Year', summary: `CVE records by the year in their name, ${years[0]?.year ?? ''} to ${years[years.length - 1]?.year ?? ''}; the most in ${[...years].sort((a, b) => b.count - a.count)[0]?.year ?? '—'}.`, data: years.map((y) => ({ label: String(y.year), value: y.count, href: `/cve/year/${y.year}` })) })}
${barChart({ id: 'ch-state', title: 'Records by state', unit: 'State', summary: stats.byState.map((s) => `${s.value}: ${fmt(s.count)}`).join(', '), data: stats.byState.map((s) => ({ label: s.value, value: s.count, href: s.value === 'REJECTED' ? '/cve/rejected' : `/search?state=${encodeURIComponent(s.value)}`, tone: s.value === 'REJECTED' ? 'bad' : '' })) })}
${barChart({ id: 'ch-sev', title: 'Highest CVSS severity', unit: 'Severity', summary: `Records with a CVSS score by their highest severity: ${stats.bySeverity.map((s) => `${s.value} ${fmt(s.count)}`).join(', ')}.`, data: [...stats.bySeverity].sort((a, b) => SEVERITY_ORDER.indexOf(a.value) - SEVERITY_ORDER.indexOf(b.value)).map((s) => ({ label: s.value, value: s.count, href: `/search?severity=${encodeURIComponent(s.value)}`, tone: `sev-${s.value.toLowerCase()}` })) })}
${barChart({ id: 'ch-cwe', title: 'Top weaknesses (CWE)', unit: 'CWE', summary: `The most frequent weaknesses: ${stats.topCwes.slice(0, 3).map((c) => `${c.value}${c.name ? ` ${c.name}` : ''} (${fmt(c.count)})`).join(', ')}.`, data: stats.topCwes.map((c) => ({ label: c.name ? `${c.value} ${c.name}` : c.value, value: c.count, href: `/search?cwe=${encodeURIComponent(c.value)}` })) })}
${barChart({ id: 'ch-vendor', title: 'Top vendors', unit: 'Vendor', summary: `Vendors named in the most records: ${stats.topVendors.slice(0, 3).map((v) => `${v.value} (${fmt(v.count)})`).join(', ')}.`, data: stats.topVendors.map((v) => ({ label: v.value, value: v.count, href: `/search?vendor=${encodeURIComponent(v.value)}` })) })}
${columnChart({ id: 'ch-kev', title: 'KEV additions per month', unit: 'Month', summary: `CVE names added to the CISA Known Exploited Vulnerabilities catalog per month, ${stats.kevByMonth[0]?.value ?? ''} to ${stats.kevByMonth[stats.kevByMonth.length - 1]?.value ?? ''}, ${fmt(stats.kevByMonth.reduce((n, m) => n + m.count, 0))} in all.`, data: [...stats.kevByMonth].sort((a, b) => a.value.localeCompare(b.value)).map((m) => ({ label: m.value, value: m.count, href: `/search?kev=yes` })) })}
</div>
<h2>Browse by year</h2>
<ul class="inline">${years.map((y) => html`<li><a href="/cve/year/${y.year}">${y.year}</a> <span class="muted">${fmt(y.count)}</span></li>`)}</ul>` : ''}
<h2>Sources</h2>
${sourcesTable(status)}`;
}

export interface ListView {
  readonly title: string;
  readonly intro: SafeHtml;
  /** Path without extension (`/cve/year/2024`), for format links. */
  readonly base: string;
  readonly items: readonly SearchHit[];
  readonly total?: number;
  readonly nextCursor?: string;
  readonly cursor?: string;
}

/** A list of records (a year, the rejected names): CVE name first on each row (X1520-B.3.2). */
export function listBody(v: ListView): SafeHtml {
  return html`<h1>${v.title}</h1>
${v.intro}
<p class="muted">${v.total !== undefined ? html`${fmt(v.total)} records. ` : ''}Also as <a href="${v.base}.json">JSON</a>, <a href="${v.base}.xml">CVE XML</a>, <a href="${v.base}.txt">text</a> (the whole list).</p>
${v.items.length ? html`<div class="table-wrap"><table><caption class="skip">${v.title}</caption><thead><tr><th scope="col">CVE name</th><th scope="col">State</th><th scope="col">CVSS</th><th scope="col">Summary</th></tr></thead><tbody>
${v.items.map((h) => {
  const text = h.title ?? h.description;
  return html`<tr><th scope="row"><a class="mono" href="/cve/${h.cveId}">${h.cveId}</a></th><td>${h.state === 'REJECTED' ? html`<span class="bad">REJECTED</span>` : h.state}${h.kev ? html` <span class="badge bad">KEV</span>` : ''}</td><td>${h.cvssScore !== undefined ? html`<span class="sev sev-${(h.cvssSeverity ?? 'none').toLowerCase()}">${h.cvssScore.toFixed(1)}</span>` : '—'}</td><td>${text.length > 200 ? `${text.slice(0, 199)}…` : text}</td></tr>`;
})}</tbody></table></div>` : html`<p>No records.</p>`}
<nav class="pager" aria-label="List pages">${v.cursor ? html`<a href="${v.base}">First page</a>` : html`<span></span>`}${v.nextCursor ? html`<a rel="next" href="${v.base}?cursor=${encodeURIComponent(v.nextCursor)}">Next page →</a>` : ''}</nav>`;
}

export function notFoundBody(input: string, reason: string): SafeHtml {
  return html`<h1>Not found</h1><p>${reason}</p><p class="muted">You searched <code>${input}</code>.</p><p><a href="/search">Search the records</a> or read <a href="/docs/cve#find">how to find a record by CVE name</a>.</p>`;
}

export function docsCveBody(status?: RepositoryStatus): SafeHtml {
  const recordSources = (status?.sources ?? []).filter((s) => ['cve5', 'sample', 'cna'].includes(s.kind));
  const enrichment = (status?.sources ?? []).filter((s) => !['cve5', 'sample', 'cna'].includes(s.kind));
  const next = recordSources.map((s) => s.nextSyncAt).filter((d): d is string => !!d).sort()[0];
  return html`
<h1 id="cve">CVE and CVE compatibility</h1>
<p><strong>CVE</strong> (Common Vulnerabilities and Exposures) is the public list of names for publicly known security vulnerabilities, run by the CVE Program. Each name looks like <code>CVE-YYYY-NNNN</code>: the year, then a sequence of four or more digits. Naming every vulnerability the same way lets tools, databases and advisories refer to the same problem.</p>
<p><strong>CVE compatibility</strong> (ITU-T X.1520) means a product can be searched by CVE name, shows the CVE names of everything it lists, maps its items to the right CVE names, documents how, and says the date of the CVE content it uses.</p>
<h2 id="find">Finding a record by CVE name</h2>
<p>Type the name into the search box on any page, or open <code>/cve/CVE-YYYY-NNNN</code>. Every form works: <code>CVE-2024-1234</code>, <code>cve-2024-1234</code>, <code>2024-1234</code>, <code>CVE 2024 1234</code>, and the old candidate form <code>CAN-1999-0067</code>; the page says "you searched X; the CVE name is Y". Programs can build links with the URL templates <code>/cve/CVE-YYYY-NNNN</code> (also <code>.html</code>, <code>.json</code>, <code>.xml</code>, <code>.txt</code>) and the old form <code>/cgi-bin/cvename.cgi?name=CVE-YYYY-NNNN</code>. <code>/api/v1/resolve?id=…</code> answers in JSON, and <code>POST /api/v1/resolve</code> resolves up to 10,000 names, or every CVE name in a pasted text, at once. See the <a href="/api/docs">API</a>.</p>
<h2 id="names">Getting the CVE names of an item</h2>
<p>Every page, list, feed, API answer and export shows the CVE name of each item first. A rejected name says so at the top of its page and links to the names to use instead; the API gives them as <code>replacedBy</code>. Pasting a text into the search box lists every CVE name in it.</p>
<h2 id="date">Date of the CVE content</h2>
<p>The footer of every page, every API answer (<code>contentDate</code> or the <code>X-CVE-Content-Date</code> header), feed (its subtitle) and export (its first line) says the date of the newest CVE content in this repository and its source. Content more than three months older than today is marked <strong>out of date</strong>.</p>
${status ? html`<p>Now: ${status.contentDate ? html`CVE content as of <strong>${status.contentDate}</strong> from <code>${status.contentSource ?? '?'}</code>${status.outOfDate ? html` <span class="badge warn">out of date</span>` : ''}` : 'no CVE content imported yet'}.</p>` : ''}
<h2 id="sources">Where the content comes from</h2>
<p>CVE records come from the CVE List as published by the CVE Program (the cvelistV5 repository's releases, read by <code>cvekit sync</code>), and from CVE JSON 5 files an operator imports with <code>cvekit import</code>. Known-exploited flags come from the CISA KEV catalog and weakness names from the MITRE CWE list.</p>
${recordSources.length ? html`<ul>${recordSources.map((s) => html`<li><code>${s.id}</code>: ${s.description ?? s.kind}${s.location ? html`, read from <code>${s.location}</code>` : ''}${s.contentDate ? html`, content as of ${s.contentDate}` : ''}.</li>`)}</ul>` : ''}
${enrichment.length ? html`<p>Enrichment: ${enrichment.map((s, i) => html`${i ? ', ' : ''}<code>${s.id}</code>${s.contentDate ? html` (as of ${s.contentDate})` : ''}`)}.</p>` : ''}
<h2 id="selection">How content is selected</h2>
<p>Every record of the CVE List is included, published and rejected alike; nothing is left out or edited. Every version ever seen is kept, so the history of each record can be read. A record that fails the CVE JSON 5 schema is held in a quarantine for the operator rather than shown half-read.</p>
<h2 id="next">When the content is next updated</h2>
<p>${next ? html`The next update from the CVE List is planned for <strong><time datetime="${next}">${next}</time></strong>.` : html`No automatic update is scheduled on this server; the operator updates it by running <code>cvekit sync</code> (or <code>cvekit sync --every 1h</code> to keep it current).`} Each source's last and next update is listed on the <a href="/">home page</a> and at <a href="/api/v1/sources">/api/v1/sources</a>.</p>
<h2 id="index">Index</h2>
<ul><li><a href="#cve">CVE</a>: what CVE is, how to find items by CVE name and how to get an item's CVE names.</li>
<li><a href="#find">CVE name, finding a record by</a></li>
<li><a href="#names">CVE names of an item</a></li>
<li><a href="#date">CVE content date</a>, <a href="#sources">sources</a>, <a href="#selection">selection</a>, <a href="#next">next update</a></li></ul>`;
}
