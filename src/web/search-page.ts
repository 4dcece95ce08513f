/**
 * @module The search page: the query box with the syntax, a facet sidebar whose links add
 * or remove one filter (plain links, no script needed), sort, cursor paging and the total.
 * A CVE name typed in any syntax is recognised ("you searched X; the CVE name is Y"); a
 * query that cannot be parsed is shown with the mistake marked.
 */
import type { FacetCount, FacetName, SearchHit, SearchResult } from '../store/search-types.ts';
import { html, type SafeHtml } from './html.ts';

export interface QueryProblem {
  readonly message: string;
  /** Offset of the mistake in the query text. */
  readonly position?: number;
  readonly end?: number;
}

export interface SearchView {
  /** The query text as typed. */
  readonly q: string;
  /** The page's query string parameters (filters, sort, cursor), to build links from. */
  readonly params: URLSearchParams;
  readonly result?: SearchResult;
  readonly problem?: QueryProblem;
  /** The query is (or contains) a CVE name: its canonical form and whether it is known here. */
  readonly name?: { readonly input: string; readonly canonical: string; readonly known: boolean; readonly state?: string };
  /** Names found in pasted text. */
  readonly names?: readonly string[];
  readonly sort: string;
  readonly limit: number;
}

export const FACET_LABELS: Readonly<Record<FacetName, string>> = {
  state: 'State',
  year: 'Year',
  assigner: 'Assigner',
  vendor: 'Vendor',
  product: 'Product',
  cwe: 'Weakness (CWE)',
  severity: 'CVSS severity',
  cvssVersion: 'CVSS version',
  kev: 'Known exploited (KEV)',
  hasFix: 'Fix known',
};

const SORT_LABELS: Readonly<Record<string, string>> = {
  relevance: 'Relevance',
  published: 'Newest published',
  updated: 'Recently updated',
  score: 'Highest CVSS score',
  id: 'CVE name',
};

/** The link to the same search with `mutate` applied, paging reset. */
function href(params: URLSearchParams, mutate: (p: URLSearchParams) => void): string {
  const p = new URLSearchParams(params);
  p.delete('cursor');
  mutate(p);
  const s = p.toString();
  return s ? `/search?${s}` : '/search';
}

function toggle(params: URLSearchParams, key: string, value: string): { active: boolean; href: string } {
  const active = params.getAll(key).some((v) => v.toLowerCase() === value.toLowerCase());
  return {
    active,
    href: href(params, (p) => {
      const rest = p.getAll(key).filter((v) => v.toLowerCase() !== value.toLowerCase());
      p.delete(key);
      if (active) for (const v of rest) p.append(key, v);
      else {
        for (const v of rest) p.append(key, v);
        p.append(key, value);
      }
    }),
  };
}

const facetValueLabel = (facet: FacetName, value: string) =>
  facet === 'kev' || facet === 'hasFix' ? (['true', 'yes', '1'].includes(value.toLowerCase()) ? 'yes' : 'no') : value;

function facetList(facet: FacetName, counts: readonly FacetCount[], params: URLSearchParams, approx = false): SafeHtml {
  if (!counts.length) return html``;
  const shown = counts.slice(0, 12);
  return html`<section class="facet" aria-labelledby="f-${facet}"><h3 id="f-${facet}">${FACET_LABELS[facet]}</h3><ul>${shown.map((c) => {
    const t = toggle(params, facet, c.value);
    return html`<li><a href="${t.href}"${t.active ? html` aria-current="true" class="active"` : ''}><span class="check" aria-hidden="true">${t.active ? '☑' : '☐'}</span> ${facetValueLabel(facet, c.value)} <span class="count">${approx ? '≈ ' : ''}${c.count.toLocaleString('en')}</span>${t.active ? html`<span class="skip"> (selected; follow to remove)</span>` : ''}</a></li>`;
  })}</ul></section>`;
}

/** Filters set as parameters, each with a link that removes it. */
const FILTER_KEYS = ['state', 'year', 'assigner', 'vendor', 'product', 'cwe', 'severity', 'cvssVersion', 'kev', 'hasFix', 'scoreMin', 'scoreMax', 'publishedFrom', 'publishedTo', 'updatedFrom', 'updatedTo'] as const;

function activeFilters(params: URLSearchParams): SafeHtml {
  const items: SafeHtml[] = [];
  for (const key of FILTER_KEYS) {
    for (const value of params.getAll(key)) {
      const h = href(params, (p) => {
        const rest = p.getAll(key).filter((v) => v !== value);
        p.delete(key);
        for (const v of rest) p.append(key, v);
      });
      items.push(html`<li><a class="chip" href="${h}" aria-label="Remove filter ${key} ${value}">${key}: ${value} <span aria-hidden="true">×</span></a></li>`);
    }
  }
  if (!items.length) return html``;
  return html`<ul class="chips" aria-label="Active filters">${items}<li><a href="${href(params, (p) => {
    for (const k of FILTER_KEYS) p.delete(k);
  })}">Clear all filters</a></li></ul>`;
}

function problemBlock(q: string, p: QueryProblem): SafeHtml {
  const at = p.position !== undefined ? Math.max(0, Math.min(q.length, p.position)) : undefined;
  const end = at !== undefined ? Math.max(at + 1, Math.min(q.length, p.end ?? at + 1)) : undefined;
  return html`<div class="problem" role="alert"><h2>The query could not be read</h2><p>${p.message}${at !== undefined ? html` (at character ${at + 1})` : ''}</p>
${at !== undefined ? html`<pre class="query-mark" aria-hidden="true"><code>${q.slice(0, at)}<mark>${q.slice(at, end) || ' '}</mark>${q.slice(end)}</code>
${' '.repeat(at)}^</pre>` : ''}
<p class="muted">See the <a href="#syntax">query syntax</a>.</p></div>`;
}

function hitItem(h: SearchHit): SafeHtml {
  const text = h.title ?? h.description;
  const sev = h.cvssSeverity?.toLowerCase();
  return html`<li class="hit"><h3><a href="/cve/${h.cveId}" class="mono">${h.cveId}</a>${h.exact ? html` <span class="badge ok">exact name match</span>` : ''}</h3>
<p class="badges">${h.state === 'REJECTED' ? html`<span class="badge bad">REJECTED</span>` : ''}${h.cvssScore !== undefined ? html`<span class="sev sev-${sev ?? 'none'}">CVSS ${h.cvssScore.toFixed(1)} ${h.cvssSeverity ?? ''}</span>` : ''}${h.kev ? html`<span class="badge bad">KEV</span>` : ''}
<span class="muted">${h.assignerShortName ?? ''}${h.datePublished ? html` · published <time datetime="${h.datePublished}">${h.datePublished.slice(0, 10)}</time>` : ''} · updated <time datetime="${h.dateUpdated}">${h.dateUpdated.slice(0, 10)}</time></span></p>
<p>${text.length > 320 ? `${text.slice(0, 319)}…` : text}</p></li>`;
}

export const QUERY_SYNTAX_HELP = html`<details id="syntax" class="syntax"><summary>Query syntax</summary>
<ul>
<li>Words match titles, descriptions, vendors, products and references: <code>buffer overflow</code> (all words must match); <code>log4*</code> matches words starting with log4.</li>
<li><code>"remote code execution"</code>: an exact phrase. <code>-word</code> or <code>-"a phrase"</code>: without it.</li>
<li>A CVE name in any form finds that record first: <code>CVE-2021-44228</code>, <code>2021-44228</code>, <code>CAN-1999-0067</code>.</li>
<li>Filters: <code>vendor:apache</code> <code>product:"http server"</code> <code>assigner:redhat</code> (or <code>cna:</code>) <code>cwe:79</code> <code>state:rejected</code> <code>year:2024</code> <code>year:2020..2023</code> <code>kev:yes</code> <code>has:fix</code> <code>severity:critical</code> <code>cvss:3.1</code> <code>score:>=9</code> <code>published:>=2024-01-01</code> <code>updated:2024-01-01..2024-06-30</code>.</li>
<li>Order: <code>sort:published</code> (relevance, published, updated, score, id) and <code>order:asc</code>.</li>
</ul></details>`;

export function searchBody(v: SearchView): SafeHtml {
  const r = v.result;
  const params = v.params;
  const query = params.toString();
  const sorts = Object.keys(SORT_LABELS);
  const facets = r?.facets ? (Object.entries(r.facets) as [FacetName, FacetCount[]][]).filter(([, c]) => c && c.length) : [];
  return html`<h1>Search</h1>
<form class="search-big" role="search" action="/search" method="get" aria-label="Search CVE records">
<label for="search-q">CVE name, words or filters</label>
<div class="row"><input id="search-q" name="q" type="search" value="${v.q}" aria-describedby="syntax-hint" autocomplete="off" spellcheck="false"><button type="submit">Search</button></div>
<p id="syntax-hint" class="muted">For example <code>vendor:apache cwe:79 kev:yes published:>=2024-01-01 "remote code execution"</code></p>
${[...params.entries()].filter(([k]) => k !== 'q' && k !== 'cursor' && k !== 'sort').map(([k, val]) => html`<input type="hidden" name="${k}" value="${val}">`)}
<p><label for="sort">Sort by</label> <select id="sort" name="sort" data-autosubmit>${sorts.map((s) => html`<option value="${s}"${s === v.sort ? html` selected` : ''}>${SORT_LABELS[s]}</option>`)}</select> <button type="submit" class="secondary">Apply</button></p>
</form>
${QUERY_SYNTAX_HELP}
${v.name ? html`<p class="notice" role="status">You searched <code>${v.name.input}</code>; the CVE name is <a href="/cve/${v.name.canonical}"><strong>${v.name.canonical}</strong></a>${v.name.known ? (v.name.state === 'REJECTED' ? ' (rejected)' : '') : html` — a well-formed name that is not in this repository`}.</p>` : ''}
${v.names?.length ? html`<section aria-labelledby="names"><h2 id="names">CVE names in your text (${v.names.length})</h2><ul class="inline">${v.names.map((n) => html`<li><a href="/cve/${n}">${n}</a></li>`)}</ul></section>` : ''}
${v.problem ? problemBlock(v.q, v.problem) : ''}
${activeFilters(params)}
${r ? html`<div class="search-layout">
<aside class="facets" aria-label="Filters">
<h2>Filter</h2>
${r.facetSample ? html`<p class="muted" id="facet-sample">Counts are estimates (≈) from ${r.facetSample.size.toLocaleString('en')} of the ${r.facetSample.of.toLocaleString('en')} results.</p>` : ''}
${facets.length ? facets.map(([name, counts]) => facetList(name, counts, params, r.facetSample !== undefined)) : html`<p class="muted">No filters for this result.</p>`}
</aside>
<section class="results" aria-labelledby="results-h">
<h2 id="results-h">${r.total !== undefined ? html`${r.total.toLocaleString('en')} record${r.total === 1 ? '' : 's'}` : 'Results'}${params.get('cursor') ? ' (continued)' : ''}</h2>
<p class="muted formats">This result as <a href="/search.json?${query}">JSON</a>, <a href="/search.xml?${query}">CVE XML</a>, <a href="/search.txt?${query}">text</a>, <a href="/api/v1/search?${query}&amp;format=csv">CSV</a>, <a href="/api/v1/search?${query}&amp;format=atom">Atom feed</a>.</p>
${r.items.length ? html`<ol class="hits">${r.items.map(hitItem)}</ol>` : html`<p>No record matches. Remove a filter or use fewer words.</p>`}
<nav class="pager" aria-label="Result pages">${params.get('cursor') ? html`<a href="${href(params, () => {})}">First page</a>` : ''}${r.nextCursor ? html` <a rel="next" href="${href(params, (p) => p.set('cursor', r.nextCursor!))}">Next ${v.limit} →</a>` : ''}</nav>
</section></div>` : ''}`;
}
